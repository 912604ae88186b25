package credential

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// Object identifiers of the public key algorithms of the signature schemes
// of RFC 9420, Section 17.1 (RFC 8410 and RFC 5480), and of the X25519 and
// X448 key agreement keys that have the same sizes as the Edwards keys.
var (
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidEd448         = asn1.ObjectIdentifier{1, 3, 101, 113}
	oidX25519        = asn1.ObjectIdentifier{1, 3, 101, 110}
	oidX448          = asn1.ObjectIdentifier{1, 3, 101, 111}
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidP256          = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384          = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidP521          = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
	keyAlgorithmOIDs = []struct {
		oid  asn1.ObjectIdentifier
		name string
	}{{oidEd25519, "Ed25519"}, {oidEd448, "Ed448"}, {oidX25519, "X25519"}, {oidX448, "X448"}}
	curveOIDs = []struct {
		oid  asn1.ObjectIdentifier
		name string
	}{{oidP256, "P256"}, {oidP384, "P384"}, {oidP521, "P521"}}
)

// X509KeyAlgorithm returns the public key algorithm of the end-entity
// certificate of an x509 credential (RFC 9420, Sections 5.1.2 and 5.3), named
// as the cipher suites of Section 17.1 name their signature algorithm:
// "Ed25519", "Ed448", "P256", "P384" or "P521"; "X25519" and "X448" for
// those key agreement keys; "" for any other algorithm or curve.
func X509KeyAlgorithm(cred *Credential) (string, error) {
	if cred.CredentialType != X509 || len(cred.Certificates) == 0 {
		return "", mlserr.New("", mlserr.ErrInvalidCredential, "not an x509 credential with a certificate (RFC 9420, Section 5.3)")
	}
	cert, err := x509.ParseCertificate(cred.Certificates[0].CertData)
	if err != nil {
		return "", mlserr.Wrap("", mlserr.ErrMalformed, err, "x509 end-entity certificate does not parse (RFC 9420, Section 5.3)")
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil || len(rest) != 0 {
		return "", mlserr.New("", mlserr.ErrMalformed, "x509 end-entity certificate has a malformed subjectPublicKeyInfo (RFC 9420, Section 5.3)")
	}
	alg := spki.Algorithm.Algorithm
	for _, a := range keyAlgorithmOIDs {
		if alg.Equal(a.oid) {
			return a.name, nil
		}
	}
	if alg.Equal(oidECPublicKey) {
		var curve asn1.ObjectIdentifier
		if rest, err := asn1.Unmarshal(spki.Algorithm.Parameters.FullBytes, &curve); err == nil && len(rest) == 0 {
			for _, c := range curveOIDs {
				if curve.Equal(c.oid) {
					return c.name, nil
				}
			}
		}
	}
	return "", nil
}
