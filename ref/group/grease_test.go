package group

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// The GREASE values of RFC 9420, Section 13.5, written out here rather
// than taken from the code under test.
var greaseList = []uint16{0x0A0A, 0x1A1A, 0x2A2A, 0x3A3A, 0x4A4A, 0x5A5A, 0x6A6A, 0x7A7A, 0x8A8A, 0x9A9A, 0xAAAA, 0xBABA, 0xCACA, 0xDADA, 0xEAEA}

func isGrease(v uint16) bool { return slices.Contains(greaseList, v) }

func countGrease[T ~uint16](l []T) int {
	n := 0
	for _, v := range l {
		if isGrease(uint16(v)) {
			n++
		}
	}
	return n
}

func TestGREASEValues(t *testing.T) {
	if !slices.Equal(GREASEValues, greaseList) {
		t.Fatalf("GREASEValues = %x, want %x", GREASEValues, greaseList)
	}
}

// TestNewKeyPackageGREASE checks that NewKeyPackage puts GREASE values in
// every field where RFC 9420, Section 13.5 recommends them, over a number of
// seeds, never in the credential type, leaves the caller's parameters alone,
// produces valid KeyPackages, and adds none with NoGREASE.
func TestNewKeyPackageGREASE(t *testing.T) {
	s := mustSuite(t, testSuite)
	caps := &tree.Capabilities{
		Versions:     []tree.ProtocolVersion{tree.MLS10},
		CipherSuites: make([]ciphersuite.ID, 1, 16),
		Extensions:   make([]extension.ExtensionType, 0, 16),
		Proposals:    make([]tree.ProposalType, 0, 16),
		Credentials:  []credential.CredentialType{credential.Basic},
	}
	caps.CipherSuites[0] = s.ID()
	capsBefore := fmt.Sprint(*caps)
	places := map[string]int{}
	const n = 24
	for i := range n {
		params := &KeyPackageParams{Credential: credential.NewBasic([]byte("alice")), Now: fixedClock, Capabilities: caps}
		kp, _, err := NewKeyPackage(s, params, seeded.New(fmt.Sprint("grease-", i)))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(*caps) != capsBefore || caps.CipherSuites[:cap(caps.CipherSuites)][1] != 0 {
			t.Fatal("NewKeyPackage changed the caller's Capabilities")
		}
		c := &kp.LeafNode.Capabilities
		places["cipher_suites"] += countGrease(c.CipherSuites)
		places["extensions"] += countGrease(c.Extensions)
		places["proposals"] += countGrease(c.Proposals)
		places["credentials"] += countGrease(c.Credentials)
		places["leaf_node.extensions"] += countGrease(kp.LeafNode.Extensions.Types())
		places["KeyPackage.extensions"] += countGrease(kp.Extensions.Types())
		// [R-13.5-5] [R-13.5-8]
		if isGrease(uint16(kp.LeafNode.Credential.CredentialType)) {
			t.Fatal("GREASE credential_type")
		}
		if countGrease(c.Versions) != 0 {
			t.Fatal("GREASE in versions")
		}
		// The real capabilities are still there.
		if !c.SupportsCredential(credential.Basic) || !slices.Contains(c.CipherSuites, s.ID()) {
			t.Fatalf("capabilities lost a real value: %+v", c)
		}
		if err := ValidateKeyPackage(kp, &KeyPackageValidation{Group: tree.GroupParameters{Suite: s, Now: fixedClock}, Version: MLS10}); err != nil {
			t.Fatalf("KeyPackage with GREASE does not validate: %v", err)
		}
		b, err := NewMLSMessage(kp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Marshal(); err != nil {
			t.Fatal(err)
		}
	}
	// [R-13.5-1]
	for _, p := range []string{"cipher_suites", "extensions", "proposals", "credentials", "leaf_node.extensions", "KeyPackage.extensions"} {
		if places[p] == 0 {
			t.Errorf("no GREASE value in %s over %d KeyPackages", p, n)
		}
		if places[p] == 2*n {
			t.Errorf("GREASE in %s of every KeyPackage: the selection is not random", p)
		}
	}

	// Deterministic for a seeded rand.
	kp1, _, _ := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte("a")), Now: fixedClock}, seeded.New("same"))
	kp2, _, _ := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte("a")), Now: fixedClock}, seeded.New("same"))
	b1, _ := marshal(kp1)
	b2, _ := marshal(kp2)
	if !bytes.Equal(b1, b2) {
		t.Error("two KeyPackages from the same seed differ")
	}

	// NoGREASE.
	for i := range 8 {
		kp, _, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte("alice")), Now: fixedClock, NoGREASE: true}, seeded.New(fmt.Sprint("nogrease-", i)))
		if err != nil {
			t.Fatal(err)
		}
		c := &kp.LeafNode.Capabilities
		if countGrease(c.CipherSuites)+countGrease(c.Extensions)+countGrease(c.Proposals)+countGrease(c.Credentials)+
			countGrease(kp.LeafNode.Extensions.Types())+countGrease(kp.Extensions.Types()) != 0 {
			t.Fatalf("NoGREASE KeyPackage holds GREASE values: %+v", kp)
		}
	}

	// [R-13.5-5] never a GREASE credential type.
	_, _, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.Credential{CredentialType: 0x5A5A}, Now: fixedClock}, seeded.New("gc"))
	if !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-13.5-5" {
		t.Fatalf("GREASE credential type: err = %v, want R-13.5-5", err)
	}
}

// greaseKP returns a KeyPackage with GREASE values in every field where
// RFC 9420, Section 13.5 allows them: all four capability lists, the
// LeafNode's extensions and the KeyPackage's extensions.
func greaseKP(t *testing.T, s *ciphersuite.Suite, name string) (*KeyPackage, *KeyPackagePrivate) {
	t.Helper()
	kp, priv, err := NewKeyPackage(s, &KeyPackageParams{
		Credential: credential.NewBasic([]byte(name)),
		Now:        fixedClock,
		Capabilities: &tree.Capabilities{
			Versions:     []tree.ProtocolVersion{tree.MLS10},
			CipherSuites: []ciphersuite.ID{0x1A1A, s.ID(), 0xEAEA},
			Extensions:   []extension.ExtensionType{0x2A2A, 0x3A3A, 0x0A0A},
			Proposals:    []tree.ProposalType{0x4A4A, 0x0A0A},
			Credentials:  []credential.CredentialType{0x5A5A, credential.Basic},
		},
		LeafExtensions: extension.List{{ExtensionType: 0x2A2A, ExtensionData: []byte("leaf grease")}},
		Extensions:     extension.List{{ExtensionType: 0x3A3A, ExtensionData: []byte{}}},
		NoGREASE:       true,
	}, seeded.New("grease kp "+name))
	if err != nil {
		t.Fatal(err)
	}
	return kp, priv
}

// TestGREASEGroupWorks builds a group whose members' KeyPackages hold GREASE
// values everywhere they may (RFC 9420, Sections 13.4 and 13.5): they are
// accepted, joined, and the group commits, updates and exchanges messages.
// GroupContextExtensions changing required_capabilities to what every
// member supports are accepted.
func TestGREASEGroupWorks(t *testing.T) {
	for _, id := range extSuites {
		t.Run(id.String(), func(t *testing.T) {
			s := mustSuite(t, id)
			akp, apriv := greaseKP(t, s, "alice")
			alice, err := NewGroup([]byte("grease group"), akp, apriv, nil, testConfig("alice"))
			if err != nil {
				t.Fatal(err)
			}
			ms := []*member{{name: "alice", g: alice}}
			bkp, bpriv := greaseKP(t, s, "bob")
			ckp, cpriv := newKP(t, s, "carol") // random GREASE
			// [R-13.4-3] bob's KeyPackage is valid for alice.
			if err := ValidateKeyPackage(bkp, &KeyPackageValidation{Group: *alice.params(), Version: MLS10, Tree: alice.tree, LeafIndex: 1}); err != nil {
				t.Fatal(err)
			}
			ms = commitAndDeliver(t, ms, 0, &CommitOptions{Adds: []*KeyPackage{bkp, ckp}},
				[]*member{{name: "bob"}, {name: "carol"}}, []*KeyPackage{bkp, ckp}, []*KeyPackagePrivate{bpriv, cpriv})
			ms = commitAndDeliver(t, ms, 1, &CommitOptions{ForcePath: true}, nil, nil, nil)
			m, err := ms[2].g.SendApplication([]byte("hello"), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range ms[:2] {
				got, err := r.g.Process(roundTrip(t, m))
				if err != nil || string(got.ApplicationData) != "hello" {
					t.Fatalf("%s: %v", r.name, err)
				}
			}
			// A GroupContextExtensions requiring what all support.
			rc := &tree.RequiredCapabilities{ExtensionTypes: []extension.ExtensionType{}, ProposalTypes: []tree.ProposalType{}, CredentialTypes: []credential.CredentialType{credential.Basic}}
			data := codec.Encode(rc)
			gce := &Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: &GroupContextExtensions{Extensions: extension.List{{ExtensionType: extension.RequiredCapabilities, ExtensionData: data}}}}
			pm, err := ms[0].g.Propose(gce, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range ms[1:] {
				if _, err := r.g.Process(roundTrip(t, pm)); err != nil {
					t.Fatal(err)
				}
			}
			ms = commitAndDeliver(t, ms, 2, nil, nil, nil, nil)
			if !ms[1].g.GroupContext().Extensions.Has(extension.RequiredCapabilities) {
				t.Fatal("the GroupContextExtensions was not applied")
			}
		})
	}
}

// TestGREASESenderRefuses checks that a client never sends GREASE values
// where RFC 9420, Section 13.5 forbids them (R-13.5-3).
func TestGREASESenderRefuses(t *testing.T) {
	s := mustSuite(t, testSuite)
	akp, apriv := greaseKP(t, s, "alice")
	grease := extension.List{{ExtensionType: 0x2A2A, ExtensionData: []byte{}}}
	// [R-13.5-6]
	if _, err := NewGroup([]byte("g"), akp, apriv, grease, testConfig("alice")); !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-13.5-6" {
		t.Fatalf("NewGroup with a GREASE extension: err = %v, want R-13.5-6", err)
	}
	alice, err := NewGroup([]byte("g"), akp, apriv, nil, testConfig("alice"))
	if err != nil {
		t.Fatal(err)
	}
	before := state(t, alice)
	// [R-13.5-7]
	_, err = alice.Propose(&Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: &GroupContextExtensions{Extensions: grease}}, true)
	if !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-13.5-7" {
		t.Fatalf("GroupContextExtensions with GREASE: err = %v, want R-13.5-7", err)
	}
	// [R-13.5-4]
	_, err = alice.Propose(&Proposal{ProposalType: 0x4A4A}, true)
	if !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-13.5-4" {
		t.Fatalf("GREASE proposal type: err = %v, want R-13.5-4", err)
	}
	// [R-13.5-4] a GREASE type among a Commit's application proposals.
	_, err = alice.Commit(&CommitOptions{Custom: []*Proposal{{ProposalType: 0x5A5A, Custom: &appBody{Data: []byte("x")}}}})
	if !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-13.5-4" {
		t.Fatalf("Commit with a GREASE proposal type: err = %v, want R-13.5-4", err)
	}
	// [R-13.5-6] a ReInit's extensions become the new GroupContext's.
	_, err = alice.Commit(&CommitOptions{ReInit: &ReInit{GroupID: []byte("g2"), Version: MLS10, CipherSuite: s.ID(), Extensions: grease}})
	if !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-13.5-6" {
		t.Fatalf("ReInit with a GREASE extension: err = %v, want R-13.5-6", err)
	}
	// [R-13.5-5] a GREASE credential type of an external sender, in a
	// GroupContextExtensions proposal and at creation.
	ds, err := ExternalSenders{{SignatureKey: []byte("key"), Credential: credential.Credential{CredentialType: 0x6A6A, Data: []byte("ds")}}}.Extension()
	if err != nil {
		t.Fatal(err)
	}
	_, err = alice.Propose(&Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: &GroupContextExtensions{Extensions: extension.List{ds}}}, true)
	if !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-13.5-5" {
		t.Fatalf("external sender with a GREASE credential type: err = %v, want R-13.5-5", err)
	}
	if !bytes.Equal(before, state(t, alice)) {
		t.Fatal("a refused proposal or Commit changed the state")
	}
	if _, err := NewGroup([]byte("g"), akp, apriv, extension.List{ds}, testConfig("alice")); mlserr.RequirementOf(err) != "R-13.5-5" {
		t.Fatalf("NewGroup with an external sender of GREASE credential type: err = %v, want R-13.5-5", err)
	}
}

// TestExtensibilityRejects delivers Commits that use GREASE or unsupported
// values where the RFC does not allow them; each is refused with state
// unchanged (RFC 9420, Sections 12.1.7, 12.2, 13.4 and 13.5).
func TestExtensibilityRejects(t *testing.T) {
	s := mustSuite(t, testSuite)
	akp, apriv := greaseKP(t, s, "alice")
	alice, err := NewGroup([]byte("grease group"), akp, apriv, nil, testConfig("alice"))
	if err != nil {
		t.Fatal(err)
	}
	ms := []*member{{name: "alice", g: alice}}
	bkp, bpriv := greaseKP(t, s, "bob")
	ms = commitAndDeliver(t, ms, 0, &CommitOptions{Adds: []*KeyPackage{bkp}}, []*member{{name: "bob"}}, []*KeyPackage{bkp}, []*KeyPackagePrivate{bpriv})
	alice, bob := ms[0].g, ms[1].g
	gce := func(l extension.List) *Proposal {
		return &Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: &GroupContextExtensions{Extensions: l}}
	}
	required := func(rc *tree.RequiredCapabilities) extension.List {
		data := codec.Encode(rc)
		return extension.List{{ExtensionType: extension.RequiredCapabilities, ExtensionData: data}}
	}
	none := &tree.RequiredCapabilities{ExtensionTypes: []extension.ExtensionType{}, ProposalTypes: []tree.ProposalType{}, CredentialTypes: []credential.CredentialType{}}
	tests := []struct {
		name  string
		props []*Proposal
		req   string
		class error
	}{
		// [R-13.5-10] [R-13.5-11] [R-13.5-12] [R-13.4-10] Both leaves
		// list 0x2A2A, but only as GREASE: bob's true capabilities lack
		// it.
		{"a GREASE GroupContext extension every leaf lists", []*Proposal{gce(extension.List{{ExtensionType: 0x2A2A, ExtensionData: []byte{}}})}, "R-12.2-16", mlserr.ErrInvalidProposal},
		{"required_capabilities naming a GREASE proposal type", []*Proposal{gce(required(&tree.RequiredCapabilities{ExtensionTypes: none.ExtensionTypes, ProposalTypes: []tree.ProposalType{0x4A4A}, CredentialTypes: none.CredentialTypes}))}, "R-12.2-16", mlserr.ErrInvalidProposal},
		{"required_capabilities naming an unsupported credential type", []*Proposal{gce(required(&tree.RequiredCapabilities{ExtensionTypes: none.ExtensionTypes, ProposalTypes: none.ProposalTypes, CredentialTypes: []credential.CredentialType{credential.X509}}))}, "R-12.2-16", mlserr.ErrInvalidProposal},
		{"required_capabilities naming an unsupported extension", []*Proposal{gce(required(&tree.RequiredCapabilities{ExtensionTypes: []extension.ExtensionType{0x0B0B}, ProposalTypes: none.ProposalTypes, CredentialTypes: none.CredentialTypes}))}, "R-12.2-16", mlserr.ErrInvalidProposal},
		{"a GroupContext extension no member supports", []*Proposal{gce(extension.List{{ExtensionType: 0x0B0B, ExtensionData: []byte{}}})}, "R-12.2-16", mlserr.ErrInvalidProposal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bob.clone()
			before := state(t, b)
			_, err := b.Process(roundTrip(t, forgeCommit(t, alice, &Commit{Proposals: byValue(tc.props...)})))
			if !errors.Is(err, tc.class) || mlserr.RequirementOf(err) != tc.req {
				t.Fatalf("err = %v, want %s", err, tc.req)
			}
			if !bytes.Equal(before, state(t, b)) {
				t.Fatal("the state changed")
			}
		})
	}

	// [R-13.5-10] A proposal of a GREASE type does not decode: the
	// ordinary logic for an unknown type.
	wire := []byte{0x0A, 0x0A, 0, 0, 0, 0}
	if _, err := DecodeProposal(wire); !errors.Is(err, mlserr.ErrUnsupported) {
		t.Fatalf("GREASE proposal type: err = %v, want ErrUnsupported", err)
	}
}

// TestGroupInfoGREASE checks that ExportGroupInfo adds GREASE extensions to
// some GroupInfos (RFC 9420, Section 13.5) and none with NoGREASE, and that
// a joiner ignores the unknown extensions of the GroupInfo (Section 13.4):
// it joins by external Commit, and the members accept the Commit.
func TestGroupInfoGREASE(t *testing.T) {
	s := mustSuite(t, testSuite)
	ms := newTestGroup(t, testSuite, "alice", "bob")
	alice, bob := ms[0].g, ms[1].g
	greased := 0
	for range 12 {
		gi, err := alice.ExportGroupInfo(GroupInfoOptions{ExternalPub: true, RatchetTree: true})
		if err != nil {
			t.Fatal(err)
		}
		greased += countGrease(gi.Extensions.Types())
		gi, err = alice.ExportGroupInfo(GroupInfoOptions{ExternalPub: true, NoGREASE: true})
		if err != nil {
			t.Fatal(err)
		}
		if countGrease(gi.Extensions.Types()) != 0 {
			t.Fatal("NoGREASE GroupInfo holds a GREASE extension")
		}
	}
	if greased == 0 || greased == 12 {
		t.Fatalf("%d GREASE extensions in 12 GroupInfos: want a random selection", greased)
	}
	// A GroupInfo with a GREASE extension and an unknown one.
	var gi *GroupInfo
	for gi == nil || countGrease(gi.Extensions.Types()) == 0 {
		var err error
		if gi, err = alice.ExportGroupInfo(GroupInfoOptions{ExternalPub: true, RatchetTree: true}); err != nil {
			t.Fatal(err)
		}
	}
	gi.Extensions = append(gi.Extensions, extension.Extension{ExtensionType: 0xF0F0, ExtensionData: []byte("unknown")})
	if err := gi.Sign(alice.suite, alice.sigPriv); err != nil {
		t.Fatal(err)
	}
	b, err := gi.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if gi, err = DecodeGroupInfo(b); err != nil {
		t.Fatal(err)
	}
	// [R-13.4-4]
	ckp, cpriv := newKP(t, s, "carol")
	carol, m, err := JoinExternal(gi, ckp, cpriv, nil, testConfig("carol"))
	if err != nil {
		t.Fatalf("joining with a GroupInfo holding unknown extensions: %v", err)
	}
	for _, g := range []*Group{alice, bob} {
		if _, err := g.Process(roundTrip(t, m)); err != nil {
			t.Fatal(err)
		}
	}
	agreeWith(t, carol, alice, bob)
}

// TestJoinRejectsUnsupportedGroupExtension has a (non-conforming) member
// send a Welcome whose GroupContext uses a GREASE extension type that the
// joiner's KeyPackage lists, but only as GREASE: the joiner compares with
// its true capabilities and refuses the group (RFC 9420, Sections 12.4.3.1,
// 13.4 and 13.5). The same Welcome without the extension is accepted.
func TestJoinRejectsUnsupportedGroupExtension(t *testing.T) {
	s := mustSuite(t, testSuite)
	akp, apriv := greaseKP(t, s, "alice")
	alice, err := NewGroup([]byte("grease group"), akp, apriv, nil, testConfig("alice"))
	if err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := greaseKP(t, s, "bob")
	if !bkp.LeafNode.Capabilities.SupportsExtension(0x2A2A) {
		t.Fatal("bob's KeyPackage should list 0x2A2A")
	}
	welcome := func(exts extension.List) *Welcome {
		gi, err := alice.ExportGroupInfo(GroupInfoOptions{RatchetTree: true, NoGREASE: true})
		if err != nil {
			t.Fatal(err)
		}
		gi.GroupContext.Extensions = exts
		if err := gi.Sign(alice.suite, alice.sigPriv); err != nil {
			t.Fatal(err)
		}
		joiner := bytes.Repeat([]byte{7}, s.Nh())
		w, err := NewWelcome(s, joiner, nil, gi, []NewMember{{KeyPackage: bkp, GroupSecrets: &GroupSecrets{JoinerSecret: joiner}}}, seeded.New("welcome"))
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	// [R-13.4-8] [R-13.4-9] [R-13.5-11]
	_, err = JoinGroup(welcome(extension.List{{ExtensionType: 0x2A2A, ExtensionData: []byte{}}}), bkp, bpriv, nil, testConfig("bob"))
	if !errors.Is(err, mlserr.ErrInvalidWelcome) || mlserr.RequirementOf(err) != "R-12.4.3-2" {
		t.Fatalf("err = %v, want R-12.4.3-2", err)
	}
	// Without it, the join gets past the extension check (the tree
	// does not include bob, so it fails later, for another reason).
	_, err = JoinGroup(welcome(extension.List{}), bkp, bpriv, nil, testConfig("bob"))
	if err == nil || mlserr.RequirementOf(err) == "R-12.4.3-2" {
		t.Fatalf("err = %v, want a failure other than R-12.4.3-2", err)
	}
	// [R-13.5-11] JoinExternal compares the same way: a GroupInfo whose
	// GroupContext uses 0x2A2A is refused, one without it accepted.
	external := func(exts extension.List) error {
		gi, err := alice.ExportGroupInfo(GroupInfoOptions{RatchetTree: true, ExternalPub: true, NoGREASE: true})
		if err != nil {
			t.Fatal(err)
		}
		gi.GroupContext.Extensions = exts
		if err := gi.Sign(alice.suite, alice.sigPriv); err != nil {
			t.Fatal(err)
		}
		_, _, err = JoinExternal(gi, bkp, bpriv, nil, testConfig("bob"))
		return err
	}
	err = external(extension.List{{ExtensionType: 0x2A2A, ExtensionData: []byte{}}})
	if !errors.Is(err, mlserr.ErrUnsupported) || mlserr.RequirementOf(err) != "R-12.4.3-2" {
		t.Fatalf("JoinExternal: err = %v, want R-12.4.3-2", err)
	}
	if err := external(extension.List{}); err != nil {
		t.Fatalf("JoinExternal without the extension: %v", err)
	}
}

// TestWelcomeGroupInfoGREASE checks that CommitOptions.GREASE puts GREASE
// extensions into some of the GroupInfos of Welcomes (RFC 9420, Section
// 13.5), none without it, and that the joiners ignore them (Section 13.4,
// R-13.4-4) and agree with the group.
func TestWelcomeGroupInfoGREASE(t *testing.T) {
	s := mustSuite(t, testSuite)
	greased := 0
	for i := range 8 {
		for _, on := range []bool{true, false} {
			akp, apriv := newKP(t, s, fmt.Sprintf("alice%d", i))
			alice, err := NewGroup([]byte("welcome grease"), akp, apriv, nil, testConfig(fmt.Sprintf("welcome grease %d %v", i, on)))
			if err != nil {
				t.Fatal(err)
			}
			bkp, bpriv := newKP(t, s, fmt.Sprintf("bob%d", i))
			pc := pskCommit(t, alice, &CommitOptions{Adds: []*KeyPackage{bkp}, GREASE: on})
			ow, err := OpenWelcome(pc.Welcome, bkp, bpriv.InitPriv, nil, SignerFromRatchetTreeExtension())
			if err != nil {
				t.Fatal(err)
			}
			n := countGrease(ow.GroupInfo.Extensions.Types())
			if !on && n != 0 {
				t.Fatal("a Welcome without GREASE holds a GREASE extension in its GroupInfo")
			}
			greased += n
			bob, err := JoinGroup(pc.Welcome, bkp, bpriv, nil, testConfig(fmt.Sprintf("bob %d %v", i, on)))
			if err != nil {
				t.Fatalf("joining from a Welcome whose GroupInfo holds %d GREASE extensions: %v", n, err)
			}
			agreeWith(t, alice, bob)
		}
	}
	if greased == 0 || greased == 8 {
		t.Fatalf("%d GREASE extensions in 8 Welcomes: want a random selection", greased)
	}
}
