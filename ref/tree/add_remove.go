package tree

import (
	"slices"

	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// LeftmostBlankLeaf returns the leftmost blank leaf of the tree, and false
// when every leaf is occupied (RFC 9420, Sections 12.1.1 and 12.4.2).
func (t *RatchetTree) LeftmostBlankLeaf() (treemath.LeafIndex, bool) {
	for x := 0; x < len(t.nodes); x += 2 {
		if t.nodes[x] == nil {
			return treemath.LeafIndex(x / 2), true
		}
	}
	return 0, false
}

// extend doubles the number of leaves (RFC 9420, Section 7.7): the
// current tree becomes the left subtree of a new blank root whose right
// subtree is all blank. In the array form, that is appending as many
// blank nodes as there are nodes, plus one (Appendix C). An empty tree
// becomes a tree of one blank leaf.
func (t *RatchetTree) extend() error {
	n := len(t.nodes)
	if uint64(n+1)/2*2 > MaxLeaves {
		return mlserr.New("", mlserr.ErrInvalidTree, "cannot extend a tree of %d leaves: mlsref's limit is %d leaves (tree.MaxLeaves; RFC 9420, Section 7.7)", (n+1)/2, MaxLeaves)
	}
	grow := n + 1
	if n == 0 {
		grow = 1
	}
	t.nodes = append(t.nodes, make([]*Node, grow)...)
	if t.hashes != nil {
		// The old nodes keep their hashes: a subtree's hash does not
		// depend on the size of the tree around it.
		t.hashes = append(t.hashes, make([][]byte, grow)...)
	}
	return nil
}

// AddLeaf places leaf in the tree as Section 12.1.1 of RFC 9420 does for
// an Add: in the leftmost blank leaf, or, when there is none, in the first
// leaf of a new right half after extending the tree (Section 7.7). The new
// leaf's index is added, in sorted position, to the unmerged_leaves of
// every non-blank parent node on its direct path. It returns the leaf's
// index. A tree of MaxLeaves full leaves cannot grow: that is an error,
// never a wrap-around. AddLeaf does not validate leaf (see
// ValidateLeafNode).
func (t *RatchetTree) AddLeaf(leaf *LeafNode) (treemath.LeafIndex, error) {
	if leaf == nil {
		return 0, mlserr.New("", mlserr.ErrInvalidInput, "AddLeaf with a nil LeafNode (RFC 9420, Section 12.1.1)")
	}
	i, ok := t.LeftmostBlankLeaf()
	if !ok {
		i = treemath.LeafIndex(t.NumLeaves())
		if uint64(i) >= MaxLeaves {
			return 0, mlserr.New("", mlserr.ErrInvalidTree, "a new leaf would have index %d, beyond mlsref's limit of %d leaves (tree.MaxLeaves; RFC 9420, Section 7.7)", i, MaxLeaves)
		}
		if err := t.extend(); err != nil {
			return 0, err
		}
	}
	dp, err := treemath.DirectPath(i.Node(), t.NumLeaves())
	if err != nil {
		return 0, err
	}
	for _, p := range dp {
		pn := t.ParentNode(p)
		if pn == nil {
			continue
		}
		q := pn.Clone()
		pos, found := slices.BinarySearch(q.UnmergedLeaves, i)
		if !found {
			q.UnmergedLeaves = slices.Insert(q.UnmergedLeaves, pos, i)
		}
		if err := t.SetParent(p, q); err != nil {
			return 0, err
		}
	}
	if err := t.SetLeaf(i, leaf); err != nil {
		return 0, err
	}
	return i, nil
}

// BlankDirectPath blanks every intermediate node on the direct path of
// leaf i, up to and including the root (RFC 9420, Sections 7.4, 12.1.2
// and 12.1.3).
func (t *RatchetTree) BlankDirectPath(i treemath.LeafIndex) error {
	if uint64(i) >= uint64(t.NumLeaves()) {
		return mlserr.New("", mlserr.ErrInvalidInput, "leaf %d is outside a tree of %d leaves (RFC 9420, Section 7.4)", i, t.NumLeaves())
	}
	dp, err := treemath.DirectPath(i.Node(), t.NumLeaves())
	if err != nil {
		return err
	}
	for _, p := range dp {
		t.Blank(p)
	}
	return nil
}

// UpdateLeaf replaces the LeafNode of the occupied leaf i with leaf and
// blanks the intermediate nodes of its direct path, as an Update proposal
// is applied (RFC 9420, Section 12.1.2). It does not validate leaf (see
// ValidateLeafNode).
func (t *RatchetTree) UpdateLeaf(i treemath.LeafIndex, leaf *LeafNode) error {
	if leaf == nil {
		return mlserr.New("", mlserr.ErrInvalidInput, "UpdateLeaf with a nil LeafNode (RFC 9420, Section 12.1.2)")
	}
	// [R-12.1.2-1]
	if t.Leaf(i) == nil {
		return mlserr.New("R-12.1.2-1", mlserr.ErrInvalidInput, "leaf %d is blank or outside the tree: there is no LeafNode to replace", i)
	}
	if err := t.SetLeaf(i, leaf); err != nil {
		return err
	}
	// [R-12.1.2-2]
	return t.BlankDirectPath(i)
}

// RemoveLeaf removes the member at the occupied leaf i as a Remove
// proposal is applied (RFC 9420, Section 12.1.3): the leaf and the
// intermediate nodes of its direct path become blank, and the tree is
// truncated.
func (t *RatchetTree) RemoveLeaf(i treemath.LeafIndex) error {
	// [R-12.1.3-1]
	if t.Leaf(i) == nil {
		return mlserr.New("R-12.1.3-1", mlserr.ErrInvalidInput, "leaf %d is blank or outside the tree: there is no member to remove", i)
	}
	// [R-12.1.3-2]
	t.Blank(i.Node())
	// [R-12.1.3-3]
	if err := t.BlankDirectPath(i); err != nil {
		return err
	}
	// [R-12.1.3-4]
	t.Truncate()
	return nil
}

// Truncate halves the tree as long as the right subtree of the root holds
// no non-blank leaf (RFC 9420, Sections 7.7 and 12.1.3): the root and the
// right subtree are dropped, whether or not the root is blank, and the
// left child becomes the root. A tree of one leaf is left alone. In the
// array form, the first (N-1)/2 of N nodes are kept (Appendix C).
func (t *RatchetTree) Truncate() {
	for len(t.nodes) > 1 {
		n := len(t.nodes)
		half := (n - 1) / 2
		// The right subtree's leaves are the even nodes after the root;
		// scanning from the right edge usually stops at once.
		for x := n - 1; x > half; x -= 2 {
			if t.nodes[x] != nil {
				return
			}
		}
		clear(t.nodes[half:])
		t.nodes = t.nodes[:half]
		if t.hashes != nil {
			clear(t.hashes[half:])
			t.hashes = t.hashes[:half]
		}
	}
}
