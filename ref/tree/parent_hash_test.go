package tree

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

const suite1 = ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519

// wantReq fails the test unless err carries requirement req (and, when
// class is not nil, belongs to class).
func wantReq(t *testing.T, err error, req string, class error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want [%s]", req)
	}
	if got := mlserr.RequirementOf(err); got != req {
		t.Fatalf("got requirement %q (%v), want %q", got, err, req)
	}
	if class != nil && !errors.Is(err, class) {
		t.Fatalf("error %v is not of class %v", err, class)
	}
}

// wantSection fails the test unless err has no requirement ID, is of
// class, and names section in its message (the rules of RFC 9420 that
// carry no MUST have no ID, only a section).
func wantSection(t *testing.T, err error, section string, class error) {
	t.Helper()
	wantReq(t, err, "", class)
	if !strings.Contains(err.Error(), "Section "+section) {
		t.Fatalf("error %q does not cite Section %s", err, section)
	}
}

// validChild returns the descendant whose parent hash is valid with
// respect to parent node p, if any.
func validChild(t *testing.T, g *testGroup, p treemath.NodeIndex) (treemath.NodeIndex, bool) {
	t.Helper()
	l, r, err := g.tree.children(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range [2][2]treemath.NodeIndex{{l, r}, {r, l}} {
		d, ok, err := g.tree.parentHashValidChild(g.cs, p, cs[0], cs[1])
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return d, true
		}
	}
	return 0, false
}

// TestParentHashAppendixB replays RFC 9420, Appendix B and checks the
// parent-hash links of Table 15 and Figure 31: B' to X', C' to Z', Z' to
// Y'; A's link to X is stale, and so is X”s link to Y.
func TestParentHashAppendixB(t *testing.T) {
	g := newTestGroup(t, suite1, "appendix-b")
	g.commit(0, 1) // A adds B with a full Commit: sets X
	g.commit(1, 2) // B adds C and D: sets B', X', Y
	g.commit(2, 0) // C sends an empty Commit: sets C', Z', Y'
	g.mustValidate()
	const (
		A, B, C = 0, 2, 4
		X, Y, Z = 1, 3, 5
	)
	for p, want := range map[treemath.NodeIndex]treemath.NodeIndex{X: B, Z: C, Y: Z} {
		d, ok := validChild(t, g, p)
		if !ok || d != want {
			t.Errorf("node %d: valid descendant %d (found %v), want %d", p, d, ok, want)
		}
	}
	// A's parent_hash is H(X, ...) of the old X: valid with respect to no
	// node.
	ph, _ := g.tree.ParentHash(g.cs, X, B)
	if bytes.Equal(g.tree.Leaf(0).ParentHash, ph) {
		t.Error("A's stale parent hash matches X'")
	}
	ph, _ = g.tree.ParentHash(g.cs, Y, Z)
	if bytes.Equal(g.tree.ParentNode(X).ParentHash, ph) {
		t.Error("X''s stale parent hash matches Y'")
	}
}

// TestParentHashOverBlankNodes: a chain from leaf 0 to the root skips the
// blank nodes 1 and 3 (get_tree(8), then leaf 0 removes leaves 1 to 3 in
// a Commit with a path); filling one of them breaks it.
func TestParentHashOverBlankNodes(t *testing.T) {
	g := getTree(t, suite1, "blank-intermediate", 8)
	g.commit(0, 0, 1, 2, 3)
	path, _, _, err := g.tree.PathParentHashes(g.cs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(path) != 1 || path[0] != 7 {
		t.Fatalf("filtered direct path of leaf 0 is %v, want [7]", path)
	}
	if !g.tree.IsBlank(1) || !g.tree.IsBlank(3) {
		t.Fatal("nodes 1 and 3 should be blank")
	}
	g.mustValidate()
	if d, ok := validChild(t, g, 7); !ok || d != 0 {
		t.Errorf("root's valid descendant is %d (%v), want leaf 0 (node 0)", d, ok)
	}

	// A parent node in between (that no chain reaches) is not valid, and
	// it hides leaf 0 from the root's resolution.
	if err := g.tree.SetParent(3, &ParentNode{EncryptionKey: g.hpkeKey(), ParentHash: []byte{}, UnmergedLeaves: []treemath.LeafIndex{}}); err != nil {
		t.Fatal(err)
	}
	wantReq(t, g.tree.VerifyParentHashes(g.cs), "R-7.9.2-1", mlserr.ErrInvalidTree)
	wantReq(t, g.validate(), "R-7.9.2-1", mlserr.ErrInvalidTree)
}

// unmergedUnderBlank builds a tree of 8 leaves whose root was set by leaf
// 0 and then got leaf 5 as an unmerged leaf, the nodes 9 and 11 between
// them being blank.
func unmergedUnderBlank(t *testing.T) (*testGroup, []byte) {
	g := getTree(t, suite1, "unmerged-under-blank", 6)
	g.remove(5)    // blanks 10, 9, 11, 7
	g.commit(0, 0) // sets 1, 3, 7: node 11's resolution is leaf 4
	osth, err := g.tree.TreeHash(g.cs, 11)
	if err != nil {
		t.Fatal(err)
	}
	if l := g.add(); l != 5 {
		t.Fatalf("new member at leaf %d, want 5", l)
	}
	if got := g.tree.ParentNode(7).UnmergedLeaves; len(got) != 1 || got[0] != 5 {
		t.Fatalf("root unmerged_leaves %v, want [5]", got)
	}
	if !g.tree.IsBlank(9) || !g.tree.IsBlank(11) {
		t.Fatal("nodes 9 and 11 should be blank")
	}
	return g, osth
}

// TestUnmergedLeafUnderBlankAncestor: the original sibling tree hash
// blanks the unmerged leaf even below blank nodes, so whatever that leaf
// holds, the root stays parent-hash valid; a non-blank node between the
// leaf and the root must list it too.
func TestUnmergedLeafUnderBlankAncestor(t *testing.T) {
	g, before := unmergedUnderBlank(t)
	g.mustValidate()
	got, err := g.tree.OriginalSiblingTreeHash(g.cs, 11, []treemath.LeafIndex{5})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, before) {
		t.Errorf("original sibling tree hash %x, want the hash of node 11 before the Add, %x", got, before)
	}

	// The unmerged leaf changes: the root's parent hash does not cover it.
	ln := g.tree.Leaf(5).Clone()
	ln.EncryptionKey = g.hpkeKey()
	g.resign(ln, 5)
	if err := g.tree.SetLeaf(5, ln); err != nil {
		t.Fatal(err)
	}
	g.mustValidate()

	// Dropping the leaf from the root's unmerged_leaves breaks the root.
	g2, _ := unmergedUnderBlank(t)
	root := g2.tree.ParentNode(7).Clone()
	root.UnmergedLeaves = []treemath.LeafIndex{}
	if err := g2.tree.SetParent(7, root); err != nil {
		t.Fatal(err)
	}
	wantReq(t, g2.validate(), "R-7.9.2-1", mlserr.ErrInvalidTree)

	// A non-blank node between the leaf and the root that does not list it.
	g3, _ := unmergedUnderBlank(t)
	if err := g3.tree.SetParent(9, &ParentNode{EncryptionKey: g3.hpkeKey(), ParentHash: []byte{}, UnmergedLeaves: []treemath.LeafIndex{}}); err != nil {
		t.Fatal(err)
	}
	wantSection(t, g3.validate(), "12.4.3.1", mlserr.ErrInvalidTree)
}

// TestEmptyParentHash: an empty parent_hash is valid with respect to no
// node, and a committer's leaf may carry one only when its filtered direct
// path is empty.
func TestEmptyParentHash(t *testing.T) {
	g := getTree(t, suite1, "empty-parent-hash", 2)
	g.mustValidate()
	ln := g.tree.Leaf(0).Clone()
	ln.ParentHash = []byte{}
	g.resign(ln, 0)
	wantReq(t, g.tree.VerifyLeafParentHash(g.cs, 0, ln), "R-7.9.2-2", mlserr.ErrInvalidCommit)
	if err := g.tree.SetLeaf(0, ln); err != nil {
		t.Fatal(err)
	}
	wantReq(t, g.validate(), "R-7.9.2-1", mlserr.ErrInvalidTree)

	// The topmost node of a path must have an empty parent_hash: any
	// other value breaks its child's link.
	g = getTree(t, suite1, "empty-parent-hash-root", 2)
	root := g.tree.ParentNode(1).Clone()
	root.ParentHash = bytes.Repeat([]byte{0}, 32)
	if err := g.tree.SetParent(1, root); err != nil {
		t.Fatal(err)
	}
	wantReq(t, g.validate(), "R-7.9.2-1", mlserr.ErrInvalidTree)

	// A lone member's path is empty, and so is its leaf's parent hash.
	g = newTestGroup(t, suite1, "alone")
	ph, err := g.tree.SetPathParentHashes(g.cs, 0)
	if err != nil || len(ph) != 0 {
		t.Fatalf("parent hash of a lone leaf: %x, %v; want empty", ph, err)
	}
	ln = g.tree.Leaf(0).Clone()
	ln.LeafNodeSource = SourceCommit
	ln.ParentHash = []byte{}
	if err := g.tree.VerifyLeafParentHash(g.cs, 0, ln); err != nil {
		t.Errorf("empty parent hash of a lone committer rejected: %v", err)
	}
}

// TestEmptyLeftSubtreeAtRoot: when the root's left subtree is all blank,
// the root is not on the filtered direct path of a leaf on the right, so
// a Commit leaves it blank and the chain ends below it; a committer that
// sets the root anyway sends a leaf whose parent hash does not match.
func TestEmptyLeftSubtreeAtRoot(t *testing.T) {
	build := func() *testGroup {
		g := getTree(t, suite1, "empty-left", 4)
		g.remove(0)
		g.remove(1)
		if g.tree.NumLeaves() != 4 {
			t.Fatalf("tree has %d leaves, want 4: the left half is empty, not the right", g.tree.NumLeaves())
		}
		return g
	}
	g := build()
	g.commit(2, 0)
	if !g.tree.IsBlank(3) {
		t.Fatal("the root should stay blank")
	}
	g.mustValidate()
	if i := g.add(); i != 0 {
		t.Fatalf("new member at leaf %d, want 0", i)
	}
	g.mustValidate()

	// A committer that hashes over the unfiltered direct path (5, 3).
	g = build()
	if err := g.tree.BlankDirectPath(2); err != nil {
		t.Fatal(err)
	}
	for _, x := range []treemath.NodeIndex{3, 5} {
		if err := g.tree.SetParent(x, &ParentNode{EncryptionKey: g.hpkeKey(), ParentHash: []byte{}, UnmergedLeaves: []treemath.LeafIndex{}}); err != nil {
			t.Fatal(err)
		}
	}
	phRoot, err := g.tree.ParentHash(g.cs, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	five := g.tree.ParentNode(5).Clone()
	five.ParentHash = phRoot
	if err := g.tree.SetParent(5, five); err != nil {
		t.Fatal(err)
	}
	ph5, err := g.tree.ParentHash(g.cs, 5, 6)
	if err != nil {
		t.Fatal(err)
	}
	ln := g.tree.Leaf(2).Clone()
	ln.LeafNodeSource = SourceCommit
	ln.Lifetime = Lifetime{}
	ln.ParentHash = ph5
	g.resign(ln, 2)
	wantReq(t, g.tree.VerifyLeafParentHash(g.cs, 2, ln), "R-7.9.2-2", mlserr.ErrInvalidCommit)
}

// TestVerifyLeafParentHashAfterPath checks the receiver's side of a path:
// with the new keys merged, the recomputed parent hash is the committer's.
func TestVerifyLeafParentHashAfterPath(t *testing.T) {
	g := getTree(t, suite1, "verify-leaf", 5)
	g.commit(3, 2)
	if err := g.tree.VerifyLeafParentHash(g.cs, 3, g.tree.Leaf(3)); err != nil {
		t.Errorf("committer's own leaf rejected: %v", err)
	}
	wantReq(t, g.tree.VerifyLeafParentHash(g.cs, 1, g.tree.Leaf(1)), "R-7.9.2-2", mlserr.ErrInvalidCommit)
}
