package ciphersuite_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// TestAEADKnownAnswers checks Seal against ciphertexts computed
// independently with Python's cryptography package (OpenSSL), and Open of
// those ciphertexts.
func TestAEADKnownAnswers(t *testing.T) {
	key32 := make([]byte, 32)
	for i := range key32 {
		key32[i] = byte(i)
	}
	nonce := make([]byte, 12)
	for i := range nonce {
		nonce[i] = byte(100 + i)
	}
	aad, pt := []byte("mlsref aad"), []byte("mlsref plaintext")
	tests := []struct {
		id  ciphersuite.ID
		key []byte
		ct  string
	}{
		{ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, key32[:16], "770e3dd7be64988af75f3e7ef2af5398347e072a366d2b8d2b3e5ffd01cb8ffa"},
		{ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521, key32, "2577ad141c8f76ee52033686ae00128956242b1bd54e745878702b87de3025c2"},
		{ciphersuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, key32, "597dc8b8fdc3562297bf7c1186eca0e767584c1e45e56757729febe41254ad0c"},
	}
	for _, tt := range tests {
		s := mustLookup(t, tt.id)
		t.Run(s.String(), func(t *testing.T) {
			want := unhex(t, tt.ct)
			ct, err := s.Seal(tt.key, nonce, aad, pt)
			if err != nil || !bytes.Equal(ct, want) {
				t.Errorf("Seal = %x, %v; want %x", ct, err, want)
			}
			got, err := s.Open(tt.key, nonce, aad, want)
			if err != nil || !bytes.Equal(got, pt) {
				t.Errorf("Open = %q, %v", got, err)
			}
		})
	}
}

// TestAEADBadInput checks that Open rejects altered, short and misbound
// ciphertexts with ErrDecryption, and that keys and nonces of the wrong
// size are ErrInvalidInput, never a panic.
func TestAEADBadInput(t *testing.T) {
	for _, id := range ciphersuite.All() {
		s := mustLookup(t, id)
		t.Run(s.String(), func(t *testing.T) {
			key := bytes.Repeat([]byte{7}, s.AEADKeySize())
			nonce := bytes.Repeat([]byte{9}, s.AEADNonceSize())
			aad, pt := []byte("aad"), []byte("plaintext")
			ct, err := s.Seal(key, nonce, aad, pt)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.Open(key, nonce, aad, ct); err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("round trip: %q, %v", got, err)
			}
			empty, err := s.Seal(key, nonce, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.Open(key, nonce, nil, empty); err != nil || got == nil || len(got) != 0 {
				t.Errorf("empty plaintext round trip: %v, %v", got, err)
			}

			alteredTag := bytes.Clone(ct)
			alteredTag[len(alteredTag)-1] ^= 0x80
			alteredBody := bytes.Clone(ct)
			alteredBody[0] ^= 1
			otherKey := bytes.Clone(key)
			otherKey[0] ^= 1
			otherNonce := bytes.Clone(nonce)
			otherNonce[0] ^= 1
			decryption := []struct {
				name                string
				key, nonce, aad, ct []byte
			}{
				{"altered tag", key, nonce, aad, alteredTag},
				{"altered body", key, nonce, aad, alteredBody},
				{"wrong key", otherKey, nonce, aad, ct},
				{"wrong nonce", key, otherNonce, aad, ct},
				{"wrong aad", key, nonce, []byte("aae"), ct},
				{"short ciphertext", key, nonce, aad, ct[:15]},
				{"tag only, truncated", key, nonce, aad, ct[len(ct)-16+1:]},
				{"empty ciphertext", key, nonce, aad, nil},
			}
			for _, tt := range decryption {
				if _, err := s.Open(tt.key, tt.nonce, tt.aad, tt.ct); !errors.Is(err, mlserr.ErrDecryption) {
					t.Errorf("%s: Open error = %v, want ErrDecryption", tt.name, err)
				}
			}

			sizes := []struct {
				name       string
				key, nonce []byte
			}{
				{"short key", key[1:], nonce},
				{"long key", append(bytes.Clone(key), 0), nonce},
				{"AES-256 key for AES-128 or vice versa", bytes.Repeat([]byte{7}, 48-s.AEADKeySize()), nonce},
				{"short nonce", key, nonce[1:]},
				{"long nonce", key, append(bytes.Clone(nonce), 0)},
			}
			for _, tt := range sizes {
				if _, err := s.Seal(tt.key, tt.nonce, aad, pt); !errors.Is(err, mlserr.ErrInvalidInput) {
					t.Errorf("%s: Seal error = %v, want ErrInvalidInput", tt.name, err)
				}
				if _, err := s.Open(tt.key, tt.nonce, aad, ct); !errors.Is(err, mlserr.ErrInvalidInput) {
					t.Errorf("%s: Open error = %v, want ErrInvalidInput", tt.name, err)
				}
			}
		})
	}
}
