package tree

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/treemath"
)

// figure11 builds the tree of RFC 9420, Figure 11: leaves A B _ _ E F G _,
// parents T (1), X (9), Y (11), W (7); U (3), V (5), Z (13) blank.
func figure11() *RatchetTree {
	t := &RatchetTree{nodes: make([]*Node, 15)}
	for _, l := range []treemath.LeafIndex{0, 1, 4, 5, 6} {
		t.SetLeaf(l, &LeafNode{EncryptionKey: []byte{byte(l)}})
	}
	for _, p := range []treemath.NodeIndex{1, 9, 11, 7} {
		t.SetParent(p, &ParentNode{EncryptionKey: []byte{byte(p)}})
	}
	return t
}

func TestFilteredDirectPathFigure11(t *testing.T) {
	tr := figure11()
	// RFC 9420, Table 2.
	want := map[treemath.LeafIndex][]treemath.NodeIndex{
		0: {1, 7},     // A: T, W
		1: {1, 7},     // B: T, W
		4: {9, 11, 7}, // E: X, Y, W
		5: {9, 11, 7}, // F: X, Y, W
		6: {11, 7},    // G: Y, W
	}
	for leaf, w := range want {
		got, _, err := tr.FilteredDirectPath(leaf)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("leaf %d: filtered direct path (-want +got):\n%s", leaf, diff)
		}
	}
}

func TestResolution(t *testing.T) {
	// The rules of RFC 9420, Section 4.1.1 on a tree with leaves
	// A B C D _ F G H; parent node 1 holds unmerged leaf B; nodes 5 and 9
	// are non-blank; 3, 7, 11 and 13 are blank.
	tr := &RatchetTree{nodes: make([]*Node, 15)}
	for _, l := range []treemath.LeafIndex{0, 1, 2, 3, 5, 6, 7} {
		tr.SetLeaf(l, &LeafNode{})
	}
	tr.SetParent(1, &ParentNode{UnmergedLeaves: []treemath.LeafIndex{1}})
	tr.SetParent(5, &ParentNode{})
	tr.SetParent(9, &ParentNode{})
	cases := []struct {
		x    treemath.NodeIndex
		excl map[treemath.LeafIndex]bool
		want []treemath.NodeIndex
	}{
		{1, nil, []treemath.NodeIndex{1, 2}},
		{8, nil, nil},
		{3, nil, []treemath.NodeIndex{1, 2, 5}},
		{7, nil, []treemath.NodeIndex{1, 2, 5, 9, 12, 14}},
		{7, map[treemath.LeafIndex]bool{1: true, 7: true}, []treemath.NodeIndex{1, 5, 9, 12}},
	}
	for _, c := range cases {
		got := tr.Resolution(c.x, c.excl)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("Resolution(%d, %v) (-want +got):\n%s", c.x, c.excl, diff)
		}
	}
}
