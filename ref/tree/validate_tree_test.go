package tree

import (
	"bytes"
	"testing"
	"time"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// withUnmerged is get_tree(7) followed by an Add of leaf 7 without a
// path: leaf 7 is unmerged at nodes 11 and 7, node 13 being blank.
func withUnmerged(t *testing.T) *testGroup {
	g := getTree(t, suite1, "tree-validation", 7)
	if i := g.add(); i != 7 {
		t.Fatalf("added leaf %d, want 7", i)
	}
	for _, x := range []treemath.NodeIndex{7, 11} {
		if u := g.tree.ParentNode(x).UnmergedLeaves; len(u) != 1 || u[0] != 7 {
			t.Fatalf("node %d: unmerged %v, want [7]", x, u)
		}
	}
	return g
}

// setUnmerged replaces the unmerged_leaves of parent node x.
func setUnmerged(t *testing.T, g *testGroup, x treemath.NodeIndex, u ...treemath.LeafIndex) {
	p := g.tree.ParentNode(x).Clone()
	p.UnmergedLeaves = u
	if err := g.tree.SetParent(x, p); err != nil {
		t.Fatal(err)
	}
}

// changeLeaf changes leaf i with f and signs it again with key signer.
func changeLeaf(t *testing.T, g *testGroup, i, signer treemath.LeafIndex, f func(*LeafNode)) {
	ln := g.tree.Leaf(i).Clone()
	f(ln)
	if err := ln.Sign(g.cs, g.sigPriv[signer], g.groupID, i); err != nil {
		t.Fatal(err)
	}
	if err := g.tree.SetLeaf(i, ln); err != nil {
		t.Fatal(err)
	}
}

// TestValidateTree breaks, in an otherwise valid tree, one rule of those a
// joiner checks (RFC 9420, Sections 7.1, 7.3, 7.9.2, 12.4.3.1, 12.4.3.3
// and 16.7) per case. Validate runs against the tree's own root hash, so
// that only the rule broken can fail, except in the case about the hash.
func TestValidateTree(t *testing.T) {
	cases := []struct {
		name    string
		change  func(t *testing.T, g *testGroup)
		params  func(p *GroupParameters)
		badHash bool
		req     string
		section string // for rules without an ID
	}{
		{name: "valid"},
		{name: "tree hash differs from the GroupContext", badHash: true, req: "R-12.4.3.3-3"},
		{name: "unmerged leaves out of order", change: func(t *testing.T, g *testGroup) { setUnmerged(t, g, 7, 7, 6) }, req: "R-7.1-1"},
		{name: "unmerged leaf repeated", change: func(t *testing.T, g *testGroup) { setUnmerged(t, g, 7, 7, 7) }, req: "R-7.1-1"},
		{name: "unmerged leaf out of range", change: func(t *testing.T, g *testGroup) { setUnmerged(t, g, 7, 7, 8) }, section: "12.4.3.1"},
		{name: "unmerged leaf beyond 32-bit node indices", change: func(t *testing.T, g *testGroup) { setUnmerged(t, g, 11, 7, 0xffffffff) }, section: "12.4.3.1"},
		{name: "unmerged leaf not below the node", change: func(t *testing.T, g *testGroup) { setUnmerged(t, g, 11, 2, 7) }, section: "12.4.3.1"},
		{name: "unmerged leaf blank", change: func(t *testing.T, g *testGroup) {
			g.tree.Blank(treemath.LeafIndex(7).Node())
		}, section: "12.4.3.1"},
		{name: "unmerged leaf missing at a node in between", change: func(t *testing.T, g *testGroup) { setUnmerged(t, g, 11) }, section: "12.4.3.1"},
		{name: "two leaves with one encryption key", change: func(t *testing.T, g *testGroup) {
			changeLeaf(t, g, 2, 2, func(ln *LeafNode) { ln.EncryptionKey = g.tree.Leaf(3).EncryptionKey })
		}, req: "R-7.3-19"},
		{name: "a parent node with a leaf's encryption key", change: func(t *testing.T, g *testGroup) {
			p := g.tree.ParentNode(7).Clone()
			p.EncryptionKey = g.tree.Leaf(0).EncryptionKey
			if err := g.tree.SetParent(7, p); err != nil {
				t.Fatal(err)
			}
		}, req: "R-16.7-1"},
		{name: "two parent nodes with one encryption key", change: func(t *testing.T, g *testGroup) {
			p := g.tree.ParentNode(3).Clone()
			p.EncryptionKey = g.tree.ParentNode(11).EncryptionKey
			if err := g.tree.SetParent(3, p); err != nil {
				t.Fatal(err)
			}
		}, req: "R-16.7-1"},
		{name: "two leaves with one signature key", change: func(t *testing.T, g *testGroup) {
			changeLeaf(t, g, 2, 3, func(ln *LeafNode) { ln.SignatureKey = g.tree.Leaf(3).SignatureKey })
		}, req: "R-7.3-18"},
		{name: "leaf signed for another index", change: func(t *testing.T, g *testGroup) {
			ln := g.tree.Leaf(4).Clone()
			if err := ln.Sign(g.cs, g.sigPriv[4], g.groupID, 5); err != nil {
				t.Fatal(err)
			}
			if err := g.tree.SetLeaf(4, ln); err != nil {
				t.Fatal(err)
			}
		}, req: "R-7.3-5"},
		{name: "credential type others do not support", change: func(t *testing.T, g *testGroup) {
			changeLeaf(t, g, 2, 2, func(ln *LeafNode) {
				ln.Credential = credential.Credential{CredentialType: otherCredential, Data: []byte("x")}
				ln.Capabilities.Credentials = append(ln.Capabilities.Credentials, otherCredential)
			})
		}, params: func(p *GroupParameters) { p.Credentials = acceptAll{} }, req: "R-7.3-8"},
		{name: "key package leaf expired", params: func(p *GroupParameters) {
			p.Now = func() time.Time { return testNow.Add(time.Hour * 24) }
		}, req: "R-7.3-9"},
		{name: "key package leaf expired, lifetime not checked", params: func(p *GroupParameters) {
			p.Now = func() time.Time { return testNow.Add(time.Hour * 24) }
			p.SkipLifetime = true
		}},
		{name: "parent node not parent-hash valid", change: func(t *testing.T, g *testGroup) {
			p := g.tree.ParentNode(11).Clone()
			p.EncryptionKey = g.hpkeKey()
			if err := g.tree.SetParent(11, p); err != nil {
				t.Fatal(err)
			}
		}, req: "R-7.9.2-1"},
		{name: "parent hash over the unmerged leaf's new content still valid", change: func(t *testing.T, g *testGroup) {
			changeLeaf(t, g, 7, 7, func(ln *LeafNode) { ln.EncryptionKey = g.hpkeKey() })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := withUnmerged(t)
			if tc.change != nil {
				tc.change(t, g)
			}
			p := g.params()
			if tc.params != nil {
				tc.params(p)
			}
			th, err := g.tree.RootTreeHash(g.cs)
			if err != nil {
				t.Fatal(err)
			}
			if tc.badHash {
				th[0] ^= 1
			}
			err = g.tree.Validate(p, th)
			switch {
			case tc.req != "":
				wantReq(t, err, tc.req, nil)
			case tc.section != "":
				wantSection(t, err, tc.section, mlserr.ErrInvalidTree)
			case err != nil:
				t.Fatalf("valid tree rejected: %v", err)
			}
		})
	}
}

// TestValidateTreeShape: nodes of the wrong type for their position, and
// widths not of the form 2^(d+1)-1, are rejected, when decoding and by
// Validate for a tree built in memory.
func TestValidateTreeShape(t *testing.T) {
	g := getTree(t, suite1, "shape", 2)
	leaf := g.tree.Leaf(0)
	parent := g.tree.ParentNode(1)
	encode := func(nodes ...*Node) []byte {
		var w codec.Writer
		w.Vector(func(w *codec.Writer) {
			for _, n := range nodes {
				w.Optional(n != nil, func(w *codec.Writer) { n.MarshalMLS(w) })
			}
		})
		return w.Bytes()
	}
	var rt RatchetTree
	// A parent node at a leaf index.
	err := codec.Decode(encode(&Node{Parent: parent}, nil, &Node{Leaf: leaf}), &rt)
	wantSection(t, err, "12.4.3.3", mlserr.ErrInvalidTree)
	// A leaf node at a parent index.
	err = codec.Decode(encode(&Node{Leaf: leaf}, &Node{Leaf: leaf}, &Node{Leaf: leaf}), &rt)
	wantSection(t, err, "12.4.3.3", mlserr.ErrInvalidTree)
	// Trailing blank node.
	err = codec.Decode(encode(&Node{Leaf: leaf}, nil), &rt)
	wantReq(t, err, "R-12.4.3.3-2", mlserr.ErrInvalidTree)
	// Two nodes are extended to three.
	if err := codec.Decode(encode(&Node{Leaf: leaf}, &Node{Parent: parent}), &rt); err != nil {
		t.Fatal(err)
	}
	if rt.Width() != 3 {
		t.Errorf("width %d, want 3", rt.Width())
	}

	p := g.params()
	for name, tr := range map[string]*RatchetTree{
		"parent at a leaf index": {nodes: []*Node{{Parent: parent}, nil, {Leaf: leaf}}},
		"leaf at a parent index": {nodes: []*Node{{Leaf: leaf}, {Leaf: leaf}, nil}},
		"width 2":                {nodes: []*Node{{Leaf: leaf}, nil}},
		"empty":                  {},
	} {
		t.Run(name, func(t *testing.T) {
			wantSection(t, tr.Validate(p, nil), "12.4.3.3", mlserr.ErrInvalidTree)
		})
	}
}

// TestValidateTreeRoundTrip: a generated tree survives encoding and
// decoding, and the decoded tree validates against the original's hash.
func TestValidateTreeRoundTrip(t *testing.T) {
	g := withUnmerged(t)
	g.commit(3, 1, 6)
	g.update(5)
	th, err := g.tree.RootTreeHash(g.cs)
	if err != nil {
		t.Fatal(err)
	}
	rt := fresh(t, g.tree)
	if !bytes.Equal(codec.Encode(rt), codec.Encode(g.tree)) {
		t.Fatal("re-encoding differs")
	}
	if err := rt.Validate(g.params(), th); err != nil {
		t.Fatal(err)
	}
}
