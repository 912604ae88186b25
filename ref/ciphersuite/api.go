package ciphersuite

// API STUB written by the lead so that other layers can code against it.
// The ciphersuite helper replaces this file with the real implementation,
// keeping every signature below (adding more is fine).

import "io"

// ID is a cipher suite identifier (RFC 9420, Section 5.1, 17.1).
type ID uint16

// The seven cipher suites of RFC 9420, Section 17.1.
const (
	MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519        ID = 0x0001
	MLS_128_DHKEMP256_AES128GCM_SHA256_P256             ID = 0x0002
	MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 ID = 0x0003
	MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448            ID = 0x0004
	MLS_256_DHKEMP521_AES256GCM_SHA512_P521             ID = 0x0005
	MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448     ID = 0x0006
	MLS_256_DHKEMP384_AES256GCM_SHA384_P384             ID = 0x0007
)

// Suite is one cipher suite's primitives (RFC 9420, Section 5.1).
type Suite struct{ id ID }

// Lookup returns the suite with the given ID, or an mlserr ErrUnsupported error.
func Lookup(id ID) (*Suite, error) { panic("stub") }

// ID returns the suite's identifier.
func (s *Suite) ID() ID { return s.id }

// Nh is the output size of the suite's hash and KDF (KDF.Nh).
func (s *Suite) Nh() int { panic("stub") }

// AEADKeySize and AEADNonceSize are AEAD.Nk and AEAD.Nn.
func (s *Suite) AEADKeySize() int   { panic("stub") }
func (s *Suite) AEADNonceSize() int { panic("stub") }

// Hash returns Hash(data).
func (s *Suite) Hash(data []byte) []byte { panic("stub") }

// Extract is KDF.Extract(salt, ikm).
func (s *Suite) Extract(salt, ikm []byte) []byte { panic("stub") }

// Expand is KDF.Expand(prk, info, length).
func (s *Suite) Expand(prk, info []byte, length int) []byte { panic("stub") }

// MAC is the suite's MAC (HMAC with the suite's hash).
func (s *Suite) MAC(key, data []byte) []byte { panic("stub") }

// VerifyMAC checks tag against MAC(key, data): length first, then constant time.
func (s *Suite) VerifyMAC(key, data, tag []byte) bool { panic("stub") }

// ExpandWithLabel (RFC 9420, Section 8).
func (s *Suite) ExpandWithLabel(secret []byte, label string, context []byte, length int) []byte {
	panic("stub")
}

// DeriveSecret (RFC 9420, Section 8).
func (s *Suite) DeriveSecret(secret []byte, label string) []byte { panic("stub") }

// DeriveTreeSecret (RFC 9420, Section 9).
func (s *Suite) DeriveTreeSecret(secret []byte, label string, generation uint32, length int) []byte {
	panic("stub")
}

// Seal and Open are AEAD encryption and decryption; Open failures are mlserr.ErrDecryption.
func (s *Suite) Seal(key, nonce, aad, plaintext []byte) ([]byte, error)  { panic("stub") }
func (s *Suite) Open(key, nonce, aad, ciphertext []byte) ([]byte, error) { panic("stub") }

// GenerateSignatureKeyPair draws a signature key pair from rand (RFC 9420, Section 5.1.2).
func (s *Suite) GenerateSignatureKeyPair(rand io.Reader) (priv, pub []byte, err error) {
	panic("stub")
}

// SignWithLabel and VerifyWithLabel (RFC 9420, Section 5.1.2). Verify failures are mlserr.ErrInvalidSignature.
func (s *Suite) SignWithLabel(priv []byte, label string, content []byte) ([]byte, error) {
	panic("stub")
}
func (s *Suite) VerifyWithLabel(pub []byte, label string, content, signature []byte) error {
	panic("stub")
}

// DeriveKeyPair is the HPKE KEM's DeriveKeyPair (RFC 9420, Section 5.1.1).
func (s *Suite) DeriveKeyPair(ikm []byte) (priv, pub []byte, err error) { panic("stub") }

// GenerateKeyPair draws an HPKE key pair from rand.
func (s *Suite) GenerateKeyPair(rand io.Reader) (priv, pub []byte, err error) { panic("stub") }

// HPKEPublicKey returns the public key of an HPKE private key.
func (s *Suite) HPKEPublicKey(priv []byte) ([]byte, error) { panic("stub") }

// EncryptWithLabel and DecryptWithLabel (RFC 9420, Section 5.1.3).
func (s *Suite) EncryptWithLabel(pub []byte, label string, context, plaintext []byte, rand io.Reader) (kemOutput, ciphertext []byte, err error) {
	panic("stub")
}
func (s *Suite) DecryptWithLabel(priv []byte, label string, context, kemOutput, ciphertext []byte) ([]byte, error) {
	panic("stub")
}

// RefHash (RFC 9420, Section 5.2), and the two references built on it.
func (s *Suite) RefHash(label string, value []byte) []byte { panic("stub") }
func (s *Suite) MakeKeyPackageRef(keyPackage []byte) []byte { panic("stub") }
func (s *Suite) MakeProposalRef(authenticatedContent []byte) []byte { panic("stub") }
