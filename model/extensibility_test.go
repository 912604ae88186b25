package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/mlserr"
)

const (
	appType   ProposalType = 0xF0A1
	greaseTyp ProposalType = 0x5A5A
)

var (
	appCaps  = Capabilities{Proposals: []ProposalType{appType}}
	requires = &Capabilities{Proposals: []ProposalType{appType}}
)

func TestCapabilities(t *testing.T) {
	grease := Capabilities{Proposals: []ProposalType{greaseTyp}, Extensions: []uint16{0x3A3A}}
	for _, tc := range []struct {
		name string
		caps Capabilities
		req  *Capabilities
		want bool
	}{
		{"nothing required", Capabilities{}, nil, true},
		{"a default type", Capabilities{}, &Capabilities{Proposals: []ProposalType{Add}, Extensions: []uint16{3}}, true},
		{"a listed application type", appCaps, requires, true},
		{"an unlisted application type", Capabilities{}, requires, false},
		{"a GREASE proposal type listed", grease, &Capabilities{Proposals: []ProposalType{greaseTyp}}, false},
		{"a GREASE extension type listed", grease, &Capabilities{Extensions: []uint16{0x3A3A}}, false},
	} {
		if got := tc.caps.Covers(tc.req); got != tc.want {
			t.Errorf("%s: Covers = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !IsGREASE(0x0A0A) || !IsGREASE(0xEAEA) || IsGREASE(0xFAFA) || IsGREASE(0xF0A1) {
		t.Error("IsGREASE is wrong")
	}
}

func TestValidateExtensibility(t *testing.T) {
	// Leaves 0, 1, 2 hold clients 1, 2, 3; client 3 lists no
	// application type.
	state := func(req *Capabilities) *EpochState {
		return &EpochState{Tree: tree(1, 2, 3), Required: req, Caps: map[ClientID]Capabilities{1: appCaps, 2: appCaps, 3: {}}}
	}
	app := func(refused bool) Entry { return Entry{Proposal: Proposal{Type: appType, AppRefuses: refused}} }
	gceReq := func(req *Capabilities) Entry {
		return Entry{Proposal: Proposal{Type: GroupContextExtensions, Required: req}}
	}
	addKP := func(c ClientID, caps Capabilities) Entry {
		return Entry{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: c, Caps: caps}}}
	}
	registered := []ProposalType{appType}
	tests := []struct {
		name       string
		required   *Capabilities
		entries    []Entry
		registered []ProposalType
		want       []string
	}{
		{"an application proposal a member does not support", nil, []Entry{app(false)}, registered, []string{"R-13.2-1"}},
		{"an application proposal, the member lacking it removed", nil, []Entry{app(false), remove(2)}, registered, nil},
		{"an application proposal not registered", nil, []Entry{app(false), remove(2)}, nil, []string{"R-12.2-15"}},
		{"an application proposal the application refuses", nil, []Entry{app(true), remove(2)}, registered, []string{""}},
		{"requiring what a member lacks", nil, []Entry{gceReq(requires)}, registered, []string{"R-12.2-16"}},
		{"requiring what the staying members support", nil, []Entry{gceReq(requires), remove(2)}, registered, nil},
		{"requiring a GREASE value", nil, []Entry{gceReq(&Capabilities{Proposals: []ProposalType{greaseTyp}}), remove(2)}, registered, []string{"R-12.2-16"}},
		{"an Add lacking the required capabilities", requires, []Entry{remove(2), addKP(4, Capabilities{})}, registered, []string{"R-12.2-3", "R-12.2-16"}},
		{"an Add with the required capabilities", requires, []Entry{remove(2), addKP(4, appCaps)}, registered, nil},
		{"an Add the new GroupContext admits", requires, []Entry{gceReq(nil), addKP(4, Capabilities{})}, registered, nil},
		{"an Add the new GroupContext refuses", nil, []Entry{gceReq(requires), remove(2), addKP(4, Capabilities{})}, registered, []string{"R-12.2-3", "R-12.2-16"}},
		{"an Update the new GroupContext refuses", nil, []Entry{gceReq(requires), {Proposal: Proposal{Type: Update, Sender: 2}}}, registered, []string{"R-12.2-3", "R-12.2-16"}},
		{"an Update the new GroupContext admits", requires, []Entry{gceReq(nil), remove(2), {Proposal: Proposal{Type: Update, Sender: 1}}}, registered, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := ValidateExtensibility(state(tc.required), tc.entries, tc.registered)
			if diff := cmp.Diff(tc.want, reqs(v)); diff != "" {
				t.Errorf("violations (-want +got):\n%s\n%v", diff, v)
			}
		})
	}
	if !PathRequired([]Entry{add(5), app(false)}) {
		t.Error("a Commit of an application proposal needs a path in mlsref")
	}
}

// TestExtensibilityInGroup checks the verdicts of the group operations on
// application-defined proposals, GREASE and required capabilities.
func TestExtensibilityInGroup(t *testing.T) {
	const alice, bob, carol, dave ClientID = 1, 2, 3, 4
	w := NewWorld(Limits{MaxGenerationGap: 10, MaxSkippedKeys: 5})
	w.ExternalTypes = map[ProposalType]bool{appType: true}
	kp := func(c ClientID, caps Capabilities) KeyPackage {
		k := w.NewKeyPackage(c, NoDefect)
		k.Caps = caps
		return k
	}
	g, v := w.CreateGroup("g", alice, kp(alice, appCaps))
	mustAccept(t, v)
	merge := func(m *Message, v Verdict) {
		t.Helper()
		mustAccept(t, v)
		applied, err := g.Merge(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range applied.Added {
			for _, e := range m.Commit.Entries {
				if e.Proposal.Type == Add && e.Proposal.KeyPackage.Client == a.Client {
					mustAccept(t, g.Join(a.Client, e.Proposal.KeyPackage, g.Epoch(), TreeSource{InWelcome: true}))
				}
			}
		}
	}
	merge(g.CreateCommit(alice, CommitOptions{Adds: []KeyPackage{kp(bob, appCaps), kp(carol, Capabilities{})}}))
	if got := g.View(carol).Registers; len(got) != 0 {
		t.Fatalf("carol registers %v", got)
	}
	// [R-13.2-1] carol does not support the type: nobody proposes it.
	_, v = g.Propose(alice, Proposal{Type: appType}, true)
	mustReject(t, v, "R-13.2-1", mlserr.ErrUnsupported)
	// An unregistered proposer refuses before anything else.
	_, v = g.Propose(carol, Proposal{Type: appType}, true)
	mustReject(t, v, "", mlserr.ErrUnsupported)
	// [R-13.5-4] [R-13.5-7] GREASE where the RFC forbids it.
	_, v = g.Propose(alice, Proposal{Type: greaseTyp}, true)
	mustReject(t, v, "R-13.5-4", mlserr.ErrInvalidInput)
	_, v = g.Propose(alice, Proposal{Type: GroupContextExtensions, GroupExtensions: []uint16{0x3A3A}}, true)
	mustReject(t, v, "R-13.5-7", mlserr.ErrInvalidInput)
	// [R-11.3-10] the branch PSK in a regular Commit.
	_, v = g.CreateCommit(alice, CommitOptions{PSKs: []string{BranchPSK(g.Epoch())}})
	mustReject(t, v, "R-12.1.4-2", mlserr.ErrInvalidProposal)
	// An external application proposal: bob takes it; carol cannot even
	// decode it.
	m, v := g.ProposeExternal(0, Proposal{Type: appType}, false)
	mustAccept(t, v)
	mustReject(t, g.Judge(carol, m), "", mlserr.ErrUnsupported)
	// No external sender is listed: refused for that reason.
	mustReject(t, g.Judge(bob, m), "R-6.1-3", mlserr.ErrMalformed)
	// Requiring the type while carol lacks it: [R-12.4-3] the committer
	// leaves the proposal out of a Commit it would make invalid
	// (R-12.2-16).
	_, v = g.Propose(alice, Proposal{Type: GroupContextExtensions, Required: requires}, false)
	mustAccept(t, v)
	if got := g.CommitEntries(alice, CommitOptions{}); len(got) != 0 {
		t.Fatalf("the committer keeps %v, want nothing", got)
	}
	if got := g.CommitEntries(alice, CommitOptions{Removes: []uint32{2}}); len(got) != 2 || got[0].Proposal.Type != GroupContextExtensions {
		t.Fatalf("the committer removing carol keeps %v, want the GroupContextExtensions and the Remove", got)
	}
	// With carol removed, it goes through.
	merge(g.CreateCommit(alice, CommitOptions{Removes: []uint32{2}}))
	if g.State(g.Epoch()).Required == nil {
		t.Fatal("the required capabilities were not applied")
	}
	// [R-12.2-3] [R-12.2-16] dave lacks the required type.
	_, v = g.CreateCommit(alice, CommitOptions{Adds: []KeyPackage{kp(dave, Capabilities{})}})
	mustReject(t, v, "R-12.2-3", mlserr.ErrInvalidProposal)
	mustReject(t, v, "R-12.2-16", mlserr.ErrInvalidProposal)
	// [R-7.3-7] nor can he join by external Commit.
	_, v = g.ExternalCommit(dave, kp(dave, Capabilities{}), nil, nil)
	mustReject(t, v, "R-7.3-7", mlserr.ErrInvalidTree)
	// Everyone supports the type now.
	_, v = g.Propose(alice, Proposal{Type: appType}, false)
	mustAccept(t, v)
	merge(g.CreateCommit(alice, CommitOptions{Custom: []Proposal{{Type: appType}}}))
	// The group closed by a ReInit refuses a PSK proposal for that before
	// the PSK's availability (mlsref's order).
	merge(g.CreateCommit(alice, CommitOptions{ReInit: true}))
	_, v = g.Propose(alice, Proposal{Type: PreSharedKey, PSK: "unknown"}, true)
	if reqs(v)[0] != "R-12.4.2-25" || len(v.Violations) != 1 {
		t.Fatalf("%v, want R-12.4.2-25 alone", v)
	}
}

// TestBranch checks the verdicts of subgroup branching (RFC 9420, Section
// 11.3).
func TestBranch(t *testing.T) {
	const alice, bob, carol, dave ClientID = 1, 2, 3, 4
	w := NewWorld(Limits{MaxGenerationGap: 10, MaxSkippedKeys: 5})
	g, v := w.CreateGroup("g", alice, w.NewKeyPackage(alice, NoDefect))
	mustAccept(t, v)
	m, v := g.CreateCommit(alice, CommitOptions{Adds: []KeyPackage{w.NewKeyPackage(bob, NoDefect), w.NewKeyPackage(carol, NoDefect)}})
	mustAccept(t, v)
	if _, err := g.Merge(m); err != nil {
		t.Fatal(err)
	}
	for _, c := range []ClientID{bob, carol} {
		for _, e := range m.Commit.Entries {
			if e.Proposal.KeyPackage.Client == c {
				mustAccept(t, g.Join(c, e.Proposal.KeyPackage, 1, TreeSource{InWelcome: true}))
			}
		}
	}
	nkp := func(c ClientID) KeyPackage { return w.NewKeyPackage(c, NoDefect) }
	// [R-11.3-8] [R-11.3-6] the creator refuses a stranger and another
	// suite.
	_, v = w.Branch(g, alice, "s1", nkp(alice), []KeyPackage{nkp(dave)}, false)
	mustReject(t, v, "R-11.3-8", mlserr.ErrInvalidInput)
	_, v = w.Branch(g, alice, "s1", nkp(alice), []KeyPackage{w.NewKeyPackage(bob, WrongCipherSuite)}, false)
	mustReject(t, v, "R-11.3-6", mlserr.ErrInvalidInput)
	// A lax creator lets dave in; bob refuses the subgroup.
	lax, v := w.Branch(g, alice, "s2", nkp(alice), []KeyPackage{nkp(bob), nkp(dave)}, true)
	mustAccept(t, v)
	mustReject(t, g.JoinBranch(lax, bob, nkp(bob)), "R-11.3-8", mlserr.ErrInvalidWelcome)
	// A valid branch: bob joins; processed as a regular Welcome it fails.
	bkp := nkp(bob)
	sub, v := w.Branch(g, alice, "s3", nkp(alice), []KeyPackage{bkp}, false)
	mustAccept(t, v)
	mustReject(t, sub.JoinRegular(bob, bkp), "R-11.3-5", mlserr.ErrInvalidWelcome)
	mustAccept(t, g.JoinBranch(sub, bob, bkp))
	if sub.Epoch() != 1 || !sub.Current(bob) || !sub.Current(alice) || sub.Tree().NumLeaves() != 2 {
		t.Fatalf("subgroup in epoch %d, tree %v", sub.Epoch(), sub.Tree())
	}
	// [R-11.3-5] a member in another epoch than the branch's.
	m, v = g.CreateCommit(alice, CommitOptions{ForcePath: true})
	mustAccept(t, v)
	if _, err := g.Merge(m); err != nil {
		t.Fatal(err)
	}
	ckp := nkp(carol)
	ahead, v := w.Branch(g, alice, "s4", nkp(alice), []KeyPackage{ckp}, false)
	mustAccept(t, v)
	mustReject(t, g.JoinBranch(ahead, carol, ckp), "R-11.3-5", mlserr.ErrInvalidWelcome)
	if parent, e := ahead.BranchOf(); parent != g || e != 2 {
		t.Fatalf("BranchOf = %p, %d", parent, e)
	}
}

func mustAccept(t *testing.T, v Verdict) {
	t.Helper()
	if !v.Accept() {
		t.Fatal(v)
	}
}

func mustReject(t *testing.T, v Verdict, req string, class error) {
	t.Helper()
	if v.Accept() {
		t.Fatalf("accepted, want %q", req)
	}
	if !v.Explains(mlserr.New(req, class, "test")) {
		t.Fatalf("%v does not explain %q %v", v, req, class)
	}
}
