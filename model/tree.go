package model

import (
	"fmt"
	"slices"
	"strings"
)

// ClientID names a client of the population the observer watches (RFC
// 9420, Section 3): the model's stand-in for a credential and its
// signature key.
type ClientID int

// Node is the shape of one node of a ratchet tree, all a crypto-free
// observer can know of it (RFC 9420, Sections 4.1 and 7.1): whether it is
// blank, which client a leaf holds, and a parent node's unmerged leaves in
// increasing order.
type Node struct {
	Occupied bool
	// Client is the client at a non-blank leaf.
	Client ClientID
	// Unmerged lists the unmerged leaves of a non-blank parent node,
	// sorted in increasing order (RFC 9420, Section 7.1).
	Unmerged []uint32
}

// Tree is the shape of a ratchet tree in the array representation (RFC
// 9420, Section 4.1 and Appendix C): leaf i is node 2i, and the number of
// leaves is always a power of two (Section 7.7).
type Tree struct {
	nodes []Node
}

// NewTree returns the one-leaf tree of a group that creator has just
// created (RFC 9420, Section 11).
func NewTree(creator ClientID) *Tree {
	return &Tree{nodes: []Node{{Occupied: true, Client: creator}}}
}

// Clone returns a deep copy of t (RFC 9420, Section 4.1).
func (t *Tree) Clone() *Tree {
	c := &Tree{nodes: make([]Node, len(t.nodes))}
	for i, n := range t.nodes {
		c.nodes[i] = Node{Occupied: n.Occupied, Client: n.Client, Unmerged: slices.Clone(n.Unmerged)}
	}
	return c
}

// Width returns the number of nodes of t (RFC 9420, Appendix C).
func (t *Tree) Width() uint32 { return uint32(len(t.nodes)) }

// NumLeaves returns the number of leaves of t, blank ones included (RFC
// 9420, Section 7.7).
func (t *Tree) NumLeaves() uint32 { return (t.Width() + 1) / 2 }

// Node returns a copy of node x (RFC 9420, Section 4.1).
func (t *Tree) Node(x uint32) Node {
	n := t.nodes[x]
	n.Unmerged = slices.Clone(n.Unmerged)
	return n
}

// Leaf returns the client at leaf i, and false when the leaf is blank or
// outside the tree (RFC 9420, Section 4.1).
func (t *Tree) Leaf(i uint32) (ClientID, bool) {
	if i >= t.NumLeaves() || !t.nodes[leafNode(i)].Occupied {
		return 0, false
	}
	return t.nodes[leafNode(i)].Client, true
}

// LeafOf returns the leaf that client c holds, and false when c is not a
// member (RFC 9420, Section 4.1).
func (t *Tree) LeafOf(c ClientID) (uint32, bool) {
	for i := uint32(0); i < t.NumLeaves(); i++ {
		if got, ok := t.Leaf(i); ok && got == c {
			return i, true
		}
	}
	return 0, false
}

// Member is one entry of a roster: a client and its leaf (RFC 9420,
// Section 4.1).
type Member struct {
	Leaf   uint32
	Client ClientID
}

// Roster returns the members of t in increasing leaf order (RFC 9420,
// Section 4.1).
func (t *Tree) Roster() []Member {
	var out []Member
	for i := uint32(0); i < t.NumLeaves(); i++ {
		if c, ok := t.Leaf(i); ok {
			out = append(out, Member{Leaf: i, Client: c})
		}
	}
	return out
}

// LeftmostBlankLeaf returns the leftmost blank leaf, and false when every
// leaf is occupied (RFC 9420, Section 12.1.1).
func (t *Tree) LeftmostBlankLeaf() (uint32, bool) {
	for i := uint32(0); i < t.NumLeaves(); i++ {
		if !t.nodes[leafNode(i)].Occupied {
			return i, true
		}
	}
	return 0, false
}

// Extend doubles the number of leaves (RFC 9420, Section 7.7): a new blank
// root whose left subtree is the old tree and whose right subtree is all
// blank.
func (t *Tree) Extend() {
	t.nodes = append(t.nodes, make([]Node, len(t.nodes)+1)...)
}

// Truncate halves the tree as long as the right subtree of the root holds
// no occupied leaf (RFC 9420, Sections 7.7 and 12.1.3). Afterwards the tree
// has 2^d leaves, d the smallest value with 2^d greater than the rightmost
// occupied leaf.
func (t *Tree) Truncate() {
	for n := t.NumLeaves(); n > 1; n = t.NumLeaves() {
		for i := n / 2; i < n; i++ {
			if t.nodes[leafNode(i)].Occupied {
				return
			}
		}
		t.nodes = t.nodes[:n-1]
	}
}

// blankDirectPath blanks every parent node on the direct path of leaf i
// (RFC 9420, Sections 7.5, 12.1.2 and 12.1.3).
func (t *Tree) blankDirectPath(i uint32) {
	for _, x := range directPath(leafNode(i), t.NumLeaves()) {
		t.nodes[x] = Node{}
	}
}

// Add places client c in the leftmost blank leaf, extending the tree when
// none is blank, records the new leaf as unmerged at every non-blank parent
// on its direct path, and returns the leaf (RFC 9420, Section 12.1.1).
func (t *Tree) Add(c ClientID) uint32 {
	i, ok := t.LeftmostBlankLeaf()
	if !ok {
		i = t.NumLeaves()
		t.Extend()
	}
	for _, x := range directPath(leafNode(i), t.NumLeaves()) {
		if n := &t.nodes[x]; n.Occupied {
			k, _ := slices.BinarySearch(n.Unmerged, i)
			n.Unmerged = slices.Insert(n.Unmerged, k, i)
		}
	}
	t.nodes[leafNode(i)] = Node{Occupied: true, Client: c}
	return i
}

// Update replaces the LeafNode of the member at leaf i by a new one of the
// same client and blanks the leaf's direct path (RFC 9420, Section
// 12.1.2). The leaf must be occupied.
func (t *Tree) Update(i uint32) {
	t.blankDirectPath(i)
}

// Remove blanks leaf i and its direct path, then truncates the tree (RFC
// 9420, Section 12.1.3). The leaf must be occupied.
func (t *Tree) Remove(i uint32) {
	t.nodes[leafNode(i)] = Node{}
	t.blankDirectPath(i)
	t.Truncate()
}

// Resolution returns the resolution of node x (RFC 9420, Section 4.1.1):
// a non-blank node and its unmerged leaves, or for a blank parent the
// resolutions of its children, left first; exclude removes leaves from it
// (Section 7.5).
func (t *Tree) Resolution(x uint32, exclude map[uint32]bool) []uint32 {
	n := t.nodes[x]
	switch {
	case level(x) == 0:
		if n.Occupied && !exclude[nodeLeaf(x)] {
			return []uint32{x}
		}
		return nil
	case n.Occupied:
		out := []uint32{x}
		for _, l := range n.Unmerged {
			if !exclude[l] {
				out = append(out, leafNode(l))
			}
		}
		return out
	}
	return append(t.Resolution(leftOf(x), exclude), t.Resolution(rightOf(x), exclude)...)
}

// FilteredDirectPath returns the filtered direct path of leaf i (RFC 9420,
// Section 4.1.2): its direct path without the nodes whose child on the
// copath has an empty resolution.
func (t *Tree) FilteredDirectPath(i uint32) []uint32 {
	var out []uint32
	child := leafNode(i)
	for _, x := range directPath(child, t.NumLeaves()) {
		if len(t.Resolution(siblingOf(child), nil)) > 0 {
			out = append(out, x)
		}
		child = x
	}
	return out
}

// MergePath applies the UpdatePath of the member at leaf i to the shape of
// the tree (RFC 9420, Section 7.5): the direct path is blanked, then every
// node of the filtered direct path receives a fresh key and no unmerged
// leaves. The leaf keeps its client.
func (t *Tree) MergePath(i uint32) {
	filtered := t.FilteredDirectPath(i)
	t.blankDirectPath(i)
	for _, x := range filtered {
		t.nodes[x] = Node{Occupied: true}
	}
}

// Equal reports whether t and u have the same shape (RFC 9420, Section
// 4.1).
func (t *Tree) Equal(u *Tree) bool {
	return slices.EqualFunc(t.nodes, u.nodes, func(a, b Node) bool {
		return a.Occupied == b.Occupied && a.Client == b.Client && slices.Equal(a.Unmerged, b.Unmerged)
	})
}

// String renders the shape of t node by node (RFC 9420, Appendix C): a
// leaf as its client number or "_", a parent as "P" with its unmerged
// leaves in brackets, or "_".
func (t *Tree) String() string {
	parts := make([]string, len(t.nodes))
	for x, n := range t.nodes {
		switch {
		case !n.Occupied:
			parts[x] = "_"
		case level(uint32(x)) == 0:
			parts[x] = fmt.Sprint(n.Client)
		case len(n.Unmerged) > 0:
			parts[x] = fmt.Sprintf("P%v", n.Unmerged)
		default:
			parts[x] = "P"
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}
