package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// World is everything the observer knows (RFC 9420, Section 3): the
// KeyPackages clients have published and the groups they form, under one
// receiver policy.
type World struct {
	Limits Limits
	// PSKs are the psk_ids of the external PSKs every client holds (RFC
	// 9420, Section 8.4); set it before CreateGroup.
	PSKs map[string]bool
	// ExternalTypes are the application-defined proposal types whose
	// specification lets external senders send them (Sections 12.1.8 and
	// 13.1); set it before CreateGroup.
	ExternalTypes map[ProposalType]bool
	kps           []KeyPackage
	groups        map[string]*Group
}

// NewWorld returns an empty world whose members apply lim (RFC 9420,
// Section 15.3).
func NewWorld(lim Limits) *World {
	return &World{Limits: lim, groups: map[string]*Group{}}
}

// NewKeyPackage records a fresh KeyPackage of client c with defect d (RFC
// 9420, Section 10).
func (w *World) NewKeyPackage(c ClientID, d Defect) KeyPackage {
	kp := KeyPackage{ID: len(w.kps) + 1, Client: c, Defect: d}
	w.kps = append(w.kps, kp)
	return kp
}

// Group returns the group named id, or nil (RFC 9420, Section 8.1).
func (w *World) Group(id string) *Group { return w.groups[id] }

// EpochState is the canonical state of a group in one epoch (RFC 9420,
// Sections 8.1 and 12.4): the shape of the ratchet tree, the members the
// Commit that opened the epoch added, the Commit that closed it, the
// number of external senders its GroupContext lists (Section 12.1.8.1),
// its required_capabilities (Section 11.1, nil for none), the capabilities
// each member's LeafNode lists (Section 7.2), and whether the Commit that
// opened it covered a ReInit, which closes the group (Section 12.4.2).
type EpochState struct {
	Epoch           uint64
	Tree            *Tree
	Added           []Member
	Commit          *Commit
	ExternalSenders int
	Required        *Capabilities
	Caps            map[ClientID]Capabilities
	ReInit          bool
}

// next returns the state of the epoch after st before the Commit's
// changes: the GroupContext's extensions and the members' capabilities
// carry over (RFC 9420, Section 12.4).
func (st *EpochState) next(t *Tree) *EpochState {
	caps := make(map[ClientID]Capabilities, len(st.Caps))
	for _, m := range t.Roster() {
		caps[m.Client] = st.Caps[m.Client]
	}
	return &EpochState{Epoch: st.Epoch + 1, Tree: t, ExternalSenders: st.ExternalSenders, Required: st.Required, Caps: caps}
}

// SentProposal is a proposal sent by reference in some epoch (RFC 9420,
// Section 12.1).
type SentProposal struct {
	Ref      Ref
	Epoch    uint64
	Proposal Proposal
}

// View is one client's own view of a group (RFC 9420, Sections 12.4.2, 14
// and 15): its leaf, the epoch it is in, the proposals it has received in
// that epoch, whether it has processed its own removal, and what it has
// sent and consumed of each secret tree.
type View struct {
	Client  ClientID
	Leaf    uint32
	Epoch   uint64
	Joined  uint64
	Pending []Ref
	Removed bool
	// Registers are the application-defined proposal types the client's
	// application registered (Section 13.1): in the model, those its
	// KeyPackage lists as supported.
	Registers []ProposalType
	windows   map[windowKey]*Window
	sent      map[sendKey]uint32
}

type windowKey struct {
	epoch     uint64
	sender    uint32
	handshake bool
}

type sendKey struct {
	epoch     uint64
	handshake bool
}

// Group is a group as the observer knows it (RFC 9420, Sections 8 and 12):
// its canonical history of epochs, the proposals sent in them, and the view
// of every client that has joined it.
type Group struct {
	ID        string
	limits    Limits
	psks      map[string]bool
	extTypes  map[ProposalType]bool
	epochs    []*EpochState
	views     map[ClientID]*View
	proposals map[Ref]*SentProposal
	nextRef   Ref
	serial    int
	// branchOf is the group this one was branched from, at branchEpoch
	// (Section 11.3).
	branchOf    *Group
	branchEpoch uint64
}

// CreateGroup records that client creator created group id from kp, alone
// in epoch 0 (RFC 9420, Section 11). The group must be new.
func (w *World) CreateGroup(id string, creator ClientID, kp KeyPackage) (*Group, Verdict) {
	var v Verdict
	if _, ok := w.groups[id]; ok {
		v.add("", mlserr.ErrInvalidInput, "11", "a group of this group_id exists")
	}
	if kp.Client != creator {
		v.add("", mlserr.ErrInvalidInput, "11", "the KeyPackage is another client's")
	}
	if kp.Defect == Expired {
		v.add("R-7.3-6", mlserr.ErrInvalidKeyPackage, "7.3", "the creator's LeafNode has expired")
	}
	if !v.Accept() {
		return nil, v
	}
	g := &Group{ID: id, limits: w.Limits, psks: w.PSKs, extTypes: w.ExternalTypes, views: map[ClientID]*View{}, proposals: map[Ref]*SentProposal{}}
	g.epochs = []*EpochState{{Epoch: 0, Tree: NewTree(creator), Added: []Member{{Leaf: 0, Client: creator}}, Caps: map[ClientID]Capabilities{creator: kp.Caps}}}
	g.views[creator] = newView(creator, 0, 0, kp)
	w.groups[id] = g
	return g, v
}

func newView(c ClientID, leaf uint32, epoch uint64, kp KeyPackage) *View {
	var reg []ProposalType
	for _, t := range kp.Caps.Proposals {
		if custom(t) && !IsGREASE(uint16(t)) {
			reg = append(reg, t)
		}
	}
	return &View{Client: c, Leaf: leaf, Epoch: epoch, Joined: epoch, Registers: reg, windows: map[windowKey]*Window{}, sent: map[sendKey]uint32{}}
}

// Epoch returns the group's current canonical epoch (RFC 9420, Section
// 8.1).
func (g *Group) Epoch() uint64 { return uint64(len(g.epochs) - 1) }

// State returns the canonical state of epoch e, or nil when the group has
// not reached it (RFC 9420, Section 8.1).
func (g *Group) State(e uint64) *EpochState {
	if e >= uint64(len(g.epochs)) {
		return nil
	}
	return g.epochs[e]
}

// Tree returns the shape of the tree of the current epoch (RFC 9420,
// Section 7).
func (g *Group) Tree() *Tree { return g.epochs[len(g.epochs)-1].Tree }

// View returns client c's view of the group, or nil when c never joined it
// (RFC 9420, Section 14).
func (g *Group) View(c ClientID) *View { return g.views[c] }

// Proposal returns the proposal sent under r (RFC 9420, Section 12.1).
func (g *Group) Proposal(r Ref) *SentProposal { return g.proposals[r] }

// Proposals returns the proposals sent by reference in epoch e, in the
// order they were sent (RFC 9420, Section 12.1).
func (g *Group) Proposals(e uint64) []*SentProposal {
	var out []*SentProposal
	for r := Ref(1); r <= g.nextRef; r++ {
		if sp := g.proposals[r]; sp != nil && sp.Epoch == e {
			out = append(out, sp)
		}
	}
	return out
}

// Active reports whether c has a view of the group and has not processed
// its removal (RFC 9420, Section 12.1.3).
func (g *Group) Active(c ClientID) bool {
	v := g.views[c]
	return v != nil && !v.Removed
}

// Current reports whether c is an active member in the group's current
// epoch (RFC 9420, Section 14): it has processed every Commit.
func (g *Group) Current(c ClientID) bool {
	return g.Active(c) && g.views[c].Epoch == g.Epoch()
}

func (g *Group) sendGeneration(v *View, handshake bool) uint32 {
	k := sendKey{epoch: v.Epoch, handshake: handshake}
	gen := v.sent[k]
	v.sent[k] = gen + 1
	return gen
}

func (g *Group) actor(c ClientID) (*View, Verdict) {
	var v Verdict
	view := g.views[c]
	switch {
	case view == nil:
		v.add("", mlserr.ErrInvalidInput, "12.4.3", fmt.Sprintf("client %d is not a member of the group", c))
	case view.Removed:
		v.add("", mlserr.ErrInvalidInput, "12.1.3", fmt.Sprintf("client %d has been removed from the group", c))
	}
	return view, v
}

// sender is actor for an operation that sends a message: once a ReInit is
// committed, the group sends nothing more (RFC 9420, Section 12.4.2).
func (g *Group) sender(c ClientID) (*View, Verdict) {
	view, v := g.actor(c)
	if v.Accept() {
		g.closedCheck(view, &v)
	}
	return view, v
}

// closedCheck adds the violation of sending in a group whose ReInit the
// sender has merged or received (RFC 9420, Section 12.4.2).
func (g *Group) closedCheck(view *View, v *Verdict) {
	if g.epochs[view.Epoch].ReInit {
		v.add("R-12.4.2-25", mlserr.ErrInvalidInput, "12.4.2", "the group was reinitialized: it sends no more messages")
	}
}

// MessageKind is the content type of a message (RFC 9420, Section 6).
type MessageKind uint8

// The content types of RFC 9420, Section 6.
const (
	Application MessageKind = 1
	ProposalMsg MessageKind = 2
	CommitMsg   MessageKind = 3
)

func (k MessageKind) String() string {
	switch k {
	case Application:
		return "application"
	case ProposalMsg:
		return "proposal"
	case CommitMsg:
		return "commit"
	}
	return fmt.Sprintf("content(%d)", uint8(k))
}

// Forgery is how an attacker altered a message on the wire (RFC 9420,
// Sections 6.1 to 6.3), or NotForged.
type Forgery uint8

// The alterations the model knows.
const (
	NotForged Forgery = iota
	// ForgedSignature flips a bit of a PublicMessage's signature.
	ForgedSignature
	// ForgedMembershipTag flips a bit of a PublicMessage's membership_tag.
	ForgedMembershipTag
	// ForgedCiphertext flips a bit of a PrivateMessage's ciphertext.
	ForgedCiphertext
)

func (f Forgery) String() string {
	switch f {
	case NotForged:
		return "genuine"
	case ForgedSignature:
		return "forged signature"
	case ForgedMembershipTag:
		return "forged membership tag"
	case ForgedCiphertext:
		return "forged ciphertext"
	}
	return fmt.Sprintf("forgery(%d)", uint8(f))
}

// Message is a handshake or application message of a group as the
// observer knows it (RFC 9420, Section 6): content type, epoch, sender,
// wire format, the generation a PrivateMessage used, the proposal's Ref or
// the Commit it carries, and how it was altered in transit.
type Message struct {
	Kind       MessageKind
	Group      string
	Epoch      uint64
	Sender     uint32
	Client     ClientID
	Public     bool
	Generation uint32
	Ref        Ref
	Commit     *Commit
	Forged     Forgery
	// From is the kind of sender of a proposal (Section 12.1.8).
	From SenderKind
}

// WithForgery returns a copy of m altered by f (RFC 9420, Section 6).
func (m *Message) WithForgery(f Forgery) *Message {
	c := *m
	c.Forged = f
	return &c
}

func (m *Message) String() string {
	s := fmt.Sprintf("%v(epoch %d, leaf %d", m.Kind, m.Epoch, m.Sender)
	if m.Public {
		s += ", public"
	} else {
		s += fmt.Sprintf(", gen %d", m.Generation)
	}
	if m.Ref != 0 {
		s += fmt.Sprintf(", ref#%d", m.Ref)
	}
	if m.Forged != NotForged {
		s += ", " + m.Forged.String()
	}
	return s + ")"
}

// Propose records that client c sends p by reference (RFC 9420, Section
// 12.1) in the epoch of its view, as a PublicMessage or a PrivateMessage,
// and keeps it among its own pending proposals. p.Sender is set to c's
// leaf. The model covers valid proposals only: an Add whose KeyPackage is
// defective is refused, since mlsref's committer would then be unable to
// commit anything in the epoch.
func (g *Group) Propose(c ClientID, p Proposal, public bool) (*Message, Verdict) {
	view, v := g.actor(c)
	if !v.Accept() {
		return nil, v
	}
	if p.Type == Add && p.KeyPackage.Defect != NoDefect {
		v.add("", mlserr.ErrInvalidInput, "12.1.1", "the model sends only valid proposals by reference")
		return nil, v
	}
	// mlsref's order, pinned (ref/group 1b71918): a group closed by a
	// ReInit refuses to send anything (R-12.4.2-25) before a PSK's
	// availability is considered (R-12.4.2-5: it matters only for a
	// proposal that could be sent at all); then the PSK's usage and
	// availability; then the checks of Sections 13.2 and 13.5.
	if g.closedCheck(view, &v); !v.Accept() {
		return nil, v
	}
	if p.Type == PreSharedKey && isBranchPSK(p.PSK) {
		v.add("R-12.1.4-2", mlserr.ErrInvalidProposal, "11.3", "a branch PSK outside a subgroup branching")
		return nil, v
	}
	if p.Type == PreSharedKey && !g.holds(view, p.PSK) {
		v.add("R-12.4.2-5", mlserr.ErrInvalidInput, "12.1.4", fmt.Sprintf("the proposer does not hold the PSK %q", p.PSK))
		return nil, v
	}
	if g.checkOwnProposal(view, p, &v); !v.Accept() {
		return nil, v
	}
	// What its receivers would refuse (Section 12.1.3).
	if p.Type == Remove {
		if _, ok := g.epochs[view.Epoch].Tree.Leaf(p.Removed); !ok {
			v.add("R-12.1.3-1", mlserr.ErrInvalidProposal, "12.1.3", fmt.Sprintf("a Remove of leaf %d, which is blank or outside the tree", p.Removed))
			return nil, v
		}
	}
	p.Sender = view.Leaf
	g.nextRef++
	r := g.nextRef
	g.proposals[r] = &SentProposal{Ref: r, Epoch: view.Epoch, Proposal: p}
	view.Pending = append(view.Pending, r)
	m := &Message{Kind: ProposalMsg, Group: g.ID, Epoch: view.Epoch, Sender: view.Leaf, Client: c, Public: public, Ref: r}
	if !public {
		m.Generation = g.sendGeneration(view, true)
	}
	return m, v
}

// ProposeExternal records that the external sender at index of the
// group's external_senders extension sends p, for the group's current
// epoch, as a PublicMessage (RFC 9420, Section 12.1.8); the sender refuses
// a default type external senders may not send; whether the receivers
// take an application-defined type from an external sender depends on
// their application. With crafted set the proposal is built by hand,
// bypassing that refusal, for the receivers to refuse.
func (g *Group) ProposeExternal(index uint32, p Proposal, crafted bool) (*Message, Verdict) {
	var v Verdict
	if IsGREASE(uint16(p.Type)) {
		v.add("R-13.5-4", mlserr.ErrInvalidInput, "13.5", fmt.Sprintf("a GREASE proposal type 0x%04x", uint16(p.Type)))
		return nil, v
	}
	if !ExternalAllowed(p.Type) && !custom(p.Type) && !crafted {
		v.add("R-12.1.8-2", mlserr.ErrInvalidInput, "12.1.8", fmt.Sprintf("an external sender may not send a %v proposal", p.Type))
		return nil, v
	}
	p.Sender, p.From = index, FromExternal
	return g.outsider(p), v
}

// ProposeNewMember records that the owner of kp proposes its own Add, sender
// new_member_proposal, for the group's current epoch (RFC 9420, Section
// 12.1.8).
func (g *Group) ProposeNewMember(kp KeyPackage) *Message {
	return g.outsider(Proposal{Type: Add, KeyPackage: kp, From: FromNewMember})
}

func (g *Group) outsider(p Proposal) *Message {
	g.nextRef++
	r := g.nextRef
	e := g.Epoch()
	g.proposals[r] = &SentProposal{Ref: r, Epoch: e, Proposal: p}
	return &Message{Kind: ProposalMsg, Group: g.ID, Epoch: e, Sender: p.Sender, Client: -1, Public: true, Ref: r, From: p.From}
}

// SendApplication records that client c encrypts an application message
// in the epoch of its view (RFC 9420, Section 15), with the next
// generation of its application ratchet. A member holding proposals of the
// epoch must commit them first (Section 12.4).
func (g *Group) SendApplication(c ClientID) (*Message, Verdict) {
	view, v := g.sender(c)
	if !v.Accept() {
		return nil, v
	}
	if len(view.Pending) > 0 {
		v.add("R-12.4-1", mlserr.ErrInvalidInput, "12.4", fmt.Sprintf("%d proposals are pending", len(view.Pending)))
		return nil, v
	}
	m := &Message{Kind: Application, Group: g.ID, Epoch: view.Epoch, Sender: view.Leaf, Client: c, Generation: g.sendGeneration(view, false)}
	return m, v
}

// CommitOptions say what a committer puts in a Commit beyond its pending
// proposals (RFC 9420, Section 12.4.1): proposals by value (Adds,
// Removes, then PreSharedKeys naming external PSKs, then proposals of
// application-defined types, then a ReInit), a path
// even when none is required, and the wire format.
type CommitOptions struct {
	Adds    []KeyPackage
	Removes []uint32
	PSKs    []string
	// Custom are proposals of application-defined types (Section 13.1),
	// after the PSKs.
	Custom    []Proposal
	ReInit    bool
	ForcePath bool
	Public    bool
}

// CommitEntries returns the proposal list client c would commit with o
// (RFC 9420, Section 12.4.1), following mlsref's committer policy: the
// proposals c holds for its epoch by reference, in the order received,
// except c's own Updates (its path supersedes them) and, where several
// Updates and Removes apply to one leaf, all but the first Remove, or all
// but the most recent Update when no Remove applies (Section 12.2); a leaf
// that o removes by value takes no pending Update or Remove; and, in the
// order received, only the pending proposals that keep the list one c
// could commit (R-12.4-3). Then o.Adds, o.Removes, o.PSKs, o.Custom and
// o.ReInit by value.
func (g *Group) CommitEntries(c ClientID, o CommitOptions) []Entry {
	view := g.views[c]
	removed := map[uint32]bool{}
	for _, l := range o.Removes {
		removed[l] = true
	}
	lastUpdate := map[uint32]Ref{}
	for _, r := range view.Pending {
		switch p := g.proposals[r].Proposal; p.Type {
		case Update:
			lastUpdate[p.Sender] = r
		case Remove:
			removed[p.Removed] = true
		}
	}
	taken := map[uint32]bool{}
	var pending []Entry
	for _, r := range view.Pending {
		p := g.proposals[r].Proposal
		switch p.Type {
		case Update:
			if p.Sender == view.Leaf || removed[p.Sender] || lastUpdate[p.Sender] != r {
				continue
			}
		case Remove:
			if taken[p.Removed] || slices.Contains(o.Removes, p.Removed) {
				continue
			}
			taken[p.Removed] = true
		}
		pending = append(pending, Entry{Ref: r, Proposal: p})
	}
	var entries []Entry
	for _, kp := range o.Adds {
		entries = append(entries, Entry{Proposal: Proposal{Type: Add, Sender: view.Leaf, KeyPackage: kp}})
	}
	for _, l := range o.Removes {
		entries = append(entries, Entry{Proposal: Proposal{Type: Remove, Sender: view.Leaf, Removed: l}})
	}
	for _, psk := range o.PSKs {
		entries = append(entries, Entry{Proposal: Proposal{Type: PreSharedKey, Sender: view.Leaf, PSK: psk}})
	}
	for _, p := range o.Custom {
		p.Sender = view.Leaf
		entries = append(entries, Entry{Proposal: p})
	}
	if o.ReInit {
		entries = append(entries, Entry{Proposal: Proposal{Type: ReInit, Sender: view.Leaf}})
	}
	// [R-12.4-3] a pending proposal is kept, in the order received, only
	// if the list of those kept so far, it and the proposals by value is
	// one c could commit; the others are left out.
	var kept []Entry
	for _, e := range pending {
		trial := append(append(slices.Clone(kept), e), entries...)
		if g.committable(view, trial) {
			kept = append(kept, e)
		}
	}
	return append(kept, entries...)
}

// committable reports whether the member of view could commit entries
// (RFC 9420, Sections 12.2 and 12.4.2): the list is valid and the member
// holds its PSKs.
func (g *Group) committable(view *View, entries []Entry) bool {
	st := g.epochs[view.Epoch]
	if !ValidateList(st.Tree, view.Leaf, entries).Accept() || !ValidateExtensibility(st, entries, view.Registers).Accept() {
		return false
	}
	for _, e := range entries {
		if e.Proposal.Type == PreSharedKey && !g.holds(view, e.Proposal.PSK) {
			return false
		}
	}
	return true
}

// CreateCommit records that client c creates a Commit with o (RFC 9420,
// Section 12.4.1) in the epoch of its view: the PSKs it names by value
// must be ones it holds (Section 12.4.2), the proposal list of
// CommitEntries must be valid (Section 12.2), and the Commit carries a path
// when one is required or asked for (Section 12.4). Creating a Commit does
// not change c's view beyond the handshake generation a PrivateMessage uses
// (Section 14); Merge adopts it.
func (g *Group) CreateCommit(c ClientID, o CommitOptions) (*Message, Verdict) {
	view, v := g.actor(c)
	if !v.Accept() {
		return nil, v
	}
	// mlsref's order, pinned: a closed group refuses any Commit before
	// its PSKs are looked up (R-12.4.2-25 before R-12.4.2-5).
	if g.closedCheck(view, &v); !v.Accept() {
		return nil, v
	}
	for _, psk := range o.PSKs {
		switch {
		case isBranchPSK(psk):
			// [R-11.3-10], which mlsref checks as R-12.1.4-2.
			v.add("R-12.1.4-2", mlserr.ErrInvalidProposal, "11.3", "a branch PSK outside a subgroup branching")
		case !g.holds(view, psk):
			v.add("R-12.4.2-5", mlserr.ErrInvalidInput, "12.4.2", fmt.Sprintf("the committer does not hold the PSK %q", psk))
		}
	}
	if !v.Accept() {
		return nil, v
	}
	entries := g.CommitEntries(c, o)
	st := g.epochs[view.Epoch]
	v = ValidateList(st.Tree, view.Leaf, entries)
	v.Violations = append(v.Violations, ValidateExtensibility(st, entries, view.Registers).Violations...)
	if !v.Accept() {
		return nil, v
	}
	g.serial++
	commit := &Commit{Group: g.ID, Epoch: view.Epoch, Committer: view.Leaf, Client: c, Entries: entries, Path: PathRequired(entries) || o.ForcePath, serial: g.serial}
	m := &Message{Kind: CommitMsg, Group: g.ID, Epoch: view.Epoch, Sender: view.Leaf, Client: c, Public: o.Public, Commit: commit}
	if !o.Public {
		m.Generation = g.sendGeneration(view, true)
	}
	return m, v
}

// ExternalCommit records that client c joins the group by an external
// Commit with its KeyPackage kp (RFC 9420, Sections 8.3, 12.2 and
// 12.4.3.2) built from a GroupInfo of the current epoch: an ExternalInit,
// the Remove of resync (c's earlier leaf) when it is set, and PreSharedKeys
// naming psks, with a path; the joiner refuses when its KeyPackage lacks
// the group's required capabilities (R-7.3-7, checked on its own new
// LeafNode). The Delivery Service confirms it at once: c
// gets a view in the new epoch at the leaf the Commit gives it, replacing
// any earlier one; the members receive it.
func (g *Group) ExternalCommit(c ClientID, kp KeyPackage, resync *uint32, psks []string) (*Message, Verdict) {
	var v Verdict
	cur := g.epochs[len(g.epochs)-1]
	if kp.Client != c {
		v.add("", mlserr.ErrInvalidInput, "12.4.3.2", "the KeyPackage is another client's")
	}
	for _, p := range psks {
		if !g.psks[p] {
			v.add("R-12.4.2-5", mlserr.ErrInvalidInput, "12.4.2", fmt.Sprintf("the joiner does not hold the PSK %q", p))
		}
	}
	if !kp.Caps.Covers(cur.Required) {
		// The joiner checks its own new LeafNode (Section 7.3).
		v.add("R-7.3-7", mlserr.ErrInvalidTree, "7.3", "the joiner's LeafNode lacks the group's required capabilities")
	}
	if !v.Accept() {
		return nil, v
	}
	t := cur.Tree.Clone()
	entries := []Entry{{Proposal: Proposal{Type: ExternalInit, From: FromNewMember}}}
	if resync != nil {
		entries = append(entries, Entry{Proposal: Proposal{Type: Remove, Removed: *resync, From: FromNewMember}})
		t.Remove(*resync)
	}
	for _, p := range psks {
		entries = append(entries, Entry{Proposal: Proposal{Type: PreSharedKey, PSK: p, From: FromNewMember}})
	}
	leaf := t.Add(c)
	t.MergePath(leaf)
	g.serial++
	commit := &Commit{Group: g.ID, Epoch: cur.Epoch, Committer: leaf, Client: c, Entries: entries, Path: true, External: true, serial: g.serial}
	cur.Commit = commit
	next := cur.next(t)
	next.Caps[c] = kp.Caps
	g.epochs = append(g.epochs, next)
	g.views[c] = newView(c, leaf, cur.Epoch+1, kp)
	return &Message{Kind: CommitMsg, Group: g.ID, Epoch: cur.Epoch, Sender: leaf, Client: c, Public: true, Commit: commit, From: FromNewMember}, v
}

// ResumptionPSKEpochs is how many past epochs' resumption_psk a member
// keeps besides the current one (RFC 9420, Section 8.6), mlsref's default.
const ResumptionPSKEpochs = 8

// ResumptionPSK names the resumption PSK of epoch e of the group, usage
// application (RFC 9420, Section 8.6), as Proposal.PSK does.
func ResumptionPSK(e uint64) string { return fmt.Sprintf("resumption@%d", e) }

// BranchPSK names the resumption PSK of epoch e of the group with usage
// branch (RFC 9420, Section 11.3), as Proposal.PSK does: only the first
// Commit of a subgroup may use it (R-11.3-10).
func BranchPSK(e uint64) string { return fmt.Sprintf("branch@%d", e) }

func isBranchPSK(psk string) bool { return strings.HasPrefix(psk, "branch@") }

// holds reports whether the member of view holds the PSK named psk (RFC
// 9420, Sections 8.4 and 8.6): an external one of the world's, or the
// resumption PSK of an epoch it was in, the current one or one of the
// ResumptionPSKEpochs before.
func (g *Group) holds(view *View, psk string) bool {
	var e uint64
	if _, err := fmt.Sscanf(psk, "resumption@%d", &e); err == nil {
		return e <= view.Epoch && e >= view.Joined && view.Epoch-e <= ResumptionPSKEpochs
	}
	return g.psks[psk]
}

// ErrNotCanonical is returned by Merge and Receive when a Commit other than
// the one the Delivery Service confirmed for its epoch would be adopted: a
// fork that RFC 9420, Section 14 requires the application to prevent.
var ErrNotCanonical = errors.New("model: a Commit that is not the canonical one of its epoch")

// Merge records that the Delivery Service confirmed the Commit m, which
// its committer then adopts (RFC 9420, Sections 12.4.1 and 14): the Commit
// becomes the canonical one of its epoch, the proposals are applied in the
// order of Section 12.3, the path is merged (Section 7.5), and the group
// and the committer's view move to the next epoch. It returns what the
// proposals did; the added clients join with Join.
func (g *Group) Merge(m *Message) (Applied, error) {
	c := m.Commit
	view := g.views[m.Client]
	if c == nil || view == nil || view.Removed || c.Epoch != g.Epoch() || view.Epoch != c.Epoch {
		return Applied{}, ErrNotCanonical
	}
	cur := g.epochs[c.Epoch]
	t := cur.Tree.Clone()
	applied := ApplyList(t, c.Entries)
	if c.Path {
		t.MergePath(c.Committer)
	}
	cur.Commit = c
	next := cur.next(t)
	next.Added = applied.Added
	for _, e := range c.Entries {
		switch e.Proposal.Type {
		case GroupContextExtensions:
			next.ExternalSenders = e.Proposal.ExternalSenders
			next.Required = e.Proposal.Required
		case ReInit:
			next.ReInit = true
		case Add:
			next.Caps[e.Proposal.KeyPackage.Client] = e.Proposal.KeyPackage.Caps
		}
	}
	g.epochs = append(g.epochs, next)
	view.Epoch = c.Epoch + 1
	view.Pending = nil
	return applied, nil
}

// Judge says whether client c must accept message m in its present view
// (RFC 9420, Sections 6, 12.1, 12.4.2 and 15), without changing anything.
func (g *Group) Judge(c ClientID, m *Message) Verdict {
	// A proposal body of an application-defined type has no length
	// prefix: a client whose application did not register the type cannot
	// even decode a PublicMessage carrying one (Sections 12.1 and 13.1),
	// before its group state is consulted.
	if view := g.views[c]; view != nil && m.Public && g.unregistered(view, m) {
		var v Verdict
		v.add("", mlserr.ErrUnsupported, "13.1", "the message carries a proposal type this client's application did not register")
		return v
	}
	view, v := g.actor(c)
	if !v.Accept() {
		return v
	}
	if m.Group != g.ID {
		v.add("", mlserr.ErrEpoch, "6", "the message is for another group")
		return v
	}
	epochOK := m.Epoch == view.Epoch
	switch {
	case epochOK:
	case m.Kind == CommitMsg:
		v.add("R-12.4.2-1", mlserr.ErrEpoch, "12.4.2", fmt.Sprintf("a Commit of epoch %d in epoch %d", m.Epoch, view.Epoch))
	case m.Kind == ProposalMsg:
		v.add("R-12.1-1", mlserr.ErrEpoch, "12.1", fmt.Sprintf("a proposal of epoch %d in epoch %d", m.Epoch, view.Epoch))
	case m.Epoch > view.Epoch || view.Epoch-m.Epoch > uint64(g.limits.PastEpochs) || m.Epoch < view.Joined:
		v.add("", mlserr.ErrEpoch, "15.3", fmt.Sprintf("an application message of epoch %d in epoch %d", m.Epoch, view.Epoch))
	default:
		epochOK = true // a past epoch the member still keeps
	}
	switch m.Forged {
	case ForgedSignature:
		if m.Commit != nil && m.Commit.External {
			// No membership tag: the signature is checked against the
			// path's LeafNode.
			v.add("R-12.4.3.2-4", mlserr.ErrInvalidSignature, "12.4.3.2", "the external Commit's signature was altered")
			break
		}
		// The membership tag covers the signature; either check fails.
		v.add("", mlserr.ErrInvalidMembershipTag, "6.2", "the signature was altered")
		v.add("", mlserr.ErrInvalidSignature, "6.1", "the signature was altered")
	case ForgedMembershipTag:
		v.add("", mlserr.ErrInvalidMembershipTag, "6.2", "the membership tag was altered")
	case ForgedCiphertext:
		v.add("", mlserr.ErrDecryption, "6.3", "the ciphertext was altered")
	}
	if !epochOK {
		return v
	}
	if g.epochs[view.Epoch].ReInit && m.Epoch == view.Epoch {
		if m.Kind == CommitMsg {
			v.add("R-12.4.2-26", mlserr.ErrInvalidCommit, "12.4.2", "a Commit in a group that was reinitialized")
		} else {
			v.add("R-12.4.2-25", mlserr.ErrInvalidInput, "12.4.2", fmt.Sprintf("a %v in a group that was reinitialized", m.Kind))
		}
	}
	if !m.Public {
		if m.Sender == view.Leaf && m.Epoch == view.Epoch {
			// The receiver consumed this generation itself when it sent.
			v.add("R-9.2-1", mlserr.ErrGeneration, "9.2", "a message of this member's own")
		}
		w := view.windows[windowKey{epoch: m.Epoch, sender: m.Sender, handshake: m.Kind != Application}]
		if w == nil {
			w = &Window{}
		}
		v.Violations = append(v.Violations, w.Judge(m.Generation, g.limits).Violations...)
	}
	if !m.Public && m.Forged == NotForged && g.unregistered(view, m) {
		// The same, once decrypted.
		v.add("", mlserr.ErrUnsupported, "13.1", "the message carries a proposal type this member's application did not register")
	}
	switch m.Kind {
	case Application:
		if m.Sender == view.Leaf && m.Epoch == view.Epoch {
			v.add("", mlserr.ErrInvalidInput, "15", "an application message of this member's own")
		}
	case ProposalMsg:
		sp := g.proposals[m.Ref]
		// A Remove is validated on receipt: its leaf must be a member's
		// (Section 12.1.3); what else makes a received proposal invalid
		// on its own (Sections 7.3, 10.1, 12.1.4, 12.1.5, 12.1.7) the
		// model's senders never produce.
		if sp != nil && sp.Proposal.Type == Remove {
			if _, ok := g.epochs[view.Epoch].Tree.Leaf(sp.Proposal.Removed); !ok {
				v.add("R-12.1.3-1", mlserr.ErrInvalidProposal, "12.1.3", fmt.Sprintf("a Remove of leaf %d, which is blank or outside the tree", sp.Proposal.Removed))
			}
		}
		if m.From == FromExternal {
			if n := g.epochs[view.Epoch].ExternalSenders; int(m.Sender) >= n {
				v.add("R-6.1-3", mlserr.ErrMalformed, "6.1", fmt.Sprintf("external sender %d, but the group lists %d", m.Sender, n))
			} else if sp != nil && !ExternalAllowed(sp.Proposal.Type) && !(custom(sp.Proposal.Type) && g.extTypes[sp.Proposal.Type]) {
				v.add("R-12.1.8-2", mlserr.ErrMalformed, "12.1.8", fmt.Sprintf("an external sender sent a %v proposal", sp.Proposal.Type))
			}
			break
		}
		if sp != nil && sp.Proposal.Type == Update && m.Sender == view.Leaf {
			v.add("", mlserr.ErrInvalidInput, "12.1.2", "an Update of this member's own from the wire")
		}
	case CommitMsg:
		g.judgeCommit(view, m.Commit, &v)
	}
	return v
}

// unregistered reports whether m carries a proposal of an
// application-defined type that the member of view did not register (RFC
// 9420, Section 13.1).
func (g *Group) unregistered(view *View, m *Message) bool {
	if !g.carriesCustom(m) {
		return false
	}
	if m.Kind == ProposalMsg {
		return !view.registers(g.proposals[m.Ref].Proposal.Type)
	}
	for _, e := range m.Commit.Entries {
		if e.Ref == 0 && custom(e.Proposal.Type) && !view.registers(e.Proposal.Type) {
			return true
		}
	}
	return false
}

// judgeCommit applies the checks of RFC 9420, Section 12.4.2 to a Commit
// of the receiver's epoch.
func (g *Group) judgeCommit(view *View, c *Commit, v *Verdict) {
	if c.External {
		// Built by JoinExternal from a GroupInfo of this epoch: valid
		// unless altered on the wire.
		return
	}
	if c.Committer == view.Leaf {
		v.add("", mlserr.ErrInvalidInput, "14", "a Commit of this member's own: it merges its pending Commit instead")
		return
	}
	seen := map[Ref]bool{}
	for i, e := range c.Entries {
		if e.Ref == 0 {
			continue
		}
		if !slices.Contains(view.Pending, e.Ref) {
			v.add("R-12.4.2-4", mlserr.ErrInvalidCommit, "12.4.2", fmt.Sprintf("proposal %d references ref#%d, which this member has not received", i, e.Ref))
		}
		if seen[e.Ref] {
			v.add("R-12.4.2-4", mlserr.ErrInvalidCommit, "12.4.2", fmt.Sprintf("proposal %d references ref#%d a second time", i, e.Ref))
		}
		seen[e.Ref] = true
	}
	for i, e := range c.Entries {
		if e.Proposal.Type == PreSharedKey && !g.holds(view, e.Proposal.PSK) {
			v.add("R-12.4.2-5", mlserr.ErrInvalidCommit, "12.4.2", fmt.Sprintf("proposal %d: this member does not hold the PSK %q", i, e.Proposal.PSK))
		}
	}
	lv := ValidateList(g.epochs[view.Epoch].Tree, c.Committer, c.Entries)
	v.Violations = append(v.Violations, lv.Violations...)
	v.Violations = append(v.Violations, ValidateExtensibility(g.epochs[view.Epoch], c.Entries, view.Registers).Violations...)
	if PathRequired(c.Entries) && !c.Path {
		v.add("R-12.4.2-7", mlserr.ErrInvalidCommit, "12.4.2", "no path, though one is required")
	}
}

// Outcome is what accepting a message did to the receiver (RFC 9420,
// Sections 12.1.3 and 12.4.2).
type Outcome struct {
	// Removed is set when a Commit removed the receiver.
	Removed bool
	// Epoch is the receiver's epoch afterwards.
	Epoch uint64
}

// Receive judges message m for client c (see Judge) and, when it must be
// accepted, applies it to c's view (RFC 9420, Sections 12.1, 12.4.2 and
// 15): a proposal joins the pending ones, a Commit moves the view to the
// next epoch or marks it removed, and a PrivateMessage consumes its
// generation. A Commit that is not the canonical one of its epoch returns
// ErrNotCanonical and changes nothing.
func (g *Group) Receive(c ClientID, m *Message) (Verdict, Outcome, error) {
	v := g.Judge(c, m)
	if !v.Accept() {
		return v, Outcome{}, nil
	}
	view := g.views[c]
	if m.Kind == CommitMsg && g.epochs[m.Epoch].Commit != m.Commit {
		return v, Outcome{}, ErrNotCanonical
	}
	if !m.Public {
		k := windowKey{epoch: m.Epoch, sender: m.Sender, handshake: m.Kind != Application}
		w := view.windows[k]
		if w == nil {
			w = &Window{}
			view.windows[k] = w
		}
		w.Consume(m.Generation, g.limits)
	}
	switch m.Kind {
	case ProposalMsg:
		if !slices.Contains(view.Pending, m.Ref) {
			view.Pending = append(view.Pending, m.Ref)
		}
	case CommitMsg:
		if _, ok := g.epochs[m.Epoch+1].Tree.Leaf(view.Leaf); !ok || g.removedBy(m.Commit, view.Leaf) {
			view.Removed = true
			return v, Outcome{Removed: true, Epoch: view.Epoch}, nil
		}
		view.Epoch = m.Epoch + 1
		view.Pending = nil
		g.prune(view)
	}
	return v, Outcome{Epoch: view.Epoch}, nil
}

func (g *Group) removedBy(c *Commit, leaf uint32) bool {
	for _, e := range c.Entries {
		if e.Proposal.Type == Remove && e.Proposal.Removed == leaf {
			return true
		}
	}
	return false
}

// prune forgets the windows of epochs the view no longer keeps (RFC 9420,
// Sections 9.2 and 15.3).
func (g *Group) prune(view *View) {
	for k := range view.windows {
		if view.Epoch-k.epoch > uint64(g.limits.PastEpochs) {
			delete(view.windows, k)
		}
	}
}

// TreeSource says where a joiner takes the ratchet tree from (RFC 9420,
// Section 12.4.3.3): the Welcome's ratchet_tree extension, or out of band,
// as the tree of some epoch of the group.
type TreeSource struct {
	InWelcome bool
	Epoch     uint64
}

// Join judges whether client c, the owner of kp, can join from the Welcome
// of the Commit that opened epoch e, with the tree from src (RFC 9420,
// Section 12.4.3.1), and when it can, gives c a view in epoch e at the leaf
// the Commit gave it. A client's earlier view of the group is replaced.
func (g *Group) Join(c ClientID, kp KeyPackage, e uint64, src TreeSource) Verdict {
	var v Verdict
	st := g.State(e)
	if st == nil || e == 0 {
		v.add("", mlserr.ErrInvalidInput, "12.4.3.1", fmt.Sprintf("no Commit opened epoch %d", e))
		return v
	}
	var leaf uint32
	found := false
	for _, ent := range g.epochs[e-1].Commit.Entries {
		if ent.Proposal.Type == Add && ent.Proposal.KeyPackage.ID == kp.ID {
			found = true
		}
	}
	for _, a := range st.Added {
		if a.Client == c {
			leaf = a.Leaf
		}
	}
	if !found || kp.Client != c {
		v.add("R-12.4.3.1-2", mlserr.ErrInvalidWelcome, "12.4.3.1", "the Welcome has no entry for this KeyPackage")
		return v
	}
	if !src.InWelcome && src.Epoch != e {
		// A tree of another epoch differs from the GroupInfo's in its
		// tree hash even when its shape is the same, and the signer's
		// leaf may differ too.
		why := fmt.Sprintf("the tree of epoch %d, not %d", src.Epoch, e)
		v.add("", mlserr.ErrInvalidWelcome, "12.4.3.1", why)
		v.add("", mlserr.ErrInvalidTree, "12.4.3.1", why)
		v.add("", mlserr.ErrInvalidSignature, "12.4.3.1", why)
		return v
	}
	g.views[c] = newView(c, leaf, e, kp)
	return v
}
