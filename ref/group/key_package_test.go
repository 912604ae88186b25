package group

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
)

func TestKeyPackageVerifySignature(t *testing.T) {
	for _, id := range ciphersuite.All() {
		t.Run(id.String(), func(t *testing.T) {
			s := mustSuite(t, id)
			c := newClient(t, s, seeded.New("kp-"+id.String()), "alice")
			other := newClient(t, s, seeded.New("kp-other-"+id.String()), "bob")
			if err := c.kp.VerifySignature(); err != nil {
				t.Fatalf("fresh KeyPackage: %v", err)
			}
			tests := []struct {
				name   string
				mutate func(kp *KeyPackage)
			}{
				{"signature altered", func(kp *KeyPackage) { kp.Signature[len(kp.Signature)/2] ^= 1 }},
				{"signature empty", func(kp *KeyPackage) { kp.Signature = nil }},
				{"init_key replaced", func(kp *KeyPackage) { kp.InitKey = other.initPub }},
				{"signature key replaced", func(kp *KeyPackage) { kp.LeafNode.SignatureKey = other.sigPub }},
				{"extension added", func(kp *KeyPackage) {
					kp.Extensions = append(kp.Extensions.Clone(), extension.Extension{ExtensionType: 0x1A1A})
				}},
				{"version changed", func(kp *KeyPackage) { kp.Version = 2 }},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					kp := *c.kp
					kp.Signature = append([]byte{}, c.kp.Signature...)
					kp.LeafNode = *c.kp.LeafNode.Clone()
					tc.mutate(&kp)
					err := kp.VerifySignature()
					if !errors.Is(err, mlserr.ErrInvalidSignature) {
						t.Fatalf("err = %v, want ErrInvalidSignature", err)
					}
					if got := mlserr.RequirementOf(err); got != "R-10.1-5" {
						t.Errorf("requirement = %q, want R-10.1-5", got)
					}
				})
			}
		})
	}
}

func TestKeyPackageUnknownSuite(t *testing.T) {
	c := newClient(t, mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519), seeded.New("kp-unknown"), "alice")
	kp := *c.kp
	kp.CipherSuite = 0x0A0A
	if err := kp.VerifySignature(); !errors.Is(err, mlserr.ErrUnsupported) {
		t.Errorf("VerifySignature: err = %v, want ErrUnsupported", err)
	}
	if _, err := kp.Ref(); !errors.Is(err, mlserr.ErrUnsupported) {
		t.Errorf("Ref: err = %v, want ErrUnsupported", err)
	}
	if err := kp.Sign(c.sigPriv); !errors.Is(err, mlserr.ErrUnsupported) {
		t.Errorf("Sign: err = %v, want ErrUnsupported", err)
	}
}

// TestCommitValidatesDownloadedKeyPackage checks that a member validates a
// KeyPackage it downloaded before its Commit adds the client (RFC 9420,
// Section 10.1, R-10.1-1): a KeyPackage whose signature does not verify is
// malformed (R-10-5, R-10.1-5) and one of another suite does not match the
// group (R-10.1-3); each Commit is refused and the state is unchanged.
func TestCommitValidatesDownloadedKeyPackage(t *testing.T) {
	s := mustSuite(t, testSuite)
	ms := newTestGroup(t, testSuite, "alice", "bob")
	alice := ms[0].g
	other := mustSuite(t, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
	for _, tc := range []struct {
		name string
		kp   func() *KeyPackage
		want string
	}{
		{"a forged signature", func() *KeyPackage {
			kp, _ := newKP(t, s, "carol")
			kp.Signature[0] ^= 1
			return kp
		}, "R-10.1-5"},
		{"another cipher suite", func() *KeyPackage {
			kp, _ := newKP(t, other, "carol")
			return kp
		}, "R-10.1-3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := state(t, alice)
			_, err := alice.Commit(&CommitOptions{Adds: []*KeyPackage{tc.kp()}})
			if mlserr.RequirementOf(err) != "R-12.2-3" || !slices.Contains(mlserr.Requirements(err), tc.want) {
				t.Fatalf("err = %v (%v), want R-12.2-3 and %s", err, mlserr.Requirements(err), tc.want)
			}
			if !bytes.Equal(before, state(t, alice)) {
				t.Fatal("the refused Commit changed the state")
			}
		})
	}
}
