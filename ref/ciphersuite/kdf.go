package ciphersuite

import (
	"crypto/hkdf"
	"crypto/hmac"
	_ "crypto/sha256" // links SHA-256 for crypto.SHA256.New
	_ "crypto/sha512" // links SHA-384 and SHA-512
	"crypto/subtle"
	"encoding/binary"
	"math"

	"github.com/mlsref/mlsref/ref/codec"
)

// labelPrefix is prepended to every label of SignWithLabel,
// EncryptWithLabel and ExpandWithLabel (RFC 9420, Sections 5.1.2, 5.1.3 and
// 8).
const labelPrefix = "MLS 1.0 "

// Hash returns Hash(data) with the suite's hash algorithm (RFC 9420, Section
// 5.1).
func (s *Suite) Hash(data []byte) []byte {
	h := s.hash.New()
	h.Write(data)
	return h.Sum(nil)
}

// Extract is KDF.Extract(salt, ikm), HKDF-Extract with the suite's hash
// (RFC 9420, Section 8; RFC 5869, Section 2.2). An empty salt stands for
// Nh zero bytes, as in RFC 5869.
func (s *Suite) Extract(salt, ikm []byte) []byte {
	prk, err := hkdf.Extract(s.hash.New, ikm, salt)
	if err != nil {
		// crypto/hkdf only refuses inputs in FIPS 140-only mode.
		return nil
	}
	return prk
}

// Expand is KDF.Expand(prk, info, length), HKDF-Expand with the suite's
// hash (RFC 9420, Section 8; RFC 5869, Section 2.3). It returns nil when
// length is negative or larger than 255*Nh, which HKDF cannot produce.
func (s *Suite) Expand(prk, info []byte, length int) []byte {
	if length < 0 || length > 255*s.Nh() {
		return nil
	}
	if length == 0 {
		return []byte{}
	}
	out, err := hkdf.Expand(s.hash.New, prk, string(info), length)
	if err != nil {
		return nil
	}
	return out
}

// MAC is the suite's MAC, HMAC with the suite's hash (RFC 9420, Section
// 5.1). MLS uses it for membership tags (Section 6.2) and confirmation tags
// (Section 8.1).
func (s *Suite) MAC(key, data []byte) []byte {
	m := hmac.New(s.hash.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// VerifyMAC reports whether tag equals MAC(key, data) (RFC 9420, Sections
// 6.2 and 8.1): the length is checked first, then the bytes are compared in
// constant time.
func (s *Suite) VerifyMAC(key, data, tag []byte) bool {
	if len(tag) != s.Nh() {
		return false
	}
	return subtle.ConstantTimeCompare(s.MAC(key, data), tag) == 1
}

// KDFLabel is the info input of ExpandWithLabel (RFC 9420, Section 8):
//
//	struct {
//	    uint16 length;
//	    opaque label<V>;
//	    opaque context<V>;
//	} KDFLabel;
//
// Label holds the full label, "MLS 1.0 " included.
type KDFLabel struct {
	Length  uint16
	Label   []byte
	Context []byte
}

// MarshalMLS encodes the KDFLabel (RFC 9420, Section 8).
func (l *KDFLabel) MarshalMLS(w *codec.Writer) {
	w.U16(l.Length)
	w.Opaque(l.Label)
	w.Opaque(l.Context)
}

// ExpandWithLabel is KDF.Expand(secret, KDFLabel, length) with the label
// "MLS 1.0 " + label (RFC 9420, Section 8). label is given without the
// prefix, as in the Label* constants. It returns nil when length does not
// fit the uint16 of KDFLabel or exceeds 255*Nh, or when context is longer
// than a vector can be.
func (s *Suite) ExpandWithLabel(secret []byte, label string, context []byte, length int) []byte {
	if length < 0 || length > math.MaxUint16 {
		return nil
	}
	var w codec.Writer
	(&KDFLabel{Length: uint16(length), Label: []byte(labelPrefix + label), Context: context}).MarshalMLS(&w)
	if w.Err() != nil {
		return nil
	}
	return s.Expand(secret, w.Bytes(), length)
}

// DeriveSecret is ExpandWithLabel(secret, label, "", KDF.Nh) (RFC 9420,
// Section 8).
func (s *Suite) DeriveSecret(secret []byte, label string) []byte {
	return s.ExpandWithLabel(secret, label, nil, s.Nh())
}

// DeriveTreeSecret is ExpandWithLabel(secret, label, generation, length),
// the generation encoded as a big-endian uint32 (RFC 9420, Section 9.1).
func (s *Suite) DeriveTreeSecret(secret []byte, label string, generation uint32, length int) []byte {
	return s.ExpandWithLabel(secret, label, binary.BigEndian.AppendUint32(nil, generation), length)
}
