package framing

import (
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// TestAEADLimits checks the limits of one PrivateMessage encryption (RFC
// 9420, Section 6.3.1, R-6.3.1-7) at their edges for the AES-GCM and
// ChaCha20-Poly1305 suites, and that the largest content the codec can
// encode is within them.
func TestAEADLimits(t *testing.T) {
	aes, err := ciphersuite.Lookup(ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	chacha, err := ciphersuite.Lookup(ciphersuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		suite     *ciphersuite.Suite
		aad, ct   uint64
		wantError bool
	}{
		{"AES-GCM, largest plaintext", aes, 100, 1<<36 - 31 + 16, false},
		{"AES-GCM, one octet more", aes, 100, 1<<36 - 30 + 16, true},
		{"AES-GCM, largest AAD", aes, 1<<61 - 1, 100, false},
		{"AES-GCM, AAD one octet more", aes, 1 << 61, 100, true},
		{"ChaCha20-Poly1305, largest plaintext", chacha, 100, 1<<38 - 64 + 16, false},
		{"ChaCha20-Poly1305, one octet more", chacha, 100, 1<<38 - 63 + 16, true},
		{"codec bound", aes, 1 << 30, 1<<30 + 16, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkAEADLimits(tc.suite, tc.aad, tc.ct, mlserr.ErrInvalidInput)
			if !tc.wantError {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-6.3.1-7" {
				t.Fatalf("err = %v, want R-6.3.1-7", err)
			}
		})
	}
}
