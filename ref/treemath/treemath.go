// Package treemath implements the array-based tree arithmetic of RFC 9420,
// Appendix C: the relations between the node indices of a ratchet tree
// stored as a flat array, where leaf i sits at node 2i and intermediate
// nodes at the odd indices.
//
// Every function is O(log n) or better, never recurses and never panics.
// Input that names no node of the tree (a node beyond the tree's width, a
// leaf count of zero or above 2^31, the children of a leaf, the parent of
// the root) yields one of the sentinel errors below, each of class
// mlserr.ErrInvalidInput; only DirectPath and Copath allocate.
//
// RFC 9420 only uses perfect trees (Section 4.1), whose leaf count is a
// power of two. The functions accept any leaf count, as Appendix C does, and
// then treat the tree as the left part of the perfect tree that encloses
// it: Root is that tree's root, and a relative that would lie beyond the
// width of the smaller tree (which only happens when the leaf count is not
// a power of two) is reported as ErrOutsideTree.
package treemath

import (
	"math"
	"math/bits"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// LeafIndex numbers the leaves of a ratchet tree from the left, starting at
// 0 (RFC 9420, Appendix C).
type LeafIndex uint32

// NodeIndex numbers all nodes of a ratchet tree in array order: leaves at
// even indices, intermediate nodes at odd ones (RFC 9420, Appendix C).
type NodeIndex uint32

// MaxLeaves is the largest leaf count whose nodes all have a 32-bit index
// (RFC 9420, Appendix C): 2^31 leaves need 2^32-1 nodes.
const MaxLeaves = 1 << 31

// NoNode is never the index of a node in any tree with at most MaxLeaves
// leaves (RFC 9420, Appendix C). LeafIndex.Node returns it for a leaf index
// that has no node index.
const NoNode = NodeIndex(math.MaxUint32)

// Errors returned for input that names no node. Each is an *mlserr.Error
// of class mlserr.ErrInvalidInput; match them with errors.Is.
var (
	// ErrNoLeaves: a tree with zero leaves has no nodes (RFC 9420,
	// Appendix C).
	ErrNoLeaves = mlserr.New("", mlserr.ErrInvalidInput, "a tree with no leaves has no nodes (RFC 9420, Appendix C)")
	// ErrTooManyLeaves: more than MaxLeaves leaves (RFC 9420, Appendix C).
	ErrTooManyLeaves = mlserr.New("", mlserr.ErrInvalidInput, "more than 2^31 leaves do not fit 32-bit node indices (RFC 9420, Appendix C)")
	// ErrNodeOutOfRange: the node index is not below the tree's width
	// (RFC 9420, Appendix C).
	ErrNodeOutOfRange = mlserr.New("", mlserr.ErrInvalidInput, "node index beyond the width of the tree (RFC 9420, Appendix C)")
	// ErrLeafHasNoChildren: Left or Right of a leaf (RFC 9420, Appendix C).
	ErrLeafHasNoChildren = mlserr.New("", mlserr.ErrInvalidInput, "a leaf node has no children (RFC 9420, Appendix C)")
	// ErrRootHasNoParent: Parent or Sibling of the root (RFC 9420,
	// Appendix C).
	ErrRootHasNoParent = mlserr.New("", mlserr.ErrInvalidInput, "the root node has no parent (RFC 9420, Appendix C)")
	// ErrOutsideTree: the relative asked for lies beyond the width of a
	// tree whose leaf count is not a power of two (RFC 9420, Appendix C;
	// the trees of Section 4.1 are perfect and never meet this).
	ErrOutsideTree = mlserr.New("", mlserr.ErrInvalidInput, "the node lies beyond the width of a tree whose leaf count is not a power of two (RFC 9420, Appendix C)")
)

// Node returns the node index of leaf l, 2l (RFC 9420, Appendix C), or
// NoNode when l is too large to have one.
func (l LeafIndex) Node() NodeIndex {
	if l >= MaxLeaves {
		return NoNode
	}
	return NodeIndex(l) * 2
}

// Leaf returns the leaf index of node x, x/2, and whether x is a leaf at all
// (RFC 9420, Appendix C).
func (x NodeIndex) Leaf() (LeafIndex, bool) {
	if !IsLeaf(x) {
		return 0, false
	}
	return LeafIndex(x / 2), true
}

// IsLeaf reports whether x is a leaf, that is, even (RFC 9420, Appendix C).
func IsLeaf(x NodeIndex) bool { return x&1 == 0 }

// Level returns the level of x: 0 for leaves, and one more than its
// children's for an intermediate node, which is the number of trailing one
// bits of x (RFC 9420, Appendix C).
func Level(x NodeIndex) int { return bits.TrailingZeros32(^uint32(x)) }

// NodeWidth returns the number of nodes of a tree with n leaves, 2(n-1)+1,
// or 0 for n = 0 (RFC 9420, Appendix C).
func NodeWidth(n uint32) (uint32, error) {
	switch {
	case n == 0:
		return 0, nil
	case n > MaxLeaves:
		return 0, ErrTooManyLeaves
	}
	return 2*(n-1) + 1, nil
}

// width is NodeWidth for a tree that must have a node.
func width(n uint32) (uint32, error) {
	if n == 0 {
		return 0, ErrNoLeaves
	}
	return NodeWidth(n)
}

// Root returns the index of the root of a tree with n leaves (RFC 9420,
// Appendix C): 2^k - 1 for the largest 2^k not above the width, which is
// the root of the smallest perfect tree holding n leaves.
func Root(n uint32) (NodeIndex, error) {
	w, err := width(n)
	if err != nil {
		return 0, err
	}
	return root(w), nil
}

// root is Root for a width already checked.
func root(w uint32) NodeIndex {
	// bits.Len32(w)-1 is floor(log2(w)); w >= 1, and the shift is at
	// most 31 because w < 2^32.
	return NodeIndex(uint32(1)<<(bits.Len32(w)-1) - 1)
}

// Left returns the left child of the intermediate node x (RFC 9420,
// Appendix C). It needs no leaf count: in every tree containing x the
// left child is the same, and lies below x.
func Left(x NodeIndex) (NodeIndex, error) {
	k := Level(x)
	switch {
	case k == 0:
		return 0, ErrLeafHasNoChildren
	case x == NoNode:
		return 0, ErrNodeOutOfRange
	}
	return x ^ NodeIndex(1)<<(k-1), nil
}

// Right returns the right child of the intermediate node x (RFC 9420,
// Appendix C). In a tree whose leaf count is not a power of two the result
// may lie beyond the width; see InTree.
func Right(x NodeIndex) (NodeIndex, error) {
	k := Level(x)
	switch {
	case k == 0:
		return 0, ErrLeafHasNoChildren
	case x == NoNode:
		return 0, ErrNodeOutOfRange
	}
	// k <= 31 here, so 3<<(k-1) fits in 32 bits.
	return x ^ NodeIndex(3)<<(k-1), nil
}

// InTree reports whether x is a node of a tree with n leaves, that is,
// below its width (RFC 9420, Appendix C).
func InTree(x NodeIndex, n uint32) bool {
	w, err := NodeWidth(n)
	return err == nil && uint32(x) < w
}

// check returns the width of a tree with n leaves and whether x lies in it.
func check(x NodeIndex, n uint32) (uint32, error) {
	w, err := width(n)
	if err != nil {
		return 0, err
	}
	if uint32(x) >= w {
		return 0, ErrNodeOutOfRange
	}
	return w, nil
}

// parent is Appendix C's parent for a node x that is in the tree and is
// not its root: set bit k, and clear bit k+1 if it was set, where k is the
// level of x.
func parent(x NodeIndex) NodeIndex {
	k := Level(x)
	b := (x >> (k + 1)) & 1
	return (x | 1<<k) ^ (b << (k + 1))
}

// Parent returns the parent of x in a tree with n leaves (RFC 9420,
// Appendix C).
func Parent(x NodeIndex, n uint32) (NodeIndex, error) {
	w, err := check(x, n)
	if err != nil {
		return 0, err
	}
	if x == root(w) {
		return 0, ErrRootHasNoParent
	}
	p := parent(x)
	if uint32(p) >= w {
		return 0, ErrOutsideTree
	}
	return p, nil
}

// Sibling returns the other child of x's parent in a tree with n leaves
// (RFC 9420, Appendix C).
func Sibling(x NodeIndex, n uint32) (NodeIndex, error) {
	w, err := check(x, n)
	if err != nil {
		return 0, err
	}
	if x == root(w) {
		return 0, ErrRootHasNoParent
	}
	// The sibling differs from x only in bit k+1, k being x's level:
	// the same as taking the other child of the parent.
	s := x ^ NodeIndex(1)<<(Level(x)+1)
	if uint32(s) >= w {
		return 0, ErrOutsideTree
	}
	return s, nil
}

// DirectPath returns the ancestors of x in a tree with n leaves, from x's
// parent up to the root; it is empty for the root (RFC 9420, Appendix C).
func DirectPath(x NodeIndex, n uint32) ([]NodeIndex, error) {
	w, err := check(x, n)
	if err != nil {
		return nil, err
	}
	r := root(w)
	path := make([]NodeIndex, 0, Level(r)-Level(x))
	for x != r {
		x = parent(x)
		if uint32(x) >= w {
			return nil, ErrOutsideTree
		}
		path = append(path, x)
	}
	return path, nil
}

// Copath returns the siblings of x and of each node of its direct path
// except the root, from x's sibling up (RFC 9420, Appendix C).
func Copath(x NodeIndex, n uint32) ([]NodeIndex, error) {
	w, err := check(x, n)
	if err != nil {
		return nil, err
	}
	r := root(w)
	path := make([]NodeIndex, 0, Level(r)-Level(x))
	for x != r {
		s := x ^ NodeIndex(1)<<(Level(x)+1)
		x = parent(x)
		if uint32(s) >= w || uint32(x) >= w {
			return nil, ErrOutsideTree
		}
		path = append(path, s)
	}
	return path, nil
}

// IsAncestor reports whether a is a proper ancestor of b: a lies on b's
// direct path in any tree containing both, so a node is not its own
// ancestor (RFC 9420, Appendix C). The nodes under a share every bit of a
// above bit level(a), and have a lower level.
func IsAncestor(a, b NodeIndex) bool {
	la := Level(a)
	if la <= Level(b) || a == NoNode {
		return false
	}
	// la <= 31; a shift by 32 yields 0 in Go, which is still right.
	s := uint(la) + 1
	return a>>s == b>>s
}

// CommonAncestor returns the lowest common ancestor of the leaves a and b,
// the lowest node on both of their direct paths (the leaf itself when a
// equals b), as common_ancestor_direct of RFC 9420, Appendix C computes
// it: keep the bits the two node indices share above the highest bit where
// they differ, then fill the bits below that one with ones.
func CommonAncestor(a, b LeafIndex) (NodeIndex, error) {
	x, y := a.Node(), b.Node()
	if x == NoNode || y == NoNode {
		return 0, ErrTooManyLeaves
	}
	if x == y {
		return x, nil
	}
	k := bits.Len32(uint32(x ^ y)) // x>>k == y>>k, and k >= 2 for leaves
	return x>>k<<k | NodeIndex(1)<<(k-1) - 1, nil
}
