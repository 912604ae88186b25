package tree_test

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// kemNow is the clock of the TreeKEM tests, inside the lifetime of the
// KeyPackage leaves kemGroup makes.
var kemNow = time.Unix(1_700_000_000, 0)

// kemGroup runs TreeKEM for a whole group: the public tree, and every
// member's signature key and private TreeKEM state. Every commit is
// created by one member and processed by all the others, and the harness
// checks that they agree.
type kemGroup struct {
	t       testing.TB
	cs      *ciphersuite.Suite
	rand    io.Reader
	groupID []byte
	epoch   uint64
	tree    *tree.RatchetTree
	sig     map[treemath.LeafIndex][]byte
	priv    map[treemath.LeafIndex]*tree.PrivateState
	names   int
	// external holds the LeafNode template of a joiner committing
	// externally into a blank leaf (RFC 9420, Section 12.4.2).
	external map[treemath.LeafIndex]*tree.LeafNode
}

func newKEMGroup(t testing.TB, suite ciphersuite.ID, seed string) *kemGroup {
	t.Helper()
	cs, err := ciphersuite.Lookup(suite)
	if err != nil {
		t.Fatal(err)
	}
	g := &kemGroup{
		t: t, cs: cs, rand: seeded.New(seed), groupID: []byte("group " + seed),
		sig: map[treemath.LeafIndex][]byte{}, priv: map[treemath.LeafIndex]*tree.PrivateState{},
	}
	ln, sig, enc := g.keyPackageLeaf()
	g.tree = tree.NewRatchetTree(ln)
	g.join(0, sig, enc)
	return g
}

func (g *kemGroup) join(i treemath.LeafIndex, sig, enc []byte) {
	g.t.Helper()
	ps, err := tree.NewPrivateState(g.cs, i, enc)
	if err != nil {
		g.t.Fatal(err)
	}
	g.sig[i], g.priv[i] = sig, ps
}

// keyPackageLeaf returns a fresh signed key_package LeafNode with its
// signature and HPKE private keys.
func (g *kemGroup) keyPackageLeaf() (ln *tree.LeafNode, sigPriv, encPriv []byte) {
	g.t.Helper()
	sigPriv, sigPub, err := g.cs.GenerateSignatureKeyPair(g.rand)
	if err != nil {
		g.t.Fatal(err)
	}
	encPriv, encPub, err := g.cs.GenerateKeyPair(g.rand)
	if err != nil {
		g.t.Fatal(err)
	}
	g.names++
	ln = &tree.LeafNode{
		EncryptionKey: encPub,
		SignatureKey:  sigPub,
		Credential:    credential.NewBasic(fmt.Appendf(nil, "member %d", g.names)),
		Capabilities: tree.Capabilities{
			Versions:     []tree.ProtocolVersion{tree.MLS10},
			CipherSuites: []ciphersuite.ID{g.cs.ID()},
			Extensions:   []extension.ExtensionType{},
			Proposals:    []tree.ProposalType{},
			Credentials:  []credential.CredentialType{credential.Basic},
		},
		LeafNodeSource: tree.SourceKeyPackage,
		Lifetime:       tree.Lifetime{NotBefore: uint64(kemNow.Unix()) - 3600, NotAfter: uint64(kemNow.Unix()) + 3600},
		Extensions:     extension.List{},
	}
	if err := ln.Sign(g.cs, sigPriv, nil, 0); err != nil {
		g.t.Fatal(err)
	}
	return ln, sigPriv, encPriv
}

func (g *kemGroup) params() *tree.GroupParameters {
	return &tree.GroupParameters{Suite: g.cs, GroupID: g.groupID, Now: func() time.Time { return kemNow }}
}

// add adds a member without a path: its leaf becomes an unmerged leaf of
// the non-blank nodes above it (RFC 9420, Section 12.1.1).
func (g *kemGroup) add() treemath.LeafIndex {
	g.t.Helper()
	ln, sig, enc := g.keyPackageLeaf()
	i, err := g.tree.AddLeaf(ln)
	if err != nil {
		g.t.Fatal(err)
	}
	g.join(i, sig, enc)
	return i
}

// remove removes member i; the others drop the keys of blanked nodes.
func (g *kemGroup) remove(i treemath.LeafIndex) {
	g.t.Helper()
	if err := g.tree.RemoveLeaf(i); err != nil {
		g.t.Fatal(err)
	}
	g.priv[i].Erase()
	delete(g.priv, i)
	delete(g.sig, i)
	for _, p := range g.priv {
		p.Prune(g.tree)
	}
}

// groupContext stands in for the encoded provisional GroupContext: any
// byte string that depends on the tree hash serves as HPKE context here.
func (g *kemGroup) groupContext(tr *tree.RatchetTree) []byte {
	g.t.Helper()
	th, err := tr.RootTreeHash(g.cs)
	if err != nil {
		g.t.Fatal(err)
	}
	return fmt.Appendf(nil, "GroupContext|%x|%d|%x", g.groupID, g.epoch+1, th)
}

// create has leaf i create an UpdatePath excluding added, without
// applying it.
func (g *kemGroup) create(i treemath.LeafIndex, added ...treemath.LeafIndex) (*tree.PendingUpdatePath, *tree.UpdatePath, []byte) {
	g.t.Helper()
	before := codec.Encode(g.tree)
	template := g.tree.Leaf(i)
	if template == nil {
		template = g.external[i]
	}
	p, err := g.tree.CreateUpdatePath(g.cs, tree.CreateParams{
		Leaf: i, LeafNode: template, SignaturePriv: g.sig[i], GroupID: g.groupID, Exclude: exclusion(added),
	}, g.rand)
	if err != nil {
		g.t.Fatalf("leaf %d: CreateUpdatePath: %v", i, err)
	}
	gc := g.groupContext(p.Tree())
	up, err := p.Encrypt(gc, g.rand)
	if err != nil {
		g.t.Fatalf("leaf %d: Encrypt: %v", i, err)
	}
	if !bytes.Equal(codec.Encode(g.tree), before) {
		g.t.Fatalf("leaf %d: CreateUpdatePath or Encrypt modified the tree it was given", i)
	}
	// What receivers see is the wire form.
	var wire tree.UpdatePath
	if err := codec.Decode(codec.Encode(up), &wire); err != nil {
		g.t.Fatalf("leaf %d: the UpdatePath does not decode: %v", i, err)
	}
	return p, &wire, gc
}

// commit has leaf i commit with a path, the leaves in added having been
// added by the same Commit: every other member merges and decrypts it and
// must reach the committer's tree and commit secret; the new members take
// their path secret as from a Welcome. The new tree must be valid.
func (g *kemGroup) commit(i treemath.LeafIndex, added ...treemath.LeafIndex) {
	g.t.Helper()
	p, up, gc := g.create(i, added...)
	want := codec.Encode(p.Tree())
	newPriv := map[treemath.LeafIndex]*tree.PrivateState{i: p.PrivateState()}
	isAdded := exclusion(added)
	for j, ps := range g.priv {
		if j == i || isAdded[j] {
			continue
		}
		m, err := g.tree.MergeUpdatePath(g.cs, tree.MergeParams{Sender: i, Path: up, Group: g.params(), Exclude: exclusion(added)})
		if err != nil {
			g.t.Fatalf("leaf %d merging the path of leaf %d: %v", j, i, err)
		}
		if !bytes.Equal(codec.Encode(m.Tree()), want) {
			g.t.Fatalf("leaf %d: merged tree differs from the committer's", j)
		}
		d, err := m.Decrypt(ps, gc)
		if err != nil {
			g.t.Fatalf("leaf %d decrypting the path of leaf %d: %v", j, i, err)
		}
		if !bytes.Equal(d.CommitSecret, p.CommitSecret()) {
			g.t.Fatalf("leaf %d: commit secret %x, committer %d has %x", j, d.CommitSecret, i, p.CommitSecret())
		}
		lca, err := treemath.CommonAncestor(i, j)
		if err != nil {
			g.t.Fatal(err)
		}
		if d.Node != lca {
			g.t.Fatalf("leaf %d: decrypted at node %d, want the common ancestor %d", j, d.Node, lca)
		}
		if ps2, ok := p.PathSecret(lca); !ok || !bytes.Equal(ps2, d.PathSecret) {
			g.t.Fatalf("leaf %d: decrypted path secret %x, committer has %x for node %d", j, d.PathSecret, ps2, lca)
		}
		newPriv[j] = d.PrivateState
	}
	for _, j := range added {
		_, ps, err := p.PathSecretFor(j)
		if err != nil {
			g.t.Fatal(err)
		}
		np := g.priv[j].Clone()
		if err := np.SetWelcomePathSecret(p.Tree(), i, ps); err != nil {
			g.t.Fatalf("new member %d: SetWelcomePathSecret: %v", j, err)
		}
		newPriv[j] = np
	}
	for j, ps := range g.priv {
		if newPriv[j] != ps {
			ps.Erase()
		}
	}
	g.priv, g.tree = newPriv, p.Tree()
	p.Erase()
	g.epoch++
	g.checkInvariant()
}

// checkInvariant checks the tree and every private state: the tree is
// valid as a joiner would check it, each state matches the tree, and each
// member holds the key of exactly those non-blank nodes of its direct path
// whose unmerged_leaves do not list it (RFC 9420, Section 4, the tree
// invariant, in the form TreeKEM maintains it).
func (g *kemGroup) checkInvariant() {
	g.t.Helper()
	th, err := g.tree.RootTreeHash(g.cs)
	if err != nil {
		g.t.Fatal(err)
	}
	if err := g.tree.Validate(g.params(), th); err != nil {
		g.t.Fatalf("tree invalid after epoch %d: %v", g.epoch, err)
	}
	for j, ps := range g.priv {
		if err := ps.CheckConsistent(g.tree); err != nil {
			g.t.Fatalf("leaf %d: %v", j, err)
		}
		dp, err := treemath.DirectPath(j.Node(), g.tree.NumLeaves())
		if err != nil {
			g.t.Fatal(err)
		}
		var want []treemath.NodeIndex
		want = append(want, j.Node())
		for _, x := range dp {
			if pn := g.tree.ParentNode(x); pn != nil && !slices.Contains(pn.UnmergedLeaves, j) {
				want = append(want, x)
			}
		}
		slices.Sort(want)
		if got := ps.Nodes(); fmt.Sprint(got) != fmt.Sprint(want) {
			g.t.Fatalf("epoch %d, leaf %d holds keys for nodes %v, want %v", g.epoch, j, got, want)
		}
	}
}

func exclusion(added []treemath.LeafIndex) map[treemath.LeafIndex]bool {
	m := map[treemath.LeafIndex]bool{}
	for _, l := range added {
		m[l] = true
	}
	return m
}

// members returns the occupied leaves in increasing order.
func (g *kemGroup) members() []treemath.LeafIndex {
	var out []treemath.LeafIndex
	for l := treemath.LeafIndex(0); uint32(l) < g.tree.NumLeaves(); l++ {
		if g.tree.Leaf(l) != nil {
			out = append(out, l)
		}
	}
	return out
}

// privSnapshot captures a private state's keys, to check that a failed
// operation left it alone.
func privSnapshot(ps *tree.PrivateState) string {
	s := fmt.Sprint(ps.Leaf())
	for _, x := range ps.Nodes() {
		k, _ := ps.PrivateKey(x)
		s += fmt.Sprintf("|%d:%x", x, k)
	}
	return s
}
