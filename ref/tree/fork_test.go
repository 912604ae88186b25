package tree

import (
	"bytes"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/treemath"
)

// TestForkLeavesOriginal changes a fork in every way the tree can change
// (an update in place; adds that extend the tree, removes that truncate
// it, commits with paths that set parent nodes and unmerged leaves), has
// the fork compute its tree hash, and checks that the original still
// encodes to the same bytes and still has the tree hash that a fresh
// decoding of those bytes gives: a fork shares the nodes, never a change.
func TestForkLeavesOriginal(t *testing.T) {
	changes := map[string]func(g *testGroup){
		"update": func(g *testGroup) { g.update(2) },
		"commits, adds, removes, truncation": func(g *testGroup) {
			g.update(2)
			g.commit(1, 5, 3)
			g.add()
			g.remove(0)
			for i := treemath.LeafIndex(4); uint32(i) < g.tree.NumLeaves(); i++ {
				if g.tree.Leaf(i) != nil {
					g.remove(i)
				}
			}
			g.tree.Truncate()
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			g := newTestGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "fork")
			g.commit(0, 4)
			g.add()
			orig := g.tree
			before := codec.Encode(orig)
			if _, err := orig.RootTreeHash(g.cs); err != nil { // fills the original's cache
				t.Fatal(err)
			}

			g.tree = orig.Fork()
			change(g)
			if _, err := g.tree.RootTreeHash(g.cs); err != nil { // fills the fork's cache
				t.Fatal(err)
			}
			if bytes.Equal(codec.Encode(g.tree), before) {
				t.Fatal("the fork did not change: the test tests nothing")
			}

			if got := codec.Encode(orig); !bytes.Equal(got, before) {
				t.Fatal("changing the fork changed the original's encoding")
			}
			fresh := new(RatchetTree)
			if err := codec.Decode(before, fresh); err != nil {
				t.Fatal(err)
			}
			want, err := fresh.RootTreeHash(g.cs)
			if err != nil {
				t.Fatal(err)
			}
			got, err := orig.RootTreeHash(g.cs)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatal("changing the fork changed the original's cached tree hash")
			}
		})
	}
}
