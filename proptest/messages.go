package proptest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/mlsref/mlsref/model"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

func reqsOf(err error) []string { return mlserr.Requirements(err) }

// wrap encodes a message of ref/group for the wire.
func (m *machine) wrap(msg *group.MLSMessage, mm *model.Message) *envelope {
	m.t.Helper()
	b, err := msg.Marshal()
	if err != nil {
		m.t.Fatalf("encoding %v: %v", mm, err)
	}
	return &envelope{wire: b, mm: mm}
}

// forge returns a copy of env altered on the wire as f says (RFC 9420,
// Sections 6.2 and 6.3).
func (m *machine) forge(env *envelope, f model.Forgery) *envelope {
	m.t.Helper()
	msg, err := group.DecodeMLSMessageWith(env.wire, appHandlers)
	if err != nil {
		m.t.Fatal(err)
	}
	switch f {
	case model.ForgedSignature:
		msg.PublicMessage.Auth.Signature = bytes.Clone(msg.PublicMessage.Auth.Signature)
		msg.PublicMessage.Auth.Signature[0] ^= 1
	case model.ForgedMembershipTag:
		msg.PublicMessage.MembershipTag = bytes.Clone(msg.PublicMessage.MembershipTag)
		msg.PublicMessage.MembershipTag[len(msg.PublicMessage.MembershipTag)-1] ^= 0x80
	case model.ForgedCiphertext:
		ct := bytes.Clone(msg.PrivateMessage.Ciphertext)
		ct[len(ct)/2] ^= 4
		msg.PrivateMessage.Ciphertext = ct
	}
	out := m.wrap(msg, env.mm.WithForgery(f))
	out.data = env.data
	return out
}

// forgery draws an alteration that fits env's wire format.
func forgeryFor(env *envelope, pick int) model.Forgery {
	if !env.mm.Public {
		return model.ForgedCiphertext
	}
	if pick%2 == 0 {
		return model.ForgedSignature
	}
	return model.ForgedMembershipTag
}

// broadcast queues a handshake message for every client holding an active
// group state, except the sender.
func (m *machine) broadcast(env *envelope, from model.ClientID) {
	for _, c := range m.clients {
		if c.id != from && c.g != nil && c.g.Active() {
			m.inbox[c.id] = append(m.inbox[c.id], env)
		}
	}
}

// post puts an application message in the bag of every other client
// holding a group state, removed ones included: they must not read it.
func (m *machine) post(env *envelope, from model.ClientID) {
	for _, c := range m.clients {
		if c.id != from && c.g != nil {
			b := append(m.bag[c.id], env)
			if len(b) > maxBag {
				b = b[len(b)-maxBag:]
			}
			m.bag[c.id] = b
		}
	}
}

// deliverAll makes every client that is not lagging process its inbox.
func (m *machine) deliverAll() {
	for _, c := range m.clients {
		if !m.lagging[c.id] {
			m.drain(c)
		}
	}
}

// drain makes c process every message of its inbox, in order.
func (m *machine) drain(c *client) {
	for len(m.inbox[c.id]) > 0 {
		env := m.inbox[c.id][0]
		m.inbox[c.id] = m.inbox[c.id][1:]
		if c.g == nil {
			continue
		}
		m.deliver(c, env, "deliver")
	}
}

// deliver has c process env with ref/group and the model, checks that
// they agree, and returns whether the message was accepted.
func (m *machine) deliver(c *client, env *envelope, what string) bool {
	m.t.Helper()
	what = fmt.Sprintf("%s-%v %s to %s", what, env.mm.Kind, env.mm, c.name)
	var before []byte
	if !m.mg.Judge(c.id, env.mm).Accept() {
		before = m.state(c)
	}
	// A client decodes with the proposal types its application
	// registered (RFC 9420, Section 13.1).
	var rcv *group.Received
	msg, err := group.DecodeMLSMessageWith(env.wire, c.handlers())
	if err == nil {
		rcv, err = c.g.Process(msg)
	}
	v, out, merr := m.mg.Receive(c.id, env.mm)
	if merr != nil {
		m.t.Fatalf("%s: %v (the harness delivered a forked Commit)", what, merr)
	}
	m.expect(what, v, err)
	if !v.Accept() {
		m.logf("  %s: rejected: %v", what, err)
		m.unchanged(c, before, what)
		return false
	}
	m.logf("  %s: accepted", what)
	switch env.mm.Kind {
	case model.ProposalMsg:
		m.recordProposalRef(what, modelRef{env.mm.Group, env.mm.Ref}, rcv.ProposalRef)
	case model.Application:
		m.cfg.Stats.check(1)
		if !bytes.Equal(rcv.ApplicationData, env.data) || rcv.Sender.LeafIndex != env.mm.Sender {
			m.t.Fatalf("%s: got %q from leaf %d, want %q from leaf %d", what, rcv.ApplicationData, rcv.Sender.LeafIndex, env.data, env.mm.Sender)
		}
	case model.CommitMsg:
		m.cfg.Stats.check(1)
		if rcv.Removed != out.Removed {
			m.t.Fatalf("%s: ref/group says removed=%v, the model %v", what, rcv.Removed, out.Removed)
		}
		if out.Removed {
			m.cfg.Stats.event("event: member processes its own removal")
		}
	}
	s := append(m.seen[c.id], env)
	if len(s) > maxSeen {
		s = s[len(s)-maxSeen:]
	}
	m.seen[c.id] = s
	return true
}

// commitOptions are the options of one Commit, for ref/group and the
// model.
type commitOptions struct {
	adds      []*keyPackage
	removes   []uint32
	forcePath bool
	public    bool
	// psks name external PSKs injected by value; reinit adds a ReInit.
	psks   []string
	custom []appProp
	reinit bool
	// grease adds GREASE extensions to the Welcome's GroupInfo (RFC 9420,
	// Section 13.5).
	grease   bool
	omitTree bool
	// wrongTree makes the first joiner first try the tree of the previous
	// epoch when the tree travels out of band.
	wrongTree bool
	// forge, when not NotForged, delivers an altered copy of the Commit
	// to one member before the genuine one.
	forge model.Forgery
}

// commit has c create a Commit with o; when both ref/group and the model
// accept it, the Commit is confirmed: c merges it, it is queued for every
// other member, and the added clients join from the Welcome. It returns
// whether the Commit was created.
func (m *machine) commit(c *client, o commitOptions, what string) bool {
	m.t.Helper()
	gopts := &group.CommitOptions{Removes: o.removes, ForcePath: o.forcePath, PublicMessage: o.public, OmitRatchetTree: o.omitTree, GREASE: o.grease}
	mopts := model.CommitOptions{Removes: o.removes, ForcePath: o.forcePath, Public: o.public, PSKs: o.psks, ReInit: o.reinit}
	for _, p := range o.psks {
		var e uint64
		if _, err := fmt.Sscanf(p, "resumption@%d", &e); err == nil {
			gopts.PSKs = append(gopts.PSKs, c.g.ResumptionPSKID(e))
		} else if _, err := fmt.Sscanf(p, "branch@%d", &e); err == nil {
			gopts.PSKs = append(gopts.PSKs, c.g.BranchPSKID(e))
		} else {
			gopts.PSKs = append(gopts.PSKs, group.ExternalPSKID([]byte(p)))
		}
	}
	if o.reinit {
		gopts.ReInit = &group.ReInit{GroupID: append([]byte("reinit-"), m.groupID...), Version: group.MLS10, CipherSuite: m.suite.ID()}
	}
	for _, kp := range o.adds {
		gopts.Adds = append(gopts.Adds, kp.kp)
		mopts.Adds = append(mopts.Adds, kp.m)
	}
	for _, p := range o.custom {
		gopts.Custom = append(gopts.Custom, p.gp)
		mopts.Custom = append(mopts.Custom, p.p)
	}
	what = fmt.Sprintf("%s by %s", what, c.name)
	before := m.state(c)
	refs := c.g.PendingProposalRefs()
	mrefs := slices.Clone(m.mg.View(c.id).Pending)
	pc, err := c.g.Commit(gopts)
	mm, v := m.mg.CreateCommit(c.id, mopts)
	m.expect(what, v, err)
	if !v.Accept() {
		m.logf("%s: rejected: %v", what, err)
		m.unchanged(c, before, what)
		return false
	}
	m.logf("%s: %v", what, mm.Commit)
	m.checkLeftOut(what, refs, mrefs, pc, mm.Commit)
	env := m.wrap(pc.Message, mm)
	if o.forge != model.NotForged {
		if victims := m.others(c); len(victims) > 0 {
			m.deliver(m.client(victims[0]), m.forge(env, o.forge), "forged")
		}
	}
	applied, err := m.mg.Merge(mm)
	if err != nil {
		m.t.Fatalf("%s: the model cannot merge: %v", what, err)
	}
	prevTree := c.g.Tree()
	if err := c.g.MergePendingCommit(pc); err != nil {
		m.t.Fatalf("%s: MergePendingCommit: %v", what, err)
	}
	m.broadcast(env, c.id)
	if len(applied.Added) > 0 {
		m.join(c, pc.Welcome, mm.Commit, applied, o, prevTree)
	} else if pc.Welcome != nil {
		m.t.Fatalf("%s: a Welcome without Adds", what)
	}
	m.deliverAll()
	return true
}

// modelRef names a proposal of the model: its group and Ref.
type modelRef struct {
	group string
	ref   model.Ref
}

// recordProposalRef records the ProposalRef a member gave the model's
// proposal r on receipt; every member must give it the same one (RFC 9420,
// Section 5.2).
func (m *machine) recordProposalRef(what string, r modelRef, ref []byte) {
	m.t.Helper()
	if m.proposalRefs == nil {
		m.proposalRefs = map[modelRef][]byte{}
	}
	if old, ok := m.proposalRefs[r]; ok && !bytes.Equal(old, ref) {
		m.t.Fatalf("%s: ProposalRef %x, another member had %x", what, ref, old)
	}
	m.proposalRefs[r] = bytes.Clone(ref)
}

// checkLeftOut checks that ref/group's Commit leaves out the same pending
// proposals as the model's (RFC 9420, Section 12.4, R-12.4-3). refs and
// mrefs are the committer's pending proposals before the Commit, in the
// order received, in ref/group (ProposalRefs) and in the model (Refs). A
// model Ref gets its ProposalRef from the members that received it
// (recordProposalRef); the committer's own proposals that nobody received
// yet pair up, in order, with the ProposalRefs left. ref/group keeps a
// proposal received twice once (the same AuthenticatedContent has the same
// ProposalRef: a replay, or an identical proposal signed again with a
// deterministic signature scheme), where the model keeps two Refs; such a
// later copy is dropped from the model's list. The two lists must then be
// the same, and PendingCommit.LeftOut must list, in that order, exactly
// the pending proposals the model's Commit does not cover, each with an
// error naming a rule.
func (m *machine) checkLeftOut(what string, refs [][]byte, mrefs []model.Ref, pc *group.PendingCommit, commit *model.Commit) {
	m.t.Helper()
	m.cfg.Stats.check(1)
	byModel := make([][]byte, len(mrefs))
	known := map[string]bool{}
	var unknown []int
	for i, r := range mrefs {
		if ref, ok := m.proposalRefs[modelRef{commit.Group, r}]; ok {
			byModel[i] = ref
			known[string(ref)] = true
		} else {
			unknown = append(unknown, i)
		}
	}
	var rest [][]byte
	for _, ref := range refs {
		if !known[string(ref)] {
			rest = append(rest, ref)
		}
	}
	if len(rest) != len(unknown) {
		m.t.Fatalf("%s: ref/group has %d pending proposals no other member received, the model %d", what, len(rest), len(unknown))
	}
	for k, i := range unknown {
		byModel[i] = rest[k]
	}
	// Drop the model's later copies of a proposal ref/group keeps once.
	count := map[string]int{}
	for _, ref := range refs {
		count[string(ref)]++
	}
	used := map[string]int{}
	var aligned []model.Ref
	var alignedRefs [][]byte
	for i, ref := range byModel {
		if used[string(ref)]++; used[string(ref)] > count[string(ref)] {
			continue
		}
		aligned = append(aligned, mrefs[i])
		alignedRefs = append(alignedRefs, ref)
	}
	if len(alignedRefs) != len(refs) {
		m.t.Fatalf("%s: ref/group has %d proposals pending, the model %d (%d after duplicates)", what, len(refs), len(mrefs), len(alignedRefs))
	}
	for i := range refs {
		if !bytes.Equal(refs[i], alignedRefs[i]) {
			m.t.Fatalf("%s: ref/group's pending proposal %d is %x, the model's %x", what, i, refs[i], alignedRefs[i])
		}
	}
	covered := map[model.Ref]bool{}
	for _, e := range commit.Entries {
		if e.Ref != 0 {
			covered[e.Ref] = true
		}
	}
	var want [][]byte
	for i, r := range aligned {
		if !covered[r] {
			want = append(want, refs[i])
		}
	}
	if len(pc.LeftOut) != len(want) {
		m.t.Fatalf("%s: ref/group leaves out %d pending proposals, the model %d", what, len(pc.LeftOut), len(want))
	}
	for i, lo := range pc.LeftOut {
		if !bytes.Equal(lo.Ref, want[i]) {
			m.t.Fatalf("%s: ref/group's left-out proposal %d is %x, the model's %x", what, i, lo.Ref, want[i])
		}
		if mlserr.RequirementOf(lo.Err) == "" && !strings.Contains(fmt.Sprint(lo.Err), "RFC 9420") {
			m.t.Fatalf("%s: left-out proposal %d: %v names no rule", what, i, lo.Err)
		}
	}
	if len(pc.LeftOut) > 0 {
		m.cfg.Stats.event(fmt.Sprintf("event: committer leaves out a pending proposal (%s)", mlserr.RequirementOf(pc.LeftOut[0].Err)))
	}
	if len(aligned) < len(mrefs) {
		m.cfg.Stats.event("event: a proposal received twice with one ProposalRef")
	}
}

// others returns the current members other than c.
func (m *machine) others(c *client) []model.ClientID {
	var out []model.ClientID
	for _, id := range m.current() {
		if id != c.id {
			out = append(out, id)
		}
	}
	return out
}

// join has the clients a confirmed Commit added join from its Welcome,
// with the tree in the Welcome or, when it was left out, the committer's
// tree out of band.
func (m *machine) join(committer *client, wel *group.Welcome, commit *model.Commit, applied model.Applied, o commitOptions, prevTree *tree.RatchetTree) {
	m.t.Helper()
	if wel == nil {
		m.t.Fatalf("a Commit adding %d members without a Welcome", len(applied.Added))
	}
	wb, err := wel.Marshal()
	if err != nil {
		m.t.Fatal(err)
	}
	kpOf := map[model.ClientID]*keyPackage{}
	for _, e := range commit.Entries {
		if e.Proposal.Type == model.Add {
			kpOf[e.Proposal.KeyPackage.Client] = m.kps[e.Proposal.KeyPackage.ID]
		}
	}
	epoch := m.mg.Epoch()
	for i, a := range applied.Added {
		c := m.client(a.Client)
		kp := kpOf[a.Client]
		w, err := group.DecodeWelcome(wb)
		if err != nil {
			m.t.Fatalf("the Welcome does not decode: %v", err)
		}
		src := model.TreeSource{InWelcome: true}
		var rt *tree.RatchetTree
		if o.omitTree {
			if i == 0 && o.wrongTree {
				what := fmt.Sprintf("join %s with the tree of epoch %d", c.name, epoch-1)
				_, err := group.JoinGroup(w, kp.kp, kp.priv, prevTree, m.config(c))
				m.expect(what, m.mg.Join(c.id, kp.m, epoch, model.TreeSource{Epoch: epoch - 1}), err)
				m.logf("%s: %v", what, err)
			}
			src, rt = model.TreeSource{Epoch: epoch}, committer.g.Tree()
		}
		g, err := group.JoinGroup(w, kp.kp, kp.priv, rt, m.config(c))
		what := fmt.Sprintf("join %s (tree in Welcome: %v)", c.name, src.InWelcome)
		m.expect(what, m.mg.Join(c.id, kp.m, epoch, src), err)
		m.logf("%s at leaf %d", what, a.Leaf)
		c.g = g
		delete(m.inbox, c.id)
		delete(m.bag, c.id)
		delete(m.seen, c.id)
		delete(m.lagging, c.id)
	}
}
