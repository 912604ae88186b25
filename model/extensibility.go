package model

import (
	"fmt"
	"slices"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// IsGREASE reports whether v is one of the GREASE values 0x0A0A, 0x1A1A,
// ..., 0xEAEA (RFC 9420, Section 13.5), which no client actually supports.
func IsGREASE(v uint16) bool {
	return v>>8 == v&0xFF && v&0x0F == 0x0A && v != 0xFAFA
}

// IsDefaultProposal reports whether t is one of the seven proposal types of
// RFC 9420, Section 12.1 (the "default" ones every client supports,
// Section 7.2).
func IsDefaultProposal(t ProposalType) bool { return t >= Add && t <= GroupContextExtensions }

// IsDefaultExtension reports whether extension type t is one of the
// default ones of RFC 9420, Section 7.2 (application_id to
// external_senders), which capabilities never need to list.
func IsDefaultExtension(t uint16) bool { return t >= 1 && t <= 5 }

// Capabilities are the non-default values the capabilities of a LeafNode
// list (RFC 9420, Section 7.2): application-defined proposal types (Section
// 13.1) and extension types, GREASE values included (Section 13.5). A
// GREASE value is listed but never supported (Section 13.5: a client's own
// capabilities hold no GREASE value, and a receiver treats it as unknown).
type Capabilities struct {
	Proposals  []ProposalType
	Extensions []uint16
}

// SupportsProposal reports whether the capabilities support proposal type
// t (RFC 9420, Sections 7.2, 13.2 and 13.5).
func (c Capabilities) SupportsProposal(t ProposalType) bool {
	if IsDefaultProposal(t) {
		return true
	}
	return !IsGREASE(uint16(t)) && slices.Contains(c.Proposals, t)
}

// SupportsExtension reports whether the capabilities support extension
// type t (RFC 9420, Sections 7.2, 13.4 and 13.5).
func (c Capabilities) SupportsExtension(t uint16) bool {
	if IsDefaultExtension(t) {
		return true
	}
	return !IsGREASE(t) && slices.Contains(c.Extensions, t)
}

// Covers reports whether the capabilities support everything a
// required_capabilities extension req names (RFC 9420, Sections 7.3 and
// 11.1); nil requires nothing.
func (c Capabilities) Covers(req *Capabilities) bool {
	if req == nil {
		return true
	}
	for _, t := range req.Proposals {
		if !c.SupportsProposal(t) {
			return false
		}
	}
	for _, t := range req.Extensions {
		if !c.SupportsExtension(t) {
			return false
		}
	}
	return true
}

// custom reports whether a proposal of type t is one the application
// defines (RFC 9420, Section 13.1): neither a default type nor reserved(0).
func custom(t ProposalType) bool { return t != 0 && !IsDefaultProposal(t) }

// carriesCustom reports whether a message's content, as it travels,
// holds a proposal of an application-defined type: a proposal of such a
// type, or a Commit with one by value (RFC 9420, Sections 12.1 and 13.1).
func (g *Group) carriesCustom(m *Message) bool {
	switch m.Kind {
	case ProposalMsg:
		sp := g.proposals[m.Ref]
		return sp != nil && custom(sp.Proposal.Type)
	case CommitMsg:
		for _, e := range m.Commit.Entries {
			if e.Ref == 0 && custom(e.Proposal.Type) {
				return true
			}
		}
	}
	return false
}

// registers reports whether the application of the member of view
// registered proposal type t (RFC 9420, Section 13.1).
func (view *View) registers(t ProposalType) bool { return slices.Contains(view.Registers, t) }

// checkOwnProposal is the sender's side of RFC 9420, Sections 13.2 and
// 13.5, as mlsref's proposer applies it: it never sends a GREASE proposal
// type (R-13.5-4) nor GREASE extensions in a GroupContextExtensions
// (R-13.5-7), and proposes an application-defined type only when its
// application registered it and every current member supports it
// (R-13.2-1; which members a Commit will remove is not known yet).
func (g *Group) checkOwnProposal(view *View, p Proposal, v *Verdict) {
	if IsGREASE(uint16(p.Type)) {
		v.add("R-13.5-4", mlserr.ErrInvalidInput, "13.5", fmt.Sprintf("a GREASE proposal type 0x%04x", uint16(p.Type)))
		return
	}
	if p.Type == GroupContextExtensions {
		for _, t := range p.GroupExtensions {
			if IsGREASE(t) {
				v.add("R-13.5-7", mlserr.ErrInvalidInput, "13.5", fmt.Sprintf("a GREASE extension 0x%04x in a GroupContextExtensions", t))
				return
			}
		}
	}
	if !custom(p.Type) {
		return
	}
	if !view.registers(p.Type) {
		v.add("", mlserr.ErrUnsupported, "13.1", fmt.Sprintf("the proposer's application did not register %v", p.Type))
		return
	}
	st := g.epochs[view.Epoch]
	for _, mem := range st.Tree.Roster() {
		if !st.Caps[mem.Client].SupportsProposal(p.Type) {
			v.add("R-13.2-1", mlserr.ErrUnsupported, "13.2", fmt.Sprintf("the member at leaf %d does not support %v", mem.Leaf, p.Type))
			return
		}
	}
}

// ValidateExtensibility judges the rules of a Commit's proposal list that
// depend on the members' capabilities (RFC 9420, Sections 7.3, 11.1,
// 12.1.7, 12.2, 13.2 and 13.4), for a member of epoch st whose application
// registered the proposal types registered; ValidateList judges the
// others.
//
//   - A proposal of an application-defined type must be one the member
//     registered (R-12.2-15) and that every member who will process the
//     Commit supports, those it removes excepted (R-12.2-15, checked by
//     mlsref under R-13.2-1); the application may refuse its body.
//   - The GroupContext's required_capabilities after the Commit (a
//     GroupContextExtensions replaces it, R-12.1.7-1) must be supported by
//     every member of the resulting tree (R-12.2-16, Section 11.1), new
//     ones included, whose KeyPackages are judged against the new
//     extensions (Section 12.3: they are used when evaluating the other
//     proposals, R-12.3-3), and so are the LeafNodes of its Updates. Such
//     an Add or Update is both an invalid proposal (R-12.2-3) and one that
//     makes the resulting tree invalid (R-12.2-16): either reason will do.
func ValidateExtensibility(st *EpochState, entries []Entry, registered []ProposalType) Verdict {
	var v Verdict
	req := st.Required
	removed := map[uint32]bool{}
	for _, e := range entries {
		switch e.Proposal.Type {
		case GroupContextExtensions:
			req = e.Proposal.Required
		case Remove:
			removed[e.Proposal.Removed] = true
		}
	}
	for i, e := range entries {
		p := e.Proposal
		switch {
		case p.Type == Add:
			if !p.KeyPackage.Caps.Covers(req) {
				v.add("R-12.2-3", mlserr.ErrInvalidProposal, "7.3", fmt.Sprintf("proposal %d: the KeyPackage lacks the required capabilities of the new GroupContext (R-12.3-3)", i))
				v.add("R-12.2-16", mlserr.ErrInvalidProposal, "11.1", fmt.Sprintf("proposal %d: the KeyPackage lacks the required capabilities of the new GroupContext", i))
			}
		case p.Type == Update && p.From == FromMember:
			// [R-12.3-3] the Update's LeafNode too is judged with the new
			// extensions: an invalid proposal, besides a member of the
			// resulting tree lacking them (below).
			if id, ok := st.Tree.Leaf(p.Sender); ok && !st.Caps[id].Covers(req) {
				v.add("R-12.2-3", mlserr.ErrInvalidProposal, "12.3", fmt.Sprintf("proposal %d: the Update's LeafNode lacks the required capabilities of the new GroupContext", i))
			}
		case custom(p.Type):
			if !slices.Contains(registered, p.Type) {
				v.add("R-12.2-15", mlserr.ErrInvalidProposal, "13.1", fmt.Sprintf("proposal %d: %v, which this member's application did not register", i, p.Type))
			}
			for _, mem := range st.Tree.Roster() {
				if !removed[mem.Leaf] && !st.Caps[mem.Client].SupportsProposal(p.Type) {
					v.add("R-13.2-1", mlserr.ErrInvalidProposal, "13.2", fmt.Sprintf("proposal %d: the member at leaf %d does not support %v", i, mem.Leaf, p.Type))
					break
				}
			}
			if p.AppRefuses {
				v.add("", mlserr.ErrInvalidProposal, "13.2", fmt.Sprintf("proposal %d: the application refuses its body", i))
			}
		}
	}
	for _, mem := range st.Tree.Roster() {
		if !removed[mem.Leaf] && !st.Caps[mem.Client].Covers(req) {
			v.add("R-12.2-16", mlserr.ErrInvalidProposal, "11.1", fmt.Sprintf("the member at leaf %d lacks the required capabilities", mem.Leaf))
			break
		}
	}
	return v
}
