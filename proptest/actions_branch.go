package proptest

import (
	"bytes"
	"fmt"
	"slices"

	"pgregory.net/rapid"

	"github.com/mlsref/mlsref/model"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/group"
)

// laxAS is an Authentication Service that takes any credential for the
// successor of any other (RFC 9420, Section 5.3.1): a subgroup creator
// using it lets a stranger into the subgroup, for the members to refuse.
type laxAS struct{ credential.DefaultValidator }

func (laxAS) ValidateSuccessor(prev, next *credential.Credential) error { return nil }

// branch: an active member (current or lagging) branches a subgroup (RFC
// 9420, Section 11.3) with 1 to 4 other members of its epoch, from fresh
// KeyPackages; each joins with JoinBranch, and must be in the creator's
// epoch (R-11.3-5); the subgroup's members agree on it, and sometimes the
// sequence goes on in the subgroup. Invalid forms: a stranger's KeyPackage
// (refused by the creator, R-11.3-8, or, when the creator's Authentication
// Service is lax, by every joiner, R-11.3-8); a KeyPackage of another
// cipher suite (R-11.3-6); a joiner processing the Welcome as a regular
// one (R-11.3-5); and, in the group itself, a PreSharedKey of the branch
// PSK (R-11.3-10, which mlsref reports as R-12.1.4-2).
func (m *machine) branch() {
	var active []model.ClientID
	for _, c := range m.clients {
		if c.g != nil && m.mg.Active(c.id) {
			active = append(active, c.id)
		}
	}
	creator := m.draw(active, "creator")
	cv := m.mg.View(creator.id)
	t := m.mg.State(cv.Epoch).Tree
	variant := rapid.IntRange(0, 6).Draw(m.t, "branchVariant")
	if variant == 6 {
		m.branchPSK(creator)
		return
	}
	var cands []model.ClientID
	for _, mem := range t.Roster() {
		if mem.Client != creator.id && m.client(mem.Client).g != nil && m.mg.Active(mem.Client) {
			cands = append(cands, mem.Client)
		}
	}
	members := m.drawSome(cands, 1, 4, "subgroup")
	lax := variant == 3
	var strangers []model.ClientID
	if variant == 3 || variant == 4 {
		for _, c := range m.clients {
			if _, in := t.LeafOf(c.id); !in {
				strangers = append(strangers, c.id)
			}
		}
		members = append(members, m.draw(strangers, "stranger"))
	}
	wrong := -1
	if variant == 5 {
		wrong = rapid.IntRange(0, len(members)-1).Draw(m.t, "wrongSuite")
	}
	subID := []byte(fmt.Sprintf("branch-%d-%s", m.serial, m.groupID))
	m.serial++
	ckp := m.newKeyPackage(creator, model.NoDefect)
	var kps []*keyPackage
	var gkps []*group.KeyPackage
	var mkps []model.KeyPackage
	for i, j := range members {
		d := model.NoDefect
		if i == wrong {
			d = model.WrongCipherSuite
		}
		kp := m.newKeyPackage(j, d)
		kps, gkps, mkps = append(kps, kp), append(gkps, kp.kp), append(mkps, kp.m)
	}
	cfg := m.config(creator)
	if lax {
		cfg.Credentials = laxAS{}
	}
	what := fmt.Sprintf("branch[%d members, lax %v] by %s", len(members), lax, creator.name)
	before := m.state(creator)
	sub, wel, err := creator.g.Branch(subID, ckp.kp, ckp.priv, gkps, extension.List{}, cfg, nil)
	msub, v := m.world.Branch(m.mg, creator.id, string(subID), ckp.m, mkps, lax)
	m.expect(what, v, err)
	m.unchanged(creator, before, what)
	if !v.Accept() {
		return
	}
	wb, err := wel.Marshal()
	if err != nil {
		m.t.Fatal(err)
	}
	joined := map[model.ClientID]*group.Group{creator.id: sub}
	regular := rapid.IntRange(0, 3).Draw(m.t, "regularJoin") == 0
	for _, kp := range kps {
		j := m.client(kp.m.Client)
		if j.g == nil || !m.mg.Active(j.id) {
			continue // the stranger has no state in the group
		}
		w, err := group.DecodeWelcome(wb)
		if err != nil {
			m.t.Fatal(err)
		}
		if regular {
			regular = false
			_, err := group.JoinGroup(w, kp.kp, kp.priv, nil, m.config(j))
			m.expect("joinBranchAsRegular "+j.name, msub.JoinRegular(j.id, kp.m), err)
			if w, err = group.DecodeWelcome(wb); err != nil {
				m.t.Fatal(err)
			}
		}
		what := "joinBranch " + j.name
		before := m.state(j)
		jg, err := j.g.JoinBranch(w, kp.kp, kp.priv, nil, m.config(j))
		jv := m.mg.JoinBranch(msub, j.id, kp.m)
		m.expect(what, jv, err)
		m.unchanged(j, before, what)
		if jv.Accept() {
			joined[j.id] = jg
		}
	}
	m.checkSubgroup(msub, joined)
	if !lax && len(joined) == len(members)+1 && rapid.IntRange(0, 3).Draw(m.t, "moveToSubgroup") == 0 {
		m.logf("branch: the sequence goes on in %q with %d members", subID, len(joined))
		m.cfg.Stats.event("event: the sequence goes on in a subgroup")
		m.moveTo(msub, subID, joined)
	}
}

// checkSubgroup checks that the members of a new subgroup are in epoch 1
// at the leaves the model gives them and agree on its epoch
// authenticator, GroupContext and tree, whose shape is the model's.
func (m *machine) checkSubgroup(msub *model.Group, joined map[model.ClientID]*group.Group) {
	var first *group.Group
	for _, id := range sortedIDs(keysOf(joined)) {
		g := joined[id]
		v := msub.View(id)
		m.cfg.Stats.check(1)
		if v == nil || g.Epoch() != 1 || g.LeafIndex() != v.Leaf {
			m.t.Fatalf("subgroup: %s in epoch %d at leaf %d, the model's view %+v", m.client(id).name, g.Epoch(), g.LeafIndex(), v)
		}
		if first == nil {
			first = g
			m.cfg.Stats.check(1)
			if err := compareTree(g.Tree(), msub.Tree(), m.byName); err != nil {
				m.t.Fatalf("subgroup tree: %v\n  model: %v", err, msub.Tree())
			}
			continue
		}
		m.cfg.Stats.check(2)
		a, _ := first.GroupContext().Marshal()
		b, _ := g.GroupContext().Marshal()
		if !bytes.Equal(first.EpochAuthenticator(), g.EpochAuthenticator()) || !bytes.Equal(a, b) {
			m.t.Fatalf("subgroup: %s disagrees with the creator", m.client(id).name)
		}
	}
}

func keysOf(m map[model.ClientID]*group.Group) map[model.ClientID]bool {
	out := map[model.ClientID]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// branchPSK: c tries to use the branch PSK of its epoch in a regular
// Commit or proposal (RFC 9420, Section 11.3): refused (R-11.3-10,
// reported as R-12.1.4-2).
func (m *machine) branchPSK(c *client) {
	if !slices.Contains(m.current(), c.id) {
		m.t.Skip("the member lags")
	}
	psk := model.BranchPSK(m.mg.View(c.id).Epoch)
	if rapid.Bool().Draw(m.t, "byValue") {
		m.commit(c, commitOptions{psks: []string{psk}, public: rapid.Bool().Draw(m.t, "public")}, "pskCommit-branch")
		return
	}
	public := rapid.Bool().Draw(m.t, "public")
	what := "propose-psk[branch] by " + c.name
	before := m.state(c)
	_, err := c.g.ProposePSK(c.g.BranchPSKID(c.g.Epoch()), public)
	_, v := m.mg.Propose(c.id, model.Proposal{Type: model.PreSharedKey, PSK: psk}, public)
	m.expect(what, v, err)
	if v.Accept() {
		m.t.Fatalf("%s: the model accepts a branch PSK in a regular proposal", what)
	}
	m.unchanged(c, before, what)
}
