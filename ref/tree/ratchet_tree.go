// Package tree implements the ratchet tree of RFC 9420, Sections 4 and 7:
// leaf and parent nodes, the array representation, resolution and filtered
// direct paths, tree and parent hashes, leaf and tree validation, adding
// and removing leaves, and UpdatePath creation and processing (TreeKEM).
package tree

import (
	"slices"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// MaxLeaves bounds the number of leaves of a tree mlsref accepts from a
// peer, protecting a receiver from a tree that claims an absurd width
// (the encoding allows up to 2^30 bytes). 2^20 leaves is far beyond any
// group the RFC envisions ("many thousands").
const MaxLeaves = 1 << 20

// RatchetTree is a ratchet tree in its array representation (RFC 9420,
// Sections 4.1, 7.1 and Appendix C): node x is at index x, leaf i at node
// 2i, and a nil entry is a blank node. Its number of leaves is always a
// power of two (Section 7.7): it grows by doubling and shrinks by halving.
//
// The tree owns the nodes stored in it: a LeafNode or ParentNode handed to
// SetLeaf or SetParent, or returned by Node, Leaf or ParentNode, must not
// be modified afterwards. Every change goes through a method of the tree,
// which keeps the cache of tree hashes (Section 7.8) true: a change to a
// node forgets the cached hashes of that node and its ancestors only, so
// that the root hash after a path change costs O(log n) hashes. Clone
// copies the cache along with the nodes, so a change to a clone (say, a
// Commit being tried and then rejected) never touches the original's
// hashes. A RatchetTree is not safe for concurrent use, not even for
// reads, since computing a tree hash fills the cache.
type RatchetTree struct {
	nodes []*Node
	// hashes[x] is the tree hash of node x for the suite hashSuite, or
	// nil if it is not known. Invariant: when hashes[x] is set, so are
	// the hashes of all of x's descendants.
	hashes    [][]byte
	hashSuite ciphersuite.ID
}

// NewRatchetTree returns a tree with a single leaf (RFC 9420, Section 11).
func NewRatchetTree(leaf *LeafNode) *RatchetTree {
	return &RatchetTree{nodes: []*Node{{Leaf: leaf}}}
}

// NumLeaves returns the number of leaves, blank or not (RFC 9420, Section
// 4.1).
func (t *RatchetTree) NumLeaves() uint32 { return uint32(len(t.nodes)+1) / 2 }

// Width returns the number of nodes (RFC 9420, Appendix C).
func (t *RatchetTree) Width() uint32 { return uint32(len(t.nodes)) }

// Root returns the root's node index (RFC 9420, Appendix C).
func (t *RatchetTree) Root() treemath.NodeIndex {
	r, _ := treemath.Root(t.NumLeaves())
	return r
}

// Node returns node x, or nil if it is blank or outside the tree.
func (t *RatchetTree) Node(x treemath.NodeIndex) *Node {
	if uint64(x) >= uint64(len(t.nodes)) {
		return nil
	}
	return t.nodes[x]
}

// Leaf returns the LeafNode at leaf i, or nil if it is blank or outside
// the tree.
func (t *RatchetTree) Leaf(i treemath.LeafIndex) *LeafNode {
	if n := t.Node(treemath.NodeIndex(2 * uint64(i))); n != nil {
		return n.Leaf
	}
	return nil
}

// ParentNode returns the ParentNode at node x, or nil if it is blank,
// a leaf or outside the tree.
func (t *RatchetTree) ParentNode(x treemath.NodeIndex) *ParentNode {
	if n := t.Node(x); n != nil {
		return n.Parent
	}
	return nil
}

// SetLeaf stores leaf at leaf i, which must lie inside the tree (RFC 9420,
// Section 7.2). The tree takes ownership of leaf.
func (t *RatchetTree) SetLeaf(i treemath.LeafIndex, leaf *LeafNode) error {
	x := treemath.NodeIndex(2 * uint64(i))
	if leaf == nil {
		return mlserr.New("", mlserr.ErrInvalidInput, "SetLeaf(%d) with a nil LeafNode; use Blank (RFC 9420, Section 4.1.1)", i)
	}
	if uint64(i) >= uint64(t.NumLeaves()) {
		return mlserr.New("", mlserr.ErrInvalidInput, "leaf %d is outside a tree of %d leaves (RFC 9420, Section 7.7)", i, t.NumLeaves())
	}
	t.nodes[x] = &Node{Leaf: leaf}
	t.invalidate(x)
	return nil
}

// SetParent stores p at the intermediate node x, which must lie inside the
// tree (RFC 9420, Section 7.1). The tree takes ownership of p.
func (t *RatchetTree) SetParent(x treemath.NodeIndex, p *ParentNode) error {
	if p == nil {
		return mlserr.New("", mlserr.ErrInvalidInput, "SetParent(%d) with a nil ParentNode; use Blank (RFC 9420, Section 4.1.1)", x)
	}
	if treemath.IsLeaf(x) || uint64(x) >= uint64(len(t.nodes)) {
		return mlserr.New("", mlserr.ErrInvalidInput, "node %d is not an intermediate node of a tree of width %d (RFC 9420, Appendix C)", x, len(t.nodes))
	}
	t.nodes[x] = &Node{Parent: p}
	t.invalidate(x)
	return nil
}

// Blank makes node x blank (RFC 9420, Section 4.1.1). A node outside the
// tree is left alone: it is blank already.
func (t *RatchetTree) Blank(x treemath.NodeIndex) {
	if uint64(x) < uint64(len(t.nodes)) && t.nodes[x] != nil {
		t.nodes[x] = nil
		t.invalidate(x)
	}
}

// invalidate forgets the cached tree hashes of x and of its ancestors.
// By the cache's invariant, once an ancestor has no hash, none of its own
// ancestors has one either.
func (t *RatchetTree) invalidate(x treemath.NodeIndex) {
	if t.hashes == nil {
		return
	}
	n := t.NumLeaves()
	for {
		if uint64(x) >= uint64(len(t.hashes)) || t.hashes[x] == nil {
			return
		}
		t.hashes[x] = nil
		p, err := treemath.Parent(x, n)
		if err != nil {
			return
		}
		x = p
	}
}

// IsBlank reports whether node x is blank (RFC 9420, Section 4.1.1).
func (t *RatchetTree) IsBlank(x treemath.NodeIndex) bool { return t.Node(x) == nil }

// Fork returns a copy of t that shares its nodes with t, along with its
// cache of tree hashes. Since the tree never modifies a node in place (a
// change replaces the node: see RatchetTree), a change to either tree
// leaves the other as it was. Fork costs one pointer per node, where
// Clone copies every node with its keys, credential and extensions; the
// transitions of ref/group stage their changes on a fork.
func (t *RatchetTree) Fork() *RatchetTree {
	c := &RatchetTree{nodes: slices.Clone(t.nodes), hashSuite: t.hashSuite}
	if t.hashes != nil {
		c.hashes = slices.Clone(t.hashes)
	}
	return c
}

// Clone returns a deep copy of t, with its cache of tree hashes (whose
// entries are never modified in place, only replaced). The copy's nodes
// are its own: a caller may change them without touching t.
func (t *RatchetTree) Clone() *RatchetTree {
	c := &RatchetTree{nodes: make([]*Node, len(t.nodes)), hashSuite: t.hashSuite}
	for i, n := range t.nodes {
		c.nodes[i] = n.Clone()
	}
	if t.hashes != nil {
		c.hashes = append([][]byte(nil), t.hashes...)
	}
	return c
}

// MarshalMLS encodes the tree as the ratchet_tree extension carries it
// (RFC 9420, Section 12.4.3.3):
//
//	optional<Node> ratchet_tree<V>;
//
// with the blank nodes after the last non-blank one left out.
func (t *RatchetTree) MarshalMLS(w *codec.Writer) {
	last := len(t.nodes) - 1
	// [R-12.4.3.3-1]
	for last >= 0 && t.nodes[last] == nil {
		last--
	}
	w.Vector(func(w *codec.Writer) {
		for _, n := range t.nodes[:last+1] {
			w.Optional(n != nil, func(w *codec.Writer) { n.MarshalMLS(w) })
		}
	})
}

// UnmarshalMLS decodes a ratchet_tree (RFC 9420, Section 12.4.3.3): the
// last node must be non-blank; the tree is then extended with blank nodes
// to the smallest width of the form 2^(d+1)-1. Every node must be of the
// type its position calls for (a leaf at an even index, a parent at an odd
// one). Whether the tree is valid as a whole (hashes, leaves, unmerged
// leaves) is checked by Validate, not here.
func (t *RatchetTree) UnmarshalMLS(r *codec.Reader) {
	var nodes []*Node
	r.Vector(func(r *codec.Reader) {
		var n *Node
		if r.Optional() {
			n = new(Node)
			n.UnmarshalMLS(r)
		}
		nodes = append(nodes, n)
		if len(nodes) > 2*MaxLeaves-1 {
			r.Fail(mlserr.New("", mlserr.ErrInvalidTree, "ratchet tree has more than %d leaves, mlsref's limit (tree.MaxLeaves)", MaxLeaves))
		}
	})
	if r.Err() != nil {
		return
	}
	// [R-12.4.3.3-2]
	if len(nodes) == 0 || nodes[len(nodes)-1] == nil {
		r.Fail(mlserr.New("R-12.4.3.3-2", mlserr.ErrInvalidTree, "the last node of ratchet_tree is blank (or the tree is empty)"))
		return
	}
	for i, n := range nodes {
		if n == nil {
			continue
		}
		if i%2 == 0 && n.Leaf == nil {
			r.Fail(mlserr.New("", mlserr.ErrInvalidTree, "node %d is at a leaf position but holds a parent node (RFC 9420, Section 12.4.3.3)", i))
			return
		}
		if i%2 == 1 && n.Parent == nil {
			r.Fail(mlserr.New("", mlserr.ErrInvalidTree, "node %d is at a parent position but holds a leaf node (RFC 9420, Section 12.4.3.3)", i))
			return
		}
	}
	width := 1
	for width < len(nodes) {
		width = 2*width + 1
	}
	for len(nodes) < width {
		nodes = append(nodes, nil)
	}
	t.nodes = nodes
	t.hashes = nil
}
