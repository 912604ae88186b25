package proptest

import (
	"fmt"
	"slices"

	"pgregory.net/rapid"

	"github.com/mlsref/mlsref/model"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// The application's own types (RFC 9420, Section 13.1): two proposal
// types whose body is an opaque<V>, registered by every client but the
// legacy ones, the first of which external senders may send (Section
// 12.1.8), and an extension type their capabilities list.
const (
	appProposal  = model.ProposalType(0xF0A1)
	appInternal  = model.ProposalType(0xF0B1)
	appExtension = uint16(0xF0A2)
	// greaseExtension is the GREASE value (RFC 9420, Section 13.5) of the
	// extensions of GREASE KeyPackages.
	greaseExtension = extension.ExtensionType(0x3A3A)
	// greaseProposal is a GREASE value listed as a proposal type.
	greaseProposal = model.ProposalType(0x5A5A)
)

// appProp is a proposal of an application-defined type for ref/group and
// the model.
type appProp struct {
	gp *group.Proposal
	p  model.Proposal
}

// appBody is the body of an appProposal: an opaque<V>.
type appBody struct{ Data []byte }

func (b *appBody) MarshalMLS(w *codec.Writer)   { w.Opaque(b.Data) }
func (b *appBody) UnmarshalMLS(r *codec.Reader) { b.Data = r.OpaqueCopy() }

// appRefused is the body the application's validation refuses.
const appRefused = "refused"

var errAppRefuses = mlserr.New("", mlserr.ErrInvalidProposal, "the application refuses this body (RFC 9420, Section 13.2)")

// appHandlers registers appProposal and appInternal (RFC 9420, Sections
// 13.1 and 13.2).
var appHandlers = group.ProposalHandlers{
	group.ProposalType(appProposal): appHandler(true),
	group.ProposalType(appInternal): appHandler(false),
}

// appTypes are the application's proposal types; appExternal those
// external senders may send.
var (
	appTypes    = []model.ProposalType{appProposal, appInternal}
	appExternal = map[model.ProposalType]bool{appProposal: true}
)

func appHandler(external bool) group.ProposalHandler {
	return group.ProposalHandler{
		Decode: func(r *codec.Reader) codec.Marshaler {
			b := new(appBody)
			b.UnmarshalMLS(r)
			return b
		},
		Validate: func(body codec.Marshaler, _ framing.Sender) error {
			if string(body.(*appBody).Data) == appRefused {
				return errAppRefuses
			}
			return nil
		},
		External: external,
	}
}

// handlers returns the proposal types c's application registered.
func (c *client) handlers() group.ProposalHandlers {
	if c.legacy {
		return nil
	}
	return appHandlers
}

// appProposalOf returns a proposal of one of the application's types,
// one its validation refuses when refused is set, for ref/group and the
// model.
func (m *machine) appProposalOf(refused bool) (*group.Proposal, model.Proposal) {
	t := rapid.SampledFrom(appTypes).Draw(m.t, "appType")
	data := fmt.Sprintf("app proposal %d", m.serial)
	m.serial++
	if refused {
		data = appRefused
	}
	p, err := group.NewCustomProposal(group.ProposalType(t), &appBody{Data: []byte(data)})
	if err != nil {
		m.t.Fatal(err)
	}
	return p, model.Proposal{Type: t, AppRefuses: refused}
}

// capabilities returns the capabilities of c's KeyPackages for suite
// (RFC 9420, Section 7.2), for ref/group and the model: the application's
// types unless c is legacy, and GREASE values in all four lists when
// grease is set (Section 13.5).
func (m *machine) capabilities(c *client, suite *ciphersuite.Suite, grease bool) (*tree.Capabilities, model.Capabilities) {
	caps := &tree.Capabilities{
		Versions:     []tree.ProtocolVersion{tree.MLS10},
		CipherSuites: []ciphersuite.ID{suite.ID()},
		Extensions:   []extension.ExtensionType{},
		Proposals:    []tree.ProposalType{},
		Credentials:  []credential.CredentialType{credential.Basic},
	}
	var mc model.Capabilities
	if !c.legacy {
		caps.Extensions = append(caps.Extensions, extension.ExtensionType(appExtension))
		mc.Extensions = append(mc.Extensions, appExtension)
		for _, t := range appTypes {
			caps.Proposals = append(caps.Proposals, tree.ProposalType(t))
			mc.Proposals = append(mc.Proposals, t)
		}
	}
	if grease {
		caps.CipherSuites = append(caps.CipherSuites, ciphersuite.ID(0x6A6A))
		caps.Credentials = append(caps.Credentials, credential.CredentialType(0x7A7A))
		for _, e := range []extension.ExtensionType{greaseExtension, greaseExtension + 0x1010} {
			caps.Extensions = append(caps.Extensions, e)
			mc.Extensions = append(mc.Extensions, uint16(e))
		}
		caps.Proposals = append(caps.Proposals, tree.ProposalType(greaseProposal))
		mc.Proposals = append(mc.Proposals, greaseProposal)
	}
	return caps, mc
}

// capsOf returns the capabilities the model gives c's KeyPackages.
func (m *machine) capsOf(c *client) model.Capabilities {
	_, mc := m.capabilities(c, m.suite, false)
	return mc
}

// fits reports whether a KeyPackage of client id satisfies the group's
// required_capabilities and those of every GroupContextExtensions sent in
// the epoch (RFC 9420, Section 11.1): an Add by reference of one that
// does not would make every Commit of the epoch invalid.
func (m *machine) fits(id model.ClientID) bool {
	caps := m.capsOf(m.client(id))
	if !caps.Covers(m.mg.State(m.mg.Epoch()).Required) {
		return false
	}
	for _, p := range m.pendingOf(model.GroupContextExtensions) {
		if !caps.Covers(p.Required) {
			return false
		}
	}
	return true
}

// addable returns the non-members an Add by reference may name.
func (m *machine) addable() []model.ClientID {
	var out []model.ClientID
	for _, id := range m.nonMembers() {
		if m.fits(id) {
			out = append(out, id)
		}
	}
	return out
}

// gceProposalWith returns a GroupContextExtensions proposal that lists n
// external senders and, when req is set, a required_capabilities
// extension naming req's types (RFC 9420, Sections 11.1, 12.1.7 and
// 12.1.8.1); withGREASE adds a GREASE extension, which a sender must not
// (R-13.5-7).
func (m *machine) gceProposalWith(n int, req *model.Capabilities, withGREASE bool) *group.Proposal {
	p := m.gceProposal(n)
	exts := &p.GroupContextExtensions.Extensions
	if req != nil {
		rc := &tree.RequiredCapabilities{ExtensionTypes: []extension.ExtensionType{}, ProposalTypes: []tree.ProposalType{}, CredentialTypes: []credential.CredentialType{}}
		for _, t := range req.Extensions {
			rc.ExtensionTypes = append(rc.ExtensionTypes, extension.ExtensionType(t))
		}
		for _, t := range req.Proposals {
			rc.ProposalTypes = append(rc.ProposalTypes, tree.ProposalType(t))
		}
		*exts = append(*exts, extension.Extension{ExtensionType: extension.RequiredCapabilities, ExtensionData: codec.Encode(rc)})
	}
	if withGREASE {
		*exts = append(*exts, extension.Extension{ExtensionType: greaseExtension, ExtensionData: []byte{}})
	}
	return p
}

// proposeLost has c propose p (gp for ref/group); the proposal reaches
// nobody, and c then commits its pending proposals (RFC 9420, Section
// 12.4), leaving out those that would make the list invalid (R-12.4-3),
// as the model does. It reports whether the proposal was sent.
func (m *machine) proposeLost(c *client, gp *group.Proposal, p model.Proposal, what string) bool {
	public := rapid.Bool().Draw(m.t, "public")
	what = fmt.Sprintf("%s by %s", what, c.name)
	before := m.state(c)
	_, err := c.g.Propose(gp, public)
	_, v := m.mg.Propose(c.id, p, public)
	m.expect(what, v, err)
	if !v.Accept() {
		m.unchanged(c, before, what)
		return false
	}
	m.commit(c, commitOptions{public: rapid.Bool().Draw(m.t, "public")}, "commit-"+what0(what))
	return true
}

// customProposal: proposals of the application's own type (RFC 9420,
// Sections 12.1, 13.1 and 13.2). A current member proposes one by
// reference, which every member must support (R-13.2-1 on the sender's
// side), sometimes committed; or commits one or two by value, sometimes
// with a Remove (refused when a member that stays does not support the
// type, R-13.2-1, or the committer's application did not register it,
// R-12.2-15); or proposes one its application's validation refuses,
// which reaches nobody, and its Commit leaves it out (R-12.4-3); or an external sender
// sends one (Section 12.1.8): accepted, and sometimes committed, when the
// type's specification lets external senders send it (appProposal);
// otherwise every member refuses it (R-12.1.8-2, appInternal), and a
// member whose application did not register it cannot decode it.
func (m *machine) customProposal() {
	c := m.draw(m.current(), "member")
	switch rapid.IntRange(0, 3).Draw(m.t, "customVariant") {
	case 0:
		gp, p := m.appProposalOf(false)
		public := rapid.Bool().Draw(m.t, "public")
		what := "propose-custom by " + c.name
		before := m.state(c)
		msg, err := c.g.Propose(gp, public)
		mm, v := m.mg.Propose(c.id, p, public)
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
	case 1:
		o := commitOptions{public: rapid.Bool().Draw(m.t, "public")}
		for range rapid.IntRange(1, 2).Draw(m.t, "customs") {
			gp, p := m.appProposalOf(false)
			o.custom = append(o.custom, appProp{gp, p})
		}
		if rapid.Bool().Draw(m.t, "withRemove") {
			// A member the Commit removes need not support the type
			// (R-12.2-15): legacy members are candidates too.
			cands := m.removable(c)
			if len(cands) > 0 {
				o.removes = []uint32{rapid.SampledFrom(cands).Draw(m.t, "removed")}
			}
		}
		m.commit(c, o, "customCommit")
	case 2:
		gp, p := m.appProposalOf(true)
		m.proposeLost(c, gp, p, "propose-custom[refused, lost]")
	default:
		n := m.mg.State(m.mg.Epoch()).ExternalSenders
		index := 0
		if n > 0 {
			index = rapid.IntRange(0, n-1).Draw(m.t, "externalSender")
		}
		if n == 0 {
			m.t.Skip("the group lists no external sender")
		}
		gp, p := m.appProposalOf(false)
		msg, err := group.NewExternalProposal(m.suite, m.groupID, m.mg.Epoch(), uint32(index), m.externalPriv(index), gp, nil)
		mm, v := m.mg.ProposeExternal(uint32(index), p, false)
		m.expect(fmt.Sprintf("externalPropose-custom[sender %d of %d]", index, n), v, err)
		if !v.Accept() {
			return
		}
		m.broadcast(m.wrap(msg, mm), -1)
		m.deliverAll()
		if rapid.Bool().Draw(m.t, "commit") {
			m.commitPending()
		}
	}
}

// requiredCapabilities: GroupContextExtensions with a
// required_capabilities extension (RFC 9420, Sections 11.1, 12.1.7 and
// 12.2). A current member proposes one requiring the application's
// proposal type, sometimes its extension type too, keeping the external
// senders: when every member and every pending Add supports them it goes
// out and is committed; otherwise it reaches nobody and the proposer's
// Commit leaves it out (R-12.2-16, R-12.4-3). Or one requiring a GREASE value, which no
// client supports (R-12.2-16, Section 13.5). Or one dropping the
// requirement, committed, sometimes by a Commit that also adds a client
// lacking it, which the new extensions admit (R-12.3-3). Or a Commit adding a client, a legacy one when
// there is one to add: refused while the requirement stands (R-12.2-3
// and R-12.2-16), accepted otherwise.
func (m *machine) requiredCapabilities() {
	if len(m.pendingOf(model.GroupContextExtensions)) > 0 {
		m.t.Skip("a GroupContextExtensions is pending")
	}
	c := m.draw(m.current(), "member")
	st := m.mg.State(m.mg.Epoch())
	n := st.ExternalSenders
	switch rapid.IntRange(0, 3).Draw(m.t, "requiredVariant") {
	case 0, 1:
		req := &model.Capabilities{Proposals: []model.ProposalType{appProposal}}
		if rapid.Bool().Draw(m.t, "requireExtension") {
			req.Extensions = []uint16{appExtension}
		}
		name := "requireApp"
		if rapid.IntRange(0, 3).Draw(m.t, "requireGREASE") == 0 {
			req, name = &model.Capabilities{Proposals: []model.ProposalType{greaseProposal}}, "requireGREASE"
		}
		p := model.Proposal{Type: model.GroupContextExtensions, ExternalSenders: n, Required: req}
		gp := m.gceProposalWith(n, req, false)
		if !m.everyoneCovers(req) {
			m.proposeLost(c, gp, p, fmt.Sprintf("propose-gce[%s, lost]", name))
			return
		}
		m.sendProposal(c, p, gp, rapid.Bool().Draw(m.t, "public"))
		m.commitPending()
	case 2:
		p := model.Proposal{Type: model.GroupContextExtensions, ExternalSenders: n}
		m.sendProposal(c, p, m.gceProposalWith(n, nil, false), rapid.Bool().Draw(m.t, "public"))
		if st.Required != nil && m.mg.Current(c.id) {
			// The Commit of the GroupContextExtensions adds a client
			// that only the new GroupContext admits (R-12.3-3).
			var legacy []model.ClientID
			for _, id := range m.nonMembers() {
				if !m.capsOf(m.client(id)).Covers(st.Required) {
					legacy = append(legacy, id)
				}
			}
			if len(legacy) > 0 {
				j := m.client(rapid.SampledFrom(legacy).Draw(m.t, "legacy"))
				m.commit(c, commitOptions{adds: []*keyPackage{m.newKeyPackage(j, model.NoDefect)}}, "dropRequired+add")
				return
			}
		}
		m.commitPending()
	default:
		cands := m.nonMembers()
		var legacy []model.ClientID
		for _, id := range cands {
			if m.client(id).legacy {
				legacy = append(legacy, id)
			}
		}
		if len(legacy) > 0 {
			cands = legacy
		}
		j := m.draw(cands, "joiner")
		m.commit(c, commitOptions{adds: []*keyPackage{m.newKeyPackage(j, model.NoDefect)}, public: rapid.Bool().Draw(m.t, "public")}, fmt.Sprintf("addRequired[legacy %v]", j.legacy))
	}
}

// everyoneCovers reports whether every member of the current tree and
// every KeyPackage a pending Add names supports req (RFC 9420, Section
// 11.1).
func (m *machine) everyoneCovers(req *model.Capabilities) bool {
	st := m.mg.State(m.mg.Epoch())
	for _, mem := range st.Tree.Roster() {
		if !st.Caps[mem.Client].Covers(req) {
			return false
		}
	}
	for _, p := range m.pendingOf(model.Add) {
		if !p.KeyPackage.Caps.Covers(req) {
			return false
		}
	}
	return true
}

// grease: GREASE values (RFC 9420, Section 13.5) sent where the RFC allows
// them and ignored by the receivers: a client whose KeyPackage lists
// GREASE values in its capabilities and carries GREASE extensions in its
// LeafNode and KeyPackage is added by a Commit whose Welcome's GroupInfo
// may carry GREASE extensions, and then commits with a path (its LeafNode
// keeps them); or joins by external Commit from a GroupInfo carrying a
// GREASE extension. The model predicts no effect. And where the
// RFC forbids them, the sender refuses: a GREASE proposal type (R-13.5-4)
// and a GREASE extension in a GroupContextExtensions (R-13.5-7).
func (m *machine) grease() {
	c := m.draw(m.current(), "member")
	switch rapid.IntRange(0, 2).Draw(m.t, "greaseVariant") {
	case 0:
		j := m.draw(m.nonMembers(), "joiner")
		kp := m.newKeyPackageWith(j, model.NoDefect, true)
		if !m.commit(c, commitOptions{adds: []*keyPackage{kp}, public: rapid.Bool().Draw(m.t, "public"), grease: true}, "addGREASE") {
			return
		}
		if m.mg.Current(j.id) && slices.Contains(m.current(), j.id) {
			m.commit(j, commitOptions{forcePath: true, public: rapid.Bool().Draw(m.t, "public")}, "commitGREASE")
		}
	case 1:
		m.externalJoinGREASE(c)
	default:
		public := rapid.Bool().Draw(m.t, "public")
		var gp *group.Proposal
		var p model.Proposal
		what := "propose-greaseType"
		if rapid.Bool().Draw(m.t, "greaseGCE") {
			n := m.mg.State(m.mg.Epoch()).ExternalSenders
			gp = m.gceProposalWith(n, nil, true)
			p = model.Proposal{Type: model.GroupContextExtensions, ExternalSenders: n, GroupExtensions: []uint16{uint16(greaseExtension)}}
			what = "propose-gce[GREASE]"
		} else {
			gp = &group.Proposal{ProposalType: group.ProposalType(greaseProposal), Custom: &appBody{}}
			p = model.Proposal{Type: greaseProposal}
		}
		what += " by " + c.name
		before := m.state(c)
		_, err := c.g.Propose(gp, public)
		_, v := m.mg.Propose(c.id, p, public)
		m.expect(what, v, err)
		if v.Accept() {
			m.t.Fatalf("%s: the model accepts a GREASE value where RFC 9420 forbids it", what)
		}
		m.unchanged(c, before, what)
	}
}

// externalJoinGREASE: s exports a GroupInfo with external_pub and the
// tree until one carries a GREASE extension (ref/group adds them at
// random, RFC 9420, Section 13.5), and a new client with a GREASE
// KeyPackage joins by external Commit.
func (m *machine) externalJoinGREASE(s *client) {
	if m.mg.State(m.mg.Epoch()).ReInit {
		m.t.Skip("the group was reinitialized")
	}
	var gi *group.GroupInfo
	for range 8 {
		g, err := s.g.ExportGroupInfo(group.GroupInfoOptions{ExternalPub: true, RatchetTree: true})
		if err != nil {
			m.t.Fatalf("ExportGroupInfo by %s: %v", s.name, err)
		}
		if slices.ContainsFunc(g.Extensions, func(e extension.Extension) bool { return extension.IsGREASE(uint16(e.ExtensionType)) }) {
			gi = g
			break
		}
	}
	if gi == nil {
		m.t.Skip("no GroupInfo with a GREASE extension")
	}
	gib, err := gi.Marshal()
	if err != nil {
		m.t.Fatal(err)
	}
	if gi, err = group.DecodeGroupInfo(gib); err != nil {
		m.t.Fatalf("the GroupInfo does not decode: %v", err)
	}
	c := m.draw(m.nonMembers(), "joiner")
	kp := m.newKeyPackageWith(c, model.NoDefect, true)
	m.externalCommit(c, kp, gi, &group.ExternalJoinOptions{}, nil, nil, "externalJoinGREASE")
}
