package vectors

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
)

// TestDeriveKeyPairAgainstKeySchedule checks ciphersuite DeriveKeyPair
// against official values that crypto-basics lacks: in key-schedule.json
// every epoch's external_pub is the public key of
// DeriveKeyPair(external_secret) (RFC 9420, Section 8), a seed of KDF.Nh
// bytes, which for X448 and P-521 is not the KEM's Nsk.
func TestDeriveKeyPairAgainstKeySchedule(t *testing.T) {
	data := officialData(t, "key-schedule.json")
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
