package tree

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/treemath"
)

// TestTreeHashBlankNodes checks the encoding of the hash inputs of blank
// nodes, where the optional value must be absent [R-7.8-1], against
// hashes computed here with crypto/sha256 from hand-written bytes.
func TestTreeHashBlankNodes(t *testing.T) {
	cs, _ := ciphersuite.Lookup(ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	tr := &RatchetTree{nodes: make([]*Node, 3)}
	h0 := sha256.Sum256([]byte{1, 0, 0, 0, 0, 0}) // leaf, leaf_index 0, absent
	h1 := sha256.Sum256([]byte{1, 0, 0, 0, 1, 0}) // leaf, leaf_index 1, absent
	in := append([]byte{2, 0, 32}, h0[:]...)      // parent, absent, left_hash<V>
	in = append(in, 32)
	in = append(in, h1[:]...)
	want := sha256.Sum256(in)
	got, err := tr.RootTreeHash(cs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want[:]) {
		t.Errorf("root hash of a blank two-leaf tree: got %x, want %x", got, want)
	}
	leaf, _ := tr.TreeHash(cs, 2)
	if !bytes.Equal(leaf, h1[:]) {
		t.Errorf("hash of blank leaf 1: got %x, want %x", leaf, h1)
	}
	// A present value has presence octet 1 followed by the node.
	p := &ParentNode{EncryptionKey: []byte{0xaa}, ParentHash: []byte{}, UnmergedLeaves: []treemath.LeafIndex{1}}
	enc := codec.Encode(&TreeHashInput{ParentNode: &ParentNodeHashInput{ParentNode: p, LeftHash: []byte{1}, RightHash: []byte{2}}})
	wantEnc := []byte{2, 1, 1, 0xaa, 0, 4, 0, 0, 0, 1, 1, 1, 1, 2}
	if !bytes.Equal(enc, wantEnc) {
		t.Errorf("TreeHashInput of a parent: got %x, want %x", enc, wantEnc)
	}
}

// TestTreeHashCache drives random operations on a group and checks, after
// each, that the cached hash of every node equals the hash computed from
// scratch on a decoded copy of the tree.
func TestTreeHashCache(t *testing.T) {
	g := newTestGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "cache")
	r := rand.New(rand.NewPCG(1, 2))
	members := func() []treemath.LeafIndex {
		var out []treemath.LeafIndex
		for i := range g.tree.NumLeaves() {
			if g.tree.Leaf(treemath.LeafIndex(i)) != nil {
				out = append(out, treemath.LeafIndex(i))
			}
		}
		return out
	}
	for step := range 60 {
		m := members()
		switch op := r.IntN(4); {
		case op == 0 || len(m) < 3:
			g.commit(m[r.IntN(len(m))], 1+r.IntN(3))
		case op == 1:
			g.add()
		case op == 2:
			g.remove(m[1+r.IntN(len(m)-1)])
		default:
			g.update(m[r.IntN(len(m))])
		}
		g.mustValidate()
		ref := fresh(t, g.tree)
		for x := range g.tree.Width() {
			got, err := g.tree.TreeHash(g.cs, treemath.NodeIndex(x))
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.TreeHash(g.cs, treemath.NodeIndex(x))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("step %d: cached hash of node %d is %x, from scratch %x", step, x, got, want)
			}
		}
	}
}

// TestTreeHashInvalidation checks that a change forgets the hashes of the
// changed node and its ancestors only, so that the next root hash costs
// O(log n) hashes.
func TestTreeHashInvalidation(t *testing.T) {
	g := getTree(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "invalidation", 16)
	if _, err := g.tree.RootTreeHash(g.cs); err != nil {
		t.Fatal(err)
	}
	ln := g.tree.Leaf(5).Clone()
	ln.Signature = []byte{1}
	if err := g.tree.SetLeaf(5, ln); err != nil {
		t.Fatal(err)
	}
	var forgotten []treemath.NodeIndex
	for x, h := range g.tree.hashes {
		if h == nil {
			forgotten = append(forgotten, treemath.NodeIndex(x))
		}
	}
	// Leaf 5 is node 10; its direct path in a 16-leaf tree is 9, 11, 7, 15.
	want := []treemath.NodeIndex{7, 9, 10, 11, 15}
	if fmt.Sprint(forgotten) != fmt.Sprint(want) {
		t.Errorf("forgotten hashes: got %v, want %v", forgotten, want)
	}
}

// TestTreeHashClone checks that a clone keeps the cache and that changing
// the clone (a Commit tried and rejected) leaves the original's hash alone.
func TestTreeHashClone(t *testing.T) {
	g := getTree(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "clone", 6)
	before, _ := g.tree.RootTreeHash(g.cs)
	c := g.tree.Clone()
	if err := c.RemoveLeaf(3); err != nil {
		t.Fatal(err)
	}
	changed, _ := c.RootTreeHash(g.cs)
	if bytes.Equal(changed, before) {
		t.Fatal("removing a leaf did not change the clone's tree hash")
	}
	after, _ := g.tree.RootTreeHash(g.cs)
	if !bytes.Equal(after, before) {
		t.Errorf("original tree hash changed after changing a clone")
	}
	if want, _ := fresh(t, g.tree).RootTreeHash(g.cs); !bytes.Equal(after, want) {
		t.Errorf("original tree hash %x, from scratch %x", after, want)
	}
	if want, _ := fresh(t, c).RootTreeHash(g.cs); !bytes.Equal(changed, want) {
		t.Errorf("clone tree hash %x, from scratch %x", changed, want)
	}
}

// TestTreeHashSuiteSwitch checks that the cache is per cipher suite.
func TestTreeHashSuiteSwitch(t *testing.T) {
	g := getTree(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "suites", 3)
	h1, _ := g.tree.RootTreeHash(g.cs)
	cs7, _ := ciphersuite.Lookup(ciphersuite.MLS_256_DHKEMP384_AES256GCM_SHA384_P384)
	h7, _ := g.tree.RootTreeHash(cs7)
	if len(h1) != 32 || len(h7) != 48 {
		t.Errorf("hash lengths %d and %d, want 32 and 48", len(h1), len(h7))
	}
}

func BenchmarkRootHashAfterPathChange(b *testing.B) {
	g := newTestGroup(b, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "bench")
	for range 4095 {
		g.add()
	}
	if _, err := g.tree.RootTreeHash(g.cs); err != nil {
		b.Fatal(err)
	}
	ln := g.tree.Leaf(1000).Clone()
	b.ResetTimer()
	for i := range b.N {
		ln.Signature = []byte{byte(i)}
		if err := g.tree.SetLeaf(1000, ln.Clone()); err != nil {
			b.Fatal(err)
		}
		if _, err := g.tree.RootTreeHash(g.cs); err != nil {
			b.Fatal(err)
		}
	}
}
