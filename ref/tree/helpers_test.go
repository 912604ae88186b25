package tree

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/treemath"
)

// testNow is the clock of every test: inside the lifetime of the
// KeyPackage leaves that testGroup makes.
var testNow = time.Unix(1_700_000_000, 0)

// testGroup simulates the tree evolution of a group with real keys and
// signatures: adds, removes, updates and commits with a path, the path
// keys drawn at random (there is no TreeKEM here, only the public
// structure a joiner validates).
type testGroup struct {
	t       testing.TB
	cs      *ciphersuite.Suite
	rand    io.Reader
	groupID []byte
	tree    *RatchetTree
	sigPriv map[treemath.LeafIndex][]byte
	names   int
}

func newTestGroup(t testing.TB, suite ciphersuite.ID, seed string) *testGroup {
	t.Helper()
	cs, err := ciphersuite.Lookup(suite)
	if err != nil {
		t.Fatal(err)
	}
	g := &testGroup{t: t, cs: cs, rand: seeded.New(seed), groupID: []byte("group " + seed), sigPriv: map[treemath.LeafIndex][]byte{}}
	leaf, priv := g.keyPackageLeaf()
	g.tree = NewRatchetTree(leaf)
	g.sigPriv[0] = priv
	return g
}

func (g *testGroup) params() *GroupParameters {
	return &GroupParameters{Suite: g.cs, GroupID: g.groupID, Now: func() time.Time { return testNow }}
}

func (g *testGroup) hpkeKey() []byte {
	g.t.Helper()
	_, pub, err := g.cs.GenerateKeyPair(g.rand)
	if err != nil {
		g.t.Fatal(err)
	}
	return pub
}

// keyPackageLeaf returns a fresh, signed key_package LeafNode.
func (g *testGroup) keyPackageLeaf() (*LeafNode, []byte) {
	g.t.Helper()
	priv, pub, err := g.cs.GenerateSignatureKeyPair(g.rand)
	if err != nil {
		g.t.Fatal(err)
	}
	g.names++
	ln := &LeafNode{
		EncryptionKey: g.hpkeKey(),
		SignatureKey:  pub,
		Credential:    credential.NewBasic([]byte(fmt.Sprintf("member %d", g.names))),
		Capabilities: Capabilities{
			Versions:     []ProtocolVersion{MLS10},
			CipherSuites: []ciphersuite.ID{g.cs.ID()},
			Extensions:   []extension.ExtensionType{},
			Proposals:    []ProposalType{},
			Credentials:  []credential.CredentialType{credential.Basic},
		},
		LeafNodeSource: SourceKeyPackage,
		Lifetime:       Lifetime{NotBefore: uint64(testNow.Unix()) - 3600, NotAfter: uint64(testNow.Unix()) + 3600},
		Extensions:     extension.List{},
	}
	if err := ln.Sign(g.cs, priv, nil, 0); err != nil {
		g.t.Fatal(err)
	}
	return ln, priv
}

// resign signs ln again as the member at leaf i, after a test changed it.
func (g *testGroup) resign(ln *LeafNode, i treemath.LeafIndex) {
	g.t.Helper()
	if err := ln.Sign(g.cs, g.sigPriv[i], g.groupID, i); err != nil {
		g.t.Fatal(err)
	}
}

// add adds a fresh member without a path (its leaf becomes unmerged).
func (g *testGroup) add() treemath.LeafIndex {
	g.t.Helper()
	ln, priv := g.keyPackageLeaf()
	i, err := g.tree.AddLeaf(ln)
	if err != nil {
		g.t.Fatal(err)
	}
	g.sigPriv[i] = priv
	return i
}

func (g *testGroup) remove(i treemath.LeafIndex) {
	g.t.Helper()
	if err := g.tree.RemoveLeaf(i); err != nil {
		g.t.Fatal(err)
	}
	delete(g.sigPriv, i)
}

// update replaces leaf i by an update LeafNode with a new encryption key.
func (g *testGroup) update(i treemath.LeafIndex) {
	g.t.Helper()
	ln := g.tree.Leaf(i).Clone()
	ln.EncryptionKey = g.hpkeKey()
	ln.LeafNodeSource = SourceUpdate
	ln.Lifetime = Lifetime{}
	ln.ParentHash = nil
	g.resign(ln, i)
	if err := g.tree.UpdateLeaf(i, ln); err != nil {
		g.t.Fatal(err)
	}
}

// commit has leaf i commit: removes, then adds, then a path with fresh
// keys along its filtered direct path and the parent hashes of
// Section 7.9.
func (g *testGroup) commit(i treemath.LeafIndex, adds int, removes ...treemath.LeafIndex) []treemath.LeafIndex {
	g.t.Helper()
	for _, r := range removes {
		g.remove(r)
	}
	var added []treemath.LeafIndex
	for range adds {
		added = append(added, g.add())
	}
	g.path(i)
	return added
}

// path gives leaf i a new leaf and new keys on its filtered direct path.
func (g *testGroup) path(i treemath.LeafIndex) {
	g.t.Helper()
	if err := g.tree.BlankDirectPath(i); err != nil {
		g.t.Fatal(err)
	}
	fdp, _, err := g.tree.FilteredDirectPath(i)
	if err != nil {
		g.t.Fatal(err)
	}
	for _, p := range fdp {
		if err := g.tree.SetParent(p, &ParentNode{EncryptionKey: g.hpkeKey(), ParentHash: []byte{}, UnmergedLeaves: []treemath.LeafIndex{}}); err != nil {
			g.t.Fatal(err)
		}
	}
	ph, err := g.tree.SetPathParentHashes(g.cs, i)
	if err != nil {
		g.t.Fatal(err)
	}
	ln := g.tree.Leaf(i).Clone()
	ln.EncryptionKey = g.hpkeKey()
	ln.LeafNodeSource = SourceCommit
	ln.Lifetime = Lifetime{}
	ln.ParentHash = ph
	g.resign(ln, i)
	if err := g.tree.SetLeaf(i, ln); err != nil {
		g.t.Fatal(err)
	}
}

// getTree builds get_tree(n) of the mlswg tree-validation vectors: from
// one member, leaf i commits adding member i+1, for i = 0 to n-2.
func getTree(t testing.TB, suite ciphersuite.ID, seed string, n int) *testGroup {
	t.Helper()
	g := newTestGroup(t, suite, seed)
	for i := 0; i < n-1; i++ {
		g.commit(treemath.LeafIndex(i), 1)
	}
	return g
}

// mustValidate fails the test if the group's tree is not valid.
func (g *testGroup) mustValidate() {
	g.t.Helper()
	th, err := g.tree.RootTreeHash(g.cs)
	if err != nil {
		g.t.Fatal(err)
	}
	if err := g.tree.Validate(g.params(), th); err != nil {
		g.t.Fatalf("valid tree rejected: %v", err)
	}
}

// validate validates the tree against its own root hash.
func (g *testGroup) validate() error {
	g.t.Helper()
	th, err := g.tree.RootTreeHash(g.cs)
	if err != nil {
		g.t.Fatal(err)
	}
	return g.tree.Validate(g.params(), th)
}

// fresh returns a copy of tr decoded from its encoding, with no cache.
func fresh(t testing.TB, tr *RatchetTree) *RatchetTree {
	t.Helper()
	var out RatchetTree
	if err := codec.Decode(codec.Encode(tr), &out); err != nil {
		t.Fatal(err)
	}
	return &out
}
