package proptest

import (
	"fmt"

	"pgregory.net/rapid"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/model"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
)

// The external PSKs of a run (RFC 9420, Section 8.4): every client holds
// knownPSKs; nobody holds unknownPSK.
var (
	knownPSKs  = []string{"psk-a", "psk-b", "psk-c"}
	unknownPSK = "psk-unknown"
)

// pskStore is the application's PSK store every client of a run shares.
func pskStore() group.PSKMap {
	out := group.PSKMap{}
	for _, n := range knownPSKs {
		out[n] = []byte("secret of " + n)
	}
	return out
}

func modelPSKs() map[string]bool {
	out := map[string]bool{}
	for _, n := range knownPSKs {
		out[n] = true
	}
	return out
}

// pendingOf returns the proposals of type t sent in the current epoch,
// delivered or not.
func (m *machine) pendingOf(t model.ProposalType) []model.Proposal {
	var out []model.Proposal
	for _, sp := range m.mg.Proposals(m.mg.Epoch()) {
		if sp.Proposal.Type == t {
			out = append(out, sp.Proposal)
		}
	}
	return out
}

// pskCommit: a current member commits PreSharedKey proposals by value
// (RFC 9420, Section 12.1.4): 1 or 2 distinct external PSKs every member
// holds, sometimes with the Add of a joiner, who needs them too (Section
// 8.4); or, invalid, a PSK it does not hold (R-12.4.2-5) or the same PSK
// twice (R-12.2-10).
func (m *machine) pskCommit() {
	c := m.draw(m.current(), "committer")
	o := commitOptions{public: rapid.Bool().Draw(m.t, "public")}
	variant := rapid.IntRange(0, 3).Draw(m.t, "pskVariant")
	name := "pskCommit"
	switch variant {
	case 0, 1:
		o.psks = rapid.SliceOfNDistinct(rapid.SampledFrom(knownPSKs), 1, 2, func(s string) string { return s }).Draw(m.t, "psks")
		if variant == 1 {
			if cands := m.nonMembers(); len(cands) > 0 {
				o.adds = []*keyPackage{m.newKeyPackage(m.client(rapid.SampledFrom(cands).Draw(m.t, "joiner")), model.NoDefect)}
			}
		}
	case 2:
		if rapid.Bool().Draw(m.t, "resumption") {
			m.resumptionCommit(c, o)
			return
		}
		o.psks, name = []string{unknownPSK}, "pskCommit-unknown"
	default:
		p := rapid.SampledFrom(knownPSKs).Draw(m.t, "psk")
		o.psks, name = []string{p, p}, "pskCommit-duplicate"
	}
	m.commit(c, o, fmt.Sprintf("%s%v", name, o.psks))
}

// resumptionCommit: c commits the resumption PSK (usage application) of
// the current epoch or a past one every member holds (RFC 9420, Sections
// 8.6 and 12.1.4), sometimes with an external PSK; no Add is pending,
// since a joiner holds no resumption PSK of the group.
func (m *machine) resumptionCommit(c *client, o commitOptions) {
	if len(m.pendingOf(model.Add)) > 0 {
		m.t.Skip("an Add is pending")
	}
	cur := m.mg.Epoch()
	lo := uint64(0)
	if cur > model.ResumptionPSKEpochs {
		lo = cur - model.ResumptionPSKEpochs
	}
	for _, mem := range m.mg.Tree().Roster() {
		if v := m.mg.View(mem.Client); v != nil && !v.Removed && v.Joined > lo {
			lo = v.Joined
		}
	}
	if lo > cur {
		m.t.Skip("no resumption PSK every member holds")
	}
	e := rapid.Uint64Range(lo, cur).Draw(m.t, "resumptionEpoch")
	o.psks = []string{model.ResumptionPSK(e)}
	if rapid.Bool().Draw(m.t, "withExternal") {
		o.psks = append(o.psks, rapid.SampledFrom(knownPSKs).Draw(m.t, "psk"))
	}
	m.commit(c, o, fmt.Sprintf("pskCommit-resumption%v", o.psks))
}

// proposePSK: a current member proposes an external PSK by reference (RFC
// 9420, Section 12.1.4), one it holds and no proposal of the epoch names
// yet, or, refused on the sender's side, one it does not hold
// (R-12.4.2-5); sometimes a current member then commits.
func (m *machine) proposePSK() {
	c := m.draw(m.current(), "proposer")
	pending := map[string]bool{}
	for _, p := range m.pendingOf(model.PreSharedKey) {
		pending[p.PSK] = true
	}
	cands := []string{unknownPSK}
	for _, n := range knownPSKs {
		if !pending[n] {
			cands = append(cands, n)
		}
	}
	name := rapid.SampledFrom(cands).Draw(m.t, "psk")
	public := rapid.Bool().Draw(m.t, "public")
	what := fmt.Sprintf("propose-psk[%s] by %s", name, c.name)
	before := m.state(c)
	msg, err := c.g.ProposePSK(group.ExternalPSKID([]byte(name)), public)
	mm, v := m.mg.Propose(c.id, model.Proposal{Type: model.PreSharedKey, PSK: name}, public)
	m.expect(what, v, err)
	if !v.Accept() {
		m.unchanged(c, before, what)
		return
	}
	m.broadcast(m.wrap(msg, mm), c.id)
	m.deliverAll()
	if rapid.Bool().Draw(m.t, "commit") {
		m.commitPending()
	}
}

// gceProposal returns a GroupContextExtensions proposal that lists n
// external senders (RFC 9420, Sections 12.1.7 and 12.1.8.1).
func (m *machine) gceProposal(n int) *group.Proposal {
	var exts extension.List
	if n > 0 {
		var es group.ExternalSenders
		for i := range n {
			es = append(es, group.ExternalSender{SignatureKey: m.externalPub(i), Credential: credential.NewBasic([]byte(fmt.Sprintf("external-%d", i)))})
		}
		e, err := es.Extension()
		if err != nil {
			m.t.Fatal(err)
		}
		exts = append(exts, e)
	}
	return &group.Proposal{ProposalType: group.ProposalTypeGroupContextExtensions, GroupContextExtensions: &group.GroupContextExtensions{Extensions: exts}}
}

// externalPub returns the signature key of external sender i, generating
// it on first use.
func (m *machine) externalPub(i int) []byte {
	for len(m.externals) <= i {
		priv, pub, err := m.suite.GenerateSignatureKeyPair(seeded.New(fmt.Sprintf("%d/external-%d", m.seed, len(m.externals))))
		if err != nil {
			m.t.Fatal(err)
		}
		m.externals = append(m.externals, externalSender{priv: priv, pub: pub})
	}
	return m.externals[i].pub
}

// gce: a current member proposes a GroupContextExtensions setting 0 to 2
// external senders (RFC 9420, Section 12.1.7), and a current member
// commits it; or, invalid, a member proposes two, which reach nobody, and
// its Commit covers the first and leaves the second out (R-12.2-11,
// R-12.4-3).
func (m *machine) gce() {
	if len(m.pendingOf(model.GroupContextExtensions)) > 0 {
		m.t.Skip("a GroupContextExtensions is pending")
	}
	cur := m.current()
	c := m.draw(cur, "proposer")
	if len(cur) >= 2 && rapid.IntRange(0, 3).Draw(m.t, "twoGCE") == 0 {
		for range 2 {
			n := rapid.IntRange(0, 2).Draw(m.t, "externalSenders")
			public := rapid.Bool().Draw(m.t, "public")
			what := fmt.Sprintf("propose-gce[%d, lost] by %s", n, c.name)
			before := m.state(c)
			_, err := c.g.Propose(m.gceProposal(n), public)
			_, v := m.mg.Propose(c.id, model.Proposal{Type: model.GroupContextExtensions, ExternalSenders: n}, public)
			m.expect(what, v, err)
			if !v.Accept() {
				m.unchanged(c, before, what)
				return
			}
		}
		m.commit(c, commitOptions{public: rapid.Bool().Draw(m.t, "public")}, "commit-twoGCE")
		return
	}
	n := rapid.IntRange(0, 2).Draw(m.t, "externalSenders")
	public := rapid.Bool().Draw(m.t, "public")
	what := fmt.Sprintf("propose-gce[%d] by %s", n, c.name)
	before := m.state(c)
	msg, err := c.g.Propose(m.gceProposal(n), public)
	mm, v := m.mg.Propose(c.id, model.Proposal{Type: model.GroupContextExtensions, ExternalSenders: n}, public)
	m.expect(what, v, err)
	if !v.Accept() {
		m.unchanged(c, before, what)
		return
	}
	m.broadcast(m.wrap(msg, mm), c.id)
	m.deliverAll()
	m.commitPending()
}

// reInit: a current member commits a ReInit by value (RFC 9420, Sections
// 11.2 and 12.1.5); it must be alone (R-12.2-12): with an Add, a Remove
// or a PSK by value, the Commit is refused; pending proposals are left out
// of it (R-12.4-3). Once a ReInit is
// merged, the group sends and accepts nothing more in its last epoch
// (R-12.4.2-25, R-12.4.2-26), as the following operations check.
func (m *machine) reInit() {
	c := m.draw(m.current(), "committer")
	o := commitOptions{reinit: true, public: rapid.Bool().Draw(m.t, "public")}
	switch rapid.IntRange(0, 3).Draw(m.t, "reinitVariant") {
	case 0:
		if cands := m.nonMembers(); len(cands) > 0 {
			o.adds = []*keyPackage{m.newKeyPackage(m.client(rapid.SampledFrom(cands).Draw(m.t, "joiner")), model.NoDefect)}
		}
	case 1:
		if targets := m.removable(c); len(targets) > 0 {
			o.removes = []uint32{rapid.SampledFrom(targets).Draw(m.t, "removed")}
		}
	case 2:
		o.psks = []string{rapid.SampledFrom(knownPSKs).Draw(m.t, "psk")}
	}
	if len(o.adds)+len(o.removes)+len(o.psks) == 0 && len(m.pendingOf(model.Add))+len(m.pendingOf(model.Remove))+len(m.pendingOf(model.Update))+len(m.pendingOf(model.PreSharedKey))+len(m.pendingOf(model.GroupContextExtensions)) == 0 {
		// A valid ReInit closes the group; most often the sequence goes on
		// in the new group (rapid favours the draw 0).
		if !rapid.Bool().Draw(m.t, "closeGroup") {
			m.t.Skip("the group stays open")
		}
	}
	if !m.commit(c, o, "reInit") || !m.mg.State(m.mg.Epoch()).ReInit {
		return
	}
	m.cfg.Stats.event("event: group closed by a ReInit")
	if rapid.IntRange(0, 3).Draw(m.t, "restart") == 0 {
		m.reInitGroup(m.draw(m.current(), "creator"))
	}
}

// reInitGroup: after a ReInit, creator creates the new group (RFC 9420,
// Section 11.2) with the members that processed the ReInit, whose first
// Commit injects the reinit resumption PSK; they join with JoinReInit,
// and the sequence goes on in the new group. Clients left behind (those
// that lag or were removed) drop their old state.
func (m *machine) reInitGroup(creator *client) {
	members := m.current()
	newID := append([]byte("reinit-"), m.groupID...)
	ckp := m.newKeyPackage(creator, model.NoDefect)
	var kps []*keyPackage
	var gkps []*group.KeyPackage
	var mkps []model.KeyPackage
	for _, id := range members {
		if id != creator.id {
			kp := m.newKeyPackage(m.client(id), model.NoDefect)
			kps, gkps, mkps = append(kps, kp), append(gkps, kp.kp), append(mkps, kp.m)
		}
	}
	ng, wel, err := creator.g.ReInitGroup(ckp.kp, ckp.priv, gkps, m.config(creator), &group.CommitOptions{})
	mg, v := m.world.CreateGroup(string(newID), creator.id, ckp.m)
	m.expect("reInitGroup by "+creator.name, v, err)
	if !v.Accept() {
		return
	}
	// The first Commit (its PreSharedKey is not the model's concern)
	// moves the new group to epoch 1, even with nobody to add.
	mm, mv := mg.CreateCommit(creator.id, model.CommitOptions{Adds: mkps})
	if !mv.Accept() {
		m.t.Fatalf("the model refuses the new group's first Commit: %v", mv)
	}
	if _, err := mg.Merge(mm); err != nil {
		m.t.Fatal(err)
	}
	joined := map[model.ClientID]*group.Group{creator.id: ng}
	if len(kps) > 0 {
		wb, err := wel.Marshal()
		if err != nil {
			m.t.Fatal(err)
		}
		for _, kp := range kps {
			j := m.client(kp.m.Client)
			w, err := group.DecodeWelcome(wb)
			if err != nil {
				m.t.Fatal(err)
			}
			g, err := j.g.JoinReInit(w, kp.kp, kp.priv, nil, m.config(j))
			m.expect("joinReInit "+j.name, mg.Join(j.id, kp.m, 1, model.TreeSource{InWelcome: true}), err)
			joined[j.id] = g
		}
	}
	m.logf("reInitGroup: %s creates %q with %d members", creator.name, newID, len(joined))
	m.cfg.Stats.event("event: group reinitialized")
	m.moveTo(mg, newID, joined)
}

// moveTo makes the sequence go on in the group mg named id, whose members
// hold the states joined; the other clients drop theirs.
func (m *machine) moveTo(mg *model.Group, id []byte, joined map[model.ClientID]*group.Group) {
	m.mg, m.groupID = mg, id
	for _, c := range m.clients {
		c.g = joined[c.id]
	}
	m.inbox = map[model.ClientID][]*envelope{}
	m.bag = map[model.ClientID][]*envelope{}
	m.seen = map[model.ClientID][]*envelope{}
	m.lagging = map[model.ClientID]bool{}
	m.facts = map[uint64]*epochFacts{}
}

// externalProposal: an external sender (RFC 9420, Section 12.1.8) sends
// an Add of a new client or a Remove of a member; sometimes a current
// member commits it. Invalid forms: a sender index beyond the group's
// external_senders (refused by every member, R-6.1-3), an Update, which
// the sender refuses (R-12.1.8-2), and an ExternalInit built by hand,
// which every member refuses (R-12.1.8-2).
func (m *machine) externalProposal() {
	st := m.mg.State(m.mg.Epoch())
	variant := rapid.IntRange(0, 4).Draw(m.t, "externalVariant")
	n := st.ExternalSenders
	index := uint32(0)
	if n > 0 {
		index = uint32(rapid.IntRange(0, n-1).Draw(m.t, "externalSender"))
	}
	var p model.Proposal
	var gp *group.Proposal
	crafted := false
	switch variant {
	case 0:
		cands := m.addable()
		if len(cands) == 0 {
			m.t.Skip("nobody to add")
		}
		kp := m.newKeyPackage(m.client(rapid.SampledFrom(cands).Draw(m.t, "added")), model.NoDefect)
		p = model.Proposal{Type: model.Add, KeyPackage: kp.m}
		gp = &group.Proposal{ProposalType: group.ProposalTypeAdd, Add: &group.Add{KeyPackage: *kp.kp}}
	case 1:
		var cands []uint32
		touched := m.touched()
		for _, mem := range m.mg.Tree().Roster() {
			if !touched[mem.Leaf] && m.someoneCanCommit(mem.Leaf) {
				cands = append(cands, mem.Leaf)
			}
		}
		if len(cands) == 0 {
			m.t.Skip("nobody to remove")
		}
		l := rapid.SampledFrom(cands).Draw(m.t, "removed")
		p = model.Proposal{Type: model.Remove, Removed: l}
		gp = &group.Proposal{ProposalType: group.ProposalTypeRemove, Remove: &group.Remove{Removed: l}}
	case 2:
		// A sender the group does not list.
		index = uint32(n + rapid.IntRange(0, 2).Draw(m.t, "beyond"))
		p = model.Proposal{Type: model.Remove, Removed: 0}
		gp = &group.Proposal{ProposalType: group.ProposalTypeRemove, Remove: &group.Remove{Removed: 0}}
	case 3:
		p = model.Proposal{Type: model.Update}
		gp = &group.Proposal{ProposalType: group.ProposalTypeUpdate, Update: &group.Update{}}
	default:
		p, crafted = model.Proposal{Type: model.ExternalInit}, true
		gp = &group.Proposal{ProposalType: group.ProposalTypeExternalInit, ExternalInit: &group.ExternalInit{KEMOutput: []byte("not a KEM output")}}
	}
	if variant < 2 && n == 0 {
		m.t.Skip("the group lists no external sender")
	}
	priv := m.externalPriv(int(index))
	var msg *group.MLSMessage
	var err error
	if crafted {
		msg = m.craftExternal(index, priv, gp)
	} else {
		msg, err = group.NewExternalProposal(m.suite, m.groupID, m.mg.Epoch(), index, priv, gp, nil)
	}
	what := fmt.Sprintf("externalPropose-%v[sender %d of %d]", p.Type, index, n)
	mm, v := m.mg.ProposeExternal(index, p, crafted)
	m.expect(what, v, err)
	if !v.Accept() {
		return
	}
	m.logf("%s: %v", what, mm)
	m.broadcast(m.wrap(msg, mm), -1)
	m.deliverAll()
	if variant < 2 && rapid.Bool().Draw(m.t, "commit") {
		m.commitPending()
	}
}

// externalPriv returns the signature private key of external sender i.
func (m *machine) externalPriv(i int) []byte {
	m.externalPub(i)
	return m.externals[i].priv
}

// craftExternal signs p as a proposal of the external sender at index
// without NewExternalProposal's check of its type (RFC 9420, Sections 6.1
// and 12.1.8).
func (m *machine) craftExternal(index uint32, priv []byte, p *group.Proposal) *group.MLSMessage {
	pb, err := p.Marshal()
	if err != nil {
		m.t.Fatal(err)
	}
	ac, err := framing.Sign(m.suite, framing.WireFormatPublicMessage, &framing.FramedContent{
		GroupID: m.groupID, Epoch: m.mg.Epoch(), Sender: framing.Sender{SenderType: framing.SenderTypeExternal, SenderIndex: index},
		ContentType: framing.ContentTypeProposal, Proposal: pb,
	}, nil, priv)
	if err != nil {
		m.t.Fatal(err)
	}
	pm, err := framing.ProtectPublic(m.suite, ac, nil, nil)
	if err != nil {
		m.t.Fatal(err)
	}
	msg, err := group.NewMLSMessage(pm)
	if err != nil {
		m.t.Fatal(err)
	}
	return msg
}

// newMemberProposal: a client outside the group proposes its own Add,
// sender new_member_proposal (RFC 9420, Section 12.1.8); a current member
// then commits it and the client joins from the Welcome.
func (m *machine) newMemberProposal() {
	c := m.draw(m.addable(), "newMember")
	kp := m.newKeyPackage(c, model.NoDefect)
	msg, err := group.NewMemberProposal(m.groupID, m.mg.Epoch(), kp.kp, c.sigPriv, nil)
	if err != nil {
		m.t.Fatalf("NewMemberProposal by %s: %v", c.name, err)
	}
	mm := m.mg.ProposeNewMember(kp.m)
	m.logf("newMemberProposal by %s: %v", c.name, mm)
	m.broadcast(m.wrap(msg, mm), -1)
	m.deliverAll()
	if rapid.Bool().Draw(m.t, "commit") {
		m.commitPending()
	}
}

// externalJoin: a current member exports a GroupInfo with external_pub,
// with or without the tree (RFC 9420, Section 12.4.3.2), and a client
// joins by external Commit: a new client, or a member resyncing by
// removing its own earlier leaf, sometimes injecting an external PSK, or,
// refused on the joiner's side, one it does not hold (R-12.4.2-5).
// Sometimes a copy with an altered signature reaches a member first
// (R-12.4.3.2-4).
func (m *machine) externalJoin() {
	if m.mg.State(m.mg.Epoch()).ReInit {
		m.t.Skip("the group was reinitialized")
	}
	s := m.draw(m.current(), "exporter")
	withTree := rapid.Bool().Draw(m.t, "groupInfoTree")
	gi, err := s.g.ExportGroupInfo(group.GroupInfoOptions{ExternalPub: true, RatchetTree: withTree})
	if err != nil {
		m.t.Fatalf("ExportGroupInfo by %s: %v", s.name, err)
	}
	gib, err := gi.Marshal()
	if err != nil {
		m.t.Fatal(err)
	}
	if gi, err = group.DecodeGroupInfo(gib); err != nil {
		m.t.Fatalf("the GroupInfo does not decode: %v", err)
	}
	opts := &group.ExternalJoinOptions{}
	if !withTree {
		opts.RatchetTree = s.g.Tree()
	}
	var c *client
	var resync *uint32
	if rapid.Bool().Draw(m.t, "resync") {
		c = m.draw(m.current(), "joiner")
		l := m.leafOf(c)
		resync, opts.Resync = &l, &l
	} else {
		c = m.draw(m.nonMembers(), "joiner")
	}
	var psks []string
	switch rapid.IntRange(0, 4).Draw(m.t, "externalPSK") {
	case 0:
		psks = []string{rapid.SampledFrom(knownPSKs).Draw(m.t, "psk")}
	case 1:
		psks = []string{unknownPSK}
	}
	for _, p := range psks {
		opts.PSKs = append(opts.PSKs, group.ExternalPSKID([]byte(p)))
	}
	kp := m.newKeyPackage(c, model.NoDefect)
	m.externalCommit(c, kp, gi, opts, resync, psks, fmt.Sprintf("externalJoin[resync %v, psks %v]", resync != nil, psks))
}

// externalCommit has c join by external Commit from gi with kp and opts
// (RFC 9420, Section 12.4.3.2), resyncing when resync is set, with the
// PSKs psks, and delivers the Commit, sometimes after a forged copy.
func (m *machine) externalCommit(c *client, kp *keyPackage, gi *group.GroupInfo, opts *group.ExternalJoinOptions, resync *uint32, psks []string, what string) {
	victims := m.others(c)
	what += " by " + c.name
	var before []byte
	if c.g != nil {
		before = m.state(c)
	}
	g, msg, err := group.JoinExternal(gi, kp.kp, kp.priv, opts, m.config(c))
	mm, v := m.mg.ExternalCommit(c.id, kp.m, resync, psks)
	m.expect(what, v, err)
	if !v.Accept() {
		if c.g != nil {
			m.unchanged(c, before, what)
		}
		return
	}
	m.logf("%s: %v", what, mm.Commit)
	env := m.wrap(msg, mm)
	c.g = g
	delete(m.inbox, c.id)
	delete(m.bag, c.id)
	delete(m.seen, c.id)
	delete(m.lagging, c.id)
	if rapid.IntRange(0, 3).Draw(m.t, "forgeExternal") == 0 {
		if len(victims) > 0 {
			m.deliver(m.client(victims[0]), m.forge(env, model.ForgedSignature), "forged")
		}
	}
	m.broadcast(env, c.id)
	m.deliverAll()
}
