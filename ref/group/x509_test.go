package group

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// x509Credential returns an x509 credential whose end-entity certificate,
// signed by a test CA, carries pub; with asX25519, the algorithm of its
// subjectPublicKeyInfo is rewritten from Ed25519 to X25519, keeping the
// key's 32 octets (the CA's signature no longer verifies, which only a
// chain validation would notice).
func x509Credential(t *testing.T, pub crypto.PublicKey, asX25519 bool) credential.Credential {
	t.Helper()
	ca := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "member"},
		NotBefore:    testNow.Add(-time.Hour),
		NotAfter:     testNow.Add(time.Hour),
	}
	parent := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}}
	der, err := x509.CreateCertificate(seeded.New("cert"), tmpl, parent, pub, ca)
	if err != nil {
		t.Fatal(err)
	}
	if asX25519 {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		at := bytes.Index(der, cert.RawSubjectPublicKeyInfo)
		ed25519OID := []byte{0x06, 0x03, 0x2B, 0x65, 0x70}
		k := bytes.Index(cert.RawSubjectPublicKeyInfo, ed25519OID)
		if at < 0 || k < 0 {
			t.Fatal("no Ed25519 subjectPublicKeyInfo")
		}
		der = bytes.Clone(der)
		der[at+k+4] = 0x6E // 1.3.101.110, X25519
	}
	return credential.Credential{CredentialType: credential.X509, Certificates: []credential.Certificate{{CertData: der}}}
}

// TestCredentialSignatureScheme checks that the key of an x509 credential
// is one of the suite's signature algorithm (RFC 9420, Section 5.1.2,
// R-5.1.2-1): an Ed25519 certificate is accepted in an Ed25519 suite; an
// X25519 certificate holding the same 32 octets (so its key matches the
// signature_key and the LeafNode's signature verifies) is refused in a
// KeyPackage, in a LeafNode and in an Add, with the state unchanged.
func TestCredentialSignatureScheme(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	sigPriv, sigPub, err := s.GenerateSignatureKeyPair(seeded.New("x509 member"))
	if err != nil {
		t.Fatal(err)
	}
	v := &KeyPackageValidation{Group: tree.GroupParameters{Suite: s, Now: fixedClock}, Version: MLS10}
	for _, tc := range []struct {
		name   string
		x25519 bool
		want   string
	}{
		{"Ed25519 key", false, ""},
		{"X25519 key", true, "R-5.1.2-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kp, _, err := NewKeyPackage(s, &KeyPackageParams{Credential: x509Credential(t, ed25519.PublicKey(sigPub), tc.x25519), SignaturePriv: sigPriv, Now: fixedClock}, seeded.New("x509 kp"))
			if err != nil {
				t.Fatal(err)
			}
			err = ValidateKeyPackage(kp, v)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ValidateKeyPackage: %v", err)
				}
				return
			}
			if !slices.Contains(mlserr.Requirements(err), tc.want) {
				t.Fatalf("ValidateKeyPackage: err = %v, want %s", err, tc.want)
			}
			err = tree.ValidateLeafNode(&kp.LeafNode, &tree.LeafValidationContext{GroupParameters: v.Group, Source: tree.SourceKeyPackage})
			if mlserr.RequirementOf(err) != tc.want {
				t.Fatalf("ValidateLeafNode: err = %v, want %s", err, tc.want)
			}
			ms := newTestGroup(t, testSuite, "alice")
			before := state(t, ms[0].g)
			_, err = ms[0].g.Commit(&CommitOptions{Adds: []*KeyPackage{kp}})
			if !slices.Contains(mlserr.Requirements(err), tc.want) {
				t.Fatalf("Commit: err = %v, want %s", err, tc.want)
			}
			if !bytes.Equal(before, state(t, ms[0].g)) {
				t.Fatal("the refused Commit changed the state")
			}
		})
	}
}
