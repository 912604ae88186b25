package credential

import (
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

func TestCredentialEncoding(t *testing.T) {
	tests := []struct {
		name string
		cred Credential
		wire []byte // written by hand from RFC 9420, Section 5.3
	}{
		{"basic", NewBasic([]byte("alice")), []byte{0x00, 0x01, 0x05, 'a', 'l', 'i', 'c', 'e'}},
		{"x509 two certs", Credential{CredentialType: X509, Certificates: []Certificate{{[]byte{1, 2}}, {[]byte{3}}}},
			[]byte{0x00, 0x02, 0x05, 0x02, 1, 2, 0x01, 3}},
		{"x509 empty chain", Credential{CredentialType: X509, Certificates: []Certificate{}}, []byte{0x00, 0x02, 0x00}},
		{"unknown type as opaque", Credential{CredentialType: 0xf000, Data: []byte{9, 9}}, []byte{0xf0, 0x00, 0x02, 9, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codec.Encode(&tt.cred); !cmp.Equal(got, tt.wire) {
				t.Fatalf("encode: got %x, want %x", got, tt.wire)
			}
			var back Credential
			if err := codec.Decode(tt.wire, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.cred, back); diff != "" {
				t.Fatalf("decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCredentialDecodeBad(t *testing.T) {
	for name, wire := range map[string][]byte{
		"reserved type":    {0x00, 0x00, 0x00},
		"truncated type":   {0x00},
		"truncated body":   {0x00, 0x01, 0x05, 'a'},
		"trailing":         {0x00, 0x01, 0x01, 'a', 0xff},
		"cert past vector": {0x00, 0x02, 0x02, 0x05, 1},
		"non-minimal":      {0x00, 0x01, 0x40, 0x01, 'a'},
	} {
		t.Run(name, func(t *testing.T) {
			var c Credential
			err := codec.Decode(wire, &c)
			if !errors.Is(err, mlserr.ErrMalformed) {
				t.Fatalf("got %v, want a malformed error", err)
			}
		})
	}
}

func selfSigned(t *testing.T, pub ed25519.PublicKey, priv ed25519.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "alice"}}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestX509KeyBinding(t *testing.T) {
	pub, priv := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey), ed25519.NewKeyFromSeed(make([]byte, 32))
	other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 1)).Public().(ed25519.PublicKey)
	cred := Credential{CredentialType: X509, Certificates: []Certificate{{selfSigned(t, pub, priv)}}}
	var v DefaultValidator
	if err := v.Validate(&cred, pub); err != nil {
		t.Fatalf("matching key rejected: %v", err)
	}
	err := v.Validate(&cred, other)
	if mlserr.RequirementOf(err) != "R-5.3-1" || !errors.Is(err, mlserr.ErrInvalidCredential) {
		t.Fatalf("mismatched key: got %v, want R-5.3-1", err)
	}
	bad := Credential{CredentialType: X509, Certificates: []Certificate{{[]byte{0x30, 0x00}}}}
	if err := v.Validate(&bad, pub); !errors.Is(err, mlserr.ErrMalformed) {
		t.Fatalf("garbage certificate: got %v", err)
	}
	empty := Credential{CredentialType: X509}
	if err := v.Validate(&empty, pub); err == nil {
		t.Fatal("empty chain accepted")
	}
}

func TestDefaultValidator(t *testing.T) {
	var v DefaultValidator
	if err := v.Validate(&Credential{CredentialType: 0xf000}, nil); mlserr.RequirementOf(err) != "R-5.3.1-1" {
		t.Fatalf("unknown type: got %v", err)
	}
	a, b := NewBasic([]byte("a")), NewBasic([]byte("b"))
	if err := v.ValidateSuccessor(&a, &a); err != nil {
		t.Fatal(err)
	}
	if err := v.ValidateSuccessor(&a, &b); mlserr.RequirementOf(err) != "R-5.3.1-2" {
		t.Fatalf("identity change: got %v", err)
	}
	x := Credential{CredentialType: X509}
	if err := v.ValidateSuccessor(&a, &x); mlserr.RequirementOf(err) != "R-5.3.1-2" {
		t.Fatalf("type change: got %v", err)
	}
}
