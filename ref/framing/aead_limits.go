package framing

import (
	"strings"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// AEADTagSize is the tag length of the AEADs of RFC 9420, Section 17.1.
const AEADTagSize = 16

// aeadLimits are the per-invocation limits of an AEAD that CFRG-AEAD-LIMITS
// refers to: the longest plaintext and associated data one encryption may
// take (RFC 5116, Section 5, for AES-GCM; RFC 8439, Section 2.8, for
// ChaCha20-Poly1305).
type aeadLimits struct {
	maxPlaintext, maxAAD uint64
}

// limitsOf returns the limits of suite's AEAD, which its name (RFC 9420,
// Section 17.1) names.
func limitsOf(suite *ciphersuite.Suite) aeadLimits {
	if strings.Contains(suite.String(), "CHACHA20POLY1305") {
		return aeadLimits{maxPlaintext: 1<<38 - 64, maxAAD: 1<<64 - 1}
	}
	return aeadLimits{maxPlaintext: 1<<36 - 31, maxAAD: 1<<61 - 1}
}

// checkAEADLimits checks that the associated data and ciphertext of one
// PrivateMessage encryption fit the limits of suite's AEAD (RFC 9420,
// Section 6.3.1): aadLen octets of PrivateContentAAD and a ciphertext of
// ctLen octets, tag included. class is the error class: invalid input for
// a sender, malformed for a receiver. The codec's bound on a vector's
// length (2^30 octets) keeps every encodable message within them.
func checkAEADLimits(suite *ciphersuite.Suite, aadLen, ctLen uint64, class error) error {
	l := limitsOf(suite)
	// [R-6.3.1-7]
	if aadLen > l.maxAAD || ctLen > l.maxPlaintext+AEADTagSize {
		return mlserr.New("R-6.3.1-7", class, "a PrivateMessage with %d octets of AAD and %d of ciphertext is beyond the limits of the suite's AEAD", aadLen, ctLen)
	}
	return nil
}
