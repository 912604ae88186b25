package tree

import (
	"bytes"
	"slices"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// ParentHashInput is what the parent hash of a parent node P is the hash
// of (RFC 9420, Section 7.9): P's key, P's own parent_hash field, and the
// tree hash of P's copath child S as it was when P was set.
//
//	struct {
//	    HPKEPublicKey encryption_key;
//	    opaque parent_hash<V>;
//	    opaque original_sibling_tree_hash<V>;
//	} ParentHashInput;
type ParentHashInput struct {
	EncryptionKey           []byte
	ParentHash              []byte
	OriginalSiblingTreeHash []byte
}

// MarshalMLS encodes the input (RFC 9420, Section 7.9).
func (in *ParentHashInput) MarshalMLS(w *codec.Writer) {
	w.Opaque(in.EncryptionKey)
	w.Opaque(in.ParentHash)
	w.Opaque(in.OriginalSiblingTreeHash)
}

// inSubtree reports whether leaf l lies in the subtree rooted at x.
// A leaf index too large to have a node index lies in no subtree.
func inSubtree(l treemath.LeafIndex, x treemath.NodeIndex) bool {
	n := l.Node()
	return n != treemath.NoNode && (n == x || treemath.IsAncestor(x, n))
}

// OriginalSiblingTreeHash returns the tree hash of the subtree rooted at s
// in the tree modified as Section 7.9 of RFC 9420 says: each leaf of
// removed is blanked and struck from the unmerged_leaves of every parent
// node. removed is the unmerged_leaves of the parent P whose copath child
// s is. Subtrees holding none of those leaves keep their cached hash, so
// the cost is O(len(removed) * depth) hashes.
func (t *RatchetTree) OriginalSiblingTreeHash(cs *ciphersuite.Suite, s treemath.NodeIndex, removed []treemath.LeafIndex) ([]byte, error) {
	if uint64(s) >= uint64(len(t.nodes)) {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "node %d is outside a tree of width %d (RFC 9420, Section 7.9)", s, len(t.nodes))
	}
	var inside []treemath.LeafIndex
	for _, l := range removed {
		if inSubtree(l, s) {
			inside = append(inside, l)
		}
	}
	h, err := t.originalTreeHash(cs, s, inside)
	if err != nil {
		return nil, err
	}
	return clone(h), nil
}

// originalTreeHash is the tree hash of x with the leaves of removed (all
// inside x's subtree) blanked and struck from unmerged_leaves.
func (t *RatchetTree) originalTreeHash(cs *ciphersuite.Suite, x treemath.NodeIndex, removed []treemath.LeafIndex) ([]byte, error) {
	if len(removed) == 0 {
		return t.treeHash(cs, x)
	}
	if treemath.IsLeaf(x) {
		// x is the one removed leaf of its own subtree: hash it blank.
		return hashInput(cs, &TreeHashInput{LeafNode: &LeafNodeHashInput{LeafIndex: treemath.LeafIndex(x / 2)}})
	}
	l, r, err := t.children(x)
	if err != nil {
		return nil, err
	}
	var left, right []treemath.LeafIndex
	for _, leaf := range removed {
		if inSubtree(leaf, l) {
			left = append(left, leaf)
		} else {
			right = append(right, leaf)
		}
	}
	lh, err := t.originalTreeHash(cs, l, left)
	if err != nil {
		return nil, err
	}
	rh, err := t.originalTreeHash(cs, r, right)
	if err != nil {
		return nil, err
	}
	in := &ParentNodeHashInput{LeftHash: lh, RightHash: rh}
	if p := t.ParentNode(x); p != nil {
		q := *p
		q.UnmergedLeaves = nil
		for _, u := range p.UnmergedLeaves {
			if !slices.Contains(removed, u) {
				q.UnmergedLeaves = append(q.UnmergedLeaves, u)
			}
		}
		in.ParentNode = &q
	}
	return hashInput(cs, &TreeHashInput{ParentNode: in})
}

// ParentHash returns the parent hash of the parent node p with copath
// child s (RFC 9420, Section 7.9), from p's encryption_key and parent_hash
// fields as they are in the tree.
func (t *RatchetTree) ParentHash(cs *ciphersuite.Suite, p, s treemath.NodeIndex) ([]byte, error) {
	pn := t.ParentNode(p)
	if pn == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "node %d is not a non-blank parent node, so it has no parent hash (RFC 9420, Section 7.9)", p)
	}
	return t.parentHashWith(cs, p, s, pn.ParentHash)
}

// parentHashWith is ParentHash with p's parent_hash field replaced by ph.
func (t *RatchetTree) parentHashWith(cs *ciphersuite.Suite, p, s treemath.NodeIndex, ph []byte) ([]byte, error) {
	pn := t.ParentNode(p)
	if pn == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "node %d is not a non-blank parent node, so it has no parent hash (RFC 9420, Section 7.9)", p)
	}
	l, r, err := t.children(p)
	if err != nil {
		return nil, err
	}
	if s != l && s != r {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "node %d is not a child of node %d (RFC 9420, Section 7.9)", s, p)
	}
	osth, err := t.OriginalSiblingTreeHash(cs, s, pn.UnmergedLeaves)
	if err != nil {
		return nil, err
	}
	return hashInput(cs, &ParentHashInput{
		EncryptionKey:           pn.EncryptionKey,
		ParentHash:              ph,
		OriginalSiblingTreeHash: osth,
	})
}

// PathParentHashes computes the parent_hash fields of a committer's new
// path (RFC 9420, Sections 7.9 and 7.9.1), for a tree in which the nodes
// of the filtered direct path of leaf already hold their new encryption
// keys (and, being fresh, no unmerged leaves). Working from the root down,
// the topmost node of the path gets an empty parent_hash, and every other
// node, and finally the leaf, gets the parent hash of the next node above
// it on the path with its copath child. It returns the path, the
// parent_hash of each of its nodes (in the same order, bottom-up), and the
// parent_hash the committer's new LeafNode must carry (empty when the path
// is empty). The tree is not modified; see SetPathParentHashes.
func (t *RatchetTree) PathParentHashes(cs *ciphersuite.Suite, leaf treemath.LeafIndex) (path []treemath.NodeIndex, parentHashes [][]byte, leafParentHash []byte, err error) {
	path, copath, err := t.FilteredDirectPath(leaf)
	if err != nil {
		return nil, nil, nil, err
	}
	parentHashes = make([][]byte, len(path))
	ph := []byte{}
	for i := len(path) - 1; i >= 0; i-- {
		if t.ParentNode(path[i]) == nil {
			return nil, nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "node %d of the filtered direct path of leaf %d is blank; set the new keys first (RFC 9420, Section 7.9)", path[i], leaf)
		}
		parentHashes[i] = ph
		if ph, err = t.parentHashWith(cs, path[i], copath[i], ph); err != nil {
			return nil, nil, nil, err
		}
	}
	return path, parentHashes, ph, nil
}

// SetPathParentHashes computes the parent hashes of the path of leaf as
// PathParentHashes does, stores them in the parent_hash fields of the
// path's nodes, and returns the value for the committer's LeafNode (RFC
// 9420, Section 7.9). A committer puts that value in its new LeafNode
// before signing it; a member processing the Commit compares it with the
// received LeafNode's parent_hash (R-7.9.2-2).
func (t *RatchetTree) SetPathParentHashes(cs *ciphersuite.Suite, leaf treemath.LeafIndex) ([]byte, error) {
	path, phs, leafPH, err := t.PathParentHashes(cs, leaf)
	if err != nil {
		return nil, err
	}
	// Top-down, as the values were computed from the original fields and
	// each change only invalidates hashes above the node changed.
	for i := len(path) - 1; i >= 0; i-- {
		p := t.ParentNode(path[i]).Clone()
		p.ParentHash = phs[i]
		if err := t.SetParent(path[i], p); err != nil {
			return nil, err
		}
	}
	return leafPH, nil
}

// VerifyLeafParentHash checks the parent_hash of a committer's new
// LeafNode ln against the value recomputed from the tree (RFC 9420,
// Section 7.9.2), in a tree into which the UpdatePath's new parent nodes
// have been merged at the filtered direct path of leaf (their own
// parent_hash fields are not read). ln must have leaf_node_source commit.
func (t *RatchetTree) VerifyLeafParentHash(cs *ciphersuite.Suite, leaf treemath.LeafIndex, ln *LeafNode) error {
	_, _, want, err := t.PathParentHashes(cs, leaf)
	if err != nil {
		return err
	}
	// [R-7.9.2-2]
	if ln == nil || ln.LeafNodeSource != SourceCommit || !bytes.Equal(ln.ParentHash, want) {
		var got []byte
		if ln != nil {
			got = ln.ParentHash
		}
		return mlserr.New("R-7.9.2-2", mlserr.ErrInvalidCommit, "the committer's LeafNode at leaf %d has parent_hash %x, but the path gives %x", leaf, got, want)
	}
	return nil
}

// parentHashField returns the parent_hash field of node d, and whether it
// has one: a parent node always does, a leaf only when its
// leaf_node_source is commit (RFC 9420, Section 7.9.1).
func (t *RatchetTree) parentHashField(d treemath.NodeIndex) ([]byte, bool) {
	n := t.Node(d)
	switch {
	case n == nil:
		return nil, false
	case n.Parent != nil:
		return n.Parent.ParentHash, true
	case n.Leaf.LeafNodeSource == SourceCommit:
		return n.Leaf.ParentHash, true
	}
	return nil, false
}

// parentHashValidChild returns the node D below child c of the parent node
// p whose parent hash is valid with respect to p (RFC 9420, Section
// 7.9.2), if there is one: D is in the resolution of c, the unmerged
// leaves of p under c are exactly the rest of that resolution, and D's
// parent_hash is the parent hash of p with copath child s.
func (t *RatchetTree) parentHashValidChild(cs *ciphersuite.Suite, p, c, s treemath.NodeIndex) (treemath.NodeIndex, bool, error) {
	pn := t.ParentNode(p)
	res := t.Resolution(c, nil)
	unmerged := map[treemath.NodeIndex]bool{}
	for _, l := range pn.UnmergedLeaves {
		if inSubtree(l, c) {
			unmerged[l.Node()] = true
		}
	}
	// The resolution minus D must equal the unmerged set: D is the one
	// node of the resolution not in it, and every unmerged leaf is in
	// the resolution (exactly once).
	var candidates []treemath.NodeIndex
	seen := map[treemath.NodeIndex]bool{}
	for _, r := range res {
		if seen[r] {
			return 0, false, nil
		}
		seen[r] = true
		if !unmerged[r] {
			candidates = append(candidates, r)
		}
	}
	if len(candidates) != 1 || len(res) != len(unmerged)+1 {
		return 0, false, nil
	}
	d := candidates[0]
	field, ok := t.parentHashField(d)
	if !ok {
		return 0, false, nil
	}
	want, err := t.ParentHash(cs, p, s)
	if err != nil {
		return 0, false, err
	}
	return d, bytes.Equal(field, want), nil
}

// VerifyParentHashes checks that every non-blank parent node of the tree
// is parent-hash valid (RFC 9420, Section 7.9.2), top down: each must have
// exactly one descendant whose parent hash is valid with respect to it.
// Since that descendant is either a leaf or itself a parent node that is
// checked the same way, every parent node is then chained to a leaf. The
// error names the first parent node, from the left, that fails.
func (t *RatchetTree) VerifyParentHashes(cs *ciphersuite.Suite) error {
	for x := 1; x < len(t.nodes); x += 2 {
		p := treemath.NodeIndex(x)
		if t.ParentNode(p) == nil {
			continue
		}
		l, r, err := t.children(p)
		if err != nil {
			return err
		}
		var valid []treemath.NodeIndex
		for _, cs2 := range [2][2]treemath.NodeIndex{{l, r}, {r, l}} {
			d, ok, err := t.parentHashValidChild(cs, p, cs2[0], cs2[1])
			if err != nil {
				return err
			}
			if ok {
				valid = append(valid, d)
			}
		}
		// [R-7.9.2-1]
		if len(valid) != 1 {
			return mlserr.New("R-7.9.2-1", mlserr.ErrInvalidTree, "parent node %d is not parent-hash valid: %d descendants have a parent hash valid with respect to it, want exactly one", p, len(valid))
		}
	}
	return nil
}
