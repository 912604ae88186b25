package proptest

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/mlsref/mlsref/model"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// exporterLabel is the label of the exported secret members compare (RFC
// 9420, Section 8.5).
const exporterLabel = "mlsref proptest"

// check runs after every step: every client's state agrees with its view
// in the model (active or removed, epoch, leaf); all members of an epoch
// agree on the epoch authenticator, tree hash, GroupContext and an
// exported secret; and the ratchet tree of each epoch has the shape the
// model gives it (roster by leaf, blank nodes, unmerged leaves).
func (m *machine) check() {
	m.t.Helper()
	m.cfg.Stats.members(len(m.mg.Tree().Roster()))
	for _, c := range m.clients {
		if c.g == nil {
			continue
		}
		v := m.mg.View(c.id)
		m.cfg.Stats.check(1)
		if v == nil {
			m.t.Fatalf("%s has a group state but no view in the model", c.name)
		}
		if c.g.Active() == v.Removed {
			m.t.Fatalf("%s: ref/group active=%v, the model removed=%v", c.name, c.g.Active(), v.Removed)
		}
		if v.Removed {
			continue
		}
		if c.g.Epoch() != v.Epoch || c.g.LeafIndex() != v.Leaf {
			m.t.Fatalf("%s: ref/group is in epoch %d at leaf %d, the model in epoch %d at leaf %d", c.name, c.g.Epoch(), c.g.LeafIndex(), v.Epoch, v.Leaf)
		}
		m.checkFacts(c, v.Epoch)
	}
}

// checkFacts compares c's view of epoch e with the first member's seen in
// it; the first one's tree is compared with the model's.
func (m *machine) checkFacts(c *client, e uint64) {
	m.t.Helper()
	ctx, err := c.g.GroupContext().Marshal()
	if err != nil {
		m.t.Fatal(err)
	}
	exp, err := c.g.Exporter(exporterLabel, []byte(fmt.Sprint(e)), 32)
	if err != nil {
		m.t.Fatal(err)
	}
	f := &epochFacts{who: c.name, auth: c.g.EpochAuthenticator(), treeHash: c.g.TreeHash(), ctx: ctx, exporter: exp}
	first := m.facts[e]
	if first == nil {
		m.facts[e] = f
		st := m.mg.State(e)
		m.cfg.Stats.check(1)
		if err := compareTree(c.g.Tree(), st.Tree, m.byName); err != nil {
			m.t.Fatalf("epoch %d, %s's tree: %v\n  model: %v", e, c.name, err, st.Tree)
		}
		return
	}
	m.cfg.Stats.check(4)
	switch {
	case !bytes.Equal(first.auth, f.auth):
		m.t.Fatalf("epoch %d: %s and %s disagree on the epoch authenticator", e, first.who, c.name)
	case !bytes.Equal(first.treeHash, f.treeHash):
		m.t.Fatalf("epoch %d: %s and %s disagree on the tree hash", e, first.who, c.name)
	case !bytes.Equal(first.ctx, f.ctx):
		m.t.Fatalf("epoch %d: %s and %s disagree on the GroupContext", e, first.who, c.name)
	case !bytes.Equal(first.exporter, f.exporter):
		m.t.Fatalf("epoch %d: %s and %s disagree on the exported secret", e, first.who, c.name)
	}
}

// compareTree checks that the ratchet tree rt has the shape mt: the same
// number of leaves, the same blank nodes, each leaf held by the client
// whose name its basic credential carries, and the same unmerged leaves
// (RFC 9420, Sections 4.1, 7.1 and 7.7).
func compareTree(rt *tree.RatchetTree, mt *model.Tree, byName map[string]model.ClientID) error {
	if rt.NumLeaves() != mt.NumLeaves() {
		return fmt.Errorf("%d leaves, the model %d", rt.NumLeaves(), mt.NumLeaves())
	}
	for x := uint32(0); x < mt.Width(); x++ {
		want := mt.Node(x)
		got := rt.Node(treemath.NodeIndex(x))
		if (got != nil) != want.Occupied {
			return fmt.Errorf("node %d: blank=%v, the model blank=%v", x, got == nil, !want.Occupied)
		}
		if got == nil {
			continue
		}
		if x%2 == 0 {
			if got.Leaf == nil {
				return fmt.Errorf("node %d is not a leaf node", x)
			}
			id, ok := byName[string(got.Leaf.Credential.Identity)]
			if !ok || id != want.Client {
				return fmt.Errorf("leaf %d holds %q, the model client %d", x/2, got.Leaf.Credential.Identity, want.Client)
			}
			continue
		}
		if got.Parent == nil {
			return fmt.Errorf("node %d is not a parent node", x)
		}
		var um []uint32
		for _, l := range got.Parent.UnmergedLeaves {
			um = append(um, uint32(l))
		}
		if !slices.Equal(um, want.Unmerged) {
			return fmt.Errorf("node %d: unmerged leaves %v, the model %v", x, um, want.Unmerged)
		}
	}
	return nil
}
