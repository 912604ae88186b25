package vectors

import (
	"fmt"
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// treeOperationsCase is one case of tree-operations.json: an Add, Update
// or Remove proposal applied to a ratchet tree (RFC 9420, Sections 7.7,
// 7.8 and 12.1.1 to 12.1.3).
type treeOperationsCase struct {
	CipherSuite    uint16   `json:"cipher_suite"`
	TreeBefore     HexBytes `json:"tree_before"`
	Proposal       HexBytes `json:"proposal"`
	ProposalSender uint32   `json:"proposal_sender"`
	TreeHashBefore HexBytes `json:"tree_hash_before"`
	TreeAfter      HexBytes `json:"tree_after"`
	TreeHashAfter  HexBytes `json:"tree_hash_after"`
}

func init() {
	var all []uint16
	for _, id := range ciphersuite.All() {
		all = append(all, uint16(id))
	}
	Register(&Kind{
		Name:     "tree-operations",
		Files:    []string{"tree-operations.json"},
		Verify:   verifyTreeOperations,
		Generate: generateTreeOperations,
		Suites:   all,
	})
}

func verifyTreeOperations(data []byte, rep *Report) error {
	cases, err := decodeCases[treeOperationsCase](data)
	if err != nil {
		return err
	}
	for i := range cases {
		rep.Case(i, func(c *Checker) { checkTreeOperations(c, &cases[i]) })
	}
	return nil
}

func checkTreeOperations(c *Checker, tc *treeOperationsCase) {
	cs, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("cipher suite %d: %v", tc.CipherSuite, err)
		return
	}
	var rt tree.RatchetTree
	if !c.NoErr("decode tree_before", codec.Decode(tc.TreeBefore, &rt)) {
		return
	}
	th, err := rt.RootTreeHash(cs)
	if c.NoErr("tree hash before", err) {
		c.Bytes("tree_hash_before", th, tc.TreeHashBefore)
	}
	p, err := group.DecodeProposal(tc.Proposal)
	if !c.NoErr("decode proposal", err) {
		return
	}
	sender := treemath.LeafIndex(tc.ProposalSender)
	// A proposal is sent by a member (RFC 9420, Section 12.1).
	if rt.Leaf(sender) == nil {
		c.Failf("proposal_sender %d is not an occupied leaf of tree_before", sender)
	}
	if !c.NoErr("apply proposal", applyTreeProposal(&rt, p, sender)) {
		return
	}
	c.Bytes("tree_after", codec.Encode(&rt), tc.TreeAfter)
	th, err = rt.RootTreeHash(cs)
	if c.NoErr("tree hash after", err) {
		c.Bytes("tree_hash_after", th, tc.TreeHashAfter)
	}
}

// applyTreeProposal applies the tree part of an Add, Update or Remove sent
// by sender (RFC 9420, Sections 12.1.1 to 12.1.3). The Add's KeyPackage
// signature is checked (Section 10.1); the Update's LeafNode cannot be,
// as the case has no group_id to verify its signature with.
func applyTreeProposal(rt *tree.RatchetTree, p *group.Proposal, sender treemath.LeafIndex) error {
	switch p.ProposalType {
	case group.ProposalTypeAdd:
		if err := p.Add.KeyPackage.VerifySignature(); err != nil {
			return err
		}
		_, err := rt.AddLeaf(p.Add.KeyPackage.LeafNode.Clone())
		return err
	case group.ProposalTypeUpdate:
		return rt.UpdateLeaf(sender, p.Update.LeafNode.Clone())
	case group.ProposalTypeRemove:
		return rt.RemoveLeaf(treemath.LeafIndex(p.Remove.Removed))
	}
	return fmt.Errorf("proposal type %s does not change the tree", group.ProposalTypeName(p.ProposalType))
}

// generateTreeOperations builds trees with TreeKEM (as generateTreeKEM
// does) and applies one proposal to each: an Add that fills a blank leaf,
// an Add that extends the tree, an Update, a Remove in the middle and a
// Remove that truncates the tree (and leaves an internal blank).
func generateTreeOperations(suite uint16, rand io.Reader) (any, error) {
	cs, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	type op struct {
		build  func(g *tkGen) error
		sender treemath.LeafIndex
		make   func(g *tkGen) (*group.Proposal, error)
	}
	size := func(n int) func(g *tkGen) error { return func(g *tkGen) error { return g.getTree(n) } }
	add := func(g *tkGen) (*group.Proposal, error) {
		ln, m, err := g.newMember()
		if err != nil {
			return nil, err
		}
		_, initKey, err := cs.GenerateKeyPair(g.rand)
		if err != nil {
			return nil, err
		}
		kp := group.KeyPackage{Version: group.MLS10, CipherSuite: cs.ID(), InitKey: initKey, LeafNode: *ln, Extensions: extension.List{}}
		if err := kp.Sign(m.sigPriv); err != nil {
			return nil, err
		}
		return group.NewProposal(&group.Add{KeyPackage: kp})
	}
	update := func(i treemath.LeafIndex) func(g *tkGen) (*group.Proposal, error) {
		return func(g *tkGen) (*group.Proposal, error) {
			_, pub, err := cs.GenerateKeyPair(g.rand)
			if err != nil {
				return nil, err
			}
			ln := g.tree.Leaf(i).Clone()
			ln.EncryptionKey = pub
			ln.LeafNodeSource = tree.SourceUpdate
			ln.Lifetime = tree.Lifetime{}
			ln.ParentHash = nil
			if err := ln.Sign(cs, g.members[i].sigPriv, g.tc.GroupID, i); err != nil {
				return nil, err
			}
			return group.NewProposal(&group.Update{LeafNode: *ln})
		}
	}
	remove := func(i treemath.LeafIndex) func(g *tkGen) (*group.Proposal, error) {
		return func(g *tkGen) (*group.Proposal, error) {
			return group.NewProposal(&group.Remove{Removed: uint32(i)})
		}
	}
	// The senders of Adds and Removes are chosen with a blank leaf or the
	// tree's edge right after them, so that the mutation test's changed
	// proposal_sender is not a member.
	ops := []op{
		{size(5), 4, add},
		{size(8), 7, add},
		{size(8), 3, update(3)},
		{size(8), 7, remove(5)},
		{func(g *tkGen) error {
			if err := g.getTree(5); err != nil {
				return err
			}
			g.remove(1)
			return g.commit(0)
		}, 0, remove(4)},
	}
	var out []treeOperationsCase
	for _, o := range ops {
		g, err := newTKGen(cs, rand)
		if err != nil {
			return nil, err
		}
		if err := o.build(g); err != nil {
			return nil, err
		}
		p, err := o.make(g)
		if err != nil {
			return nil, err
		}
		c := treeOperationsCase{CipherSuite: suite, TreeBefore: codec.Encode(g.tree), ProposalSender: uint32(o.sender)}
		if c.Proposal, err = p.Marshal(); err != nil {
			return nil, err
		}
		if c.TreeHashBefore, err = g.tree.RootTreeHash(cs); err != nil {
			return nil, err
		}
		if err := applyTreeProposal(g.tree, p, o.sender); err != nil {
			return nil, err
		}
		c.TreeAfter = codec.Encode(g.tree)
		if c.TreeHashAfter, err = g.tree.RootTreeHash(cs); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
