package model

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// reqs returns the requirement IDs of a verdict's violations.
func reqs(v Verdict) []string {
	var out []string
	for _, x := range v.Violations {
		out = append(out, x.Req)
	}
	return out
}

func add(c ClientID) Entry {
	return Entry{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: c}}}
}
func remove(l uint32) Entry {
	return Entry{Proposal: Proposal{Type: Remove, Removed: l}}
}
func update(l uint32) Entry { return Entry{Proposal: Proposal{Type: Update, Sender: l}} }
func psk(name string) Entry { return Entry{Proposal: Proposal{Type: PreSharedKey, PSK: name}} }
func gce(n int) Entry {
	return Entry{Proposal: Proposal{Type: GroupContextExtensions, ExternalSenders: n}}
}
func reinit() Entry { return Entry{Proposal: Proposal{Type: ReInit}} }

func TestValidateList(t *testing.T) {
	// Leaves: 1 2 _ 4 (clients), committer at leaf 0.
	tr := tree(1, 2, 0, 4)
	tests := []struct {
		name    string
		entries []Entry
		want    []string
	}{
		{"empty list", nil, nil},
		{"add a new client", []Entry{add(5)}, nil},
		{"add a member", []Entry{add(2)}, []string{"R-12.2-9"}},
		{"add a member removed by the same commit", []Entry{add(2), remove(1)}, nil},
		{"add the same client twice", []Entry{add(5), add(5)}, []string{"R-12.2-8"}},
		{"remove the committer", []Entry{remove(0)}, []string{"R-12.2-5"}},
		{"remove a blank leaf", []Entry{remove(2)}, []string{"R-12.2-3"}},
		{"remove outside the tree", []Entry{remove(9)}, []string{"R-12.2-3"}},
		{"remove twice", []Entry{remove(1), remove(1)}, []string{"R-12.2-6"}},
		{"update and remove one leaf", []Entry{update(3), remove(3)}, []string{"R-12.2-6"}},
		{"update of the committer", []Entry{update(0)}, []string{"R-12.2-4"}},
		{"two updates", []Entry{update(1), update(1)}, []string{"R-12.2-6"}},
		{"expired KeyPackage", []Entry{{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: 7, Defect: Expired}}}}, []string{"R-10.1-4"}},
		{"KeyPackage of another suite", []Entry{{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: 7, Defect: WrongCipherSuite}}}}, []string{"R-10.1-3"}},
		{"two distinct PSKs", []Entry{psk("a"), psk("b")}, nil},
		{"the same PSK twice", []Entry{psk("a"), add(5), psk("a")}, []string{"R-12.2-10"}},
		{"one GroupContextExtensions", []Entry{gce(1), add(5)}, nil},
		{"two GroupContextExtensions", []Entry{gce(1), gce(0)}, []string{"R-12.2-11"}},
		{"a ReInit alone", []Entry{reinit()}, nil},
		{"a ReInit with an Add", []Entry{add(5), reinit()}, []string{"R-12.2-12"}},
		{"a ReInit with a PSK", []Entry{reinit(), psk("a")}, []string{"R-12.2-12"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := ValidateList(tr, 0, tc.entries)
			if diff := cmp.Diff(tc.want, reqs(v)); diff != "" {
				t.Errorf("violations (-want +got):\n%s\n%v", diff, v)
			}
		})
	}
	if !PathRequired(nil) || PathRequired([]Entry{add(5)}) || !PathRequired([]Entry{add(5), remove(1)}) || !PathRequired([]Entry{update(1)}) ||
		PathRequired([]Entry{psk("a")}) || !PathRequired([]Entry{gce(0)}) || PathRequired([]Entry{reinit()}) {
		t.Error("PathRequired is wrong")
	}
}

func TestWindow(t *testing.T) {
	lim := Limits{MaxGenerationGap: 3, MaxSkippedKeys: 2}
	w := &Window{}
	steps := []struct {
		gen    uint32
		accept bool
		req    string
	}{
		{gen: 4, accept: false, req: "R-15.3-2"}, // 4 - 0 > 3
		{gen: 3, accept: true},                   // skips 0, 1, 2; keeps 1, 2
		{gen: 0, accept: false, req: "R-9.2-1"},  // deleted: only 2 kept
		{gen: 2, accept: true},
		{gen: 2, accept: false, req: "R-9.2-1"}, // replay
		{gen: 3, accept: false, req: "R-9.2-1"},
		{gen: 7, accept: true},                  // 7 - 4 = 3
		{gen: 1, accept: false, req: "R-9.2-1"}, // evicted by 5 and 6
		{gen: 5, accept: true},
		{gen: 6, accept: true},
		{gen: 4, accept: false, req: "R-9.2-1"},
		{gen: 8, accept: true},
	}
	for i, s := range steps {
		v := w.Judge(s.gen, lim)
		if v.Accept() != s.accept || (!s.accept && v.Violations[0].Req != s.req) {
			t.Fatalf("step %d: generation %d: %v, want accept=%v %s", i, s.gen, v, s.accept, s.req)
		}
		if v.Accept() {
			w.Consume(s.gen, lim)
		}
	}
	if w.Next != 9 || len(w.Kept) != 0 {
		t.Fatalf("window %+v", w)
	}
}

// lifecycle runs a small group through the operations of the model and
// checks each verdict by hand.
func TestGroupLifecycle(t *testing.T) {
	const alice, bob, carol, dave ClientID = 1, 2, 3, 4
	w := NewWorld(Limits{MaxGenerationGap: 10, MaxSkippedKeys: 5})
	g, v := w.CreateGroup("g", alice, w.NewKeyPackage(alice, NoDefect))
	if !v.Accept() {
		t.Fatal(v)
	}
	if _, v := w.CreateGroup("g", bob, w.NewKeyPackage(bob, NoDefect)); v.Accept() {
		t.Fatal("a second group of the same id")
	}
	mustAccept := func(v Verdict) {
		t.Helper()
		if !v.Accept() {
			t.Fatal(v)
		}
	}
	mustReject := func(v Verdict, req string, class error) {
		t.Helper()
		if v.Accept() {
			t.Fatalf("accepted, want %s", req)
		}
		err := mlserr.New(req, class, "test")
		if !v.Explains(err) {
			t.Fatalf("%v does not explain %v", v, err)
		}
	}

	// Alice adds Bob and Carol by value: no path needed.
	bkp, ckp := w.NewKeyPackage(bob, NoDefect), w.NewKeyPackage(carol, NoDefect)
	m, v := g.CreateCommit(alice, CommitOptions{Adds: []KeyPackage{bkp, ckp}})
	mustAccept(v)
	if m.Commit.Path || m.Generation != 0 {
		t.Fatalf("commit %v", m.Commit)
	}
	applied, err := g.Merge(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Member{{1, bob}, {2, carol}}, applied.Added); diff != "" {
		t.Fatal(diff)
	}
	// Bob joins with the tree in the Welcome, Carol with the tree of
	// epoch 0 (wrong) and then of epoch 1.
	mustAccept(g.Join(bob, bkp, 1, TreeSource{InWelcome: true}))
	mustReject(g.Join(carol, ckp, 1, TreeSource{Epoch: 0}), "", mlserr.ErrInvalidWelcome)
	mustReject(g.Join(carol, bkp, 1, TreeSource{InWelcome: true}), "R-12.4.3.1-2", mlserr.ErrInvalidWelcome)
	mustAccept(g.Join(carol, ckp, 1, TreeSource{Epoch: 1}))
	if g.Epoch() != 1 || !g.Current(alice) || !g.Current(bob) || !g.Current(carol) {
		t.Fatal("not all in epoch 1")
	}

	// [R-12.1.3-1] A Remove of a leaf outside the tree is refused by its
	// sender, and by a receiver when sent anyway (an external sender).
	_, v = g.Propose(bob, Proposal{Type: Remove, Removed: 7}, false)
	mustReject(v, "R-12.1.3-1", mlserr.ErrInvalidProposal)
	mustReject(g.Judge(alice, &Message{Kind: ProposalMsg, Group: "g", Epoch: 1, Sender: 1, Public: true, Ref: func() Ref {
		g.nextRef++
		g.proposals[g.nextRef] = &SentProposal{Ref: g.nextRef, Epoch: 1, Proposal: Proposal{Type: Remove, Removed: 7, Sender: 1}}
		return g.nextRef
	}()}), "R-12.1.3-1", mlserr.ErrInvalidProposal)

	// Bob proposes to remove Carol; Alice receives it, Carol does not yet.
	p, v := g.Propose(bob, Proposal{Type: Remove, Removed: 2}, false)
	mustAccept(v)
	if v, _, _ := g.Receive(alice, p); !v.Accept() {
		t.Fatal(v)
	}
	// A replay of the PrivateMessage is refused.
	mustReject(g.Judge(alice, p), "R-9.2-1", mlserr.ErrGeneration)
	// Alice cannot send application data with a proposal pending.
	_, v = g.SendApplication(alice)
	mustReject(v, "R-12.4-1", mlserr.ErrInvalidInput)
	// Carol sends an application message; Alice and Bob receive it out of
	// order with a second one.
	a1, v := g.SendApplication(carol)
	mustAccept(v)
	a2, _ := g.SendApplication(carol)
	a3, _ := g.SendApplication(carol) // delivered late
	if a1.Generation != 0 || a2.Generation != 1 {
		t.Fatal("generations")
	}
	for _, r := range []ClientID{alice, bob} {
		for _, am := range []*Message{a2, a1} {
			if v, _, _ := g.Receive(r, am); !v.Accept() {
				t.Fatal(v)
			}
		}
		mustReject(g.Judge(r, a1), "R-9.2-1", mlserr.ErrGeneration)
	}
	mustReject(g.Judge(bob, a1.WithForgery(ForgedCiphertext)), "", mlserr.ErrDecryption)

	// Alice commits Bob's Remove by reference (a path is required).
	cm, v := g.CreateCommit(alice, CommitOptions{})
	mustAccept(v)
	if !cm.Commit.Path || len(cm.Commit.Entries) != 1 || cm.Commit.Entries[0].Ref != p.Ref {
		t.Fatalf("commit %v", cm.Commit)
	}
	// Carol has not received the proposal: the reference is unknown to her.
	mustReject(g.Judge(carol, cm), "R-12.4.2-4", mlserr.ErrInvalidCommit)
	if v, _, _ := g.Receive(carol, p); !v.Accept() {
		t.Fatal(v)
	}
	// A forged Commit is refused; the genuine one is accepted once merged.
	mustReject(g.Judge(bob, cm.WithForgery(ForgedCiphertext)), "", mlserr.ErrDecryption)
	if _, err := g.Merge(cm); err != nil {
		t.Fatal(err)
	}
	if _, o, err := g.Receive(bob, cm); err != nil || o.Removed || o.Epoch != 2 {
		t.Fatalf("bob: %v %v", o, err)
	}
	// A Commit replayed to Bob is for the wrong epoch.
	mustReject(g.Judge(bob, cm), "R-12.4.2-1", mlserr.ErrEpoch)
	// Carol's late application message of epoch 1 cannot be read in
	// epoch 2 (no past epochs kept).
	mustReject(g.Judge(bob, a3), "", mlserr.ErrEpoch)
	if _, o, _ := g.Receive(carol, cm); !o.Removed {
		t.Fatal("carol not removed")
	}
	// Carol can no longer do anything.
	_, v = g.SendApplication(carol)
	mustReject(v, "", mlserr.ErrInvalidInput)
	_, v = g.CreateCommit(carol, CommitOptions{})
	mustReject(v, "", mlserr.ErrInvalidInput)
	if diff := cmp.Diff([]Member{{0, alice}, {1, bob}}, g.Tree().Roster()); diff != "" {
		t.Fatal(diff)
	}
	if g.Tree().NumLeaves() != 2 {
		t.Fatalf("tree %v", g.Tree())
	}

	// Conflicting Commits: Alice and Bob both commit in epoch 2; Bob's is
	// confirmed, Alice's then is for the wrong epoch at Bob's and can
	// never be merged.
	dkp := w.NewKeyPackage(dave, NoDefect)
	ac, v := g.CreateCommit(alice, CommitOptions{Adds: []KeyPackage{dkp}})
	mustAccept(v)
	bc, v := g.CreateCommit(bob, CommitOptions{ForcePath: true, Public: true})
	mustAccept(v)
	if _, err := g.Merge(bc); err != nil {
		t.Fatal(err)
	}
	mustReject(g.Judge(bob, ac), "R-12.4.2-1", mlserr.ErrEpoch)
	if _, _, err := g.Receive(alice, ac); !errors.Is(err, ErrNotCanonical) {
		// Alice processing her own Commit is refused before that.
		if v := g.Judge(alice, ac); v.Accept() {
			t.Fatal("alice accepts her own commit")
		}
	}
	if _, err := g.Merge(ac); !errors.Is(err, ErrNotCanonical) {
		t.Fatalf("merge of a stale commit: %v", err)
	}
	if _, _, err := g.Receive(alice, bc); err != nil {
		t.Fatal(err)
	}
	if g.Epoch() != 3 || !g.Current(alice) || !g.Current(bob) {
		t.Fatal("not in epoch 3")
	}
	// Adding Alice again, or Dave twice, is refused.
	_, v = g.CreateCommit(bob, CommitOptions{Adds: []KeyPackage{w.NewKeyPackage(alice, NoDefect)}})
	mustReject(v, "R-12.2-9", mlserr.ErrInvalidProposal)
	_, v = g.CreateCommit(bob, CommitOptions{Adds: []KeyPackage{dkp, w.NewKeyPackage(dave, NoDefect)}})
	mustReject(v, "R-12.2-8", mlserr.ErrInvalidProposal)
}

func TestPastEpochs(t *testing.T) {
	const alice, bob ClientID = 1, 2
	w := NewWorld(Limits{MaxGenerationGap: 10, MaxSkippedKeys: 5, PastEpochs: 1})
	g, _ := w.CreateGroup("g", alice, w.NewKeyPackage(alice, NoDefect))
	bkp := w.NewKeyPackage(bob, NoDefect)
	m, _ := g.CreateCommit(alice, CommitOptions{Adds: []KeyPackage{bkp}})
	if _, err := g.Merge(m); err != nil {
		t.Fatal(err)
	}
	g.Join(bob, bkp, 1, TreeSource{InWelcome: true})
	var late []*Message
	for e := 1; e <= 3; e++ {
		a, v := g.SendApplication(alice)
		if !v.Accept() {
			t.Fatal(v)
		}
		late = append(late, a)
		c, _ := g.CreateCommit(alice, CommitOptions{})
		if _, err := g.Merge(c); err != nil {
			t.Fatal(err)
		}
		if _, _, err := g.Receive(bob, c); err != nil {
			t.Fatal(err)
		}
	}
	// Bob is in epoch 4: the message of epoch 3 is kept, those of 1 and
	// 2 are not.
	got := []bool{}
	for _, a := range late {
		got = append(got, g.Judge(bob, a).Accept())
	}
	if !slices.Equal(got, []bool{false, false, true}) {
		t.Fatalf("late messages accepted: %v", got)
	}
	if s := fmt.Sprint(g.Judge(bob, late[0])); s == "accept" {
		t.Fatal(s)
	}
}

// TestCommitEntriesPreferences checks the committer policy: own Updates
// left out, the first Remove of a leaf preferred to its Updates and to a
// second Remove, the most recent Update of a leaf, and nothing pending for
// a leaf removed by value.
func TestCommitEntriesPreferences(t *testing.T) {
	const a, b, c, d, e ClientID = 1, 2, 3, 4, 5
	w := NewWorld(Limits{MaxGenerationGap: 10, MaxSkippedKeys: 5})
	g, _ := w.CreateGroup("g", a, w.NewKeyPackage(a, NoDefect))
	var kps []KeyPackage
	for _, x := range []ClientID{b, c, d, e} {
		kps = append(kps, w.NewKeyPackage(x, NoDefect))
	}
	m, _ := g.CreateCommit(a, CommitOptions{Adds: kps})
	if _, err := g.Merge(m); err != nil {
		t.Fatal(err)
	}
	// Everything is proposed by b (leaf 1) and received by a (leaf 0).
	for i, x := range []ClientID{b, c, d, e} {
		if v := g.Join(x, kps[i], 1, TreeSource{InWelcome: true}); !v.Accept() {
			t.Fatal(v)
		}
	}
	send := func(from ClientID, p Proposal) Ref {
		t.Helper()
		msg, v := g.Propose(from, p, true)
		if !v.Accept() {
			t.Fatal(v)
		}
		if from != a {
			if v, _, _ := g.Receive(a, msg); !v.Accept() {
				t.Fatal(v)
			}
		}
		return msg.Ref
	}
	upA := send(a, Proposal{Type: Update})              // own Update: left out
	upC1 := send(c, Proposal{Type: Update})             // superseded by upC2
	rmD1 := send(b, Proposal{Type: Remove, Removed: 3}) // first Remove of d: kept
	upC2 := send(c, Proposal{Type: Update})             // most recent Update of c: kept
	upD := send(d, Proposal{Type: Update})              // d is removed: left out
	rmD2 := send(c, Proposal{Type: Remove, Removed: 3}) // second Remove of d: left out
	upE := send(e, Proposal{Type: Update})              // e removed by value: left out
	_, _, _, _, _ = upA, upC1, upD, rmD2, upE
	var got []Ref
	for _, en := range g.CommitEntries(a, CommitOptions{Removes: []uint32{4}}) {
		got = append(got, en.Ref)
	}
	if want := []Ref{rmD1, upC2, 0}; !slices.Equal(got, want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
}

// TestGroupEvolution checks by hand the verdicts of PSKs,
// GroupContextExtensions, external proposals, external Commits and ReInit.
func TestGroupEvolution(t *testing.T) {
	const alice, bob, carol ClientID = 1, 2, 3
	w := NewWorld(Limits{MaxGenerationGap: 10, MaxSkippedKeys: 5})
	w.PSKs = map[string]bool{"a": true}
	g, v := w.CreateGroup("g", alice, w.NewKeyPackage(alice, NoDefect))
	if !v.Accept() {
		t.Fatal(v)
	}
	merge := func(m *Message, v Verdict) {
		t.Helper()
		if !v.Accept() {
			t.Fatal(v)
		}
		if _, err := g.Merge(m); err != nil {
			t.Fatal(err)
		}
	}
	bobKP := w.NewKeyPackage(bob, NoDefect)
	merge(g.CreateCommit(alice, CommitOptions{Adds: []KeyPackage{bobKP}, PSKs: []string{"a"}}))
	if v := g.Join(bob, bobKP, 1, TreeSource{InWelcome: true}); !v.Accept() {
		t.Fatal(v)
	}
	// [R-12.4.2-5] a PSK nobody holds, by value or by reference.
	if _, v := g.CreateCommit(alice, CommitOptions{PSKs: []string{"x"}}); !slices.Contains(reqs(v), "R-12.4.2-5") {
		t.Errorf("unknown PSK: %v", v)
	}
	if _, v := g.Propose(alice, Proposal{Type: PreSharedKey, PSK: "x"}, true); !slices.Contains(reqs(v), "R-12.4.2-5") {
		t.Errorf("unknown PSK proposed: %v", v)
	}
	// A GroupContextExtensions listing an external sender, committed by
	// reference: it needs a path.
	p, v := g.Propose(alice, Proposal{Type: GroupContextExtensions, ExternalSenders: 1}, true)
	if !v.Accept() {
		t.Fatal(v)
	}
	if v, _, _ := g.Receive(bob, p); !v.Accept() {
		t.Fatal(v)
	}
	m, v := g.CreateCommit(bob, CommitOptions{})
	if !v.Accept() || !m.Commit.Path {
		t.Fatalf("GroupContextExtensions commit: %v, path %v", v, m.Commit != nil && m.Commit.Path)
	}
	merge(m, v)
	if v, _, _ := g.Receive(alice, m); !v.Accept() || g.State(2).ExternalSenders != 1 {
		t.Fatalf("epoch 2: %v, %d external senders", v, g.State(2).ExternalSenders)
	}
	// External proposals: sender 0 may send a Remove; sender 1 is not
	// listed (R-6.1-3); an Update is refused by the sender and, built by
	// hand, an ExternalInit by the members (R-12.1.8-2).
	ext, v := g.ProposeExternal(0, Proposal{Type: Remove, Removed: 1}, false)
	if !v.Accept() || !g.Judge(alice, ext).Accept() {
		t.Fatalf("external Remove: %v, %v", v, g.Judge(alice, ext))
	}
	if bad, _ := g.ProposeExternal(1, Proposal{Type: Remove, Removed: 1}, false); !slices.Contains(reqs(g.Judge(alice, bad)), "R-6.1-3") {
		t.Errorf("unlisted external sender accepted")
	}
	if _, v := g.ProposeExternal(0, Proposal{Type: Update}, false); !slices.Contains(reqs(v), "R-12.1.8-2") {
		t.Errorf("external Update: %v", v)
	}
	if bad, _ := g.ProposeExternal(0, Proposal{Type: ExternalInit}, true); !slices.Contains(reqs(g.Judge(bob, bad)), "R-12.1.8-2") {
		t.Errorf("crafted external ExternalInit accepted")
	}
	// Carol joins by external Commit: with no blank leaf the tree grows
	// to 3 leaves; the members accept it, not a copy with an altered
	// signature (R-12.4.3.2-4).
	carolKP := w.NewKeyPackage(carol, NoDefect)
	ec, v := g.ExternalCommit(carol, carolKP, nil, nil)
	if !v.Accept() || ec.Sender != 2 || g.Epoch() != 3 || g.View(carol).Leaf != 2 {
		t.Fatalf("external commit: %v, leaf %d, epoch %d", v, ec.Sender, g.Epoch())
	}
	if v := g.Judge(alice, ec.WithForgery(ForgedSignature)); !slices.Contains(reqs(v), "R-12.4.3.2-4") {
		t.Errorf("forged external commit: %v", v)
	}
	for _, c := range []ClientID{alice, bob} {
		if v, _, err := g.Receive(c, ec); !v.Accept() || err != nil {
			t.Fatalf("client %d: %v %v", c, v, err)
		}
	}
	// Bob resyncs: his leaf 1 is removed and he takes it again.
	rc, v := g.ExternalCommit(bob, w.NewKeyPackage(bob, NoDefect), new(uint32(1)), []string{"a"})
	if !v.Accept() || rc.Sender != 1 || len(g.Tree().Roster()) != 3 {
		t.Fatalf("resync: %v, leaf %d, roster %v", v, rc.Sender, g.Tree().Roster())
	}
	for _, c := range []ClientID{alice, carol} {
		if v, _, err := g.Receive(c, rc); !v.Accept() || err != nil {
			t.Fatalf("client %d: %v %v", c, v, err)
		}
	}
	// A ReInit with other proposals is refused (R-12.2-12); alone, it
	// closes the group (R-12.4.2-25).
	if _, v := g.CreateCommit(alice, CommitOptions{ReInit: true, Removes: []uint32{2}}); !slices.Contains(reqs(v), "R-12.2-12") {
		t.Errorf("mixed ReInit: %v", v)
	}
	ri, v := g.CreateCommit(alice, CommitOptions{ReInit: true})
	merge(ri, v)
	for _, c := range []ClientID{bob, carol} {
		if v, _, err := g.Receive(c, ri); !v.Accept() || err != nil {
			t.Fatalf("client %d: %v %v", c, v, err)
		}
	}
	if _, v := g.SendApplication(bob); !slices.Contains(reqs(v), "R-12.4.2-25") {
		t.Errorf("application data after a ReInit: %v", v)
	}
	if _, v := g.CreateCommit(carol, CommitOptions{}); !slices.Contains(reqs(v), "R-12.4.2-25") {
		t.Errorf("Commit after a ReInit: %v", v)
	}
	if _, v := g.Propose(alice, Proposal{Type: Update}, false); !slices.Contains(reqs(v), "R-12.4.2-25") {
		t.Errorf("proposal after a ReInit: %v", v)
	}
}
