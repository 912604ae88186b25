package group

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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

// typeValidator is an Authentication Service that lists the credential
// types it validates (credential.TypeLister).
type typeValidator struct {
	credential.DefaultValidator
	types []credential.CredentialType
}

func (v typeValidator) CredentialTypes() []credential.CredentialType { return v.types }

// opaqueValidator is an Authentication Service that does not say which
// types it validates.
type opaqueValidator struct{}

func (opaqueValidator) Validate(c *credential.Credential, key []byte) error {
	return credential.DefaultValidator{}.Validate(c, key)
}

func (opaqueValidator) ValidateSuccessor(prev, next *credential.Credential) error {
	return credential.DefaultValidator{}.ValidateSuccessor(prev, next)
}

// TestNewKeyPackageSupportsWhatItAdvertises checks that a client advertises
// only what it implements or registered (RFC 9420, Section 13.4, R-13.4-1
// and R-13.4-2), GREASE values apart, and every proposal type it
// registered (Section 7.2, R-7.2-4).
func TestNewKeyPackageSupportsWhatItAdvertises(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	handlers := appConfig("kp", false).Proposals
	base := func() *tree.Capabilities {
		return &tree.Capabilities{
			Versions:     []tree.ProtocolVersion{tree.MLS10},
			CipherSuites: []ciphersuite.ID{s.ID()},
			Extensions:   []extension.ExtensionType{},
			Proposals:    []tree.ProposalType{},
			Credentials:  []credential.CredentialType{credential.Basic},
		}
	}
	tests := []struct {
		name   string
		edit   func(*KeyPackageParams)
		wantID string // "" means accepted
	}{
		{"as implemented", func(*KeyPackageParams) {}, ""},
		{"an unknown version", func(p *KeyPackageParams) { p.Capabilities.Versions = append(p.Capabilities.Versions, 2) }, "R-13.4-2"},
		{"an unimplemented suite", func(p *KeyPackageParams) { p.Capabilities.CipherSuites = append(p.Capabilities.CipherSuites, 0x7777) }, "R-13.4-2"},
		{"a GREASE suite", func(p *KeyPackageParams) { p.Capabilities.CipherSuites = append(p.Capabilities.CipherSuites, 0x2A2A) }, ""},
		{"an unregistered proposal type", func(p *KeyPackageParams) {
			p.Capabilities.Proposals = append(p.Capabilities.Proposals, appProposalType)
		}, "R-13.4-2"},
		{"a registered proposal type", func(p *KeyPackageParams) {
			p.Capabilities.Proposals = append(p.Capabilities.Proposals, appProposalType)
			p.Proposals = handlers
		}, ""},
		{"a registered proposal type left out", func(p *KeyPackageParams) { p.Proposals = handlers }, "R-7.2-4"},
		{"a GREASE proposal type", func(p *KeyPackageParams) { p.Capabilities.Proposals = append(p.Capabilities.Proposals, 0x3A3A) }, ""},
		{"a credential type the AS does not validate", func(p *KeyPackageParams) {
			p.Capabilities.Credentials = append(p.Capabilities.Credentials, 0xF00D)
		}, "R-13.4-2"},
		{"a credential type the AS validates", func(p *KeyPackageParams) {
			p.Capabilities.Credentials = append(p.Capabilities.Credentials, 0xF00D)
			p.Credentials = typeValidator{types: []credential.CredentialType{credential.Basic, 0xF00D}}
		}, ""},
		{"basic, which the AS does not validate", func(p *KeyPackageParams) {
			p.Credentials = typeValidator{types: []credential.CredentialType{credential.X509}}
		}, "R-13.4-2"},
		{"an AS that does not list its types", func(p *KeyPackageParams) {
			p.Capabilities.Credentials = append(p.Capabilities.Credentials, 0xF00D)
			p.Credentials = opaqueValidator{}
		}, ""},
		{"a GREASE credential type", func(p *KeyPackageParams) {
			p.Capabilities.Credentials = append(p.Capabilities.Credentials, 0x4A4A)
		}, ""},
		{"an application extension type", func(p *KeyPackageParams) {
			p.Capabilities.Extensions = append(p.Capabilities.Extensions, 0xFF01)
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &KeyPackageParams{Credential: credential.NewBasic([]byte("a")), Now: fixedClock, Capabilities: base()}
			tc.edit(p)
			_, _, err := NewKeyPackage(s, p, seeded.New("supports "+tc.name))
			if tc.wantID == "" {
				if err != nil {
					t.Fatalf("NewKeyPackage: %v", err)
				}
				return
			}
			if !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != tc.wantID {
				t.Fatalf("NewKeyPackage: err = %v, want %s", err, tc.wantID)
			}
		})
	}
}

// TestNewKeyPackageDefaultCapabilities checks the capabilities a client
// lists by default, the registered proposal types among them (RFC 9420,
// Section 7.2).
func TestNewKeyPackageDefaultCapabilities(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521)
	handlers := appConfig("kp", false).Proposals
	kp, _, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte("a")), Now: fixedClock, Proposals: handlers, NoGREASE: true}, seeded.New("defaults"))
	if err != nil {
		t.Fatal(err)
	}
	want := tree.Capabilities{
		Versions:     []tree.ProtocolVersion{tree.MLS10},
		CipherSuites: []ciphersuite.ID{ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521},
		Extensions:   []extension.ExtensionType{},
		Proposals:    []tree.ProposalType{appProposalType},
		Credentials:  []credential.CredentialType{credential.Basic},
	}
	if diff := cmp.Diff(want, kp.LeafNode.Capabilities); diff != "" {
		t.Fatalf("default capabilities (-want +got):\n%s", diff)
	}
}
