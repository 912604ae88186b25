package group

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// TestOpenWelcomeAllSuites joins, for every suite, a Welcome built for two
// new members, and checks what the joiner learns against what the
// committer put in.
func TestOpenWelcomeAllSuites(t *testing.T) {
	for _, id := range ciphersuite.All() {
		t.Run(id.String(), func(t *testing.T) {
			f := newWelcomeFixture(t, id, fmt.Sprintf("welcome-%d", id), nil)
			ow, err := OpenWelcome(f.welcome, f.joiner.kp, f.joiner.initPriv, nil, nil)
			if err != nil {
				t.Fatalf("OpenWelcome: %v", err)
			}
			if diff := cmp.Diff(f.gs, ow.GroupSecrets); diff != "" {
				t.Errorf("GroupSecrets (-sent +received):\n%s", diff)
			}
			if diff := cmp.Diff(f.gi, ow.GroupInfo); diff != "" {
				t.Errorf("GroupInfo (-sent +received):\n%s", diff)
			}
			if want := make([]byte, f.suite.Nh()); !bytes.Equal(ow.PSKSecret, want) {
				t.Errorf("psk_secret without PSKs = %x, want %d zero bytes", ow.PSKSecret, len(want))
			}
			if _, err := ow.DeriveEpoch(); err != nil {
				t.Errorf("DeriveEpoch: %v", err)
			}
			// The decoy can open the same Welcome with its own key.
			if _, err := OpenWelcome(f.welcome, f.decoy.kp, f.decoy.initPriv, nil, SignerFromTree(f.tree)); err != nil {
				t.Errorf("decoy OpenWelcome: %v", err)
			}
		})
	}
}

func TestOpenWelcomeWithPSKs(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	psks := []schedule.PSK{
		{ID: schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: []byte("ext"), PSKNonce: bytes.Repeat([]byte{1}, s.Nh())}, Secret: []byte("external secret")},
		{ID: schedule.PreSharedKeyID{PSKType: schedule.PSKTypeResumption, Usage: schedule.UsageApplication, PSKGroupID: []byte("g"), PSKEpoch: 7, PSKNonce: bytes.Repeat([]byte{2}, s.Nh())}, Secret: bytes.Repeat([]byte{3}, s.Nh())},
	}
	f := newWelcomeFixture(t, s.ID(), "welcome-psk", psks)
	ow, err := OpenWelcome(f.welcome, f.joiner.kp, f.joiner.initPriv, f.lookup(), nil)
	if err != nil {
		t.Fatalf("OpenWelcome: %v", err)
	}
	if diff := cmp.Diff(psks, ow.PSKs); diff != "" {
		t.Errorf("PSKs (-want +got):\n%s", diff)
	}
	if _, err := ow.DeriveEpoch(); err != nil {
		t.Errorf("DeriveEpoch: %v", err)
	}
}

// TestOpenWelcomeRejects breaks one thing at a time and checks the class
// and requirement of the error.
func TestOpenWelcomeRejects(t *testing.T) {
	id := ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	ext := schedule.PSK{ID: schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: []byte("ext"), PSKNonce: make([]byte, 32)}, Secret: []byte("s")}
	reinit := func(epoch uint64) schedule.PSK {
		return schedule.PSK{ID: schedule.PreSharedKeyID{PSKType: schedule.PSKTypeResumption, Usage: schedule.UsageReinit, PSKGroupID: []byte("old"), PSKEpoch: epoch, PSKNonce: make([]byte, 32)}, Secret: make([]byte, 32)}
	}
	type input struct {
		f        *welcomeFixture
		kp       *KeyPackage
		initPriv []byte
		psks     PSKLookup
		signer   SignerKeyFunc
	}
	tests := []struct {
		name   string
		psks   []schedule.PSK
		mutate func(in *input)
		class  error
		req    string
	}{
		{
			name:   "no entry for our KeyPackage",
			mutate: func(in *input) { in.f.welcome.Secrets = in.f.welcome.Secrets[:1] },
			class:  mlserr.ErrInvalidWelcome, req: "R-12.4.3.1-2",
		},
		{
			name:   "no secrets at all",
			mutate: func(in *input) { in.f.welcome.Secrets = nil },
			class:  mlserr.ErrInvalidWelcome, req: "R-12.4.3.1-2",
		},
		{
			name: "KeyPackage of another suite",
			mutate: func(in *input) {
				kp := *in.kp
				kp.CipherSuite = ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256
				in.kp = &kp
			},
			class: mlserr.ErrInvalidWelcome, req: "R-12.4.3.1-2",
		},
		{
			name:   "wrong init private key",
			mutate: func(in *input) { in.initPriv = in.f.decoy.initPriv },
			class:  mlserr.ErrDecryption, req: "R-12.4.3.1-3",
		},
		{
			name: "encrypted_group_secrets for another entry",
			mutate: func(in *input) {
				s := in.f.welcome.Secrets
				s[1].EncryptedGroupSecrets = s[0].EncryptedGroupSecrets
			},
			class: mlserr.ErrDecryption, req: "R-12.4.3.1-3",
		},
		{
			name:   "encrypted_group_info altered (HPKE context)",
			mutate: func(in *input) { in.f.welcome.EncryptedGroupInfo[0] ^= 1 },
			class:  mlserr.ErrDecryption, req: "R-12.4.3.1-3",
		},
		{
			name:   "GroupInfo signature by someone else",
			mutate: func(in *input) { in.signer = SignerKey(in.f.joiner.sigPub) },
			class:  mlserr.ErrInvalidSignature, req: "R-12.4.3-4",
		},
		{
			name: "GroupInfo signer is a blank leaf",
			mutate: func(in *input) {
				t2 := in.f.tree.Clone()
				t2.Blank(0)
				in.signer = SignerFromTree(t2)
			},
			class: mlserr.ErrInvalidWelcome, req: "R-12.4.3-4",
		},
		{
			name: "missing PSK",
			psks: []schedule.PSK{ext},
			mutate: func(in *input) {
				in.psks = func(*schedule.PreSharedKeyID) ([]byte, bool) { return nil, false }
			},
			class: mlserr.ErrInvalidWelcome, req: "R-8.4-1",
		},
		{
			name:  "two reinit PSKs",
			psks:  []schedule.PSK{reinit(1), reinit(2)},
			class: mlserr.ErrInvalidWelcome, req: "",
		},
		{
			name:   "wrong PSK secret",
			psks:   []schedule.PSK{ext},
			mutate: func(in *input) { in.psks = func(*schedule.PreSharedKeyID) ([]byte, bool) { return []byte("t"), true } },
			class:  mlserr.ErrDecryption, req: "",
		},
		{
			name:   "unsupported Welcome suite",
			mutate: func(in *input) { in.f.welcome.CipherSuite = 0x0A0A },
			class:  mlserr.ErrUnsupported, req: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newWelcomeFixture(t, id, "welcome-rejects", tc.psks)
			in := &input{f: f, kp: f.joiner.kp, initPriv: f.joiner.initPriv, psks: f.lookup(), signer: SignerFromRatchetTreeExtension()}
			if tc.mutate != nil {
				tc.mutate(in)
			}
			_, err := OpenWelcome(f.welcome, in.kp, in.initPriv, in.psks, in.signer)
			if !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want class %v", err, tc.class)
			}
			if got := mlserr.RequirementOf(err); got != tc.req {
				t.Errorf("requirement = %q, want %q (err: %v)", got, tc.req, err)
			}
		})
	}
}

// TestOpenWelcomeGroupInfoChecks re-encrypts a GroupInfo that breaks a rule
// under the right keys, so that the check after decryption is reached.
func TestOpenWelcomeGroupInfoChecks(t *testing.T) {
	id := ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	tests := []struct {
		name   string
		mutate func(f *welcomeFixture)
		class  error
		req    string
	}{
		{
			name:   "bad GroupInfo signature",
			mutate: func(f *welcomeFixture) { f.gi.Signature[3] ^= 0x40 },
			class:  mlserr.ErrInvalidSignature, req: "R-12.4.3-4",
		},
		{
			name: "GroupInfo of another suite",
			mutate: func(f *welcomeFixture) {
				f.gi.GroupContext.CipherSuite = ciphersuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
				if err := f.gi.Sign(f.suite, f.committer.sigPriv); err != nil {
					t.Fatal(err)
				}
			},
			class: mlserr.ErrInvalidWelcome, req: "",
		},
		{
			name: "no ratchet tree",
			mutate: func(f *welcomeFixture) {
				f.gi.Extensions = nil
				if err := f.gi.Sign(f.suite, f.committer.sigPriv); err != nil {
					t.Fatal(err)
				}
			},
			class: mlserr.ErrInvalidWelcome, req: "R-12.4.3.1-1",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newWelcomeFixture(t, id, "welcome-gi", nil)
			tc.mutate(f)
			wel, err := NewWelcome(f.suite, f.gs.JoinerSecret, nil, f.gi, []NewMember{{KeyPackage: f.joiner.kp, GroupSecrets: f.gs}}, bytes.NewReader(make([]byte, 1024)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = OpenWelcome(wel, f.joiner.kp, f.joiner.initPriv, nil, nil)
			if !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want class %v", err, tc.class)
			}
			if got := mlserr.RequirementOf(err); got != tc.req {
				t.Errorf("requirement = %q, want %q (err: %v)", got, tc.req, err)
			}
		})
	}
}

func TestDeriveEpochBadConfirmationTag(t *testing.T) {
	f := newWelcomeFixture(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "welcome-tag", nil)
	ow, err := OpenWelcome(f.welcome, f.joiner.kp, f.joiner.initPriv, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ow.GroupInfo.ConfirmationTag[0] ^= 1
	if _, err := ow.DeriveEpoch(); !errors.Is(err, mlserr.ErrInvalidConfirmationTag) {
		t.Fatalf("err = %v, want ErrInvalidConfirmationTag", err)
	}
}

func TestNewWelcomeRejectsKeyPackageOfAnotherSuite(t *testing.T) {
	f := newWelcomeFixture(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "welcome-new", nil)
	other := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519)
	_, err := NewWelcome(other, make([]byte, 32), nil, f.gi, []NewMember{{KeyPackage: f.joiner.kp, GroupSecrets: f.gs}}, bytes.NewReader(make([]byte, 1024)))
	if !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
}
