package group

import (
	"bytes"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// requireApp returns a GroupContextExtensions proposal whose extensions
// are a required_capabilities naming appProposalType, or no extension at
// all when require is false.
func requireApp(require bool) *Proposal {
	l := extension.List{}
	if require {
		rc := &tree.RequiredCapabilities{ExtensionTypes: []extension.ExtensionType{}, ProposalTypes: []tree.ProposalType{appProposalType}, CredentialTypes: []credential.CredentialType{}}
		l = extension.List{{ExtensionType: extension.RequiredCapabilities, ExtensionData: codec.Encode(rc)}}
	}
	return &Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: &GroupContextExtensions{Extensions: l}}
}

// proposeTo has ms[from] propose p as a PublicMessage and delivers it to
// every other member of ms.
func proposeTo(t *testing.T, ms []*member, from int, p *Proposal) {
	t.Helper()
	m, err := ms[from].g.Propose(p, true)
	if err != nil {
		t.Fatalf("%s proposes: %v", ms[from].name, err)
	}
	for i, o := range ms {
		if i != from {
			if _, err := o.g.Process(appRoundTrip(t, m, o.g)); err != nil {
				t.Fatalf("%s receives the proposal: %v", o.name, err)
			}
		}
	}
}

// TestCommitGCEEvaluatesAdds checks that the Adds of a Commit are judged
// with the extensions of the GroupContextExtensions the same Commit holds
// (RFC 9420, Section 12.3, R-12.3-3), by the committer and by the
// receivers: a GroupContextExtensions dropping a required_capabilities
// admits a client lacking it, one adding the requirement refuses such a
// client, and a refusal leaves the state byte-identical.
func TestCommitGCEEvaluatesAdds(t *testing.T) {
	s := mustSuite(t, testSuite)
	t.Run("the requirement dropped admits the Add", func(t *testing.T) {
		ms := appGroup(t, false)
		proposeTo(t, ms, 0, requireApp(true))
		ms = commitAndDeliver(t, ms, 0, nil, nil, nil, nil)
		proposeTo(t, ms, 0, requireApp(false))
		ckp, cpriv := appKP(t, s, "carol", false)
		// Under the GroupContext of the epoch, carol's KeyPackage is
		// refused (R-10.1-4 with R-7.3-7).
		if err := ms[0].g.validateAddKeyPackage(ckp, ms[0].g.params()); err == nil {
			t.Fatal("carol's KeyPackage is valid under the requirement")
		}
		ms = commitAndDeliver(t, ms, 0, &CommitOptions{Adds: []*KeyPackage{ckp}}, []*member{{name: "carol"}}, []*KeyPackage{ckp}, []*KeyPackagePrivate{cpriv})
		if len(ms) != 3 || ms[0].g.GroupContext().Extensions.Has(extension.RequiredCapabilities) {
			t.Fatalf("%d members, extensions %v", len(ms), ms[0].g.GroupContext().Extensions)
		}
	})
	t.Run("the requirement added refuses the Add", func(t *testing.T) {
		ms := appGroup(t, false)
		alice, bob := ms[0].g, ms[1].g
		proposeTo(t, ms, 0, requireApp(true))
		ckp, _ := appKP(t, s, "carol", false)
		// Alone, carol's KeyPackage is valid in the epoch.
		if err := alice.validateAddKeyPackage(ckp, alice.params()); err != nil {
			t.Fatal(err)
		}
		// [R-12.4-3] the committer leaves the GroupContextExtensions out
		// of a Commit it would make invalid: the Commit adds carol alone.
		if c := commitList(t, alice, &CommitOptions{Adds: []*KeyPackage{ckp}}); len(c.Proposals) != 1 || c.Proposals[0].Type != ProposalOrRefProposal {
			t.Fatalf("the Commit covers %v, want the Add by value alone", c.Proposals)
		}
		// The same Commit, forged, for bob: the GroupContextExtensions by
		// reference, the Add by value.
		c := &Commit{Proposals: append([]ProposalOrRef{byRef(lastRef(bob))}, byValue(addOf(ckp))...)}
		m := forgeCommit(t, alice, c)
		mustReject(t, bob, m, "R-12.2-3", mlserr.ErrInvalidProposal)
		_, err := bob.clone().Process(m)
		wantReqs(t, err, mlserr.ErrInvalidProposal, "R-12.2-3", "R-7.3-7")
	})
}

// appGroupOfFour returns alice, bob and dave, who support appProposalType,
// and carol (leaf 2), who does not.
func appGroupOfFour(t *testing.T) []*member {
	t.Helper()
	s := mustSuite(t, testSuite)
	ms := appGroup(t, true)
	dkp, dpriv := appKP(t, s, "dave", true)
	pc, err := ms[0].g.Commit(&CommitOptions{Adds: []*KeyPackage{dkp}})
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, pc.Message, ms[1].g, ms[2].g)
	if err := ms[0].g.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	dave, err := JoinGroup(pc.Welcome, dkp, dpriv, nil, appConfig("dave", false))
	if err != nil {
		t.Fatal(err)
	}
	ms = append(ms, &member{name: "dave", g: dave})
	agree(t, ms)
	if ms[2].g.LeafIndex() != 2 || dave.LeafIndex() != 3 {
		t.Fatalf("carol at leaf %d, dave at %d", ms[2].g.LeafIndex(), dave.LeafIndex())
	}
	return ms
}

// TestCustomProposalRemovedMember checks that an application-defined
// proposal type need only be supported by the members that will process
// the Commit (RFC 9420, Section 12.2, R-12.2-15, and Section 13.2,
// R-13.2-1): a Commit that removes the only member lacking it is made and
// accepted, whatever the order of the list; one that removes another
// member while that one stays is refused by the committer and by the
// receivers, the state left byte-identical.
func TestCustomProposalRemovedMember(t *testing.T) {
	p, err := NewCustomProposal(appProposalType, &appBody{Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	remove := func(leaf uint32) *Proposal {
		return &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: leaf}}
	}
	t.Run("the member lacking it removed", func(t *testing.T) {
		ms := appGroupOfFour(t)
		alice, bob, dave := ms[0].g, ms[1].g, ms[3].g
		pc, err := alice.Commit(&CommitOptions{Custom: []*Proposal{p}, Removes: []uint32{2}, PublicMessage: true})
		if err != nil {
			t.Fatal(err)
		}
		// carol, who did not register the type, cannot decode the Commit:
		// a member being removed need not.
		for _, g := range []*Group{bob, dave} {
			if _, err := g.Process(appRoundTrip(t, pc.Message, g)); err != nil {
				t.Fatal(err)
			}
		}
		if err := alice.MergePendingCommit(pc); err != nil {
			t.Fatal(err)
		}
		agree(t, []*member{ms[0], ms[1], ms[3]})
		if alice.Tree().Leaf(2) != nil {
			t.Fatal("carol is still in the group")
		}
	})
	t.Run("the Remove after the proposal in the list", func(t *testing.T) {
		ms := appGroupOfFour(t)
		bob := ms[1].g
		alice := framing.MemberSender(0)
		if err := bob.validateProposalList([]committedProposal{{proposal: p, sender: alice}, {proposal: remove(2), sender: alice}}, 0); err != nil {
			t.Fatal(err)
		}
		err := bob.validateProposalList([]committedProposal{{proposal: p, sender: alice}, {proposal: remove(3), sender: alice}}, 0)
		wantReqs(t, err, mlserr.ErrInvalidProposal, "R-13.2-1")
	})
	t.Run("another member removed", func(t *testing.T) {
		ms := appGroupOfFour(t)
		alice, bob := ms[0].g, ms[1].g
		before := state(t, alice)
		_, err := alice.Commit(&CommitOptions{Custom: []*Proposal{p}, Removes: []uint32{3}, PublicMessage: true})
		wantReqs(t, err, mlserr.ErrInvalidProposal, "R-13.2-1")
		if !bytes.Equal(before, state(t, alice)) {
			t.Fatal("the refused Commit changed the committer's state")
		}
		m := forgeCommit(t, alice, &Commit{Proposals: byValue(remove(3), p)})
		mustReject(t, bob, appRoundTrip(t, m, bob), "R-13.2-1", mlserr.ErrInvalidProposal)
	})
}

// TestCommitDuplicateNewKeys checks that the leaves a Commit brings into
// the tree do not repeat one another's encryption_key, each being fresh
// with respect to the tree before the Commit (RFC 9420, Section 12.2,
// R-12.2-16, and Section 7.3, R-7.3-19): two Updates, an Update and the
// committer's path, two Adds; nor signature_key (R-7.3-18): two Updates.
// The committer refuses to make such a
// Commit and a receiver refuses it with its state byte-identical.
func TestCommitDuplicateNewKeys(t *testing.T) {
	f := newRejectFixture(t)
	s := f.alice.suite
	_, shared, err := s.GenerateKeyPair(seeded.New("a key used twice"))
	if err != nil {
		t.Fatal(err)
	}
	withShared := func(ln *tree.LeafNode) { ln.EncryptionKey = bytes.Clone(shared) }
	// updates has carol and dave propose Updates with the shared key,
	// each valid on its own, received by alice and bob.
	updates := func(t *testing.T) (alice, bob *Group) {
		alice, bob = f.alice.clone(), f.bob.clone()
		for _, g := range []*Group{f.carol, f.dave} {
			m, err := g.clone().sendProposal(updateProposal(updateOf(t, g, withShared)), true, nil)
			if err != nil {
				t.Fatal(err)
			}
			deliver(t, m, alice, bob)
		}
		return alice, bob
	}
	t.Run("two Updates, committed", func(t *testing.T) {
		alice, _ := updates(t)
		// [R-12.4-3] the second Update would make the list invalid
		// (R-12.2-16): the committer leaves it out.
		wantRefs(t, commitList(t, alice, &CommitOptions{}), alice.pending[0].ref)
	})
	t.Run("two Updates, received", func(t *testing.T) {
		alice, bob := updates(t)
		m := forgeCommit(t, alice, &Commit{Proposals: []ProposalOrRef{byRef(bob.pending[0].ref), byRef(bob.pending[1].ref)}})
		mustReject(t, bob, m, "R-12.2-16", mlserr.ErrInvalidProposal)
		_, err := bob.clone().Process(m)
		wantReqs(t, err, mlserr.ErrInvalidProposal, "R-12.2-16", "R-7.3-19")
	})
	t.Run("two Updates with the same new signature key", func(t *testing.T) {
		sigPriv, sigPub, err := s.GenerateSignatureKeyPair(seeded.New("a signature key used twice"))
		if err != nil {
			t.Fatal(err)
		}
		alice, bob := f.alice.clone(), f.bob.clone()
		for _, g := range []*Group{f.carol, f.dave} {
			ln := updateOf(t, g, nil)
			ln.SignatureKey = bytes.Clone(sigPub)
			if err := ln.Sign(s, sigPriv, g.ctx.GroupID, g.priv.Leaf()); err != nil {
				t.Fatal(err)
			}
			m, err := g.clone().sendProposal(updateProposal(ln), true, nil)
			if err != nil {
				t.Fatal(err)
			}
			deliver(t, m, alice, bob)
		}
		// [R-12.4-3]
		wantRefs(t, commitList(t, alice, &CommitOptions{}), alice.pending[0].ref)
		m := forgeCommit(t, alice, &Commit{Proposals: []ProposalOrRef{byRef(bob.pending[0].ref), byRef(bob.pending[1].ref)}})
		mustReject(t, bob, m, "R-12.2-16", mlserr.ErrInvalidProposal)
	})
	t.Run("an Update and the path", func(t *testing.T) {
		bob := f.bob.clone()
		m, err := f.carol.clone().sendProposal(updateProposal(updateOf(t, f.carol, withShared)), true, nil)
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, m, bob)
		c := pathCommit(t, f.alice)
		c.Proposals = []ProposalOrRef{byRef(lastRef(bob))}
		c.Path.LeafNode.EncryptionKey = bytes.Clone(shared)
		resignLeaf(t, f.alice, c)
		before := state(t, bob)
		_, err = bob.Process(forgeCommit(t, f.alice, c))
		wantReqs(t, err, mlserr.ErrInvalidTree, "R-7.3-19")
		if !bytes.Equal(before, state(t, bob)) {
			t.Fatal("the rejected message changed the state")
		}
	})
	t.Run("two Adds", func(t *testing.T) {
		kp1 := keyPackageWithKey(t, f.alice, "mallory", shared)
		kp2 := keyPackageWithKey(t, f.alice, "trent", shared)
		before := state(t, f.alice)
		_, err := f.alice.Commit(&CommitOptions{Adds: []*KeyPackage{kp1, kp2}})
		wantReqs(t, err, mlserr.ErrInvalidProposal, "R-12.2-16", "R-7.3-19")
		if !bytes.Equal(before, state(t, f.alice)) {
			t.Fatal("the refused Commit changed the committer's state")
		}
		m := forgeCommit(t, f.alice, &Commit{Proposals: byValue(addOf(kp1), addOf(kp2))})
		mustReject(t, f.bob.clone(), m, "R-12.2-16", mlserr.ErrInvalidProposal)
		_, err = f.bob.clone().Process(m)
		wantReqs(t, err, mlserr.ErrInvalidProposal, "R-12.2-16", "R-7.3-19")
	})
}

// commitList creates a Commit of a copy of g with opts, as a PublicMessage,
// and returns it decoded.
func commitList(t *testing.T, g *Group, opts *CommitOptions) *Commit {
	t.Helper()
	o := *opts
	o.PublicMessage = true
	pc, err := g.clone().Commit(&o)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	c, err := DecodeCommit(pc.Message.PublicMessage.Content.Commit)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantRefs checks that c covers exactly the proposals refs, by reference,
// in that order.
func wantRefs(t *testing.T, c *Commit, refs ...[]byte) {
	t.Helper()
	var got [][]byte
	for _, p := range c.Proposals {
		if p.Type != ProposalOrRefReference {
			t.Fatalf("the Commit covers a proposal by value: %v", c.Proposals)
		}
		got = append(got, p.Reference)
	}
	if len(got) != len(refs) {
		t.Fatalf("the Commit covers %d proposals, want %d", len(got), len(refs))
	}
	for i := range refs {
		if !bytes.Equal(got[i], refs[i]) {
			t.Fatalf("the Commit's proposal %d is %x, want %x", i, got[i], refs[i])
		}
	}
}
