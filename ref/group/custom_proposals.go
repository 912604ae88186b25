package group

import (
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// ProposalHandler is what an application registers for a proposal type of
// its own (RFC 9420, Sections 13.1 and 13.2): how to decode the body that
// follows proposal_type, and how to check it when it is committed. Its
// effect on the application's state is the application's business: it
// sees the proposal in Received.Proposal and, once a Commit covering it is
// processed, in the next epoch.
//
// A Commit covering a proposal of a registered type always carries a path
// in this implementation (the conservative reading of the "Path Required"
// column of Section 17.4).
type ProposalHandler struct {
	// Decode reads the body from r, which has no length prefix, and
	// returns it; a malformed body is reported with r.Fail or r.Failf.
	// It must be set.
	Decode func(r *codec.Reader) codec.Marshaler
	// Validate checks a body that a Commit covers, proposed by sender
	// (Section 12.2); nil accepts every body that decodes.
	Validate func(body codec.Marshaler, sender framing.Sender) error
	// External allows external senders, those of the group's
	// external_senders extension, to send proposals of this type
	// (Section 12.1.8): the specification of a proposal type says
	// whether they may (Section 12.1.8, R-12.1.8-3), and the group's
	// members refuse it from them otherwise.
	External bool
}

// externalAllowed reports whether an external sender may send a proposal
// of type t to a group whose members registered h (RFC 9420, Sections
// 12.1.8 and 13.1): one of the five types of RFC 9420 that external
// senders may send, or an application type registered with External.
func externalAllowed(t ProposalType, h ProposalHandlers) bool {
	if ExternalProposalAllowed(t) {
		return true
	}
	if t == 0 || tree.IsDefaultProposalType(t) {
		return false
	}
	handler, ok := h[t]
	return ok && handler.External
}

// ProposalHandlers maps the proposal types an application defines to their
// handlers (RFC 9420, Section 13.1). The seven types of RFC 9420 cannot be
// registered.
type ProposalHandlers map[ProposalType]ProposalHandler

// NewCustomProposal returns a Proposal of an application-defined type t
// carrying body (RFC 9420, Sections 12.1 and 13.1). t must be neither one
// of the seven types of RFC 9420, nor reserved(0), nor a GREASE value
// (Section 13.5).
func NewCustomProposal(t ProposalType, body codec.Marshaler) (*Proposal, error) {
	if body == nil || t == 0 || tree.IsDefaultProposalType(t) {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "a custom proposal needs a body and a type other than reserved(0) and the seven of RFC 9420 (RFC 9420, Section 13.1)")
	}
	// [R-13.5-3] [R-13.5-4]
	if extension.IsGREASE(uint16(t)) {
		return nil, mlserr.New("R-13.5-4", mlserr.ErrInvalidInput, "GREASE value 0x%04x must not be sent as a proposal_type", uint16(t))
	}
	return &Proposal{ProposalType: t, Custom: body}, nil
}

// unmarshalWith decodes p as UnmarshalMLS does, decoding the body of a
// type registered in h with its handler (RFC 9420, Sections 12.1 and 13.1).
func (p *Proposal) unmarshalWith(r *codec.Reader, h ProposalHandlers) {
	if len(h) == 0 {
		p.UnmarshalMLS(r)
		return
	}
	r2 := *r
	t := ProposalType(r2.U16())
	if handler, ok := h[t]; ok && r2.Err() == nil && !tree.IsDefaultProposalType(t) && t != 0 && handler.Decode != nil {
		*r = r2
		*p = Proposal{ProposalType: t, Custom: handler.Decode(r)}
		if p.Custom == nil && r.Err() == nil {
			r.Failf("", "the decoder of proposal type 0x%04x returned no body (RFC 9420, Section 13.1)", uint16(t))
		}
		return
	}
	p.UnmarshalMLS(r)
}

// proposalDecoder decodes a Proposal with the handlers of h.
type proposalDecoder struct {
	p *Proposal
	h ProposalHandlers
}

func (d proposalDecoder) UnmarshalMLS(r *codec.Reader) { d.p.unmarshalWith(r, d.h) }

// decodeProposal decodes exactly b as a Proposal, with the application's
// proposal types (RFC 9420, Sections 12.1 and 13.1).
func (g *Group) decodeProposal(b []byte) (*Proposal, error) {
	p := new(Proposal)
	if err := codec.Decode(b, proposalDecoder{p: p, h: g.cfg.Proposals}); err != nil {
		return nil, err
	}
	return p, nil
}

// checkCustomProposal checks a proposal of a type other than the seven of
// RFC 9420 in a Commit's proposal list (RFC 9420, Sections 12.2 and 13.2):
// this member must have registered it, every member that will process the
// Commit (all but those in leaving, the leaves the Commit removes) must
// support it, and the application's Validate must accept it.
func (g *Group) checkCustomProposal(p *Proposal, sender framing.Sender, i int, leaving map[treemath.LeafIndex]bool) error {
	h, ok := g.cfg.Proposals[p.ProposalType]
	// [R-12.2-15]
	if !ok || p.Custom == nil || p.ProposalType == 0 || tree.IsDefaultProposalType(p.ProposalType) {
		return mlserr.Wrap("R-12.2-15", mlserr.ErrInvalidProposal, errUnknownProposalType(p.ProposalType), "proposal %d", i)
	}
	// [R-13.2-1] [R-12.2-15] members being removed need not support it.
	if err := g.membersSupportProposal(p.ProposalType, leaving); err != nil {
		return mlserr.Wrap("R-13.2-1", mlserr.ErrInvalidProposal, err, "proposal %d", i)
	}
	if h.Validate != nil {
		if err := h.Validate(p.Custom, sender); err != nil {
			return mlserr.Wrap(mlserr.RequirementOf(err), mlserr.ErrInvalidProposal, err, "proposal %d: the application rejects its %s", i, ProposalTypeName(p.ProposalType))
		}
	}
	return nil
}

// membersSupportProposal checks that every member of the group but those
// at the leaves in except lists the proposal type t in its capabilities,
// this member with its true capabilities (RFC 9420, Sections 7.2, 12.2,
// 13.2 and 13.5).
func (g *Group) membersSupportProposal(t ProposalType, except map[treemath.LeafIndex]bool) error {
	own := g.priv.Leaf()
	for i := uint32(0); i < g.tree.NumLeaves(); i++ {
		l := g.tree.Leaf(treemath.LeafIndex(i))
		if l == nil || except[treemath.LeafIndex(i)] {
			continue
		}
		caps := &l.Capabilities
		if treemath.LeafIndex(i) == own {
			// [R-13.5-11]
			caps = ownCapabilities(caps)
		}
		// [R-13.2-1]
		if !caps.SupportsProposal(t) {
			return mlserr.New("R-13.2-1", mlserr.ErrUnsupported, "the member at leaf %d does not support proposal type 0x%04x", i, uint16(t))
		}
	}
	return nil
}

// checkOwnCustomProposal is the sender's side of checkCustomProposal
// (RFC 9420, Section 13.2): a member proposes a type of its own only if it
// registered it and every member supports it.
func (g *Group) checkOwnCustomProposal(p *Proposal) error {
	if p.ProposalType == 0 || tree.IsDefaultProposalType(p.ProposalType) {
		return nil
	}
	if _, ok := g.cfg.Proposals[p.ProposalType]; !ok || p.Custom == nil {
		return errUnknownProposalType(p.ProposalType)
	}
	// [R-13.2-1]
	return g.membersSupportProposal(p.ProposalType, nil)
}
