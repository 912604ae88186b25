package proptest

import (
	"fmt"

	"pgregory.net/rapid"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/model"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
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
		o.psks, name = []string{unknownPSK}, "pskCommit-unknown"
	default:
		p := rapid.SampledFrom(knownPSKs).Draw(m.t, "psk")
		o.psks, name = []string{p, p}, "pskCommit-duplicate"
	}
	m.commit(c, o, fmt.Sprintf("%s%v", name, o.psks))
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
// its Commit of both is refused (R-12.2-11).
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
// 11.2 and 12.1.5); it must be alone (R-12.2-12): with pending proposals
// or an Add or Remove by value, the Commit is refused. Once a ReInit is
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
		// A valid ReInit ends the sequence's group: only one in eight.
		if rapid.IntRange(0, 7).Draw(m.t, "closeGroup") != 0 {
			m.t.Skip("the group stays open")
		}
	}
	m.commit(c, o, "reInit")
}
