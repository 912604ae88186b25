package ciphersuite_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustLookup(t *testing.T, id ciphersuite.ID) *ciphersuite.Suite {
	t.Helper()
	s, err := ciphersuite.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLookup checks the parameters of the seven suites against the table of
// RFC 9420, Section 17.1 and the algorithm sizes of RFC 9180, Section 7.
func TestLookup(t *testing.T) {
	tests := []struct {
		id                      ciphersuite.ID
		name                    string
		nh, nk, nn              int
		kem, kdf, aead, sigTLS  uint16
		sigPubLen, hpkePubLen   int
		sigPrivLen, hpkePrivLen int
	}{
		{1, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", 32, 16, 12, 0x20, 1, 1, 0x0807, 32, 32, 32, 32},
		{2, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256", 32, 16, 12, 0x10, 1, 1, 0x0403, 65, 65, 32, 32},
		{3, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519", 32, 32, 12, 0x20, 1, 3, 0x0807, 32, 32, 32, 32},
		{4, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448", 64, 32, 12, 0x21, 3, 2, 0x0808, 57, 56, 57, 56},
		{5, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521", 64, 32, 12, 0x12, 3, 2, 0x0603, 133, 133, 66, 66},
		{6, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448", 64, 32, 12, 0x21, 3, 3, 0x0808, 57, 56, 57, 56},
		{7, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384", 48, 32, 12, 0x11, 2, 2, 0x0503, 97, 97, 48, 48},
	}
	if got := ciphersuite.All(); len(got) != len(tests) {
		t.Fatalf("All() = %v, want %d suites", got, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustLookup(t, tt.id)
			if s.ID() != tt.id || s.String() != tt.name || tt.id.String() != tt.name {
				t.Errorf("ID/String = %v/%q/%q", s.ID(), s.String(), tt.id.String())
			}
			if s.Nh() != tt.nh || s.AEADKeySize() != tt.nk || s.AEADNonceSize() != tt.nn {
				t.Errorf("Nh, Nk, Nn = %d, %d, %d; want %d, %d, %d", s.Nh(), s.AEADKeySize(), s.AEADNonceSize(), tt.nh, tt.nk, tt.nn)
			}
			if s.KEMID() != tt.kem || s.KDFID() != tt.kdf || s.AEADID() != tt.aead || s.SignatureScheme() != tt.sigTLS {
				t.Errorf("KEM, KDF, AEAD, sig = %#x, %#x, %#x, %#x", s.KEMID(), s.KDFID(), s.AEADID(), s.SignatureScheme())
			}
			if got := len(s.Hash(nil)); got != tt.nh {
				t.Errorf("len(Hash) = %d, want %d", got, tt.nh)
			}
			priv, pub, err := s.GenerateSignatureKeyPair(seededReader("lookup"))
			if err != nil || len(priv) != tt.sigPrivLen || len(pub) != tt.sigPubLen {
				t.Errorf("signature key sizes %d/%d (%v), want %d/%d", len(priv), len(pub), err, tt.sigPrivLen, tt.sigPubLen)
			}
			priv, pub, err = s.GenerateKeyPair(seededReader("lookup"))
			if err != nil || len(priv) != tt.hpkePrivLen || len(pub) != tt.hpkePubLen {
				t.Errorf("HPKE key sizes %d/%d (%v), want %d/%d", len(priv), len(pub), err, tt.hpkePrivLen, tt.hpkePubLen)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	// 0x0000 is reserved, 0x0A0A is a GREASE value (RFC 9420, Section
	// 13.5), 0x0008 and 0xF000 are unassigned or private use.
	for _, id := range []ciphersuite.ID{0x0000, 0x0008, 0x0A0A, 0xF000, 0xFFFF} {
		s, err := ciphersuite.Lookup(id)
		if s != nil || !errors.Is(err, mlserr.ErrUnsupported) {
			t.Errorf("Lookup(%#04x) = %v, %v; want an ErrUnsupported error", uint16(id), s, err)
		}
		if id.String() == "" {
			t.Errorf("String of %#04x is empty", uint16(id))
		}
	}
}

// TestMandatorySuite checks [R-17.1-4]: the mandatory-to-implement suite
// 0x0001 is supported, with every primitive working.
func TestMandatorySuite(t *testing.T) {
	s, err := ciphersuite.Lookup(0x0001)
	if err != nil {
		t.Fatalf("R-17.1-4: suite 0x0001 is not supported: %v", err)
	}
	r := seededReader("mandatory")
	sigPriv, sigPub, err := s.GenerateSignatureKeyPair(r)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.SignWithLabel(sigPriv, ciphersuite.LabelKeyPackageTBS, []byte("kp"))
	if err != nil || s.VerifyWithLabel(sigPub, ciphersuite.LabelKeyPackageTBS, []byte("kp"), sig) != nil {
		t.Errorf("sign/verify: %v", err)
	}
	priv, pub, err := s.GenerateKeyPair(r)
	if err != nil {
		t.Fatal(err)
	}
	kemOutput, ct, err := s.EncryptWithLabel(pub, ciphersuite.LabelWelcomeEncryption, nil, []byte("gs"), r)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := s.DecryptWithLabel(priv, ciphersuite.LabelWelcomeEncryption, nil, kemOutput, ct); err != nil || string(pt) != "gs" {
		t.Errorf("encrypt/decrypt: %q, %v", pt, err)
	}
}
