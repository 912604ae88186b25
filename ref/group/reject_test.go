package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// rejectFixture is a group of four (alice at leaf 0, bob, carol, dave) in
// which every parent node on alice's direct path is blank, seen by bob.
type rejectFixture struct {
	alice, bob, carol, dave *Group
}

func newRejectFixture(t *testing.T) *rejectFixture {
	t.Helper()
	ms := newTestGroup(t, testSuite, "alice", "bob", "carol", "dave")
	return &rejectFixture{alice: ms[0].g, bob: ms[1].g, carol: ms[2].g, dave: ms[3].g}
}

// byValue wraps proposals as a Commit's by-value list.
func byValue(ps ...*Proposal) []ProposalOrRef {
	out := []ProposalOrRef{}
	for _, p := range ps {
		out = append(out, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: p})
	}
	return out
}

func byRef(ref []byte) ProposalOrRef {
	return ProposalOrRef{Type: ProposalOrRefReference, Reference: bytes.Clone(ref)}
}

// lastRef returns the ProposalRef of the proposal g received last.
func lastRef(g *Group) []byte { return g.pending[len(g.pending)-1].ref }

// pathCommit returns a real Commit of g with a path, decoded, to be
// tampered with and re-signed by forgeCommit.
func pathCommit(t *testing.T, g *Group) *Commit {
	t.Helper()
	pc, err := g.clone().Commit(&CommitOptions{ForcePath: true, PublicMessage: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := DecodeCommit(pc.Message.PublicMessage.Content.Commit)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// resignLeaf signs the LeafNode of c's path again as g's, after a change.
func resignLeaf(t *testing.T, g *Group, c *Commit) {
	t.Helper()
	if err := c.Path.LeafNode.Sign(g.suite, g.sigPriv, g.ctx.GroupID, g.priv.Leaf()); err != nil {
		t.Fatal(err)
	}
}

// forgeAs signs c as a Commit of the member holding sigPriv, naming
// sender, in g's epoch and with g's membership key.
func forgeAs(t *testing.T, g *Group, sender uint32, sigPriv []byte, c *Commit) *MLSMessage {
	t.Helper()
	cb, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ac, err := framing.Sign(g.suite, framing.WireFormatPublicMessage, &framing.FramedContent{
		GroupID: g.ctx.GroupID, Epoch: g.ctx.Epoch, Sender: framing.MemberSender(sender),
		AuthenticatedData: []byte{}, ContentType: framing.ContentTypeCommit, Commit: cb,
	}, g.ctx, sigPriv)
	if err != nil {
		t.Fatal(err)
	}
	ac.Auth.ConfirmationTag = make([]byte, g.suite.Nh())
	pm, err := framing.ProtectPublic(g.suite, ac, g.secrets.MembershipKey, g.ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMLSMessage(pm)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// keyPackageWithKey returns a fresh client's KeyPackage whose LeafNode
// holds encryptionKey, signed again.
func keyPackageWithKey(t *testing.T, g *Group, name string, encryptionKey []byte) *KeyPackage {
	t.Helper()
	kp, priv := newKP(t, g.suite, name)
	kp.LeafNode.EncryptionKey = bytes.Clone(encryptionKey)
	if err := kp.LeafNode.Sign(g.suite, priv.SignaturePriv, nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := kp.Sign(priv.SignaturePriv); err != nil {
		t.Fatal(err)
	}
	return kp
}

// TestCommitRejects breaks one rule of RFC 9420, Sections 12.2 and 12.4.2
// at a time in a Commit that Bob processes: each is refused with its
// requirement and Bob's state is byte-identical afterwards.
func TestCommitRejects(t *testing.T) {
	f := newRejectFixture(t)
	s := f.alice.suite
	add := func(kp *KeyPackage) *Proposal {
		return &Proposal{ProposalType: ProposalTypeAdd, Add: &Add{KeyPackage: *kp}}
	}
	remove := func(leaf uint32) *Proposal {
		return &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: leaf}}
	}
	gce := func(l extension.List) *Proposal {
		return &Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: &GroupContextExtensions{Extensions: l}}
	}
	ekp, _ := newKP(t, s, "eve")

	tests := []struct {
		name string
		// setup delivers messages to bob (a copy per case) first.
		setup func(t *testing.T, bob *Group)
		make  func(t *testing.T, bob *Group) *MLSMessage
		req   string
		class error
	}{
		// Section 12.2.
		{name: "an Add whose KeyPackage signature is forged", make: func(t *testing.T, _ *Group) *MLSMessage {
			kp := *ekp
			kp.Signature = bytes.Clone(kp.Signature)
			kp.Signature[0] ^= 1
			return forgeCommit(t, f.alice, &Commit{Proposals: byValue(add(&kp))})
		}, req: "R-12.2-3", class: mlserr.ErrInvalidProposal},
		{name: "a Remove of a leaf outside the tree", make: func(t *testing.T, _ *Group) *MLSMessage {
			return forgeCommit(t, f.alice, &Commit{Proposals: byValue(remove(9))})
		}, req: "R-12.2-3", class: mlserr.ErrInvalidProposal},
		{name: "an Update whose LeafNode is invalid, by reference", setup: func(t *testing.T, bob *Group) {
			ln := f.carol.tree.Leaf(f.carol.priv.Leaf()).Clone()
			ln.LeafNodeSource = tree.SourceUpdate
			ln.Lifetime = tree.Lifetime{}
			ln.ParentHash = nil
			if err := ln.Sign(s, f.carol.sigPriv, f.carol.ctx.GroupID, f.carol.priv.Leaf()); err != nil {
				t.Fatal(err)
			}
			ln.Signature[0] ^= 1 // carol's framing signature is good, her leaf's is not
			m, err := f.carol.clone().sendProposal(&Proposal{ProposalType: ProposalTypeUpdate, Update: &Update{LeafNode: *ln}}, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Process refuses it on receipt (TestProposalReceiptRejects):
			// kept as if it had not been, the Commit must still refuse it.
			keepUnchecked(t, bob, m)
		}, make: func(t *testing.T, bob *Group) *MLSMessage {
			return forgeCommit(t, f.alice, &Commit{Proposals: []ProposalOrRef{byRef(lastRef(bob))}})
		}, req: "R-12.2-3", class: mlserr.ErrInvalidProposal},
		{name: "an Update of the committer, by reference", setup: func(t *testing.T, bob *Group) {
			m, err := f.alice.clone().ProposeUpdate(true)
			if err != nil {
				t.Fatal(err)
			}
			deliver(t, m, bob)
		}, make: func(t *testing.T, bob *Group) *MLSMessage {
			return forgeCommit(t, f.alice, &Commit{Proposals: []ProposalOrRef{byRef(lastRef(bob))}})
		}, req: "R-12.2-4", class: mlserr.ErrInvalidProposal},
		{name: "an Update of the committer, by value", make: func(t *testing.T, _ *Group) *MLSMessage {
			ln := f.alice.tree.Leaf(0).Clone()
			ln.LeafNodeSource = tree.SourceUpdate
			ln.Lifetime = tree.Lifetime{}
			ln.ParentHash = nil
			if err := ln.Sign(s, f.alice.sigPriv, f.alice.ctx.GroupID, 0); err != nil {
				t.Fatal(err)
			}
			return forgeCommit(t, f.alice, &Commit{Proposals: byValue(&Proposal{ProposalType: ProposalTypeUpdate, Update: &Update{LeafNode: *ln}})})
		}, req: "R-12.2-4", class: mlserr.ErrInvalidProposal},
		{name: "an Update and a Remove of the same leaf", setup: func(t *testing.T, bob *Group) {
			m, err := f.carol.clone().ProposeUpdate(false)
			if err != nil {
				t.Fatal(err)
			}
			deliver(t, m, bob)
		}, make: func(t *testing.T, bob *Group) *MLSMessage {
			return forgeCommit(t, f.alice, &Commit{Proposals: append([]ProposalOrRef{byRef(lastRef(bob))}, byValue(remove(f.carol.LeafIndex()))...)})
		}, req: "R-12.2-6", class: mlserr.ErrInvalidProposal},
		{name: "two Adds of the same client", make: func(t *testing.T, _ *Group) *MLSMessage {
			return forgeCommit(t, f.alice, &Commit{Proposals: byValue(add(ekp), add(ekp))})
		}, req: "R-12.2-8", class: mlserr.ErrInvalidProposal},
		{name: "two GroupContextExtensions", make: func(t *testing.T, _ *Group) *MLSMessage {
			return forgeCommit(t, f.alice, &Commit{Proposals: byValue(gce(extension.List{}), gce(extension.List{}))})
		}, req: "R-12.2-11", class: mlserr.ErrInvalidProposal},
		{name: "a ReInit with another proposal", make: func(t *testing.T, _ *Group) *MLSMessage {
			ri := &Proposal{ProposalType: ProposalTypeReInit, ReInit: &ReInit{GroupID: []byte("new"), Version: MLS10, CipherSuite: s.ID(), Extensions: extension.List{}}}
			return forgeCommit(t, f.alice, &Commit{Proposals: byValue(remove(f.dave.LeafIndex()), ri)})
		}, req: "R-12.2-12", class: mlserr.ErrInvalidProposal},
		{name: "an Add whose encryption key is a member's", make: func(t *testing.T, _ *Group) *MLSMessage {
			kp := keyPackageWithKey(t, f.alice, "mallory", f.alice.tree.Leaf(1).EncryptionKey)
			return forgeCommit(t, f.alice, &Commit{Proposals: byValue(add(kp))})
		}, req: "R-12.2-16", class: mlserr.ErrInvalidProposal},
		{name: "GroupContextExtensions the members do not support", make: func(t *testing.T, _ *Group) *MLSMessage {
			return forgeCommit(t, f.alice, &Commit{Proposals: byValue(gce(extension.List{{ExtensionType: 0x0B0B, ExtensionData: []byte{}}}))})
		}, req: "R-12.2-16", class: mlserr.ErrInvalidProposal},

		// Section 12.4.2: unprotecting the Commit.
		{name: "a forged signature", make: func(t *testing.T, _ *Group) *MLSMessage {
			_, _, sigPriv := otherSigner(t, f.alice)
			return forgeAs(t, f.alice, 0, sigPriv, pathCommit(t, f.alice))
		}, req: "R-12.4.2-3", class: mlserr.ErrInvalidSignature},
		{name: "a sender who is another member", make: func(t *testing.T, _ *Group) *MLSMessage {
			return forgeAs(t, f.alice, f.carol.LeafIndex(), f.alice.sigPriv, pathCommit(t, f.alice))
		}, req: "R-12.4.2-3", class: mlserr.ErrInvalidSignature},
		{name: "a sender leaf outside the tree", make: func(t *testing.T, _ *Group) *MLSMessage {
			return forgeAs(t, f.alice, 11, f.alice.sigPriv, pathCommit(t, f.alice))
		}, req: "R-6.1-2", class: mlserr.ErrMalformed},
		{name: "a PrivateMessage that does not decrypt", make: func(t *testing.T, _ *Group) *MLSMessage {
			pc, err := f.alice.clone().Commit(&CommitOptions{ForcePath: true})
			if err != nil {
				t.Fatal(err)
			}
			pc.Message.PrivateMessage.Ciphertext[5] ^= 1
			return pc.Message
		}, req: "R-12.4.2-2", class: mlserr.ErrDecryption},

		// Section 12.4.2: the path.
		{name: "a path with one node too few", make: func(t *testing.T, _ *Group) *MLSMessage {
			c := pathCommit(t, f.alice)
			c.Path.Nodes = c.Path.Nodes[:len(c.Path.Nodes)-1]
			return forgeCommit(t, f.alice, c)
		}, req: "R-12.4.2-9", class: mlserr.ErrInvalidCommit},
		{name: "a path LeafNode whose signature is forged", make: func(t *testing.T, _ *Group) *MLSMessage {
			c := pathCommit(t, f.alice)
			c.Path.LeafNode.Signature[0] ^= 1
			return forgeCommit(t, f.alice, c)
		}, req: "R-7.3-5", class: mlserr.ErrInvalidSignature},
		{name: "a path LeafNode of source update", make: func(t *testing.T, _ *Group) *MLSMessage {
			c := pathCommit(t, f.alice)
			c.Path.LeafNode.LeafNodeSource = tree.SourceUpdate
			resignLeaf(t, f.alice, c)
			return forgeCommit(t, f.alice, c)
		}, req: "R-12.4.2-12", class: mlserr.ErrInvalidCommit},
		{name: "a path LeafNode keeping the committer's encryption key", make: func(t *testing.T, _ *Group) *MLSMessage {
			c := pathCommit(t, f.alice)
			c.Path.LeafNode.EncryptionKey = bytes.Clone(f.alice.tree.Leaf(0).EncryptionKey)
			resignLeaf(t, f.alice, c)
			return forgeCommit(t, f.alice, c)
		}, req: "R-12.4.2-13", class: mlserr.ErrInvalidCommit},
		{name: "a path node key already in the tree", make: func(t *testing.T, _ *Group) *MLSMessage {
			c := pathCommit(t, f.alice)
			c.Path.Nodes[1].EncryptionKey = bytes.Clone(f.alice.tree.Leaf(2).EncryptionKey)
			return forgeCommit(t, f.alice, c)
		}, req: "R-12.4.2-14", class: mlserr.ErrInvalidCommit},
		{name: "a path LeafNode with a wrong parent_hash", make: func(t *testing.T, _ *Group) *MLSMessage {
			c := pathCommit(t, f.alice)
			c.Path.LeafNode.ParentHash[0] ^= 1
			resignLeaf(t, f.alice, c)
			return forgeCommit(t, f.alice, c)
		}, req: "R-7.9.2-2", class: mlserr.ErrInvalidCommit},
		{name: "a path node with another public key", make: func(t *testing.T, _ *Group) *MLSMessage {
			c := pathCommit(t, f.alice)
			_, pub, err := s.GenerateKeyPair(seeded.New("another key"))
			if err != nil {
				t.Fatal(err)
			}
			c.Path.Nodes[1].EncryptionKey = pub
			return forgeCommit(t, f.alice, c)
		}, req: "R-7.9.2-2", class: mlserr.ErrInvalidCommit},
		{name: "a path secret encrypted for another node", make: func(t *testing.T, _ *Group) *MLSMessage {
			c := pathCommit(t, f.alice)
			// Bob's entry (node 1's, to his leaf) is replaced by Carol's
			// (node 3's, to her leaf).
			c.Path.Nodes[0].EncryptedPathSecret[0] = c.Path.Nodes[1].EncryptedPathSecret[0]
			return forgeCommit(t, f.alice, c)
		}, req: "R-12.4.2-17", class: mlserr.ErrDecryption},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bob := f.bob.clone()
			if tc.setup != nil {
				tc.setup(t, bob)
			}
			mustReject(t, bob, tc.make(t, bob), tc.req, tc.class)
		})
	}
}

// otherSigner returns a fresh signature key pair of g's suite.
func otherSigner(t *testing.T, g *Group) (*Group, []byte, []byte) {
	t.Helper()
	priv, pub, err := g.suite.GenerateSignatureKeyPair(seeded.New("other signer"))
	if err != nil {
		t.Fatal(err)
	}
	return g, pub, priv
}

// TestProposalListUnsupportedType checks that a proposal type this member
// does not support makes the list invalid (RFC 9420, Section 12.2): such
// a proposal cannot arrive from the wire, where it does not decode, so the
// list is built directly.
func TestProposalListUnsupportedType(t *testing.T) {
	f := newRejectFixture(t)
	list := []committedProposal{{proposal: &Proposal{ProposalType: 0x0A0A}, sender: framing.MemberSender(0)}}
	err := f.bob.validateProposalList(list, 0)
	if !errors.Is(err, mlserr.ErrInvalidProposal) || mlserr.RequirementOf(err) != "R-12.2-15" {
		t.Fatalf("err = %v, want R-12.2-15", err)
	}
}

// TestCommitFromRemovedMember delivers Commits of a member after the epoch
// that removed it: its Commit of the old epoch (R-12.4.2-1), one it forges
// for the new epoch from its old, now blank, leaf (R-6.1-2), and one it
// forges naming the member who took its leaf (R-12.4.2-3).
func TestCommitFromRemovedMember(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob", "carol", "dave")
	alice, bob, carol := ms[0].g, ms[1].g, ms[2].g
	carolLeaf := carol.LeafIndex()
	stale, err := carol.clone().Commit(&CommitOptions{ForcePath: true, PublicMessage: true})
	if err != nil {
		t.Fatal(err)
	}
	commitAndDeliver(t, ms, 0, &CommitOptions{Removes: []uint32{carolLeaf}}, nil, nil, nil)
	if carol.Active() {
		t.Fatal("carol is still active")
	}
	mustReject(t, bob, stale.Message, "R-12.4.2-1", mlserr.ErrEpoch)
	mustReject(t, bob, forgeAs(t, bob, carolLeaf, carol.sigPriv, pathCommit(t, alice)), "R-6.1-2", mlserr.ErrMalformed)
	// Eve takes carol's leaf.
	ekp, epriv := newKP(t, alice.suite, "eve")
	eve := &member{name: "eve"}
	ms = commitAndDeliver(t, []*member{{"alice", alice}, {"bob", bob}, {"dave", ms[3].g}}, 0, &CommitOptions{Adds: []*KeyPackage{ekp}}, []*member{eve}, []*KeyPackage{ekp}, []*KeyPackagePrivate{epriv})
	if eve.g.LeafIndex() != carolLeaf {
		t.Fatalf("eve is at leaf %d, not carol's %d", eve.g.LeafIndex(), carolLeaf)
	}
	mustReject(t, bob, forgeAs(t, bob, carolLeaf, carol.sigPriv, pathCommit(t, alice)), "R-12.4.2-3", mlserr.ErrInvalidSignature)
	// A removed member refuses to process anything.
	if _, err := carol.Process(stale.Message); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Fatalf("a removed member processed a message: %v", err)
	}
	agree(t, ms)
}

// TestJoinRejectsBrokenWelcome rebuilds the Welcome of a real Commit with
// a GroupInfo that breaks one rule (RFC 9420, Sections 12.4.3 and
// 12.4.3.1), under the real joiner_secret, and checks the requirement of
// the error.
func TestJoinRejectsBrokenWelcome(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob")
	alice := ms[0].g
	s := alice.suite
	ekp, epriv := newKP(t, s, "eve")
	pc, err := alice.Commit(&CommitOptions{Adds: []*KeyPackage{ekp}})
	if err != nil {
		t.Fatal(err)
	}
	oldTree, err := marshal(alice.tree)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(gi *GroupInfo)
		req    string
		class  error
	}{
		{"a GroupInfo with a bad signature", func(gi *GroupInfo) { gi.Signature[1] ^= 1 }, "R-12.4.3-4", mlserr.ErrInvalidSignature},
		{"a tree that does not match the GroupInfo's tree_hash", func(gi *GroupInfo) {
			gi.Extensions = extension.List{{ExtensionType: extension.RatchetTree, ExtensionData: oldTree}}
			if err := gi.Sign(s, alice.sigPriv); err != nil {
				t.Fatal(err)
			}
		}, "R-12.4.3.3-3", mlserr.ErrInvalidWelcome},
		{"a tree_hash that does not match the tree", func(gi *GroupInfo) {
			gi.GroupContext.TreeHash[0] ^= 1
			if err := gi.Sign(s, alice.sigPriv); err != nil {
				t.Fatal(err)
			}
		}, "R-12.4.3.3-3", mlserr.ErrInvalidWelcome},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ow, err := OpenWelcome(pc.Welcome, ekp, epriv.InitPriv, nil, SignerFromRatchetTreeExtension())
			if err != nil {
				t.Fatal(err)
			}
			gi := ow.GroupInfo
			tc.mutate(gi)
			wel, err := NewWelcome(s, ow.GroupSecrets.JoinerSecret, nil, gi, []NewMember{{KeyPackage: ekp, GroupSecrets: ow.GroupSecrets}}, seeded.New("rewelcome"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = JoinGroup(wel, ekp, epriv, nil, testConfig("eve"))
			if !errors.Is(err, tc.class) || mlserr.RequirementOf(err) != tc.req {
				t.Fatalf("err = %v, want %s / %v", err, tc.req, tc.class)
			}
		})
	}
	// The unbroken Welcome, rebuilt the same way, joins.
	ow, err := OpenWelcome(pc.Welcome, ekp, epriv.InitPriv, nil, SignerFromRatchetTreeExtension())
	if err != nil {
		t.Fatal(err)
	}
	wel, err := NewWelcome(s, ow.GroupSecrets.JoinerSecret, nil, ow.GroupInfo, []NewMember{{KeyPackage: ekp, GroupSecrets: ow.GroupSecrets}}, seeded.New("rewelcome"))
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	eve, err := JoinGroup(wel, ekp, epriv, nil, testConfig("eve"))
	if err != nil {
		t.Fatal(err)
	}
	agree(t, []*member{{"alice", alice}, {"eve", eve}})
}

// TestCommitPrefersRemovesAndLatestUpdates checks the committer's choice
// among pending proposals that apply to the same leaf (RFC 9420, Section
// 12.2): a Remove wins over Updates, the most recent of several Updates
// wins, and a by-value Remove drops the pending proposals for its leaf, so
// that the Commit is valid and every member follows it.
func TestCommitPrefersRemovesAndLatestUpdates(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob", "carol", "dave", "erin")
	alice, bob, carol, dave, erin := ms[0].g, ms[1].g, ms[2].g, ms[3].g, ms[4].g
	all := []*Group{alice, bob, carol, dave, erin}
	broadcast := func(from *Group, m *MLSMessage) {
		var to []*Group
		for _, g := range all {
			if g != from {
				to = append(to, g)
			}
		}
		deliver(t, m, to...)
	}
	propose := func(from *Group, p *Proposal) {
		m, err := from.Propose(p, true)
		if err != nil {
			t.Fatal(err)
		}
		broadcast(from, m)
	}
	update := func(from *Group) {
		m, err := from.ProposeUpdate(true)
		if err != nil {
			t.Fatal(err)
		}
		broadcast(from, m)
	}
	rm := func(leaf uint32) *Proposal {
		return &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: leaf}}
	}
	update(carol)
	update(bob)
	propose(dave, rm(carol.LeafIndex()))
	update(carol)
	propose(erin, rm(carol.LeafIndex()))
	update(bob) // bob's second Update is the one committed
	update(dave)
	update(erin)
	pc, err := alice.Commit(&CommitOptions{PublicMessage: true, Removes: []uint32{erin.LeafIndex()}})
	if err != nil {
		t.Fatalf("the Commit of conflicting proposals: %v", err)
	}
	c, err := DecodeCommit(pc.Message.PublicMessage.Content.Commit)
	if err != nil {
		t.Fatal(err)
	}
	// In the order received: dave's Remove of carol, bob's second Update,
	// dave's Update; then the Remove of erin by value.
	var want [][]byte
	for _, pp := range alice.pending {
		want = append(want, pp.ref)
	}
	wantRefs := [][]byte{want[2], want[5], want[6]}
	if len(c.Proposals) != 4 {
		t.Fatalf("the Commit covers %d proposals, want 4", len(c.Proposals))
	}
	for i, r := range wantRefs {
		if c.Proposals[i].Type != ProposalOrRefReference || !bytes.Equal(c.Proposals[i].Reference, r) {
			t.Fatalf("proposal %d of the Commit is not the expected reference", i)
		}
	}
	for _, g := range []*Group{bob, carol, dave, erin} {
		deliver(t, pc.Message, g)
	}
	if err := alice.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	if carol.Active() || erin.Active() {
		t.Fatal("carol or erin is still active")
	}
	agree(t, []*member{{"alice", alice}, {"bob", bob}, {"dave", dave}})
	// Bob and dave use the leaf keys of their committed Updates.
	for _, g := range []*Group{bob, dave} {
		if err := g.priv.CheckConsistent(g.tree); err != nil {
			t.Fatal(err)
		}
	}
	m := send(t, bob, 1)[0]
	mustRead(t, dave, m, bob.Epoch())
}
