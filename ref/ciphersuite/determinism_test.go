package ciphersuite_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"io"
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
)

func seededReader(seed string) io.Reader { return seeded.New(seed) }

// randomizedOutputs runs every operation that takes randomness, all from
// one reader seeded with seed, and returns what they produced.
func randomizedOutputs(t *testing.T, s *ciphersuite.Suite, seed string) map[string][]byte {
	t.Helper()
	r := seededReader(seed)
	out := map[string][]byte{}
	var err error
	check := func(step string) {
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	out["sig priv"], out["sig pub"], err = s.GenerateSignatureKeyPair(r)
	check("GenerateSignatureKeyPair")
	out["signature"], err = s.SignWithLabel(out["sig priv"], "FramedContentTBS", []byte("content"))
	check("SignWithLabel")
	out["hpke priv"], out["hpke pub"], err = s.GenerateKeyPair(r)
	check("GenerateKeyPair")
	out["kem_output"], out["ciphertext"], err = s.EncryptWithLabel(out["hpke pub"], "UpdatePathNode", []byte("context"), []byte("plaintext"), r)
	check("EncryptWithLabel")
	out["export kem_output"], out["exported"], err = s.HPKEExportSender(out["hpke pub"], nil, []byte(ciphersuite.LabelExternalInitSecret), s.Nh(), r)
	check("HPKEExportSender")
	return out
}

// TestSeededDeterminism shows that with a seeded reader every randomized
// output is reproducible byte for byte, and that the outputs do depend on
// the reader (nothing falls back to the system RNG).
func TestSeededDeterminism(t *testing.T) {
	for _, id := range ciphersuite.All() {
		s := mustLookup(t, id)
		t.Run(s.String(), func(t *testing.T) {
			a := randomizedOutputs(t, s, "determinism")
			b := randomizedOutputs(t, s, "determinism")
			if d := cmp.Diff(a, b); d != "" {
				t.Errorf("same seed, different outputs (-first +second):\n%s", d)
			}
			c := randomizedOutputs(t, s, "another seed")
			for k, v := range a {
				if bytes.Equal(v, c[k]) {
					t.Errorf("%s does not depend on the seed", k)
				}
			}
			// Signing itself uses no randomness: same key, same signature.
			sig, err := s.SignWithLabel(a["sig priv"], "FramedContentTBS", []byte("content"))
			if err != nil || !bytes.Equal(sig, a["signature"]) {
				t.Errorf("signing twice with the same key gave different signatures (%v)", err)
			}
			// Decryption of the reproducible ciphertext works.
			pt, err := s.DecryptWithLabel(a["hpke priv"], "UpdatePathNode", []byte("context"), a["kem_output"], a["ciphertext"])
			if err != nil || string(pt) != "plaintext" {
				t.Errorf("DecryptWithLabel = %q, %v", pt, err)
			}
			exp, err := s.HPKEExportReceiver(a["hpke priv"], a["export kem_output"], nil, []byte(ciphersuite.LabelExternalInitSecret), s.Nh())
			if err != nil || !bytes.Equal(exp, a["exported"]) {
				t.Errorf("HPKEExportReceiver = %x, %v; want %x", exp, err, a["exported"])
			}
		})
	}
}

func isEdDSA(s *ciphersuite.Suite) bool {
	return s.SignatureScheme() == 0x0807 || s.SignatureScheme() == 0x0808
}

// TestECDSANilRandIsRFC6979 checks the property of Go's crypto/ecdsa that
// SignWithLabel relies on: (*ecdsa.PrivateKey).Sign with a nil reader is
// the deterministic signing of RFC 6979. The expected r and s are those of
// RFC 6979, Appendix A.2.5 (P-256, SHA-256, message "sample").
func TestECDSANilRandIsRFC6979(t *testing.T) {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), unhex(t, "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("sample"))
	der, err := k.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var sig struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) != 0 {
		t.Fatalf("signature is not DER: %v", err)
	}
	wantR, _ := new(big.Int).SetString("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716", 16)
	wantS, _ := new(big.Int).SetString("f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8", 16)
	if sig.R.Cmp(wantR) != 0 || sig.S.Cmp(wantS) != 0 {
		t.Errorf("Sign(nil, ...) is not RFC 6979: r=%x s=%x", sig.R, sig.S)
	}
}

// TestECDSASignWithLabelKnownAnswer compares ECDSA SignWithLabel with
// deterministic (RFC 6979) signatures computed independently with OpenSSL
// (through Python's cryptography package, deterministic_signing=True) over
// the SignContent for label "LeafNodeTBS" and content 00 01 .. 27.
func TestECDSASignWithLabelKnownAnswer(t *testing.T) {
	content := make([]byte, 40)
	for i := range content {
		content[i] = byte(i)
	}
	tests := []struct {
		id        ciphersuite.ID
		priv, sig string
	}{
		{ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
			"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
			"30440220600adce2cacc9309a831c7354fd21225753b6dfb1bad5f6c0ebfede6dce814e402203d17dbd2bdd908a3520009f8795ed890a45d205b9bb9bd892d623eed3bd0ad4f"},
		{ciphersuite.MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
			"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30",
			"306402305dd38dc5ef740861637ebecfb3f445638cc9207eefcd1e1ce74aa0e114edb5993ccee453df20bed65bcf16ebc4183360023021a8b7813d0f47f88a66bbf21069b6b81ff134e62d1407265ec91bb3d68334e160aec1d1dfc9bc6c5b26a0e2d1295ee8"},
		{ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
			"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142",
			"308187024105904737df5995b46f36c5ebbc820b682277a32e758a0d4e2701582d2119c245bc14e9982703e149efcc72d507a8c493344d0168240e76652d0d8eb0c4c6a104c5024200cfe7113262117179f92e3c9c47630cca82ecd7fa12332d7b39e8770b27d70efbe253657f53c85506eeb02e3f6d3dd125e86871dc0f6b4a9ebc0d8af983c9b46f7e"},
	}
	for _, tt := range tests {
		s := mustLookup(t, tt.id)
		t.Run(s.String(), func(t *testing.T) {
			sig, err := s.SignWithLabel(unhex(t, tt.priv), ciphersuite.LabelLeafNodeTBS, content)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tt.sig); !bytes.Equal(sig, want) {
				t.Errorf("SignWithLabel = %x\nwant            %x", sig, want)
			}
		})
	}
}

// TestNilRandom checks that a nil reader means the system RNG rather than
// a panic.
func TestNilRandom(t *testing.T) {
	for _, id := range ciphersuite.All() {
		s := mustLookup(t, id)
		if _, _, err := s.GenerateSignatureKeyPair(nil); err != nil {
			t.Errorf("%v GenerateSignatureKeyPair(nil): %v", s, err)
		}
		priv, pub, err := s.GenerateKeyPair(nil)
		if err != nil {
			t.Fatalf("%v GenerateKeyPair(nil): %v", s, err)
		}
		kemOutput, ct, err := s.EncryptWithLabel(pub, "x", nil, []byte("pt"), nil)
		if err != nil {
			t.Fatalf("%v EncryptWithLabel(nil rand): %v", s, err)
		}
		if pt, err := s.DecryptWithLabel(priv, "x", nil, kemOutput, ct); err != nil || string(pt) != "pt" {
			t.Errorf("%v round trip: %q, %v", s, pt, err)
		}
	}
}
