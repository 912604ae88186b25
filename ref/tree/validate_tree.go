package tree

import (
	"bytes"
	"maps"
	"slices"

	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// Validate checks a ratchet tree as a client joining the group must
// before using it (RFC 9420, Sections 12.4.3.1 and 12.4.3.3), against the
// group's parameters p and the tree_hash of its GroupContext:
//
//   - its shape: a leaf at every even position, a parent node at every odd
//     one, and a width of the form 2^(d+1)-1;
//   - its root tree hash equals treeHash;
//   - each parent node's unmerged_leaves are sorted, name non-blank leaves
//     below the node, and are listed by every non-blank node between the
//     leaf and the node;
//   - no encryption_key appears in two nodes, no signature_key in two
//     leaves;
//   - every leaf is a valid LeafNode (Section 7.3) at its index;
//   - every non-blank parent node is parent-hash valid (Section 7.9.2).
//
// The checks run in that order, so the error names the first rule broken.
func (t *RatchetTree) Validate(p *GroupParameters, treeHash []byte) error {
	if p == nil || p.Suite == nil {
		return mlserr.New("", mlserr.ErrInvalidInput, "Validate needs the group's parameters and cipher suite (RFC 9420, Section 12.4.3.1)")
	}
	if err := t.checkShape(); err != nil {
		return err
	}
	got, err := t.RootTreeHash(p.Suite)
	if err != nil {
		return err
	}
	// [R-12.4.3.3-3]
	if !bytes.Equal(got, treeHash) {
		return mlserr.New("R-12.4.3.3-3", mlserr.ErrInvalidTree, "the tree hash of the ratchet tree is %x, but the GroupContext says %x", got, treeHash)
	}
	if err := t.checkUnmergedLeaves(); err != nil {
		return err
	}
	if err := t.checkKeyUniqueness(); err != nil {
		return err
	}
	if err := t.checkLeaves(p); err != nil {
		return err
	}
	return t.VerifyParentHashes(p.Suite)
}

// checkShape checks what decoding already guarantees for a received tree
// (RFC 9420, Section 12.4.3.3), for trees built some other way.
func (t *RatchetTree) checkShape() error {
	w := len(t.nodes)
	if w == 0 || w&(w+1) != 0 {
		return mlserr.New("", mlserr.ErrInvalidTree, "a ratchet tree of %d nodes does not have a width of the form 2^(d+1)-1 (RFC 9420, Section 12.4.3.3)", w)
	}
	if uint64(t.NumLeaves()) > MaxLeaves {
		return mlserr.New("", mlserr.ErrInvalidTree, "ratchet tree has more than %d leaves, mlsref's limit (tree.MaxLeaves)", MaxLeaves)
	}
	for x, n := range t.nodes {
		switch {
		case n == nil:
		case x%2 == 0 && (n.Leaf == nil || n.Parent != nil):
			return mlserr.New("", mlserr.ErrInvalidTree, "node %d is at a leaf position but holds no (or not only a) leaf node (RFC 9420, Section 12.4.3.3)", x)
		case x%2 == 1 && (n.Parent == nil || n.Leaf != nil):
			return mlserr.New("", mlserr.ErrInvalidTree, "node %d is at a parent position but holds no (or not only a) parent node (RFC 9420, Section 12.4.3.3)", x)
		}
	}
	return nil
}

// checkUnmergedLeaves checks the unmerged_leaves of every parent node
// (RFC 9420, Sections 7.1 and 12.4.3.1).
func (t *RatchetTree) checkUnmergedLeaves() error {
	n := t.NumLeaves()
	for x := 1; x < len(t.nodes); x += 2 {
		p := treemath.NodeIndex(x)
		pn := t.ParentNode(p)
		if pn == nil {
			continue
		}
		for i, l := range pn.UnmergedLeaves {
			// [R-7.1-1]
			if i > 0 && l <= pn.UnmergedLeaves[i-1] {
				return mlserr.New("R-7.1-1", mlserr.ErrInvalidTree, "unmerged_leaves of node %d are not in strictly increasing order: %d follows %d", p, l, pn.UnmergedLeaves[i-1])
			}
			if uint64(l) >= uint64(n) {
				return mlserr.New("", mlserr.ErrInvalidTree, "unmerged leaf %d of node %d is outside a tree of %d leaves (RFC 9420, Section 12.4.3.1)", l, p, n)
			}
			if !inSubtree(l, p) {
				return mlserr.New("", mlserr.ErrInvalidTree, "unmerged leaf %d of node %d is not a descendant of it (RFC 9420, Section 12.4.3.1)", l, p)
			}
			if t.Leaf(l) == nil {
				return mlserr.New("", mlserr.ErrInvalidTree, "unmerged leaf %d of node %d is blank (RFC 9420, Section 12.4.3.1)", l, p)
			}
			// Every non-blank node strictly between the leaf and p.
			dp, err := treemath.DirectPath(l.Node(), n)
			if err != nil {
				return err
			}
			for _, q := range dp {
				if q == p {
					break
				}
				if qn := t.ParentNode(q); qn != nil && !contains(qn.UnmergedLeaves, l) {
					return mlserr.New("", mlserr.ErrInvalidTree, "leaf %d is unmerged at node %d but not at node %d between them (RFC 9420, Section 12.4.3.1)", l, p, q)
				}
			}
		}
	}
	return nil
}

// checkKeyUniqueness checks that no HPKE key is in two nodes and no
// signature key in two leaves (RFC 9420, Sections 7.3, 12.4.3.1 and 16.7).
func (t *RatchetTree) checkKeyUniqueness() error {
	enc := make(map[string]int, len(t.nodes))
	sig := make(map[string]int, len(t.nodes)/2+1)
	for x, n := range t.nodes {
		if n == nil {
			continue
		}
		k := string(n.EncryptionKey())
		if y, dup := enc[k]; dup {
			if n.Leaf != nil && y%2 == 0 {
				// [R-7.3-19]
				return mlserr.New("R-7.3-19", mlserr.ErrInvalidTree, "leaves %d and %d have the same encryption_key", y/2, x/2)
			}
			// [R-16.7-1]
			return mlserr.New("R-16.7-1", mlserr.ErrInvalidTree, "nodes %d and %d have the same encryption_key", y, x)
		}
		enc[k] = x
		if n.Leaf == nil {
			continue
		}
		s := string(n.Leaf.SignatureKey)
		// [R-7.3-18]
		if y, dup := sig[s]; dup {
			return mlserr.New("R-7.3-18", mlserr.ErrInvalidTree, "leaves %d and %d have the same signature_key", y/2, x/2)
		}
		sig[s] = x
	}
	return nil
}

// checkLeaves validates every leaf per Section 7.3 (RFC 9420, Section
// 12.4.3.1), with credential-type support counted once for the whole tree
// instead of once per pair of leaves.
func (t *RatchetTree) checkLeaves(p *GroupParameters) error {
	members := 0
	supported := map[credential.CredentialType]int{}
	used := map[credential.CredentialType]int{}
	for x := 0; x < len(t.nodes); x += 2 {
		ln := t.Leaf(treemath.LeafIndex(x / 2))
		if ln == nil {
			continue
		}
		members++
		used[ln.Credential.CredentialType]++
		seen := map[credential.CredentialType]bool{}
		for _, ct := range ln.Capabilities.Credentials {
			if !seen[ct] {
				seen[ct] = true
				supported[ct]++
			}
		}
	}
	usedTypes := slices.Sorted(maps.Keys(used))
	for x := 0; x < len(t.nodes); x += 2 {
		i := treemath.LeafIndex(x / 2)
		ln := t.Leaf(i)
		if ln == nil {
			continue
		}
		c := &leafCheck{p: p, leaf: i}
		// Every leaf of a tree being validated goes through Section 7.3.
		// [R-7.3-3]
		if err := c.checkOwn(ln); err != nil {
			return err
		}
		own := ln.Credential.CredentialType
		others := supported[own]
		if ln.Capabilities.SupportsCredential(own) {
			others--
		}
		// [R-7.3-8]
		if others != members-1 {
			return mlserr.New("R-7.3-8", mlserr.ErrInvalidTree, "credential type 0x%04x of leaf %d is not supported by %d other members", uint16(own), i, members-1-others)
		}
		for _, ct := range usedTypes {
			count := used[ct]
			if ct == own {
				count--
			}
			// [R-7.3-8]
			if count > 0 && !ln.Capabilities.SupportsCredential(ct) {
				return mlserr.New("R-7.3-8", mlserr.ErrInvalidTree, "leaf %d does not support credential type 0x%04x, used by another member", i, uint16(ct))
			}
		}
	}
	return nil
}
