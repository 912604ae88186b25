package ciphersuite

import (
	"bytes"
	"crypto"
	"crypto/hkdf"
	"encoding/binary"
	"io"

	"github.com/cloudflare/circl/hpke"
	"github.com/cloudflare/circl/kem"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// kemHash is the hash of the KEM's own HKDF (RFC 9180, Section 7.1).
func (s *Suite) kemHash() crypto.Hash {
	switch s.kem {
	case hpke.KEM_P384_HKDF_SHA384:
		return crypto.SHA384
	case hpke.KEM_P521_HKDF_SHA512, hpke.KEM_X448_HKDF_SHA512:
		return crypto.SHA512
	default:
		return crypto.SHA256
	}
}

// kemLabeledInput is "HPKE-v1" || suite_id || label || rest, the labeled
// input of the KEM's LabeledExtract and LabeledExpand (RFC 9180, Section 4),
// with suite_id = "KEM" || I2OSP(kem_id, 2).
func (s *Suite) kemLabeledInput(label string, rest []byte) []byte {
	b := append([]byte("HPKE-v1KEM"), byte(s.kem>>8), byte(s.kem))
	b = append(b, label...)
	return append(b, rest...)
}

func (s *Suite) kemLabeledExtract(salt []byte, label string, ikm []byte) ([]byte, error) {
	return hkdf.Extract(s.kemHash().New, s.kemLabeledInput(label, ikm), salt)
}

func (s *Suite) kemLabeledExpand(prk []byte, label string, info []byte, length int) ([]byte, error) {
	labeled := binary.BigEndian.AppendUint16(nil, uint16(length))
	labeled = append(labeled, s.kemLabeledInput(label, info)...)
	return hkdf.Expand(s.kemHash().New, prk, string(labeled), length)
}

// DeriveKeyPair is the HPKE KEM's DeriveKeyPair(ikm) (RFC 9420, Section
// 5.1; RFC 9180, Section 7.1.3). MLS feeds it secrets of KDF.Nh bytes,
// which for X448 and P-521 differ from the KEM's Nsk, so it accepts ikm of
// any length. The private key is returned as SerializePrivateKey encodes
// it, the public key as SerializePublicKey does.
func (s *Suite) DeriveKeyPair(ikm []byte) (priv, pub []byte, err error) {
	scheme := s.kem.Scheme()
	nsk := scheme.PrivateKeySize()
	dkpPRK, err := s.kemLabeledExtract(nil, "dkp_prk", ikm)
	if err != nil {
		return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "DeriveKeyPair extract failed (RFC 9180, Section 7.1.3)")
	}
	var sk kem.PrivateKey
	switch s.kem {
	case hpke.KEM_X25519_HKDF_SHA256, hpke.KEM_X448_HKDF_SHA512:
		b, err := s.kemLabeledExpand(dkpPRK, "sk", nil, nsk)
		if err == nil {
			sk, err = scheme.UnmarshalBinaryPrivateKey(b)
		}
		if err != nil {
			return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "DeriveKeyPair failed (RFC 9180, Section 7.1.3)")
		}
	default:
		// Rejection sampling of a scalar in [1, n-1] (RFC 9180, Section
		// 7.1.3): P-521 scalars keep only the low bit of the first byte.
		mask := byte(0xff)
		if s.kem == hpke.KEM_P521_HKDF_SHA512 {
			mask = 0x01
		}
		for counter := 0; counter <= 255 && sk == nil; counter++ {
			b, err := s.kemLabeledExpand(dkpPRK, "candidate", []byte{byte(counter)}, nsk)
			if err != nil {
				return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "DeriveKeyPair expand failed (RFC 9180, Section 7.1.3)")
			}
			b[0] &= mask
			if k, err := scheme.UnmarshalBinaryPrivateKey(b); err == nil {
				sk = k
			}
		}
		if sk == nil {
			return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "DeriveKeyPair found no valid scalar in 256 candidates (RFC 9180, Section 7.1.3)")
		}
	}
	return s.marshalKeyPair(sk)
}

func (s *Suite) marshalKeyPair(sk kem.PrivateKey) (priv, pub []byte, err error) {
	priv, err = sk.MarshalBinary()
	if err == nil {
		pub, err = sk.Public().MarshalBinary()
	}
	if err != nil {
		return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot serialize an HPKE key pair")
	}
	return priv, pub, nil
}

// GenerateKeyPair draws an HPKE key pair from rand (RFC 9420, Section 5.1):
// DeriveKeyPair of Nsk bytes read from rand, so that the key depends on
// rand alone. A nil rand means crypto/rand.
func (s *Suite) GenerateKeyPair(rand io.Reader) (priv, pub []byte, err error) {
	ikm := make([]byte, s.kem.Scheme().PrivateKeySize())
	if _, err := io.ReadFull(orSystemRandom(rand), ikm); err != nil {
		return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot read randomness for an HPKE key pair")
	}
	return s.DeriveKeyPair(ikm)
}

// hpkePrivateKey parses an HPKE private key (RFC 9180, Section 7.1.2,
// DeserializePrivateKey). A P-521 key one byte short is left-padded: the
// official vectors hold P-521 keys of both 65 and 66 bytes.
func (s *Suite) hpkePrivateKey(priv []byte) (kem.PrivateKey, error) {
	scheme := s.kem.Scheme()
	if s.kem == hpke.KEM_P521_HKDF_SHA512 && len(priv) == scheme.PrivateKeySize()-1 {
		priv = append([]byte{0}, priv...)
	}
	sk, err := scheme.UnmarshalBinaryPrivateKey(priv)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrMalformed, err, "HPKE private key of %d bytes is malformed (RFC 9420, Section 5.1.1)", len(priv))
	}
	return sk, nil
}

// hpkePublicKey parses an HPKE public key (RFC 9420, Section 5.1.1; RFC
// 9180, Section 7.1.1, DeserializePublicKey).
func (s *Suite) hpkePublicKey(pub []byte) (kem.PublicKey, error) {
	pk, err := s.kem.Scheme().UnmarshalBinaryPublicKey(pub)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrMalformed, err, "HPKE public key of %d bytes is malformed (RFC 9420, Section 5.1.1)", len(pub))
	}
	return pk, nil
}

// HPKEPublicKey returns the public key of an HPKE private key (RFC 9420,
// Section 5.1.1). A malformed private key is an mlserr.ErrMalformed error.
func (s *Suite) HPKEPublicKey(priv []byte) ([]byte, error) {
	sk, err := s.hpkePrivateKey(priv)
	if err != nil {
		return nil, err
	}
	_, pub, err := s.marshalKeyPair(sk)
	return pub, err
}

// EncryptContext is the HPKE info of EncryptWithLabel (RFC 9420, Section
// 5.1.3):
//
//	struct {
//	  opaque label<V>;
//	  opaque context<V>;
//	} EncryptContext;
//
// Label holds the full label, "MLS 1.0 " included.
type EncryptContext struct {
	Label   []byte
	Context []byte
}

// MarshalMLS encodes the EncryptContext (RFC 9420, Section 5.1.3).
func (ec *EncryptContext) MarshalMLS(w *codec.Writer) {
	w.Opaque(ec.Label)
	w.Opaque(ec.Context)
}

func encryptContext(label string, context []byte) ([]byte, error) {
	var w codec.Writer
	(&EncryptContext{Label: []byte(labelPrefix + label), Context: context}).MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

func (s *Suite) hpkeSuite() hpke.Suite { return hpke.NewSuite(s.kem, s.kdf, s.aead) }

// setupBaseS is SetupBaseS(pub, info) (RFC 9180, Section 5.1.1). The
// ephemeral key is DeriveKeyPair of bytes read from rand, so the KEM output
// depends on rand alone; a nil rand means crypto/rand.
func (s *Suite) setupBaseS(pub, info []byte, rand io.Reader) ([]byte, hpke.Sealer, error) {
	pk, err := s.hpkePublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	sender, err := s.hpkeSuite().NewSender(pk, info)
	if err != nil {
		return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "HPKE SetupBaseS failed")
	}
	// Read the ephemeral key's seed here, so that a failing reader is told
	// apart from a bad public key and the output depends on rand alone.
	seed := make([]byte, s.kem.Scheme().EncapsulationSeedSize())
	if _, err := io.ReadFull(orSystemRandom(rand), seed); err != nil {
		return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot read randomness for an HPKE ephemeral key")
	}
	enc, sealer, err := sender.Setup(bytes.NewReader(seed))
	if err != nil {
		// The DH output was all zero: a low-order X25519/X448 public key.
		return nil, nil, mlserr.Wrap("", mlserr.ErrMalformed, err, "HPKE SetupBaseS failed for this public key (RFC 9180, Section 5.1.1)")
	}
	return enc, sealer, nil
}

// setupBaseR is SetupBaseR(enc, priv, info) (RFC 9180, Section 5.1.1).
func (s *Suite) setupBaseR(priv, enc, info []byte) (hpke.Opener, error) {
	sk, err := s.hpkePrivateKey(priv)
	if err != nil {
		return nil, err
	}
	if _, err := s.kem.Scheme().UnmarshalBinaryPublicKey(enc); err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrDecryption, err, "HPKE kem_output of %d bytes is not a public key of the suite's KEM (RFC 9420, Section 5.1.3)", len(enc))
	}
	receiver, err := s.hpkeSuite().NewReceiver(sk, info)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "HPKE SetupBaseR failed")
	}
	opener, err := receiver.Setup(enc)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrDecryption, err, "HPKE decapsulation failed (RFC 9420, Section 5.1.3)")
	}
	return opener, nil
}

// EncryptWithLabel is SealBase(pub, EncryptContext, "", plaintext) with
// EncryptContext{"MLS 1.0 " + label, context} (RFC 9420, Section 5.1.3).
// label is given without the prefix. The ephemeral key is drawn from rand
// (crypto/rand when nil), so with a seeded reader the output is
// reproducible. A malformed public
// key is an mlserr.ErrMalformed error.
func (s *Suite) EncryptWithLabel(pub []byte, label string, context, plaintext []byte, rand io.Reader) (kemOutput, ciphertext []byte, err error) {
	info, err := encryptContext(label, context)
	if err != nil {
		return nil, nil, err
	}
	enc, sealer, err := s.setupBaseS(pub, info, rand)
	if err != nil {
		return nil, nil, err
	}
	ct, err := sealer.Seal(plaintext, nil)
	if err != nil {
		return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "HPKE seal failed")
	}
	return enc, ct, nil
}

// DecryptWithLabel is OpenBase(kemOutput, priv, EncryptContext, "",
// ciphertext) with EncryptContext{"MLS 1.0 " + label, context} (RFC 9420,
// Section 5.1.3). A KEM output or ciphertext that does not decrypt
// (malformed, short, altered, for another key, label or context) is an
// mlserr.ErrDecryption error; a malformed private key is mlserr.ErrMalformed.
func (s *Suite) DecryptWithLabel(priv []byte, label string, context, kemOutput, ciphertext []byte) ([]byte, error) {
	info, err := encryptContext(label, context)
	if err != nil {
		return nil, err
	}
	opener, err := s.setupBaseR(priv, kemOutput, info)
	if err != nil {
		return nil, err
	}
	pt, err := opener.Open(ciphertext, nil)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrDecryption, err, "HPKE ciphertext does not decrypt (RFC 9420, Section 5.1.3)")
	}
	if pt == nil {
		pt = []byte{}
	}
	return pt, nil
}

// checkExportLength bounds an HPKE export length (RFC 9180, Section 5.3).
func (s *Suite) checkExportLength(length int) error {
	if length < 0 || length > 255*s.Nh() {
		return mlserr.New("", mlserr.ErrInvalidInput, "HPKE export length %d is outside [0, 255*Nh] (RFC 9180, Section 5.3)", length)
	}
	return nil
}

// HPKEExportSender is SetupBaseS(pub, info) followed by
// context.export(exporterContext, length) (RFC 9420, Section 8.3; RFC 9180,
// Sections 5.1.1 and 5.3). An external joiner uses it with info "" and the
// exporter context LabelExternalInitSecret to derive its init_secret. The
// ephemeral key is drawn from rand (crypto/rand when nil). A malformed public key is an
// mlserr.ErrMalformed error.
func (s *Suite) HPKEExportSender(pub, info, exporterContext []byte, length int, rand io.Reader) (kemOutput, exported []byte, err error) {
	if err := s.checkExportLength(length); err != nil {
		return nil, nil, err
	}
	enc, sealer, err := s.setupBaseS(pub, info, rand)
	if err != nil {
		return nil, nil, err
	}
	return enc, sealer.Export(exporterContext, uint(length)), nil
}

// HPKEExportReceiver is SetupBaseR(kemOutput, priv, info) followed by
// context.export(exporterContext, length) (RFC 9420, Section 8.3; RFC 9180,
// Sections 5.1.1 and 5.3). A KEM output that does not decapsulate is an
// mlserr.ErrDecryption error.
func (s *Suite) HPKEExportReceiver(priv, kemOutput, info, exporterContext []byte, length int) ([]byte, error) {
	if err := s.checkExportLength(length); err != nil {
		return nil, err
	}
	opener, err := s.setupBaseR(priv, kemOutput, info)
	if err != nil {
		return nil, err
	}
	return opener.Export(exporterContext, uint(length)), nil
}
