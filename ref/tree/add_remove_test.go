package tree

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// sketch describes a tree by position: "L" a leaf, "P" a parent node, "_"
// a blank node, and for each parent node its unmerged leaves.
func sketch(tr *RatchetTree) (string, map[treemath.NodeIndex][]treemath.LeafIndex) {
	s := ""
	unmerged := map[treemath.NodeIndex][]treemath.LeafIndex{}
	for x, n := range tr.nodes {
		switch {
		case n == nil:
			s += "_"
		case n.Leaf != nil:
			s += "L"
		default:
			s += "P"
			if len(n.Parent.UnmergedLeaves) > 0 {
				unmerged[treemath.NodeIndex(x)] = n.Parent.UnmergedLeaves
			}
		}
	}
	return s, unmerged
}

// build makes a tree from a sketch ("L", "P", "_" per node), each node
// with a distinct encryption key.
func build(t *testing.T, s string, unmerged map[treemath.NodeIndex][]treemath.LeafIndex) *RatchetTree {
	t.Helper()
	tr := &RatchetTree{nodes: make([]*Node, len(s))}
	for x, c := range s {
		switch c {
		case 'L':
			if err := tr.SetLeaf(treemath.LeafIndex(x/2), &LeafNode{EncryptionKey: []byte{byte(x)}}); err != nil {
				t.Fatal(err)
			}
		case 'P':
			p := &ParentNode{EncryptionKey: []byte{byte(x)}, UnmergedLeaves: unmerged[treemath.NodeIndex(x)]}
			if err := tr.SetParent(treemath.NodeIndex(x), p); err != nil {
				t.Fatal(err)
			}
		}
	}
	return tr
}

func wantSketch(t *testing.T, tr *RatchetTree, s string, unmerged map[treemath.NodeIndex][]treemath.LeafIndex) {
	t.Helper()
	got, gotU := sketch(tr)
	if got != s {
		t.Errorf("tree is %s, want %s", got, s)
	}
	if unmerged == nil {
		unmerged = map[treemath.NodeIndex][]treemath.LeafIndex{}
	}
	if diff := cmp.Diff(unmerged, gotU); diff != "" {
		t.Errorf("unmerged leaves (-want +got):\n%s", diff)
	}
}

func TestAddLeaf(t *testing.T) {
	cases := []struct {
		name      string
		before    string
		unmerged  map[treemath.NodeIndex][]treemath.LeafIndex
		leaf      treemath.LeafIndex
		after     string
		unmerged2 map[treemath.NodeIndex][]treemath.LeafIndex
	}{
		{name: "empty tree", before: "", leaf: 0, after: "L"},
		{name: "one leaf: extend", before: "L", leaf: 1, after: "L_L"},
		{name: "full: extend, new root and right half blank", before: "LPL", leaf: 2, after: "LPL_L__"},
		{name: "leftmost blank leaf", before: "L__PLPL", leaf: 1, after: "L_LPLPL", unmerged2: map[treemath.NodeIndex][]treemath.LeafIndex{3: {1}}},
		{name: "sorted into the unmerged leaves of every non-blank parent",
			before:    "LPLPLPLP___PLPL",
			unmerged:  map[treemath.NodeIndex][]treemath.LeafIndex{7: {6}, 11: {6}, 13: {6}},
			leaf:      4,
			after:     "LPLPLPLPL__PLPL",
			unmerged2: map[treemath.NodeIndex][]treemath.LeafIndex{7: {4, 6}, 11: {4, 6}, 13: {6}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := build(t, tc.before, tc.unmerged)
			i, err := tr.AddLeaf(&LeafNode{EncryptionKey: []byte{0xff}})
			if err != nil {
				t.Fatal(err)
			}
			if i != tc.leaf {
				t.Errorf("new leaf %d, want %d", i, tc.leaf)
			}
			wantSketch(t, tr, tc.after, tc.unmerged2)
		})
	}
}

func TestRemoveLeaf(t *testing.T) {
	cases := []struct {
		name   string
		before string
		leaf   treemath.LeafIndex
		after  string
	}{
		{name: "blank leaf and direct path, no truncation", before: "LPLPLPL", leaf: 1, after: "L___LPL"},
		{name: "truncate once", before: "LPLPL__", leaf: 2, after: "LPL"},
		{name: "truncate to the left leaf", before: "LPL", leaf: 1, after: "L"},
		{name: "truncate several levels", before: "LPL_____L______", leaf: 4, after: "LPL"},
		{name: "empty left subtree: nothing to truncate", before: "L___LPL", leaf: 0, after: "____LPL"},
		{name: "right subtree keeps one leaf", before: "LPLPLPL", leaf: 3, after: "LPL_L__"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := build(t, tc.before, nil)
			if err := tr.RemoveLeaf(tc.leaf); err != nil {
				t.Fatal(err)
			}
			wantSketch(t, tr, tc.after, nil)
		})
	}
	tr := build(t, "L___L__", nil)
	wantReq(t, tr.RemoveLeaf(1), "R-12.1.3-1", mlserr.ErrInvalidInput)
	wantReq(t, tr.RemoveLeaf(9), "R-12.1.3-1", mlserr.ErrInvalidInput)
}

func TestTruncateDropsNonBlankRoot(t *testing.T) {
	// The root and the right subtree go whether or not the root is blank
	// (RFC 9420, Section 7.7).
	tr := build(t, "LPLPL__", nil)
	if err := tr.RemoveLeaf(2); err != nil {
		t.Fatal(err)
	}
	wantSketch(t, tr, "LPL", nil)
	tr = build(t, "LPLP___", nil)
	tr.Truncate()
	wantSketch(t, tr, "LPL", nil)
	tr = build(t, "L", nil)
	tr.Truncate()
	wantSketch(t, tr, "L", nil)
}

func TestUpdateLeaf(t *testing.T) {
	tr := build(t, "LPLPLPL", nil)
	if err := tr.UpdateLeaf(2, &LeafNode{EncryptionKey: []byte{0xee}}); err != nil {
		t.Fatal(err)
	}
	wantSketch(t, tr, "LPL_L_L", nil)
	if got := tr.Leaf(2).EncryptionKey; len(got) != 1 || got[0] != 0xee {
		t.Errorf("leaf 2 not replaced")
	}
	tr = build(t, "LPL_L__", nil)
	wantReq(t, tr.UpdateLeaf(3, &LeafNode{}), "R-12.1.2-1", mlserr.ErrInvalidInput)
	wantReq(t, tr.UpdateLeaf(0, nil), "", mlserr.ErrInvalidInput)
}

func TestSetNodeErrors(t *testing.T) {
	tr := build(t, "LPL", nil)
	wantReq(t, tr.SetLeaf(2, &LeafNode{}), "", mlserr.ErrInvalidInput)
	wantReq(t, tr.SetLeaf(0, nil), "", mlserr.ErrInvalidInput)
	wantReq(t, tr.SetParent(2, &ParentNode{}), "", mlserr.ErrInvalidInput)
	wantReq(t, tr.SetParent(3, &ParentNode{}), "", mlserr.ErrInvalidInput)
	wantReq(t, tr.SetParent(1, nil), "", mlserr.ErrInvalidInput)
	wantReq(t, tr.BlankDirectPath(2), "", mlserr.ErrInvalidInput)
}

// TestAddLeafOverflow fills a tree of MaxLeaves leaves: one more is an
// error, and the tree is left as it was.
func TestAddLeafOverflow(t *testing.T) {
	full := &Node{Leaf: &LeafNode{}}
	tr := &RatchetTree{nodes: make([]*Node, 2*MaxLeaves-1)}
	for x := 0; x < len(tr.nodes); x += 2 {
		tr.nodes[x] = full
	}
	_, err := tr.AddLeaf(&LeafNode{})
	wantReq(t, err, "", mlserr.ErrInvalidTree)
	if tr.NumLeaves() != MaxLeaves {
		t.Errorf("tree has %d leaves after a failed add, want %d", tr.NumLeaves(), MaxLeaves)
	}
	// One blank leaf, the last: the add takes it.
	tr.nodes[len(tr.nodes)-1] = nil
	i, err := tr.AddLeaf(&LeafNode{})
	if err != nil || i != MaxLeaves-1 {
		t.Errorf("AddLeaf = %d, %v; want %d", i, err, MaxLeaves-1)
	}
}
