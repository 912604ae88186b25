package ciphersuite

import (
	"crypto/cipher"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// newAEAD returns the suite's AEAD keyed with key, after checking the key
// and nonce sizes (AES would otherwise quietly accept a key of another AES
// size, and GCM panics on a nonce of the wrong size).
func (s *Suite) newAEAD(key, nonce []byte) (cipher.AEAD, error) {
	if len(key) != s.AEADKeySize() {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "AEAD key is %d bytes, the suite's AEAD.Nk is %d (RFC 9420, Section 5.1)", len(key), s.AEADKeySize())
	}
	if len(nonce) != s.AEADNonceSize() {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "AEAD nonce is %d bytes, the suite's AEAD.Nn is %d (RFC 9420, Section 5.1)", len(nonce), s.AEADNonceSize())
	}
	a, err := s.aead.New(key)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot key the suite's AEAD (RFC 9420, Section 5.1)")
	}
	return a, nil
}

// Seal is AEAD.Seal(key, nonce, aad, plaintext) with the suite's AEAD (RFC
// 9420, Section 5.1): one output, the ciphertext followed by the tag. A key
// or nonce of the wrong size is an mlserr.ErrInvalidInput error.
func (s *Suite) Seal(key, nonce, aad, plaintext []byte) ([]byte, error) {
	a, err := s.newAEAD(key, nonce)
	if err != nil {
		return nil, err
	}
	return a.Seal(nil, nonce, plaintext, aad), nil
}

// Open is AEAD.Open(key, nonce, aad, ciphertext) with the suite's AEAD (RFC
// 9420, Section 5.1). A ciphertext that is too short or does not
// authenticate is an mlserr.ErrDecryption error; a key or nonce of the wrong
// size is mlserr.ErrInvalidInput.
func (s *Suite) Open(key, nonce, aad, ciphertext []byte) ([]byte, error) {
	a, err := s.newAEAD(key, nonce)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) < a.Overhead() {
		return nil, mlserr.New("", mlserr.ErrDecryption, "AEAD ciphertext of %d bytes is shorter than the %d-byte tag (RFC 9420, Section 5.1)", len(ciphertext), a.Overhead())
	}
	pt, err := a.Open(nil, nonce, ciphertext, aad)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrDecryption, err, "AEAD ciphertext does not authenticate (RFC 9420, Section 5.1)")
	}
	if pt == nil {
		pt = []byte{}
	}
	return pt, nil
}
