package tree_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// TestUpdatePathScenarios runs TreeKEM through trees of many shapes: full,
// with trailing and internal blanks, with unmerged leaves, with members
// added by the same Commit (excluded from the resolutions, R-7.6-1). The
// harness checks after every Commit that all members agree on the tree and
// the commit secret, that the tree is valid (parent hashes included), and
// that each member holds exactly the keys the tree invariant allows.
func TestUpdatePathScenarios(t *testing.T) {
	everyoneCommits := func(g *kemGroup) {
		for _, l := range g.members() {
			g.commit(l)
		}
	}
	cases := []struct {
		name string
		run  func(g *kemGroup)
	}{
		{"alone", func(g *kemGroup) { g.commit(0); g.commit(0) }},
		{"get_tree(9)", func(g *kemGroup) {
			for i := range treemath.LeafIndex(8) {
				g.commit(i, g.add())
			}
			everyoneCommits(g)
		}},
		{"internal blanks", func(g *kemGroup) {
			for i := range treemath.LeafIndex(7) {
				g.commit(i, g.add())
			}
			g.remove(2)
			g.remove(3)
			g.commit(0)
			everyoneCommits(g)
		}},
		{"skipping blanks in the filtered direct path", func(g *kemGroup) {
			for i := range treemath.LeafIndex(7) {
				g.commit(i, g.add())
			}
			g.remove(1)
			g.remove(2)
			g.remove(3)
			g.commit(4)
			everyoneCommits(g)
		}},
		{"unmerged leaves", func(g *kemGroup) {
			for i := range treemath.LeafIndex(5) {
				g.commit(i, g.add())
			}
			a, b := g.add(), g.add() // unmerged at the nodes above them
			g.commit(2)
			g.commit(a)
			g.commit(b)
			everyoneCommits(g)
		}},
		{"several adds in one commit", func(g *kemGroup) {
			g.commit(0, g.add(), g.add(), g.add())
			g.commit(1, g.add(), g.add())
			g.remove(2)
			g.commit(3, g.add(), g.add(), g.add(), g.add())
			everyoneCommits(g)
		}},
		{"removal truncates the tree", func(g *kemGroup) {
			for i := range treemath.LeafIndex(4) {
				g.commit(i, g.add())
			}
			g.remove(4)
			if n := g.tree.NumLeaves(); n != 4 {
				t.Fatalf("tree has %d leaves after the removal, want 4", n)
			}
			everyoneCommits(g)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, c.name))
		})
	}
}

// TestExternalCommitPath has a joiner send an UpdatePath from a blank
// leaf, as in an external Commit (RFC 9420, Section 12.4.2): there is no
// current leaf whose encryption_key the new one must differ from, and
// every member still reaches the joiner's commit secret.
func TestExternalCommitPath(t *testing.T) {
	g := newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "external")
	for i := range treemath.LeafIndex(4) {
		g.commit(i, g.add())
	}
	g.remove(1)
	ln, sig, _ := g.keyPackageLeaf()
	g.sig[1] = sig
	g.external = map[treemath.LeafIndex]*tree.LeafNode{1: ln}
	g.commit(1)
	if got := g.tree.Leaf(1); got == nil || !bytes.Equal(got.SignatureKey, ln.SignatureKey) {
		t.Fatal("the joiner's leaf is not in the tree")
	}
	g.commit(0)
	g.commit(1)
}

// TestUpdatePathAllSuites runs a small group through TreeKEM in every
// cipher suite.
func TestUpdatePathAllSuites(t *testing.T) {
	for _, id := range ciphersuite.All() {
		t.Run(id.String(), func(t *testing.T) {
			g := newKEMGroup(t, id, "suites")
			g.commit(0, g.add(), g.add())
			g.add()
			g.commit(1)
			g.commit(3)
		})
	}
}

// TestEncryptExcludesNewLeaves checks R-7.6-1 and R-7.6-2 on the sender's
// side: one ciphertext per node of each copath resolution, with the
// leaves added by the Commit left out, and leaves the given tree alone.
func TestEncryptExcludesNewLeaves(t *testing.T) {
	g := newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "exclude")
	for i := range treemath.LeafIndex(4) {
		g.commit(i, g.add())
	}
	unmerged := g.add() // leaf 5, unmerged at node 7 (and 11 is blank)
	added := g.add()    // leaf 6, added by the Commit below
	_, up, _ := g.create(0, added)
	// Leaf 0 in 8 leaves: filtered direct path 1, 3, 7 with copath 2, 5,
	// 11. Resolution of 11 (blank): 9 (blank) -> leaves 4, 5; 13 (blank)
	// -> leaf 6, excluded.
	want := []int{1, 1, 2}
	if len(up.Nodes) != len(want) {
		t.Fatalf("UpdatePath has %d nodes, want %d", len(up.Nodes), len(want))
	}
	for i, n := range up.Nodes {
		if got := len(n.EncryptedPathSecret); got != want[i] {
			t.Errorf("node %d: %d ciphertexts, want %d (leaf %d unmerged, leaf %d excluded)", i, got, want[i], unmerged, added)
		}
	}
}

// TestNewLeafNode checks the committer's new LeafNode (RFC 9420, Section
// 7.5): source commit, a new encryption key, a parent hash, a signature
// over the group and leaf, the template's other fields kept.
func TestNewLeafNode(t *testing.T) {
	g := newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "leaf")
	g.commit(0, g.add(), g.add())
	old := g.tree.Leaf(1)
	p, up, _ := g.create(1)
	ln := &up.LeafNode
	if ln.LeafNodeSource != tree.SourceCommit {
		t.Errorf("leaf_node_source = %v, want commit", ln.LeafNodeSource)
	}
	if bytes.Equal(ln.EncryptionKey, old.EncryptionKey) {
		t.Error("the new LeafNode keeps the old encryption_key")
	}
	if len(ln.ParentHash) != g.cs.Nh() {
		t.Errorf("parent_hash has %d bytes, want Nh = %d", len(ln.ParentHash), g.cs.Nh())
	}
	if err := ln.VerifySignature(g.cs, g.groupID, 1); err != nil {
		t.Errorf("signature: %v", err)
	}
	if !bytes.Equal(ln.SignatureKey, old.SignatureKey) || !ln.Credential.Equal(&old.Credential) {
		t.Error("the template's signature key or credential was not kept")
	}
	if !bytes.Equal(codec.Encode(ln), codec.Encode(p.LeafNode())) {
		t.Error("UpdatePath.leaf_node differs from the leaf in the new tree")
	}
	key, ok := p.PrivateState().PrivateKey(treemath.LeafIndex(1).Node())
	if !ok {
		t.Fatal("the committer's new state has no leaf key")
	}
	if pub, err := g.cs.HPKEPublicKey(key); err != nil || !bytes.Equal(pub, ln.EncryptionKey) {
		t.Errorf("the committer's leaf key does not match the new encryption_key (%v)", err)
	}
}

// negativeSetup is the group of the negative tests: 7 leaves, leaf 5
// unmerged at the root, leaf 6 added by the Commit of leaf 1 under test.
func negativeSetup(t *testing.T) (g *kemGroup, sender, added treemath.LeafIndex) {
	g = newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "negative")
	for i := range treemath.LeafIndex(4) {
		g.commit(i, g.add())
	}
	g.add()
	return g, 1, g.add()
}

// resignPath recomputes the parent hashes for the keys up carries and
// signs its LeafNode again, as a malicious committer would, so that only
// the defect a test plants remains.
func resignPath(g *kemGroup, sender treemath.LeafIndex, up *tree.UpdatePath) {
	g.t.Helper()
	tr := g.tree.Clone()
	if err := tr.BlankDirectPath(sender); err != nil {
		g.t.Fatal(err)
	}
	path, _, err := tr.FilteredDirectPath(sender)
	if err != nil {
		g.t.Fatal(err)
	}
	for i, x := range path {
		if err := tr.SetParent(x, &tree.ParentNode{EncryptionKey: up.Nodes[i].EncryptionKey, ParentHash: []byte{}, UnmergedLeaves: []treemath.LeafIndex{}}); err != nil {
			g.t.Fatal(err)
		}
	}
	ph, err := tr.SetPathParentHashes(g.cs, sender)
	if err != nil {
		g.t.Fatal(err)
	}
	up.LeafNode.ParentHash = ph
	resign(g, sender, up)
}

func resign(g *kemGroup, sender treemath.LeafIndex, up *tree.UpdatePath) {
	g.t.Helper()
	if err := up.LeafNode.Sign(g.cs, g.sig[sender], g.groupID, sender); err != nil {
		g.t.Fatal(err)
	}
}

// freshKey returns a new HPKE public key.
func freshKey(g *kemGroup) []byte {
	g.t.Helper()
	_, pub, err := g.cs.GenerateKeyPair(g.rand)
	if err != nil {
		g.t.Fatal(err)
	}
	return pub
}

// TestMergeUpdatePathRejects plants one defect in a valid UpdatePath and
// checks that merging it fails with the requirement's ID and class, and
// leaves the receiver's tree unchanged.
func TestMergeUpdatePathRejects(t *testing.T) {
	cases := []struct {
		name      string
		mutate    func(g *kemGroup, sender treemath.LeafIndex, up *tree.UpdatePath)
		noExclude bool // the receiver does not know of the added leaf
		req       string
		class     error
	}{
		{"one node too few", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.Nodes = up.Nodes[:len(up.Nodes)-1]
		}, false, "R-12.4.2-9", mlserr.ErrInvalidCommit},
		{"one node too many", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.Nodes = append(up.Nodes, up.Nodes[0].Clone())
		}, false, "R-12.4.2-9", mlserr.ErrInvalidCommit},
		{"no nodes", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.Nodes = []tree.UpdatePathNode{}
		}, false, "R-12.4.2-9", mlserr.ErrInvalidCommit},
		{"a ciphertext missing", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			n := &up.Nodes[len(up.Nodes)-1]
			n.EncryptedPathSecret = n.EncryptedPathSecret[1:]
		}, false, "R-7.6-2", mlserr.ErrInvalidCommit},
		{"a ciphertext too many", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			n := &up.Nodes[0]
			n.EncryptedPathSecret = append(n.EncryptedPathSecret, n.EncryptedPathSecret[0].Clone())
		}, false, "R-7.6-2", mlserr.ErrInvalidCommit},
		{"receiver does not exclude the added leaf", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {}, true, "R-7.6-2", mlserr.ErrInvalidCommit},
		{"leaf_node_source update", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.LeafNode.LeafNodeSource = tree.SourceUpdate
			up.LeafNode.ParentHash = nil
			resign(g, s, up)
		}, false, "R-12.4.2-12", mlserr.ErrInvalidCommit},
		{"bad LeafNode signature", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.LeafNode.Signature[0] ^= 1
		}, false, "R-7.3-5", mlserr.ErrInvalidSignature},
		{"LeafNode signed for another leaf", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			if err := up.LeafNode.Sign(g.cs, g.sig[s], g.groupID, s+1); err != nil {
				t.Fatal(err)
			}
		}, false, "R-7.3-5", mlserr.ErrInvalidSignature},
		{"encryption_key of the committer's current leaf", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.LeafNode.EncryptionKey = g.tree.Leaf(s).EncryptionKey
			resign(g, s, up)
		}, false, "R-12.4.2-13", mlserr.ErrInvalidCommit},
		{"leaf encryption_key of another member", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.LeafNode.EncryptionKey = g.tree.Leaf(3).EncryptionKey
			resign(g, s, up)
		}, false, "R-7.3-19", mlserr.ErrInvalidTree},
		{"leaf encryption_key of a parent node", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.LeafNode.EncryptionKey = g.tree.ParentNode(5).EncryptionKey
			resign(g, s, up)
		}, false, "R-12.4.2-14", mlserr.ErrInvalidCommit},
		{"path key already in the tree", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.Nodes[1].EncryptionKey = g.tree.Leaf(4).EncryptionKey
			resignPath(g, s, up)
		}, false, "R-12.4.2-14", mlserr.ErrInvalidCommit},
		{"path key of a node being replaced", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.Nodes[0].EncryptionKey = g.tree.ParentNode(1).EncryptionKey
			resignPath(g, s, up)
		}, false, "R-12.4.2-14", mlserr.ErrInvalidCommit},
		{"path key repeated", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.Nodes[2].EncryptionKey = up.Nodes[1].EncryptionKey
			resignPath(g, s, up)
		}, false, "R-12.4.2-14", mlserr.ErrInvalidCommit},
		{"wrong parent_hash in the LeafNode", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.LeafNode.ParentHash[0] ^= 1
			resign(g, s, up)
		}, false, "R-7.9.2-2", mlserr.ErrInvalidCommit},
		{"empty parent_hash in the LeafNode", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.LeafNode.ParentHash = []byte{}
			resign(g, s, up)
		}, false, "R-7.9.2-2", mlserr.ErrInvalidCommit},
		{"path key swapped without fixing the parent hash", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath) {
			up.Nodes[2].EncryptionKey = freshKey(g)
		}, false, "R-7.9.2-2", mlserr.ErrInvalidCommit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, sender, added := negativeSetup(t)
			_, up, _ := g.create(sender, added)
			c.mutate(g, sender, up)
			var wire tree.UpdatePath
			if err := codec.Decode(codec.Encode(up), &wire); err != nil {
				t.Fatalf("the mutated path does not decode: %v", err)
			}
			before := codec.Encode(g.tree)
			excl := exclusion([]treemath.LeafIndex{added})
			if c.noExclude {
				excl = nil
			}
			m, err := g.tree.MergeUpdatePath(g.cs, tree.MergeParams{Sender: sender, Path: &wire, Group: g.params(), Exclude: excl})
			if err == nil {
				t.Fatalf("MergeUpdatePath accepted the path (merged tree hash %x)", codec.Encode(m.Tree()))
			}
			if got := mlserr.RequirementOf(err); got != c.req {
				t.Errorf("requirement %q, want %q (%v)", got, c.req, err)
			}
			if !errors.Is(err, c.class) {
				t.Errorf("error %v is not of class %v", err, c.class)
			}
			if !bytes.Equal(codec.Encode(g.tree), before) {
				t.Error("the failed merge modified the receiver's tree")
			}
		})
	}
}

// TestDecryptRejects plants a defect that only decryption can find, and
// checks the requirement's ID and class and that the receiver's private
// state is unchanged.
func TestDecryptRejects(t *testing.T) {
	const receiver = treemath.LeafIndex(4) // under copath node 11 of sender 1
	cases := []struct {
		name   string
		mutate func(g *kemGroup, sender treemath.LeafIndex, up *tree.UpdatePath, gc []byte) []byte
		req    string
		class  error
	}{
		{"wrong GroupContext", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath, gc []byte) []byte {
			return append(bytes.Clone(gc), 0)
		}, "R-12.4.2-17", mlserr.ErrDecryption},
		{"ciphertext altered", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath, gc []byte) []byte {
			up.Nodes[2].EncryptedPathSecret[0].Ciphertext[0] ^= 1
			return gc
		}, "R-12.4.2-17", mlserr.ErrDecryption},
		{"another path secret encrypted to the receiver", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath, gc []byte) []byte {
			// Nodes 11 and 9 are blank: the resolution of node 11 is leaves
			// 4 and 5 (leaf 6 excluded), and the receiver's ciphertext is
			// the first, to its own leaf key.
			kem, ct, err := g.cs.EncryptWithLabel(g.tree.Node(8).EncryptionKey(), ciphersuite.LabelUpdatePathNode, gc, bytes.Repeat([]byte{7}, g.cs.Nh()), g.rand)
			if err != nil {
				t.Fatal(err)
			}
			up.Nodes[2].EncryptedPathSecret[0] = tree.HPKECiphertext{KEMOutput: kem, Ciphertext: ct}
			return gc
		}, "R-12.4.2-17", mlserr.ErrInvalidCommit},
		{"public key above the receiver's node does not match the path secret", func(g *kemGroup, s treemath.LeafIndex, up *tree.UpdatePath, gc []byte) []byte {
			// Receiver 0 decrypts node 1's secret correctly; the key of node
			// 3 is replaced and the parent hashes made consistent again.
			up.Nodes[1].EncryptionKey = freshKey(g)
			resignPath(g, s, up)
			return gc
		}, "R-12.4.2-17", mlserr.ErrInvalidCommit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, sender, added := negativeSetup(t)
			_, up, gc := g.create(sender, added)
			gc = c.mutate(g, sender, up, gc)
			m, err := g.tree.MergeUpdatePath(g.cs, tree.MergeParams{Sender: sender, Path: up, Group: g.params(), Exclude: exclusion([]treemath.LeafIndex{added})})
			if err != nil {
				t.Fatalf("MergeUpdatePath: %v", err)
			}
			r := receiver
			if c.name == "public key above the receiver's node does not match the path secret" {
				r = 0
			}
			ps := g.priv[r]
			before := privSnapshot(ps)
			_, err = m.Decrypt(ps, gc)
			if err == nil {
				t.Fatal("Decrypt accepted the path")
			}
			if got := mlserr.RequirementOf(err); got != c.req {
				t.Errorf("requirement %q, want %q (%v)", got, c.req, err)
			}
			if !errors.Is(err, c.class) {
				t.Errorf("error %v is not of class %v", err, c.class)
			}
			if privSnapshot(ps) != before {
				t.Error("the failed decryption modified the receiver's private state")
			}
		})
	}
}

// TestDecryptMisuse checks the local errors of Decrypt: the sender itself,
// a member added by the same Commit, and a state with no usable key.
func TestDecryptMisuse(t *testing.T) {
	g, sender, added := negativeSetup(t)
	_, up, gc := g.create(sender, added)
	m, err := g.tree.MergeUpdatePath(g.cs, tree.MergeParams{Sender: sender, Path: up, Group: g.params(), Exclude: exclusion([]treemath.LeafIndex{added})})
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := tree.NewPrivateState(g.cs, 3, g.priv[2].LeafKey()) // leaf 3 with leaf 2's key
	if err != nil {
		t.Fatal(err)
	}
	for name, ps := range map[string]*tree.PrivateState{
		"sender":          g.priv[sender],
		"added":           g.priv[added],
		"no matching key": stranger,
	} {
		if _, err := m.Decrypt(ps, gc); !errors.Is(err, mlserr.ErrInvalidInput) {
			t.Errorf("%s: Decrypt error %v, want ErrInvalidInput", name, err)
		}
	}
}

// TestPathSecretChain checks the derivations of RFC 9420, Section 7.4
// against DeriveSecret and DeriveKeyPair called directly.
func TestPathSecretChain(t *testing.T) {
	for _, id := range []ciphersuite.ID{ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521} {
		cs, err := ciphersuite.Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		leaf := bytes.Repeat([]byte{0x42}, cs.Nh())
		for n := range 4 {
			secrets, commit := tree.PathSecrets(cs, leaf, n)
			cur := leaf
			for i := range n {
				cur = cs.ExpandWithLabel(cur, "path", nil, cs.Nh())
				if !bytes.Equal(secrets[i], cur) {
					t.Fatalf("%v: path_secret[%d] of %d differs from DeriveSecret(path_secret[%d], \"path\")", id, i, n, i-1)
				}
			}
			if want := cs.ExpandWithLabel(cur, "path", nil, cs.Nh()); !bytes.Equal(commit, want) {
				t.Fatalf("%v: commit secret after %d path secrets is not the next path secret", id, n)
			}
		}
		priv, pub, err := tree.NodeKeyPair(cs, leaf)
		if err != nil {
			t.Fatal(err)
		}
		wantPriv, wantPub, err := cs.DeriveKeyPair(cs.ExpandWithLabel(leaf, "node", nil, cs.Nh()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(priv, wantPriv) || !bytes.Equal(pub, wantPub) {
			t.Errorf("%v: NodeKeyPair is not DeriveKeyPair(DeriveSecret(path_secret, \"node\"))", id)
		}
	}
}

// TestCreateReproducible checks that the same random stream gives the
// same UpdatePath byte for byte, and a different one a different path.
func TestCreateReproducible(t *testing.T) {
	run := func(seed string) []byte {
		g := newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "repro")
		g.commit(0, g.add(), g.add())
		g.rand = seeded.New(seed)
		_, up, _ := g.create(2)
		return codec.Encode(up)
	}
	a, b, c := run("a"), run("a"), run("b")
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave two different UpdatePaths")
	}
	if bytes.Equal(a, c) {
		t.Error("two seeds gave the same UpdatePath")
	}
}

// TestCreateErrors checks CreateUpdatePath's input checks and that a
// failing random source leaves the tree unchanged.
func TestCreateErrors(t *testing.T) {
	g := newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "create errors")
	g.commit(0, g.add())
	before := codec.Encode(g.tree)
	cases := map[string]tree.CreateParams{
		"leaf outside the tree": {Leaf: 2, LeafNode: g.tree.Leaf(0), SignaturePriv: g.sig[0], GroupID: g.groupID},
		"no template":           {Leaf: 0, SignaturePriv: g.sig[0], GroupID: g.groupID},
	}
	for name, p := range cases {
		if _, err := g.tree.CreateUpdatePath(g.cs, p, g.rand); !errors.Is(err, mlserr.ErrInvalidInput) {
			t.Errorf("%s: error %v, want ErrInvalidInput", name, err)
		}
	}
	good := tree.CreateParams{Leaf: 0, LeafNode: g.tree.Leaf(0), SignaturePriv: g.sig[0], GroupID: g.groupID}
	if _, err := g.tree.CreateUpdatePath(g.cs, good, bytes.NewReader(nil)); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("empty random source: error %v, want ErrInvalidInput", err)
	}
	if !bytes.Equal(codec.Encode(g.tree), before) {
		t.Error("a failed CreateUpdatePath modified the tree")
	}
	p, err := g.tree.CreateUpdatePath(g.cs, good, g.rand)
	if err != nil {
		t.Fatal(err)
	}
	p.Erase()
	if _, err := p.Encrypt([]byte("gc"), g.rand); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("Encrypt after Erase: error %v, want ErrInvalidInput", err)
	}
}

// TestPendingPathSecretFor checks the path secret a joiner gets: that of
// the lowest common ancestor with the committer (RFC 9420, Section
// 12.4.3.1).
func TestPendingPathSecretFor(t *testing.T) {
	g := newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "joiner")
	g.commit(0, g.add(), g.add(), g.add())
	p, _, _ := g.create(0)
	for joiner, want := range map[treemath.LeafIndex]treemath.NodeIndex{1: 1, 2: 3, 3: 3} {
		x, ps, err := p.PathSecretFor(joiner)
		if err != nil {
			t.Fatal(err)
		}
		own, _ := p.PathSecret(want)
		if x != want || !bytes.Equal(ps, own) {
			t.Errorf("joiner %d: node %d, want %d", joiner, x, want)
		}
	}
	if _, _, err := p.PathSecretFor(0); err == nil {
		t.Error("PathSecretFor(committer) succeeded")
	}
}
