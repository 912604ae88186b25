// Package credential implements the credentials of RFC 9420, Section 5.3,
// and the hook through which an application's Authentication Service
// validates them (Section 5.3.1).
package credential

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// CredentialType identifies a kind of credential (RFC 9420, Sections 5.3
// and 17.5).
type CredentialType uint16

// Credential types registered by RFC 9420, Section 17.5.
const (
	Reserved CredentialType = 0x0000
	Basic    CredentialType = 0x0001
	X509     CredentialType = 0x0002
)

// Certificate is one DER-encoded X.509 certificate (RFC 9420, Section 5.3).
//
//	struct {
//	    opaque cert_data<V>;
//	} Certificate;
type Certificate struct {
	CertData []byte
}

// Credential binds identities to a signature key (RFC 9420, Section 5.3).
//
//	struct {
//	    CredentialType credential_type;
//	    select (Credential.credential_type) {
//	        case basic:
//	            opaque identity<V>;
//	        case x509:
//	            Certificate certificates<V>;
//	    };
//	} Credential;
//
// The RFC defines the body of only these two types. A credential of any
// other type (registered later, private use, or GREASE) is carried with an
// opaque<V> body in Data, the encoding that the types registered since use,
// so that a receiver can skip over what it does not understand (Section
// 13.4) and an application can validate it through a Validator.
type Credential struct {
	CredentialType CredentialType
	Identity       []byte        // basic
	Certificates   []Certificate // x509
	Data           []byte        // any other type: the opaque<V> body
}

// NewBasic returns a basic credential for identity (RFC 9420, Section 5.3).
func NewBasic(identity []byte) Credential {
	return Credential{CredentialType: Basic, Identity: append([]byte{}, identity...)}
}

// MarshalMLS encodes the credential (RFC 9420, Section 5.3).
func (c *Credential) MarshalMLS(w *codec.Writer) {
	w.U16(uint16(c.CredentialType))
	switch c.CredentialType {
	case Basic:
		w.Opaque(c.Identity)
	case X509:
		w.Vector(func(w *codec.Writer) {
			for _, cert := range c.Certificates {
				w.Opaque(cert.CertData)
			}
		})
	default:
		w.Opaque(c.Data)
	}
}

// UnmarshalMLS decodes a credential (RFC 9420, Section 5.3).
func (c *Credential) UnmarshalMLS(r *codec.Reader) {
	*c = Credential{CredentialType: CredentialType(r.U16())}
	switch c.CredentialType {
	case Basic:
		c.Identity = r.OpaqueCopy()
	case X509:
		c.Certificates = []Certificate{}
		r.Vector(func(r *codec.Reader) {
			c.Certificates = append(c.Certificates, Certificate{CertData: r.OpaqueCopy()})
		})
	case Reserved:
		r.Failf("", "credential_type 0 is reserved (RFC 9420, Section 17.5)")
	default:
		c.Data = r.OpaqueCopy()
	}
}

// Equal reports whether two credentials encode identically.
func (c *Credential) Equal(o *Credential) bool {
	return bytes.Equal(codec.Encode(c), codec.Encode(o))
}

// Validator is the application's Authentication Service (RFC 9420, Section
// 5.3.1). mlsref calls Validate whenever a credential is introduced into a
// group or presented by a joiner, with the signature key of the LeafNode
// that carries it, and ValidateSuccessor when a member's credential is
// replaced by an Update or a Commit's path.
type Validator interface {
	// Validate checks that cred is acceptable and binds signatureKey.
	Validate(cred *Credential, signatureKey []byte) error
	// ValidateSuccessor checks that next may replace prev for the same
	// member (RFC 9420, Section 5.3.1).
	ValidateSuccessor(prev, next *Credential) error
}

// TypeLister is implemented by a Validator that can say which credential
// types it validates (RFC 9420, Sections 5.3.1, 7.2 and 13.4), so that a
// client lists exactly those in its capabilities.
type TypeLister interface {
	// CredentialTypes returns the credential types the Validator
	// validates.
	CredentialTypes() []CredentialType
}

// TypesOf returns the credential types v validates (RFC 9420, Sections 7.2
// and 13.4): nil means DefaultValidator; ok is false when v does not
// implement TypeLister, so that the types it handles are unknown.
func TypesOf(v Validator) (types []CredentialType, ok bool) {
	if v == nil {
		v = DefaultValidator{}
	}
	l, ok := v.(TypeLister)
	if !ok {
		return nil, false
	}
	return l.CredentialTypes(), true
}

// DefaultValidator accepts basic credentials, and x509 credentials whose
// end-entity certificate carries the LeafNode's signature key (the one check
// the RFC makes itself; chain validation is left to an application's own
// Validator, since mlsref has no trust anchors). A successor must be of the
// same type and, for basic credentials, present the same identity.
type DefaultValidator struct{}

// Validate implements Validator (RFC 9420, Section 5.3.1).
func (DefaultValidator) Validate(cred *Credential, signatureKey []byte) error {
	switch cred.CredentialType {
	case Basic:
		return nil
	case X509:
		return CheckX509Key(cred, signatureKey)
	default:
		// [R-5.3.1-1]
		return mlserr.New("R-5.3.1-1", mlserr.ErrUnsupported, "credential type 0x%04x cannot be validated by the default Authentication Service", uint16(cred.CredentialType))
	}
}

// CredentialTypes implements TypeLister (RFC 9420, Section 5.3): basic
// and x509.
func (DefaultValidator) CredentialTypes() []CredentialType {
	return []CredentialType{Basic, X509}
}

// ValidateSuccessor implements Validator (RFC 9420, Section 5.3.1).
func (DefaultValidator) ValidateSuccessor(prev, next *Credential) error {
	// [R-5.3.1-2]
	if prev.CredentialType != next.CredentialType {
		return mlserr.New("R-5.3.1-2", mlserr.ErrInvalidCredential, "credential type changes from 0x%04x to 0x%04x", uint16(prev.CredentialType), uint16(next.CredentialType))
	}
	// [R-5.3.1-2]
	if prev.CredentialType == Basic && !bytes.Equal(prev.Identity, next.Identity) {
		return mlserr.New("R-5.3.1-2", mlserr.ErrInvalidCredential, "basic credential identity changes from %x to %x", prev.Identity, next.Identity)
	}
	return nil
}

// CheckX509Key checks that the end-entity certificate of an x509 credential
// carries signatureKey as its public key (RFC 9420, Section 5.3).
func CheckX509Key(cred *Credential, signatureKey []byte) error {
	if len(cred.Certificates) == 0 {
		return mlserr.New("", mlserr.ErrInvalidCredential, "x509 credential has no certificate (RFC 9420, Section 5.3)")
	}
	cert, err := x509.ParseCertificate(cred.Certificates[0].CertData)
	if err != nil {
		return mlserr.Wrap("", mlserr.ErrMalformed, err, "x509 end-entity certificate does not parse (RFC 9420, Section 5.3)")
	}
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil || len(rest) != 0 {
		return mlserr.New("", mlserr.ErrMalformed, "x509 end-entity certificate has a malformed subjectPublicKeyInfo (RFC 9420, Section 5.3)")
	}
	// [R-5.3-1]
	if !bytes.Equal(spki.PublicKey.Bytes, signatureKey) {
		return mlserr.New("R-5.3-1", mlserr.ErrInvalidCredential, "end-entity certificate key %x is not the LeafNode's signature_key %x", spki.PublicKey.Bytes, signatureKey)
	}
	return nil
}
