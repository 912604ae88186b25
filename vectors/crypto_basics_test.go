package vectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
)

// TestCryptoBasicsOfficial verifies the official crypto-basics.json: every
// case must run and pass.
func TestCryptoBasicsOfficial(t *testing.T) {
	path := filepath.Join(DefaultDir(), "crypto-basics.json")
	data, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("official vectors missing in CI: %v", err)
		}
		t.Skipf("official vectors not found (%v); set MLS_TEST_VECTORS to the mlswg test-vectors directory", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	k, ok := Lookup("crypto-basics")
	if !ok {
		t.Fatal("crypto-basics is not registered")
	}
	rep := &Report{}
	if err := k.Verify(data, rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Failures {
		t.Error(f)
	}
	if rep.Passed != len(raw) || rep.Failed != 0 || rep.Skipped != 0 {
		t.Fatalf("got %d passed, %d failed, %d skipped; want %d passed", rep.Passed, rep.Failed, rep.Skipped, len(raw))
	}
	if len(raw) != 7 {
		t.Errorf("official file has %d cases, want one per suite (7)", len(raw))
	}
}

// TestCryptoBasicsGenerated checks that generated output for every suite
// verifies, and that generation is reproducible from the seed.
func TestCryptoBasicsGenerated(t *testing.T) {
	k, _ := Lookup("crypto-basics")
	if len(k.Suites) != 7 {
		t.Fatalf("Suites = %v, want all seven", k.Suites)
	}
	for _, suite := range k.Suites {
		t.Run(fmt.Sprintf("suite-%d", suite), func(t *testing.T) {
			gen := func() []byte {
				v, err := k.Generate(suite, seeded.New(fmt.Sprintf("crypto-basics-%d", suite)))
				if err != nil {
					t.Fatalf("Generate: %v", err)
				}
				data, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
			data := gen()
			if again := gen(); string(again) != string(data) {
				t.Errorf("generation is not reproducible from its seed")
			}
			rep := &Report{}
			if err := k.Verify(data, rep); err != nil {
				t.Fatal(err)
			}
			if rep.Passed != 1 || rep.Failed != 0 || rep.Skipped != 0 {
				t.Fatalf("got %d passed, %d failed, %d skipped: %v", rep.Passed, rep.Failed, rep.Skipped, rep.Failures)
			}
		})
	}
}

// TestDeriveKeyPairAgainstKeySchedule checks ciphersuite DeriveKeyPair
// against official values that crypto-basics lacks: in key-schedule.json
// every epoch's external_pub is the public key of
// DeriveKeyPair(external_secret) (RFC 9420, Section 8), a seed of KDF.Nh
// bytes, which for X448 and P-521 is not the KEM's Nsk.
func TestDeriveKeyPairAgainstKeySchedule(t *testing.T) {
	path := filepath.Join(DefaultDir(), "key-schedule.json")
	data, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("official vectors missing in CI: %v", err)
		}
		t.Skipf("official vectors not found (%v); set MLS_TEST_VECTORS to the mlswg test-vectors directory", err)
	}
	var cases []struct {
		CipherSuite uint16 `json:"cipher_suite"`
		Epochs      []struct {
			ExternalSecret HexBytes `json:"external_secret"`
			ExternalPub    HexBytes `json:"external_pub"`
		} `json:"epochs"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	suites := map[uint16]int{}
	for i, tc := range cases {
		s, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		for j, e := range tc.Epochs {
			_, pub, err := s.DeriveKeyPair(e.ExternalSecret)
			if err != nil || !bytes.Equal(pub, e.ExternalPub) {
				t.Errorf("case %d (suite %d) epoch %d: DeriveKeyPair(external_secret) public key = %x, %v; want %x", i, tc.CipherSuite, j, pub, err, e.ExternalPub)
			}
			suites[tc.CipherSuite]++
		}
	}
	if len(suites) != 7 {
		t.Errorf("key-schedule.json covered suites %v, want all seven", suites)
	}
}
