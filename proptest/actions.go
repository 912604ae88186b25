package proptest

import (
	"fmt"

	"pgregory.net/rapid"

	"github.com/mlsref/mlsref/model"
	"github.com/mlsref/mlsref/ref/group"
)

// OperationKinds lists the operations of the state machine, the
// "operation kinds" a campaign reports coverage of.
func OperationKinds() []string {
	kinds := []string{"create"}
	for _, op := range (&machine{}).ops() {
		kinds = append(kinds, op.name)
	}
	return kinds
}

type op struct {
	name string
	f    func()
}

// maxOps bounds the number of operations: a step draws its operation as
// an index in [0, maxOps), drawing again while the index is beyond the
// list, so that a fail file saved by an earlier version of the list (which
// records the draws) still replays the same operations, at least up to a
// draw that the earlier version redrew.
const maxOps = 32

// ops lists the operations. Append only: a fail file records operations
// by their index in this list.
func (m *machine) ops() []op {
	return []op{
		{"chat", m.chat},
		{"addMembers", m.addMembers},
		{"commitPending", m.commitPending},
		{"proposeAndCommit", m.proposeAndCommit},
		{"removeMembers", m.removeMembers},
		{"propose", m.propose},
		{"sendApplication", m.sendApplication},
		{"deliverApplication", m.deliverApplication},
		{"replay", m.replay},
		{"forge", m.forgeMessage},
		{"lag", m.lag},
		{"catchUp", m.catchUp},
		{"conflictingCommits", m.conflictingCommits},
		{"removedCommits", m.removedCommits},
		{"addExisting", m.addExisting},
		{"badRemove", m.badRemove},
		{"badKeyPackage", m.badKeyPackage},
		{"conflictingProposals", m.conflictingProposals},
		{"pskCommit", m.pskCommit},
		{"proposePSK", m.proposePSK},
		{"groupContextExtensions", m.gce},
		{"reInit", m.reInit},
		{"externalProposal", m.externalProposal},
		{"newMemberProposal", m.newMemberProposal},
		{"externalJoin", m.externalJoin},
		{"customProposal", m.customProposal},
		{"requiredCapabilities", m.requiredCapabilities},
		{"grease", m.grease},
		{"branch", m.branch},
	}
}

// actions returns the rapid actions: one step, which draws an operation
// and runs it, and the invariant check run after each step.
func (m *machine) actions() map[string]func(*rapid.T) {
	ops := m.ops()
	return map[string]func(*rapid.T){
		"step": func(t *rapid.T) {
			m.t = t
			i := rapid.IntRange(0, maxOps-1).Draw(t, "op")
			for i >= len(ops) {
				i = rapid.IntRange(0, maxOps-1).Draw(t, "op")
			}
			m.logf("step: %s", ops[i].name)
			ops[i].f()
			m.cfg.Stats.step(ops[i].name)
		},
		"": func(t *rapid.T) {
			m.t = t
			m.check()
		},
	}
}

// addMembers: a current member commits Adds of 1 to 5 new clients by
// value, sometimes with a Remove, with the tree in the Welcome or out of
// band.
func (m *machine) addMembers() {
	c := m.draw(m.current(), "committer")
	joiners := m.drawSome(m.nonMembers(), 1, 5, "joiners")
	o := commitOptions{
		public:    rapid.Bool().Draw(m.t, "public"),
		omitTree:  rapid.Bool().Draw(m.t, "omitTree"),
		forcePath: rapid.Bool().Draw(m.t, "forcePath"),
	}
	o.wrongTree = o.omitTree && rapid.Bool().Draw(m.t, "wrongTree")
	for _, j := range joiners {
		o.adds = append(o.adds, m.newKeyPackage(j, model.NoDefect))
	}
	if rapid.IntRange(0, 3).Draw(m.t, "withRemove") == 0 {
		if targets := m.removable(c); len(targets) > 0 {
			o.removes = []uint32{rapid.SampledFrom(targets).Draw(m.t, "removed")}
		}
	}
	m.commit(c, o, fmt.Sprintf("addMembers%s", names(joiners)))
}

// removable returns the leaves c may remove: other members that no
// pending proposal touches.
func (m *machine) removable(c *client) []uint32 {
	touched := m.touched()
	var out []uint32
	for _, mem := range m.mg.Tree().Roster() {
		if mem.Client != c.id && !touched[mem.Leaf] {
			out = append(out, mem.Leaf)
		}
	}
	return out
}

// removeMembers: a current member commits the Removes of 1 to 3 others by
// value.
func (m *machine) removeMembers() {
	c := m.draw(m.current(), "committer")
	targets := m.removable(c)
	if len(targets) == 0 {
		m.t.Skip("nobody to remove")
	}
	rm := rapid.SliceOfNDistinct(rapid.SampledFrom(targets), 1, min(3, len(targets)), func(l uint32) uint32 { return l }).Draw(m.t, "removed")
	m.commit(c, commitOptions{removes: rm, public: rapid.Bool().Draw(m.t, "public")}, fmt.Sprintf("removeMembers%v", rm))
}

// commitPending: a current member commits every pending proposal by
// reference; with none pending this is an empty Commit with a path.
func (m *machine) commitPending() {
	c := m.draw(m.current(), "committer")
	m.commit(c, commitOptions{public: rapid.Bool().Draw(m.t, "public"), forcePath: rapid.Bool().Draw(m.t, "forcePath")}, "commitPending")
}

// proposeOne has a current member propose an Add, a Remove or an Update
// that keeps the epoch's proposals committable, and queues it for the
// others. It returns false when no such proposal exists.
func (m *machine) proposeOne(c *client) bool {
	kind := rapid.SampledFrom([]model.ProposalType{model.Add, model.Remove, model.Update}).Draw(m.t, "proposal")
	public := rapid.Bool().Draw(m.t, "public")
	touched := m.touched()
	me := m.leafOf(c)
	var p model.Proposal
	var gp *group.Proposal
	switch kind {
	case model.Add:
		cands := m.addable()
		if len(cands) == 0 {
			return false
		}
		kp := m.newKeyPackage(m.client(rapid.SampledFrom(cands).Draw(m.t, "added")), model.NoDefect)
		p = model.Proposal{Type: model.Add, KeyPackage: kp.m}
		gp = &group.Proposal{ProposalType: group.ProposalTypeAdd, Add: &group.Add{KeyPackage: *kp.kp}}
	case model.Remove:
		var cands []uint32
		for _, l := range m.removable(c) {
			if m.someoneCanCommit(l) {
				cands = append(cands, l)
			}
		}
		if len(cands) == 0 {
			return false
		}
		l := rapid.SampledFrom(cands).Draw(m.t, "removed")
		p = model.Proposal{Type: model.Remove, Removed: l}
		gp = &group.Proposal{ProposalType: group.ProposalTypeRemove, Remove: &group.Remove{Removed: l}}
	case model.Update:
		if touched[me] {
			return false
		}
		p = model.Proposal{Type: model.Update}
	}
	m.sendProposal(c, p, gp, public)
	return true
}

// sendProposal has c send p (gp for ref/group, nil for an Update) and
// queues it for the others.
func (m *machine) sendProposal(c *client, p model.Proposal, gp *group.Proposal, public bool) {
	what := fmt.Sprintf("propose-%v by %s", p.Type, c.name)
	before := m.state(c)
	var msg *group.MLSMessage
	var err error
	if gp == nil {
		msg, err = c.g.ProposeUpdate(public)
	} else {
		msg, err = c.g.Propose(gp, public)
	}
	mm, v := m.mg.Propose(c.id, p, public)
	m.expect(what, v, err)
	if !v.Accept() {
		m.unchanged(c, before, what)
		return
	}
	m.logf("%s: %v", what, mm)
	m.broadcast(m.wrap(msg, mm), c.id)
	m.deliverAll()
}

// conflictingProposals: 1 to 3 members propose to remove the same member,
// which proposes 0 to 2 Updates of its own; the next Commit covers the
// first Remove only (RFC 9420, Section 12.2).
func (m *machine) conflictingProposals() {
	target := m.draw(m.current(), "target")
	l := m.leafOf(target)
	if !m.someoneCanCommit(l) {
		m.t.Skip("nobody could commit")
	}
	for range rapid.IntRange(0, 2).Draw(m.t, "updates") {
		m.sendProposal(target, model.Proposal{Type: model.Update}, nil, rapid.Bool().Draw(m.t, "public"))
	}
	var others []model.ClientID
	for _, id := range m.current() {
		if id != target.id {
			others = append(others, id)
		}
	}
	for _, c := range m.drawSome(others, 1, 3, "proposers") {
		if m.mg.Current(c.id) {
			m.sendProposal(c, model.Proposal{Type: model.Remove, Removed: l}, &group.Proposal{ProposalType: group.ProposalTypeRemove, Remove: &group.Remove{Removed: l}}, rapid.Bool().Draw(m.t, "public"))
		}
	}
	m.commitPending()
}

// someoneCanCommit reports whether, with leaf l removed by a pending
// proposal, some current member would still be able to commit.
func (m *machine) someoneCanCommit(l uint32) bool {
	for _, id := range m.current() {
		leaf, _ := m.mg.Tree().LeafOf(id)
		if leaf != l && !removedPending(m.mg, leaf) {
			return true
		}
	}
	return false
}

// removedPending reports whether a pending proposal removes leaf l.
func removedPending(g *model.Group, l uint32) bool {
	for _, sp := range g.Proposals(g.Epoch()) {
		if sp.Proposal.Type == model.Remove && sp.Proposal.Removed == l {
			return true
		}
	}
	return false
}

// propose: one current member sends a proposal by reference.
func (m *machine) propose() {
	c := m.draw(m.current(), "proposer")
	if !m.proposeOne(c) {
		m.t.Skip("no proposal fits")
	}
}

// proposeAndCommit: 2 to 4 current members send proposals, then one
// current member commits them all by reference.
func (m *machine) proposeAndCommit() {
	for _, c := range m.drawSome(m.current(), 1, 4, "proposers") {
		if m.mg.Current(c.id) {
			m.proposeOne(c)
		}
	}
	m.commitPending()
}

// sendApplication: an active member (current or lagging) encrypts 1 to 3
// application messages; they are posted to every other client.
func (m *machine) sendApplication() {
	var senders []model.ClientID
	for _, c := range m.clients {
		if c.g != nil && m.mg.Active(c.id) {
			senders = append(senders, c.id)
		}
	}
	c := m.draw(senders, "sender")
	for range rapid.IntRange(1, 3).Draw(m.t, "count") {
		env := m.sendOne(c)
		if env == nil {
			return
		}
		m.post(env, c.id)
	}
}

// chat: 1 to 3 active members send bursts of 1 to 10 application
// messages; every other client holding a group state then receives them in
// a random order, some of them twice.
func (m *machine) chat() {
	var active []model.ClientID
	for _, c := range m.clients {
		if c.g != nil && m.mg.Active(c.id) {
			active = append(active, c.id)
		}
	}
	var sent []*envelope
	for _, c := range m.drawSome(active, 1, 3, "senders") {
		for range rapid.IntRange(1, 10).Draw(m.t, "burst") {
			env := m.sendOne(c)
			if env == nil {
				break
			}
			sent = append(sent, env)
		}
	}
	if len(sent) == 0 {
		return
	}
	for _, r := range m.clients {
		if r.g == nil {
			continue
		}
		order := rapid.Permutation(sent).Draw(m.t, "order")
		for range rapid.IntRange(0, 2).Draw(m.t, "duplicates") {
			order = append(order, order[rapid.IntRange(0, len(order)-1).Draw(m.t, "duplicate")])
		}
		for i, env := range order {
			if env.mm.Client == r.id || m.late(r, env) {
				continue
			}
			if i > 0 && order[i-1].mm.Client == env.mm.Client && order[i-1].mm.Generation > env.mm.Generation {
				m.cfg.Stats.event("event: application message out of order")
			}
			m.deliver(r, env, "chat")
		}
	}
}

// late counts the delivery of an application message of an epoch r has
// left; it returns false: late messages are delivered, and accepted when r
// still keeps their epoch (RFC 9420, Section 15.3).
func (m *machine) late(r *client, env *envelope) bool {
	if v := m.mg.View(r.id); v != nil && !v.Removed && v.Epoch > env.mm.Epoch {
		if m.mg.Judge(r.id, env.mm).Accept() {
			m.cfg.Stats.event("event: late application message within the kept epochs")
		} else {
			m.cfg.Stats.event("event: late application message beyond the kept epochs")
		}
	}
	return false
}

// sendOne has c encrypt one application message, and returns it, or nil
// when it is refused.
func (m *machine) sendOne(c *client) *envelope {
	m.serial++
	data := []byte(fmt.Sprintf("message %d from %s", m.serial, c.name))
	what := "sendApplication by " + c.name
	before := m.state(c)
	msg, err := c.g.SendApplication(data, []byte("ad"), m.serial%5)
	mm, v := m.mg.SendApplication(c.id)
	m.expect(what, v, err)
	if !v.Accept() {
		m.unchanged(c, before, what)
		return nil
	}
	env := m.wrap(msg, mm)
	env.data = data
	m.logf("%s: %v", what, mm)
	return env
}

// deliverApplication: one client receives one of its waiting application
// messages, in any order.
func (m *machine) deliverApplication() {
	var rcv []model.ClientID
	for _, c := range m.clients {
		if len(m.bag[c.id]) > 0 {
			rcv = append(rcv, c.id)
		}
	}
	c := m.draw(rcv, "receiver")
	bag := m.bag[c.id]
	i := rapid.IntRange(0, len(bag)-1).Draw(m.t, "message")
	env := bag[i]
	m.bag[c.id] = append(bag[:i:i], bag[i+1:]...)
	if m.late(c, env) {
		return
	}
	if i != 0 {
		m.cfg.Stats.event("event: application message out of order")
	}
	m.deliver(c, env, "deliverApplication")
}

// replay: a client receives again a message it has already accepted.
func (m *machine) replay() {
	var rcv []model.ClientID
	for _, c := range m.clients {
		if len(m.seen[c.id]) > 0 && c.g != nil {
			rcv = append(rcv, c.id)
		}
	}
	c := m.draw(rcv, "receiver")
	seen := m.seen[c.id]
	env := seen[rapid.IntRange(0, len(seen)-1).Draw(m.t, "message")]
	m.deliver(c, env, "replay")
}

// lag: a current member stops processing handshake messages for a while.
func (m *machine) lag() {
	if len(m.lagging) >= maxLag {
		m.t.Skip("enough laggards")
	}
	cur := m.current()
	if len(cur) < 2 {
		m.t.Skip("nobody else would be current")
	}
	c := m.draw(cur, "laggard")
	m.lagging[c.id] = true
	m.logf("lag: %s stops processing handshake messages", c.name)
}

// catchUp: a lagging member processes its inbox.
func (m *machine) catchUp() {
	c := m.draw(sortedIDs(m.lagging), "laggard")
	delete(m.lagging, c.id)
	m.logf("catchUp: %s processes %d messages", c.name, len(m.inbox[c.id]))
	if len(m.inbox[c.id]) > 0 {
		m.cfg.Stats.event("event: commit delivered late to a lagging member")
	}
	m.drain(c)
}

// conflictingCommits: two current members commit in the same epoch; the
// second is confirmed, and the first, now for a past epoch, is refused by
// the members that moved on.
func (m *machine) conflictingCommits() {
	cs := m.drawSome(m.current(), 2, 2, "committers")
	loser, winner := cs[0], cs[1]
	what := "conflictingCommit by " + loser.name
	before := m.state(loser)
	public := rapid.Bool().Draw(m.t, "public")
	pc, err := loser.g.Commit(&group.CommitOptions{ForcePath: true, PublicMessage: public})
	mm, v := m.mg.CreateCommit(loser.id, model.CommitOptions{ForcePath: true, Public: public})
	m.expect(what, v, err)
	if !v.Accept() {
		m.unchanged(loser, before, what)
		return
	}
	stale := m.wrap(pc.Message, mm)
	if !m.commit(winner, commitOptions{forcePath: true}, "winningCommit") {
		return
	}
	for _, id := range m.current() {
		if id != loser.id {
			m.deliver(m.client(id), stale, "staleCommit")
		}
	}
}

// removedCommits: a removed client tries to commit. One that has
// processed its removal cannot; one that has not yet (a laggard) can, but
// the Commit is for a past epoch and refused by the others.
func (m *machine) removedCommits() {
	var cands []model.ClientID
	for _, c := range m.clients {
		if c.g == nil {
			continue
		}
		v := m.mg.View(c.id)
		if _, in := m.mg.Tree().LeafOf(c.id); v.Removed || (!in && m.mg.Active(c.id)) {
			cands = append(cands, c.id)
		}
	}
	c := m.draw(cands, "removed")
	what := "removedCommit by " + c.name
	before := m.state(c)
	pc, err := c.g.Commit(&group.CommitOptions{ForcePath: true})
	mm, v := m.mg.CreateCommit(c.id, model.CommitOptions{ForcePath: true})
	m.expect(what, v, err)
	if !v.Accept() {
		m.unchanged(c, before, what)
		return
	}
	env := m.wrap(pc.Message, mm)
	for _, id := range m.current() {
		m.deliver(m.client(id), env, "removedCommit")
	}
}

// addExisting: a current member tries to add a client that is already a
// member (R-12.2-9), or the same new client twice (R-12.2-8).
func (m *machine) addExisting() {
	c := m.draw(m.current(), "committer")
	var o commitOptions
	if rapid.Bool().Draw(m.t, "twice") {
		j := m.draw(m.nonMembers(), "joiner")
		o.adds = []*keyPackage{m.newKeyPackage(j, model.NoDefect), m.newKeyPackage(j, model.NoDefect)}
	} else {
		var members []model.ClientID
		for _, mem := range m.mg.Tree().Roster() {
			members = append(members, mem.Client)
		}
		j := m.draw(members, "member")
		o.adds = []*keyPackage{m.newKeyPackage(j, model.NoDefect)}
	}
	m.commit(c, o, "addExisting")
}

// badRemove: a current member tries to remove a blank leaf, a leaf
// outside the tree, or itself.
func (m *machine) badRemove() {
	c := m.draw(m.current(), "committer")
	t := m.mg.Tree()
	cands := []uint32{m.leafOf(c), t.NumLeaves(), t.NumLeaves() + 7}
	for i := uint32(0); i < t.NumLeaves(); i++ {
		if _, ok := t.Leaf(i); !ok {
			cands = append(cands, i)
		}
	}
	l := rapid.SampledFrom(cands).Draw(m.t, "leaf")
	m.commit(c, commitOptions{removes: []uint32{l}}, fmt.Sprintf("badRemove[%d]", l))
}

// badKeyPackage: a current member tries to add a client with an expired
// KeyPackage or one of another cipher suite.
func (m *machine) badKeyPackage() {
	c := m.draw(m.current(), "committer")
	j := m.draw(m.nonMembers(), "joiner")
	d := rapid.SampledFrom([]model.Defect{model.Expired, model.WrongCipherSuite}).Draw(m.t, "defect")
	m.commit(c, commitOptions{adds: []*keyPackage{m.newKeyPackage(j, d)}}, "badKeyPackage-"+d.String())
}

// forgeMessage: a current member sends a message; a copy altered on the
// wire reaches another member first and is refused; then the genuine
// message goes out.
func (m *machine) forgeMessage() {
	c := m.draw(m.current(), "sender")
	if len(m.others(c)) == 0 {
		m.t.Skip("nobody to forge for")
	}
	pick := rapid.IntRange(0, 5).Draw(m.t, "forgery")
	switch pick % 3 {
	case 0:
		public := rapid.Bool().Draw(m.t, "public")
		f := model.ForgedCiphertext
		if public {
			f = forgeryFor(&envelope{mm: &model.Message{Public: true}}, pick)
		}
		m.commit(c, commitOptions{public: public, forcePath: true, forge: f}, "forgedCommit")
	case 1:
		m.serial++
		data := []byte(fmt.Sprintf("message %d from %s", m.serial, c.name))
		msg, err := c.g.SendApplication(data, nil, 0)
		mm, v := m.mg.SendApplication(c.id)
		m.expect("forgedApplication by "+c.name, v, err)
		if !v.Accept() {
			return
		}
		env := m.wrap(msg, mm)
		env.data = data
		victim := m.client(rapid.SampledFrom(m.others(c)).Draw(m.t, "victim"))
		m.deliver(victim, m.forge(env, model.ForgedCiphertext), "forged")
		m.post(env, c.id)
	default:
		if m.touched()[m.leafOf(c)] {
			m.t.Skip("already touched")
		}
		public := rapid.Bool().Draw(m.t, "public")
		before := m.state(c)
		msg, err := c.g.ProposeUpdate(public)
		mm, v := m.mg.Propose(c.id, model.Proposal{Type: model.Update}, public)
		m.expect("forgedProposal by "+c.name, v, err)
		if !v.Accept() {
			m.unchanged(c, before, "forgedProposal")
			return
		}
		env := m.wrap(msg, mm)
		victim := m.client(rapid.SampledFrom(m.others(c)).Draw(m.t, "victim"))
		m.deliver(victim, m.forge(env, forgeryFor(env, pick)), "forged")
		m.broadcast(env, c.id)
		m.deliverAll()
	}
}
