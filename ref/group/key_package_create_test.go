package group

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedClock() time.Time { return testNow }

func TestNewKeyPackage(t *testing.T) {
	for _, id := range ciphersuite.All() {
		t.Run(id.String(), func(t *testing.T) {
			s := mustSuite(t, id)
			kp, priv, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte("alice")), Now: fixedClock}, seeded.New("nkp-"+id.String()))
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateKeyPackage(kp, &KeyPackageValidation{Group: tree.GroupParameters{Suite: s, Now: fixedClock}, Version: MLS10}); err != nil {
				t.Fatalf("fresh KeyPackage does not validate: %v", err)
			}
			// The private keys match the public ones.
			if pub, err := s.HPKEPublicKey(priv.InitPriv); err != nil || !slices.Equal(pub, kp.InitKey) {
				t.Errorf("init private key does not match init_key (%v)", err)
			}
			if pub, err := s.HPKEPublicKey(priv.EncryptionPriv); err != nil || !slices.Equal(pub, kp.LeafNode.EncryptionKey) {
				t.Errorf("encryption private key does not match encryption_key (%v)", err)
			}
			if pub, err := s.SignaturePublicKey(priv.SignaturePriv); err != nil || !slices.Equal(pub, kp.LeafNode.SignatureKey) {
				t.Errorf("signature private key does not match signature_key (%v)", err)
			}
			// It round-trips through an MLSMessage.
			m, err := NewMLSMessage(kp)
			if err != nil {
				t.Fatal(err)
			}
			b, err := m.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DecodeMLSMessage(b); err != nil {
				t.Fatal(err)
			}
			// A second KeyPackage with the same signature key has a new init_key.
			kp2, _, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte("alice")), Now: fixedClock, SignaturePriv: priv.SignaturePriv}, seeded.New("nkp2-"+id.String()))
			if err != nil {
				t.Fatal(err)
			}
			if slices.Equal(kp2.InitKey, kp.InitKey) || !slices.Equal(kp2.LeafNode.SignatureKey, kp.LeafNode.SignatureKey) {
				t.Error("second KeyPackage: want a new init_key and the same signature_key")
			}
		})
	}
}

func TestNewKeyPackageUnlistedExtension(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	_, _, err := NewKeyPackage(s, &KeyPackageParams{
		Credential: credential.NewBasic([]byte("a")), Now: fixedClock,
		Extensions: extension.List{{ExtensionType: 0xff00}},
	}, seeded.New("x"))
	if got := mlserr.RequirementOf(err); got != "R-10-8" {
		t.Fatalf("err = %v, want R-10-8", err)
	}
}

// TestNewKeyPackageListsNoDefaults checks that capabilities listing a
// default proposal or extension type are refused (RFC 9420, Section 7.2).
func TestNewKeyPackageListsNoDefaults(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	base := func() tree.Capabilities {
		return tree.Capabilities{
			Versions:     []tree.ProtocolVersion{tree.MLS10},
			CipherSuites: []ciphersuite.ID{s.ID()},
			Extensions:   []extension.ExtensionType{},
			Proposals:    []tree.ProposalType{},
			Credentials:  []credential.CredentialType{credential.Basic},
		}
	}
	withProposal := base()
	withProposal.Proposals = []tree.ProposalType{0x0003} // remove
	withExtension := base()
	withExtension.Extensions = []extension.ExtensionType{0x0002} // ratchet_tree
	for want, caps := range map[string]tree.Capabilities{"R-7.2-2": withProposal, "R-7.2-3": withExtension} {
		_, _, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte("a")), Now: fixedClock, Capabilities: &caps}, seeded.New("d"))
		if got := mlserr.RequirementOf(err); got != want {
			t.Errorf("err = %v, want %s", err, want)
		}
	}
	ok := base()
	if _, _, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte("a")), Now: fixedClock, Capabilities: &ok}, seeded.New("d")); err != nil {
		t.Fatalf("capabilities without default types refused: %v", err)
	}
}

// TestValidateKeyPackageRejects breaks each rule of RFC 9420, Section 10.1
// in turn.
func TestValidateKeyPackageRejects(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	rand := seeded.New("vkp")
	kp, priv, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte("alice")), Now: fixedClock}, rand)
	if err != nil {
		t.Fatal(err)
	}
	resign := func(kp *KeyPackage) {
		if err := kp.LeafNode.Sign(s, priv.SignaturePriv, nil, 0); err != nil {
			t.Fatal(err)
		}
		if err := kp.Sign(priv.SignaturePriv); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		mutate func(kp *KeyPackage, v *KeyPackageValidation)
		req    string
		class  error
	}{
		{"other suite", func(kp *KeyPackage, v *KeyPackageValidation) {
			v.Group.Suite = mustSuite(t, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
		}, "R-10.1-3", mlserr.ErrInvalidKeyPackage},
		{"other version", func(kp *KeyPackage, v *KeyPackageValidation) { kp.Version = 2 }, "R-10.1-3", mlserr.ErrInvalidKeyPackage},
		{"leaf source update", func(kp *KeyPackage, v *KeyPackageValidation) {
			kp.LeafNode.LeafNodeSource = tree.SourceUpdate
			resign(kp)
		}, "R-10-7", mlserr.ErrInvalidKeyPackage},
		{"bad signature", func(kp *KeyPackage, v *KeyPackageValidation) { kp.Signature[0] ^= 1 }, "R-10.1-5", mlserr.ErrInvalidSignature},
		{"expired", func(kp *KeyPackage, v *KeyPackageValidation) {
			v.Group.Now = func() time.Time { return testNow.Add(365 * 24 * time.Hour) }
		}, "R-10.1-4", mlserr.ErrInvalidKeyPackage},
		{"not yet valid", func(kp *KeyPackage, v *KeyPackageValidation) {
			v.Group.Now = func() time.Time { return testNow.Add(-24 * time.Hour) }
		}, "R-10.1-4", mlserr.ErrInvalidKeyPackage},
		{"leaf signature", func(kp *KeyPackage, v *KeyPackageValidation) {
			kp.LeafNode.Signature[0] ^= 1
			if err := kp.Sign(priv.SignaturePriv); err != nil {
				t.Fatal(err)
			}
		}, "R-10.1-4", mlserr.ErrInvalidKeyPackage},
		{"unlisted extension", func(kp *KeyPackage, v *KeyPackageValidation) {
			kp.Extensions = extension.List{{ExtensionType: 0xff00}}
			resign(kp)
		}, "R-10-8", mlserr.ErrInvalidKeyPackage},
		{"init_key equals encryption_key", func(kp *KeyPackage, v *KeyPackageValidation) {
			kp.InitKey = kp.LeafNode.EncryptionKey
			resign(kp)
		}, "R-10.1-6", mlserr.ErrInvalidKeyPackage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := kp.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			c, err := DecodeKeyPackage(b)
			if err != nil {
				t.Fatal(err)
			}
			v := &KeyPackageValidation{Group: tree.GroupParameters{Suite: s, Now: fixedClock}, Version: MLS10}
			tc.mutate(c, v)
			err = ValidateKeyPackage(c, v)
			if !errors.Is(err, tc.class) || mlserr.RequirementOf(err) != tc.req {
				t.Fatalf("err = %v, want %s / %v", err, tc.req, tc.class)
			}
		})
	}
}
