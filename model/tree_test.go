package model

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTreeMath(t *testing.T) {
	// A tree of 8 leaves (RFC 9420, Appendix C): nodes 0..14, root 7.
	tests := []struct {
		x, parent, sibling uint32
		level              int
		dp                 []uint32
	}{
		{x: 0, level: 0, parent: 1, sibling: 2, dp: []uint32{1, 3, 7}},
		{x: 2, level: 0, parent: 1, sibling: 0, dp: []uint32{1, 3, 7}},
		{x: 1, level: 1, parent: 3, sibling: 5, dp: []uint32{3, 7}},
		{x: 5, level: 1, parent: 3, sibling: 1, dp: []uint32{3, 7}},
		{x: 3, level: 2, parent: 7, sibling: 11, dp: []uint32{7}},
		{x: 12, level: 0, parent: 13, sibling: 14, dp: []uint32{13, 11, 7}},
		{x: 13, level: 1, parent: 11, sibling: 9, dp: []uint32{11, 7}},
		{x: 11, level: 2, parent: 7, sibling: 3, dp: []uint32{7}},
		{x: 7, level: 3, dp: nil},
	}
	for _, tc := range tests {
		if got := level(tc.x); got != tc.level {
			t.Errorf("level(%d) = %d, want %d", tc.x, got, tc.level)
		}
		if tc.x != 7 {
			if got := parentOf(tc.x); got != tc.parent {
				t.Errorf("parent(%d) = %d, want %d", tc.x, got, tc.parent)
			}
			if got := siblingOf(tc.x); got != tc.sibling {
				t.Errorf("sibling(%d) = %d, want %d", tc.x, got, tc.sibling)
			}
		}
		if got := directPath(tc.x, 8); !slices.Equal(got, tc.dp) {
			t.Errorf("directPath(%d) = %v, want %v", tc.x, got, tc.dp)
		}
	}
	if leftOf(7) != 3 || rightOf(7) != 11 || leftOf(1) != 0 || rightOf(1) != 2 || leftOf(11) != 9 || rightOf(11) != 13 {
		t.Error("children of 7, 1 or 11 are wrong")
	}
	if rootOf(1) != 0 || rootOf(2) != 1 || rootOf(16) != 15 {
		t.Error("roots are wrong")
	}
}

// figure11 builds the tree of RFC 9420, Figure 11: leaves A B _ _ E F G _,
// parents T (1), W (7), X (9), Y (11) non-blank, U (3), V (5), Z (13)
// blank.
func figure11() *Tree {
	t := &Tree{nodes: make([]Node, 15)}
	for i, c := range map[uint32]ClientID{0: 'A', 1: 'B', 4: 'E', 5: 'F', 6: 'G'} {
		t.nodes[leafNode(i)] = Node{Occupied: true, Client: c}
	}
	for _, x := range []uint32{1, 7, 9, 11} {
		t.nodes[x] = Node{Occupied: true}
	}
	return t
}

func TestFilteredDirectPathFigure11(t *testing.T) {
	tr := figure11()
	// Table 2 of RFC 9420, Section 4.1.2, in node indices.
	want := map[uint32][]uint32{
		0: {1, 7},     // A: T, W
		1: {1, 7},     // B: T, W
		4: {9, 11, 7}, // E: X, Y, W
		5: {9, 11, 7}, // F: X, Y, W
		6: {11, 7},    // G: Y, W
	}
	for leaf, w := range want {
		if got := tr.FilteredDirectPath(leaf); !slices.Equal(got, w) {
			t.Errorf("filtered direct path of leaf %d = %v, want %v", leaf, got, w)
		}
	}
	// Resolutions: U is blank over T and V (blank leaves): just T.
	if got := tr.Resolution(3, nil); !slices.Equal(got, []uint32{1}) {
		t.Errorf("resolution(U) = %v, want [1]", got)
	}
	if got := tr.Resolution(13, nil); !slices.Equal(got, []uint32{12}) {
		t.Errorf("resolution(Z) = %v, want [12]", got)
	}
	if got := tr.Resolution(12, map[uint32]bool{6: true}); len(got) != 0 {
		t.Errorf("resolution(G) excluding leaf 6 = %v, want empty", got)
	}
}

// tree builds a tree of the clients at consecutive leaves (0 for a blank
// leaf), padded to a power of two, with every parent blank.
func tree(clients ...ClientID) *Tree {
	n := uint32(1)
	for n < uint32(len(clients)) {
		n *= 2
	}
	t := &Tree{nodes: make([]Node, 2*n-1)}
	for i, c := range clients {
		t.nodes[leafNode(uint32(i))] = Node{Occupied: c != 0, Client: c}
	}
	return t
}

func roster(t *Tree) []Member { return t.Roster() }

func TestLeafPlacementAndTruncation(t *testing.T) {
	const a, b, c, d, e, f ClientID = 1, 2, 3, 4, 5, 6
	tests := []struct {
		name     string
		tree     func() *Tree
		entries  []Entry
		leaves   uint32
		want     []Member
		added    []Member
		rendered string
	}{
		{
			name: "add into a full tree extends it",
			tree: func() *Tree { tr := NewTree(a); tr.Add(b); tr.Add(c); return tr },
			entries: []Entry{{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: d}}},
				{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: e}}}},
			leaves: 8,
			want:   []Member{{0, a}, {1, b}, {2, c}, {3, d}, {4, e}},
			added:  []Member{{3, d}, {4, e}},
		},
		{
			name: "remove then add fills the removed leaf (Section 12.3 order)",
			tree: func() *Tree { tr := NewTree(a); tr.Add(b); tr.Add(c); tr.Add(d); return tr },
			// The Add comes first in the list, the Remove is applied first.
			entries: []Entry{{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: e}}},
				{Proposal: Proposal{Type: Remove, Removed: 1}}},
			leaves: 4,
			want:   []Member{{0, a}, {1, e}, {2, c}, {3, d}},
			added:  []Member{{1, e}},
		},
		{
			name: "removing the right half truncates, then an add extends again",
			tree: func() *Tree { tr := NewTree(a); tr.Add(b); tr.Add(c); tr.Add(d); return tr },
			entries: []Entry{{Proposal: Proposal{Type: Remove, Removed: 2}},
				{Proposal: Proposal{Type: Remove, Removed: 3}},
				{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: e}}}},
			leaves: 4,
			want:   []Member{{0, a}, {1, b}, {2, e}},
			added:  []Member{{2, e}},
		},
		{
			name: "two adds take the leftmost blanks, left to right",
			tree: func() *Tree {
				tr := NewTree(a)
				for _, x := range []ClientID{b, c, d, e} {
					tr.Add(x)
				}
				tr.Remove(1)
				tr.Remove(3)
				return tr
			},
			entries: []Entry{{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: f}}},
				{Proposal: Proposal{Type: Add, KeyPackage: KeyPackage{Client: b}}}},
			leaves: 8,
			want:   []Member{{0, a}, {1, f}, {2, c}, {3, b}, {4, e}},
			added:  []Member{{1, f}, {3, b}},
		},
		{
			name: "removing the last member of 5 truncates from 8 to 4 leaves",
			tree: func() *Tree {
				tr := NewTree(a)
				for _, x := range []ClientID{b, c, d, e} {
					tr.Add(x)
				}
				return tr
			},
			entries: []Entry{{Proposal: Proposal{Type: Remove, Removed: 4}}},
			leaves:  4,
			want:    []Member{{0, a}, {1, b}, {2, c}, {3, d}},
		},
		{
			name: "truncation goes down to the rightmost occupied leaf",
			tree: func() *Tree {
				tr := NewTree(a)
				for _, x := range []ClientID{b, c, d, e, f} {
					tr.Add(x)
				}
				tr.Remove(2)
				tr.Remove(3)
				tr.Remove(4)
				return tr
			},
			entries: []Entry{{Proposal: Proposal{Type: Remove, Removed: 5}}},
			leaves:  2,
			want:    []Member{{0, a}, {1, b}},
		},
		{
			name: "removing a middle leaf does not truncate",
			tree: func() *Tree {
				tr := NewTree(a)
				for _, x := range []ClientID{b, c, d, e} {
					tr.Add(x)
				}
				return tr
			},
			entries: []Entry{{Proposal: Proposal{Type: Remove, Removed: 2}}},
			leaves:  8,
			want:    []Member{{0, a}, {1, b}, {3, d}, {4, e}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := tc.tree()
			if v := ValidateList(tr, 0, tc.entries); !v.Accept() {
				t.Fatalf("list rejected: %v", v)
			}
			applied := ApplyList(tr, tc.entries)
			if tr.NumLeaves() != tc.leaves {
				t.Errorf("%d leaves, want %d: %v", tr.NumLeaves(), tc.leaves, tr)
			}
			if diff := cmp.Diff(tc.want, roster(tr)); diff != "" {
				t.Errorf("roster (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.added, applied.Added); diff != "" {
				t.Errorf("added (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnmergedLeavesAndPaths(t *testing.T) {
	const a, b, c, d, e ClientID = 1, 2, 3, 4, 5
	tr := NewTree(a)
	tr.Add(b)
	// A commits with a path: node 1 gets a key.
	tr.MergePath(0)
	if got := tr.String(); got != "[1 P 2]" {
		t.Fatalf("after A's path: %s", got)
	}
	// Adding C extends the tree: C's direct path (5, 3) is blank.
	tr.Add(c)
	if got := tr.String(); got != "[1 P 2 _ 3 _ _]" {
		t.Fatalf("after adding C: %s", got)
	}
	// A commits again: its filtered direct path is 1 and 3.
	if got := tr.FilteredDirectPath(0); !slices.Equal(got, []uint32{1, 3}) {
		t.Fatalf("filtered direct path of A = %v", got)
	}
	tr.MergePath(0)
	// D lands at leaf 3 and becomes unmerged at the root (3); node 5 is blank.
	tr.Add(d)
	if got := tr.String(); got != "[1 P 2 P[3] 3 _ 4]" {
		t.Fatalf("after adding D: %s", got)
	}
	// E extends to 8 leaves; its direct path 9, 11, 7 is blank.
	tr.Add(e)
	if got := tr.String(); got != "[1 P 2 P[3] 3 _ 4 _ 5 _ _ _ _ _ _]" {
		t.Fatalf("after adding E: %s", got)
	}
	// The resolution of the old root lists D as unmerged.
	if got := tr.Resolution(3, nil); !slices.Equal(got, []uint32{3, 6}) {
		t.Fatalf("resolution(3) = %v", got)
	}
	// C's Update blanks 5, 3 and 7.
	tr.Update(2)
	if got := tr.String(); got != "[1 P 2 _ 3 _ 4 _ 5 _ _ _ _ _ _]" {
		t.Fatalf("after C's update: %s", got)
	}
	// B's filtered direct path is its whole direct path 1, 3, 7: the
	// copath resolutions (A; C and D; E) are all non-empty.
	if got := tr.FilteredDirectPath(1); !slices.Equal(got, []uint32{1, 3, 7}) {
		t.Fatalf("filtered direct path of B = %v", got)
	}
	// Removing E truncates back to 4 leaves.
	tr.Remove(4)
	if got := tr.String(); got != "[1 P 2 _ 3 _ 4]" {
		t.Fatalf("after removing E: %s", got)
	}
	// Removing B blanks its leaf and node 1 and 3.
	tr.Remove(1)
	if got := tr.String(); got != "[1 _ _ _ 3 _ 4]" {
		t.Fatalf("after removing B: %s", got)
	}
	// A's filtered direct path now skips node 1 (B's leaf is blank).
	if got := tr.FilteredDirectPath(0); !slices.Equal(got, []uint32{3}) {
		t.Fatalf("filtered direct path of A = %v", got)
	}
}

func TestTreeHelper(t *testing.T) {
	if got := tree(1, 2, 3).String(); got != "[1 _ 2 _ 3 _ _]" {
		t.Fatalf("tree(1,2,3) = %s", got)
	}
	if got := tree(1, 0).String(); got != "[1 _ _]" {
		t.Fatalf("tree(1,0) = %s", got)
	}
}
