// Package ciphersuite holds the cryptographic primitives of the seven MLS
// cipher suites (RFC 9420, Section 17.1) and the labeled constructions that
// MLS builds on them: ExpandWithLabel and DeriveSecret (Section 8),
// DeriveTreeSecret (Section 9), SignWithLabel and VerifyWithLabel (Section
// 5.1.2), EncryptWithLabel and DecryptWithLabel (Section 5.1.3) and RefHash
// with the references built on it (Section 5.2).
//
// Every primitive comes from the Go standard library or
// github.com/cloudflare/circl; this package only selects and composes them.
// All randomness comes from an injected io.Reader, so that with a seeded
// reader every key pair, signature and ciphertext is reproducible byte for
// byte. ECDSA signatures are deterministic (RFC 6979), EdDSA signatures are
// deterministic by construction.
//
// Bad input (malformed keys, signatures, KEM outputs, short ciphertexts)
// never panics: it returns an *mlserr.Error of class ErrMalformed,
// ErrInvalidSignature or ErrDecryption.
package ciphersuite

import (
	"crypto"
	cryptorand "crypto/rand"
	"fmt"
	"io"

	"github.com/cloudflare/circl/hpke"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// ID is a cipher suite identifier (RFC 9420, Sections 5.1 and 17.1):
//
//	uint16 CipherSuite;
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

// Suite is one cipher suite's primitives (RFC 9420, Section 5.1): the HPKE
// KEM, KDF and AEAD, the hash, the MAC (HMAC with that hash) and the
// signature algorithm.
type Suite struct {
	id   ID
	name string
	hash crypto.Hash // the suite's hash; HKDF and HMAC use it too
	kem  hpke.KEM
	kdf  hpke.KDF
	aead hpke.AEAD
	sig  signatureScheme
}

// suites is the table of RFC 9420, Section 17.1.
var suites = []*Suite{
	// [R-17.1-4] Suite 0x0001 is mandatory to implement.
	{MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
		crypto.SHA256, hpke.KEM_X25519_HKDF_SHA256, hpke.KDF_HKDF_SHA256, hpke.AEAD_AES128GCM, sigEd25519},
	{MLS_128_DHKEMP256_AES128GCM_SHA256_P256, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
		crypto.SHA256, hpke.KEM_P256_HKDF_SHA256, hpke.KDF_HKDF_SHA256, hpke.AEAD_AES128GCM, sigECDSAP256},
	{MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
		crypto.SHA256, hpke.KEM_X25519_HKDF_SHA256, hpke.KDF_HKDF_SHA256, hpke.AEAD_ChaCha20Poly1305, sigEd25519},
	{MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448",
		crypto.SHA512, hpke.KEM_X448_HKDF_SHA512, hpke.KDF_HKDF_SHA512, hpke.AEAD_AES256GCM, sigEd448},
	{MLS_256_DHKEMP521_AES256GCM_SHA512_P521, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521",
		crypto.SHA512, hpke.KEM_P521_HKDF_SHA512, hpke.KDF_HKDF_SHA512, hpke.AEAD_AES256GCM, sigECDSAP521},
	{MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448",
		crypto.SHA512, hpke.KEM_X448_HKDF_SHA512, hpke.KDF_HKDF_SHA512, hpke.AEAD_ChaCha20Poly1305, sigEd448},
	{MLS_256_DHKEMP384_AES256GCM_SHA384_P384, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384",
		crypto.SHA384, hpke.KEM_P384_HKDF_SHA384, hpke.KDF_HKDF_SHA384, hpke.AEAD_AES256GCM, sigECDSAP384},
}

// All returns the IDs of the seven cipher suites of RFC 9420, Section 17.1,
// in ascending order.
func All() []ID {
	out := make([]ID, len(suites))
	for i, s := range suites {
		out[i] = s.id
	}
	return out
}

// Lookup returns the suite with the given ID (RFC 9420, Section 17.1), or an
// error of class mlserr.ErrUnsupported for any other value, including the
// reserved 0x0000 and the GREASE values of Section 13.5.
func Lookup(id ID) (*Suite, error) {
	for _, s := range suites {
		if s.id == id {
			return s, nil
		}
	}
	return nil, mlserr.New("", mlserr.ErrUnsupported, "cipher suite 0x%04x is not one of the suites of RFC 9420, Section 17.1", uint16(id))
}

// String returns the suite's name as registered in RFC 9420, Section 17.1,
// or its value in hex when it is not one of the seven.
func (id ID) String() string {
	if s, err := Lookup(id); err == nil {
		return s.name
	}
	return fmt.Sprintf("CipherSuite(0x%04x)", uint16(id))
}

// ID returns the suite's identifier (RFC 9420, Section 17.1).
func (s *Suite) ID() ID { return s.id }

// String returns the suite's registered name (RFC 9420, Section 17.1).
func (s *Suite) String() string { return s.name }

// Nh is the output size of the suite's hash and KDF, KDF.Nh (RFC 9420,
// Section 8).
func (s *Suite) Nh() int { return s.hash.Size() }

// AEADKeySize is AEAD.Nk, the AEAD key size in bytes (RFC 9420, Section 9.1).
func (s *Suite) AEADKeySize() int { return int(s.aead.KeySize()) }

// AEADNonceSize is AEAD.Nn, the AEAD nonce size in bytes (RFC 9420, Section
// 9.1).
func (s *Suite) AEADNonceSize() int { return int(s.aead.NonceSize()) }

// KEMID is the suite's HPKE KEM identifier (RFC 9420, Section 5.1; RFC
// 9180, Section 7.1).
func (s *Suite) KEMID() uint16 { return uint16(s.kem) }

// KDFID is the suite's HPKE KDF identifier (RFC 9420, Section 5.1; RFC 9180,
// Section 7.2).
func (s *Suite) KDFID() uint16 { return uint16(s.kdf) }

// AEADID is the suite's HPKE AEAD identifier (RFC 9420, Section 5.1; RFC
// 9180, Section 7.3).
func (s *Suite) AEADID() uint16 { return uint16(s.aead) }

// SignatureScheme is the TLS SignatureScheme value of the suite's signature
// algorithm (RFC 9420, Section 17.1; RFC 8446, Section 4.2.3): ed25519,
// ecdsa_secp256r1_sha256, ed448, ecdsa_secp521r1_sha512 or
// ecdsa_secp384r1_sha384. X.509 credentials use it to check that a
// certificate's key matches the suite.
func (s *Suite) SignatureScheme() uint16 { return s.sig.tlsScheme() }

// orSystemRandom returns r, or crypto/rand's Reader when r is nil. Callers
// that want reproducible output pass a seeded reader (internal/seeded).
func orSystemRandom(r io.Reader) io.Reader {
	if r == nil {
		return cryptorand.Reader
	}
	return r
}
