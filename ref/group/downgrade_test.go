package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// suitesKP returns a KeyPackage in suite s whose capabilities list suites
// (and, unless NoGREASE, GREASE values).
func suitesKP(t *testing.T, s *ciphersuite.Suite, name string, suites ...ciphersuite.ID) (*KeyPackage, *KeyPackagePrivate) {
	t.Helper()
	caps := &tree.Capabilities{
		Versions:     []tree.ProtocolVersion{tree.MLS10},
		CipherSuites: suites,
		Extensions:   []extension.ExtensionType{},
		Proposals:    []tree.ProposalType{},
		Credentials:  []credential.CredentialType{credential.Basic},
	}
	kp, priv, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte(name)), Now: fixedClock, Capabilities: caps}, seeded.New("suites kp "+name))
	if err != nil {
		t.Fatal(err)
	}
	return kp, priv
}

// TestCreationDowngrade checks the creator's downgrade protection (RFC
// 9420, Section 11, R-11-2): with a preference order, the first Commit adding
// the initial members is refused when a suite the creator prefers to the
// group's is supported by all of them, and the creator's state is left
// byte for byte as it was.
func TestCreationDowngrade(t *testing.T) {
	const (
		s1 = ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
		s3 = ciphersuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
		s2 = ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256
	)
	s := mustSuite(t, s1)
	tests := []struct {
		name       string
		pref       []ciphersuite.ID
		creator    []ciphersuite.ID
		bob, carol []ciphersuite.ID
		wantErr    bool
	}{
		{"the preferred suite is the group's", []ciphersuite.ID{s1, s3}, []ciphersuite.ID{s1, s3}, []ciphersuite.ID{s1, s3}, []ciphersuite.ID{s3, s1}, false},
		{"all support a preferred suite", []ciphersuite.ID{s3, s1}, []ciphersuite.ID{s1, s3}, []ciphersuite.ID{s1, s3}, []ciphersuite.ID{s1, s3}, true},
		{"one member lacks the preferred suite", []ciphersuite.ID{s3, s1}, []ciphersuite.ID{s1, s3}, []ciphersuite.ID{s1, s3}, []ciphersuite.ID{s1}, false},
		{"the creator lacks the preferred suite", []ciphersuite.ID{s3, s1}, []ciphersuite.ID{s1}, []ciphersuite.ID{s1, s3}, []ciphersuite.ID{s1, s3}, false},
		{"a preferred suite further up", []ciphersuite.ID{s2, s3, s1}, []ciphersuite.ID{s1, s2}, []ciphersuite.ID{s2, s1}, []ciphersuite.ID{s1, s2}, true},
		{"the group's suite is not in the preference", []ciphersuite.ID{s3}, []ciphersuite.ID{s1, s3}, []ciphersuite.ID{s1}, []ciphersuite.ID{s1}, true},
		{"GREASE in the preference is ignored", []ciphersuite.ID{0x0A0A, s1}, []ciphersuite.ID{s1, 0x0A0A}, []ciphersuite.ID{s1, 0x0A0A}, []ciphersuite.ID{s1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			akp, apriv := suitesKP(t, s, "alice", tc.creator...)
			cfg := testConfig("downgrade " + tc.name)
			cfg.CipherSuitePreference = tc.pref
			alice, err := NewGroup([]byte("downgrade"), akp, apriv, nil, cfg)
			if err != nil {
				t.Fatal(err)
			}
			bkp, _ := suitesKP(t, s, "bob", tc.bob...)
			ckp, _ := suitesKP(t, s, "carol", tc.carol...)
			before := state(t, alice)
			_, err = alice.Commit(&CommitOptions{Adds: []*KeyPackage{bkp, ckp}})
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("Commit: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Commit adding the initial members accepted a downgrade")
			}
			if got := mlserr.RequirementOf(err); got != "R-11-2" {
				t.Fatalf("error %v cites %q, want R-11-2", err, got)
			}
			if !bytes.Equal(state(t, alice), before) {
				t.Fatal("the refused Commit changed the creator's state")
			}
			// The same check through the exported API.
			err = CheckBestOption(MLS10, s1, tc.pref, &akp.LeafNode.Capabilities, []*KeyPackage{bkp, ckp})
			if mlserr.RequirementOf(err) != "R-11-2" {
				t.Fatalf("CheckBestOption: %v, want an R-11-2 error", err)
			}
		})
	}
}

// TestBestCipherSuite checks the suite a creator is told to choose (RFC
// 9420, Section 11) and that later Commits are not subject to the
// creation check.
func TestBestCipherSuite(t *testing.T) {
	const (
		s1 = ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
		s3 = ciphersuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
		s7 = ciphersuite.MLS_256_DHKEMP384_AES256GCM_SHA384_P384
	)
	s := mustSuite(t, s1)
	akp, _ := suitesKP(t, s, "alice", s1, s3, s7)
	bkp, _ := suitesKP(t, s, "bob", s7, s3, s1)
	ckp, _ := suitesKP(t, s, "carol", s1, s3)
	for _, tc := range []struct {
		pref []ciphersuite.ID
		kps  []*KeyPackage
		want ciphersuite.ID
	}{
		{[]ciphersuite.ID{s7, s3, s1}, []*KeyPackage{bkp}, s7},
		{[]ciphersuite.ID{s7, s3, s1}, []*KeyPackage{bkp, ckp}, s3},
		{[]ciphersuite.ID{0x1A1A, 0x7777, s1}, []*KeyPackage{bkp, ckp}, s1},
	} {
		got, err := BestCipherSuite(tc.pref, &akp.LeafNode.Capabilities, tc.kps)
		if err != nil || got != tc.want {
			t.Errorf("BestCipherSuite(%v) = %v, %v; want %v", tc.pref, got, err, tc.want)
		}
	}
	_, err := BestCipherSuite([]ciphersuite.ID{s7}, &akp.LeafNode.Capabilities, []*KeyPackage{ckp})
	if !errors.Is(err, mlserr.ErrUnsupported) || mlserr.RequirementOf(err) != "R-11-2" {
		t.Fatalf("BestCipherSuite with no common suite: %v", err)
	}

	// After epoch 0, Adds are not the creation's and are not checked.
	akp, apriv := suitesKP(t, s, "alice2", s1, s3)
	cfg := testConfig("best later")
	cfg.CipherSuitePreference = []ciphersuite.ID{s3, s1}
	alice, err := NewGroup([]byte("later"), akp, apriv, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dkp, _ := suitesKP(t, s, "dave", s1)
	pc, err := alice.Commit(&CommitOptions{Adds: []*KeyPackage{dkp}})
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	ekp, _ := suitesKP(t, s, "erin", s1, s3)
	if _, err := alice.Commit(&CommitOptions{Adds: []*KeyPackage{ekp}}); err != nil {
		t.Fatalf("an Add after epoch 0: %v", err)
	}
}
