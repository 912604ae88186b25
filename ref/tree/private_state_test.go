package tree_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// TestPrivateStateInvariant checks that a private state refuses the key of
// a node off the member's direct path (RFC 9420, Section 4) and that
// CheckConsistent finds a key that does not match the tree.
func TestPrivateStateInvariant(t *testing.T) {
	g := newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "private state")
	g.commit(0, g.add(), g.add(), g.add())
	ps := g.priv[1].Clone()
	secret := bytes.Repeat([]byte{1}, g.cs.Nh())
	for _, x := range []treemath.NodeIndex{0, 2, 4, 5} { // leaves and a node off leaf 1's path
		if err := ps.SetPathSecret(x, secret); !errors.Is(err, mlserr.ErrInvalidInput) {
			t.Errorf("SetPathSecret(%d) for leaf 1: error %v, want ErrInvalidInput", x, err)
		}
	}
	if err := ps.CheckConsistent(g.tree); err != nil {
		t.Fatalf("a state from TreeKEM is inconsistent: %v", err)
	}
	if err := ps.SetPathSecret(3, secret); err != nil {
		t.Fatal(err)
	}
	if err := ps.CheckConsistent(g.tree); !errors.Is(err, mlserr.ErrInvalidTree) {
		t.Errorf("a wrong key for node 3: CheckConsistent error %v, want ErrInvalidTree", err)
	}
	// The original is untouched by changes to the clone.
	if err := g.priv[1].CheckConsistent(g.tree); err != nil {
		t.Errorf("changing a clone changed the original: %v", err)
	}
	if _, err := tree.NewPrivateState(g.cs, 0, []byte{1, 2, 3}); !errors.Is(err, mlserr.ErrMalformed) {
		t.Errorf("a malformed leaf key: error %v, want ErrMalformed", err)
	}
}

// TestPrivateStatePrune checks that the keys of nodes blanked by a Remove
// are deleted (RFC 9420, Section 7.5) and the others kept.
func TestPrivateStatePrune(t *testing.T) {
	g := newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "prune")
	for i := range treemath.LeafIndex(3) {
		g.commit(i, g.add())
	}
	// Leaf 3 committed last: nodes 5 and 3 hold its keys; leaf 2 knows both.
	if got := g.priv[2].Nodes(); len(got) != 3 {
		t.Fatalf("leaf 2 holds keys for %v, want its leaf, 5 and 3", got)
	}
	g.remove(3) // blanks 5 and 3, truncates nothing (leaf 2 remains)
	if got, want := g.priv[2].Nodes(), []treemath.NodeIndex{4}; !equalNodes(got, want) {
		t.Errorf("after the removal leaf 2 holds keys for %v, want %v", got, want)
	}
	g.checkInvariant()
}

func equalNodes(a, b []treemath.NodeIndex) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSetWelcomePathSecret checks the joiner's side of Section 12.4.3.1:
// the right path secret gives the keys of the common ancestor and above;
// a wrong one fails R-12.4.3.1-4 and changes nothing.
func TestSetWelcomePathSecret(t *testing.T) {
	g := newKEMGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "welcome")
	g.commit(0, g.add())
	joiner := g.add()              // leaf 2
	p, _, _ := g.create(0, joiner) // path 1, 3
	_, secret, err := p.PathSecretFor(joiner)
	if err != nil {
		t.Fatal(err)
	}
	ps := g.priv[joiner].Clone()
	before := privSnapshot(ps)
	wrong := bytes.Clone(secret)
	wrong[0] ^= 1
	err = ps.SetWelcomePathSecret(p.Tree(), 0, wrong)
	if got := mlserr.RequirementOf(err); got != "R-12.4.3.1-4" || !errors.Is(err, mlserr.ErrInvalidWelcome) {
		t.Errorf("a wrong path secret: error %v, want R-12.4.3.1-4 / ErrInvalidWelcome", err)
	}
	if privSnapshot(ps) != before {
		t.Error("a failed SetWelcomePathSecret changed the state")
	}
	if err := ps.SetWelcomePathSecret(p.Tree(), joiner, secret); !errors.Is(err, mlserr.ErrInvalidWelcome) {
		t.Errorf("the joiner as committer: error %v, want ErrInvalidWelcome", err)
	}
	if err := ps.SetWelcomePathSecret(p.Tree(), 0, secret); err != nil {
		t.Fatal(err)
	}
	if got, want := ps.Nodes(), []treemath.NodeIndex{3, 4}; !equalNodes(got, want) {
		t.Errorf("the joiner holds keys for %v, want %v", got, want)
	}
	if err := ps.CheckConsistent(p.Tree()); err != nil {
		t.Error(err)
	}
}
