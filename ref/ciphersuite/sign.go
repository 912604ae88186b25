package ciphersuite

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"io"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// signatureScheme is the signature algorithm of a suite (RFC 9420, Sections
// 5.1.2 and 17.1).
type signatureScheme uint8

const (
	sigEd25519 signatureScheme = iota + 1
	sigECDSAP256
	sigECDSAP384
	sigECDSAP521
	sigEd448
)

// tlsScheme is the scheme's TLS SignatureScheme value (RFC 8446, Section
// 4.2.3).
func (sc signatureScheme) tlsScheme() uint16 {
	switch sc {
	case sigEd25519:
		return 0x0807
	case sigEd448:
		return 0x0808
	case sigECDSAP256:
		return 0x0403
	case sigECDSAP384:
		return 0x0503
	case sigECDSAP521:
		return 0x0603
	}
	return 0
}

// curve is the NIST curve of an ECDSA scheme, nil for EdDSA.
func (sc signatureScheme) curve() elliptic.Curve {
	switch sc {
	case sigECDSAP256:
		return elliptic.P256()
	case sigECDSAP384:
		return elliptic.P384()
	case sigECDSAP521:
		return elliptic.P521()
	}
	return nil
}

// SignContent is what SignWithLabel signs (RFC 9420, Section 5.1.2):
//
//	struct {
//	    opaque label<V>;
//	    opaque content<V>;
//	} SignContent;
//
// Label holds the full label, "MLS 1.0 " included.
type SignContent struct {
	Label   []byte
	Content []byte
}

// MarshalMLS encodes the SignContent (RFC 9420, Section 5.1.2).
func (sc *SignContent) MarshalMLS(w *codec.Writer) {
	w.Opaque(sc.Label)
	w.Opaque(sc.Content)
}

// signContent encodes SignContent for label (without the prefix) and
// content.
func signContent(label string, content []byte) ([]byte, error) {
	var w codec.Writer
	(&SignContent{Label: []byte(labelPrefix + label), Content: content}).MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// GenerateSignatureKeyPair draws a signature key pair of the suite's
// signature algorithm from rand (RFC 9420, Section 5.1.2). The private key
// is the EdDSA seed (RFC 8032, Section 5.1.5 and 5.2.5) or the ECDSA scalar
// as a fixed-length big-endian integer; the public key is in the format of
// RFC 9420, Section 5.1.1. ECDSA scalars are sampled by rejection from
// rand, so the result depends on rand alone. A nil rand means crypto/rand.
func (s *Suite) GenerateSignatureKeyPair(rand io.Reader) (priv, pub []byte, err error) {
	rand = orSystemRandom(rand)
	switch s.sig {
	case sigEd25519:
		priv = make([]byte, ed25519.SeedSize)
	case sigEd448:
		priv = make([]byte, ed448.SeedSize)
	default:
		return s.generateECDSA(rand)
	}
	if _, err := io.ReadFull(rand, priv); err != nil {
		return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot read randomness for a signature key (RFC 9420, Section 5.1.2)")
	}
	pub, err = s.SignaturePublicKey(priv)
	return priv, pub, err
}

// generateECDSA samples a scalar in [1, n-1] from rand by rejection.
func (s *Suite) generateECDSA(rand io.Reader) (priv, pub []byte, err error) {
	curve := s.sig.curve()
	size := (curve.Params().BitSize + 7) / 8
	for range 256 {
		b := make([]byte, size)
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot read randomness for a signature key (RFC 9420, Section 5.1.2)")
		}
		if excess := 8*size - curve.Params().BitSize; excess > 0 {
			b[0] &= 0xff >> excess
		}
		k, err := ecdsa.ParseRawPrivateKey(curve, b)
		if err != nil {
			continue // zero or not below the group order: draw again
		}
		pub, err := k.PublicKey.Bytes()
		if err != nil {
			return nil, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot encode an ECDSA public key")
		}
		return b, pub, nil
	}
	return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "no valid ECDSA scalar in 256 draws: the random source is broken")
}

// ecdsaPrivateKey parses an ECDSA private key given as a big-endian scalar.
// A key one byte short of the field size is left-padded: the official
// vectors hold P-521 keys of both 65 and 66 bytes.
func (s *Suite) ecdsaPrivateKey(priv []byte) (*ecdsa.PrivateKey, error) {
	curve := s.sig.curve()
	size := (curve.Params().BitSize + 7) / 8
	if s.sig == sigECDSAP521 && len(priv) == size-1 {
		priv = append([]byte{0}, priv...)
	}
	if len(priv) != size {
		return nil, mlserr.New("", mlserr.ErrMalformed, "ECDSA private key is %d bytes, want %d (RFC 9420, Section 5.1.2)", len(priv), size)
	}
	k, err := ecdsa.ParseRawPrivateKey(curve, priv)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrMalformed, err, "ECDSA private key is not a scalar in [1, n-1] (RFC 9420, Section 5.1.2)")
	}
	return k, nil
}

// SignaturePublicKey returns the public key of a signature private key, in
// the format of RFC 9420, Section 5.1.1. A malformed private key is an
// mlserr.ErrMalformed error.
func (s *Suite) SignaturePublicKey(priv []byte) ([]byte, error) {
	switch s.sig {
	case sigEd25519:
		if len(priv) != ed25519.SeedSize {
			return nil, mlserr.New("", mlserr.ErrMalformed, "Ed25519 private key is %d bytes, want %d (RFC 9420, Section 5.1.2)", len(priv), ed25519.SeedSize)
		}
		return []byte(ed25519.NewKeyFromSeed(priv).Public().(ed25519.PublicKey)), nil
	case sigEd448:
		if len(priv) != ed448.SeedSize {
			return nil, mlserr.New("", mlserr.ErrMalformed, "Ed448 private key is %d bytes, want %d (RFC 9420, Section 5.1.2)", len(priv), ed448.SeedSize)
		}
		return []byte(ed448.NewKeyFromSeed(priv).Public().(ed448.PublicKey)), nil
	default:
		k, err := s.ecdsaPrivateKey(priv)
		if err != nil {
			return nil, err
		}
		pub, err := k.PublicKey.Bytes()
		if err != nil {
			return nil, mlserr.Wrap("", mlserr.ErrMalformed, err, "cannot encode the ECDSA public key")
		}
		return pub, nil
	}
}

// SignWithLabel signs SignContent{"MLS 1.0 " + label, content} with priv
// (RFC 9420, Section 5.1.2). label is given without the prefix. EdDSA
// signatures are R || S (RFC 8032); ECDSA signatures are DER-encoded (RFC
// 8446, Section 4.2.3), over the suite's hash of SignContent, with the
// deterministic nonce of RFC 6979, so that signing never needs randomness
// and is reproducible.
func (s *Suite) SignWithLabel(priv []byte, label string, content []byte) ([]byte, error) {
	msg, err := signContent(label, content)
	if err != nil {
		return nil, err
	}
	switch s.sig {
	case sigEd25519:
		if len(priv) != ed25519.SeedSize {
			return nil, mlserr.New("", mlserr.ErrMalformed, "Ed25519 private key is %d bytes, want %d (RFC 9420, Section 5.1.2)", len(priv), ed25519.SeedSize)
		}
		return ed25519.Sign(ed25519.NewKeyFromSeed(priv), msg), nil
	case sigEd448:
		if len(priv) != ed448.SeedSize {
			return nil, mlserr.New("", mlserr.ErrMalformed, "Ed448 private key is %d bytes, want %d (RFC 9420, Section 5.1.2)", len(priv), ed448.SeedSize)
		}
		return ed448.Sign(ed448.NewKeyFromSeed(priv), msg, ""), nil
	default:
		k, err := s.ecdsaPrivateKey(priv)
		if err != nil {
			return nil, err
		}
		// A nil random source selects RFC 6979 deterministic signing.
		sig, err := k.Sign(nil, s.Hash(msg), s.hash)
		if err != nil {
			return nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "ECDSA signing failed")
		}
		return sig, nil
	}
}

// VerifyWithLabel checks that signature is a signature by pub over
// SignContent{"MLS 1.0 " + label, content} (RFC 9420, Section 5.1.2). Every
// failure, including a malformed public key or signature (wrong length,
// DER with trailing bytes, point not on the curve), is an error of class
// mlserr.ErrInvalidSignature.
func (s *Suite) VerifyWithLabel(pub []byte, label string, content, signature []byte) error {
	msg, err := signContent(label, content)
	if err != nil {
		return mlserr.Wrap("", mlserr.ErrInvalidSignature, err, "cannot encode SignContent (RFC 9420, Section 5.1.2)")
	}
	ok := false
	switch s.sig {
	case sigEd25519:
		if len(pub) != ed25519.PublicKeySize {
			return mlserr.New("", mlserr.ErrInvalidSignature, "Ed25519 signature public key is %d bytes, want %d (RFC 9420, Section 5.1.1)", len(pub), ed25519.PublicKeySize)
		}
		if len(signature) != ed25519.SignatureSize {
			return mlserr.New("", mlserr.ErrInvalidSignature, "Ed25519 signature is %d bytes, want %d (RFC 9420, Section 5.1.2)", len(signature), ed25519.SignatureSize)
		}
		ok = ed25519.Verify(pub, msg, signature)
	case sigEd448:
		if len(pub) != ed448.PublicKeySize {
			return mlserr.New("", mlserr.ErrInvalidSignature, "Ed448 signature public key is %d bytes, want %d (RFC 9420, Section 5.1.1)", len(pub), ed448.PublicKeySize)
		}
		if len(signature) != ed448.SignatureSize {
			return mlserr.New("", mlserr.ErrInvalidSignature, "Ed448 signature is %d bytes, want %d (RFC 9420, Section 5.1.2)", len(signature), ed448.SignatureSize)
		}
		ok = ed448.Verify(pub, msg, signature, "")
	default:
		k, err := ecdsa.ParseUncompressedPublicKey(s.sig.curve(), pub)
		if err != nil {
			return mlserr.Wrap("", mlserr.ErrInvalidSignature, err, "ECDSA signature public key is not an uncompressed point on the curve (RFC 9420, Section 5.1.1)")
		}
		// VerifyASN1 accepts only a DER SEQUENCE of two INTEGERs with no
		// trailing bytes.
		ok = ecdsa.VerifyASN1(k, s.Hash(msg), signature)
	}
	if !ok {
		return mlserr.New("", mlserr.ErrInvalidSignature, "signature with label %q does not verify (RFC 9420, Section 5.1.2)", label)
	}
	return nil
}
