package group

import (
	"fmt"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/tree"
)

// ProposalOrRefType says whether a Commit carries a proposal by value or by
// reference (RFC 9420, Section 12.4).
//
//	enum {
//	  reserved(0),
//	  proposal(1),
//	  reference(2),
//	  (255)
//	} ProposalOrRefType;
type ProposalOrRefType uint8

// The ProposalOrRefType values of RFC 9420, Section 12.4.
const (
	ProposalOrRefProposal  ProposalOrRefType = 1
	ProposalOrRefReference ProposalOrRefType = 2
)

// String names the type as RFC 9420, Section 12.4 does.
func (t ProposalOrRefType) String() string {
	switch t {
	case ProposalOrRefProposal:
		return "proposal"
	case ProposalOrRefReference:
		return "reference"
	}
	return fmt.Sprintf("ProposalOrRefType(%d)", uint8(t))
}

// ProposalOrRef is one proposal covered by a Commit: the proposal itself,
// or the ProposalRef of the AuthenticatedContent that carried it (RFC 9420,
// Sections 5.2 and 12.4). Proposal is set for proposal, Reference for
// reference.
//
//	struct {
//	  ProposalOrRefType type;
//	  select (ProposalOrRef.type) {
//	    case proposal:  Proposal proposal;
//	    case reference: ProposalRef reference;
//	  };
//	} ProposalOrRef;
//
// where ProposalRef is opaque<V> (RFC 9420, Section 5.2).
type ProposalOrRef struct {
	Type      ProposalOrRefType
	Proposal  *Proposal
	Reference []byte
}

// MarshalMLS encodes p (RFC 9420, Section 12.4). A nil Proposal encodes as
// a zero proposal of type reserved(0).
func (p *ProposalOrRef) MarshalMLS(w *codec.Writer) {
	w.U8(uint8(p.Type))
	switch p.Type {
	case ProposalOrRefProposal:
		if p.Proposal != nil {
			p.Proposal.MarshalMLS(w)
		} else {
			w.U16(0)
		}
	case ProposalOrRefReference:
		w.Opaque(p.Reference)
	}
}

// UnmarshalMLS decodes p (RFC 9420, Section 12.4), rejecting reserved(0)
// and unknown types.
func (p *ProposalOrRef) UnmarshalMLS(r *codec.Reader) { p.unmarshalWith(r, nil) }

// unmarshalWith is UnmarshalMLS with the application's proposal types
// (Section 13.1).
func (p *ProposalOrRef) unmarshalWith(r *codec.Reader, h ProposalHandlers) {
	*p = ProposalOrRef{Type: ProposalOrRefType(r.U8())}
	if r.Err() != nil {
		return
	}
	switch p.Type {
	case ProposalOrRefProposal:
		p.Proposal = new(Proposal)
		p.Proposal.unmarshalWith(r, h)
	case ProposalOrRefReference:
		p.Reference = r.OpaqueCopy()
	default:
		r.Failf("", "unknown ProposalOrRefType %d (RFC 9420, Section 12.4)", uint8(p.Type))
	}
}

// Commit starts a new epoch from the proposals it covers and, if present,
// the sender's UpdatePath (RFC 9420, Section 12.4).
//
//	struct {
//	    ProposalOrRef proposals<V>;
//	    optional<UpdatePath> path;
//	} Commit;
//
// Path is nil when the path is absent.
type Commit struct {
	Proposals []ProposalOrRef
	Path      *tree.UpdatePath
}

// MarshalMLS encodes c (RFC 9420, Section 12.4).
func (c *Commit) MarshalMLS(w *codec.Writer) {
	w.Vector(func(w *codec.Writer) {
		for i := range c.Proposals {
			c.Proposals[i].MarshalMLS(w)
		}
	})
	w.Optional(c.Path != nil, func(w *codec.Writer) { c.Path.MarshalMLS(w) })
}

// UnmarshalMLS decodes c (RFC 9420, Section 12.4). Proposals is never nil
// after a successful decode. Whether the proposal list is valid (Section
// 12.2) and whether the path may be absent are checked when the Commit is
// processed.
func (c *Commit) UnmarshalMLS(r *codec.Reader) { c.unmarshalWith(r, nil) }

// unmarshalWith is UnmarshalMLS with the application's proposal types
// (Section 13.1).
func (c *Commit) unmarshalWith(r *codec.Reader, h ProposalHandlers) {
	*c = Commit{Proposals: []ProposalOrRef{}}
	r.Vector(func(r *codec.Reader) {
		var p ProposalOrRef
		p.unmarshalWith(r, h)
		c.Proposals = append(c.Proposals, p)
	})
	if r.Optional() {
		c.Path = new(tree.UpdatePath)
		c.Path.UnmarshalMLS(r)
	}
}

// Marshal returns the encoding of c (RFC 9420, Section 12.4), or the error
// of a field too long to encode or a proposal of an unknown type.
func (c *Commit) Marshal() ([]byte, error) {
	for i := range c.Proposals {
		if p := c.Proposals[i].Proposal; c.Proposals[i].Type == ProposalOrRefProposal && p != nil && zeroBody(p.ProposalType) == nil && p.Body() == nil {
			return nil, errUnknownProposalType(p.ProposalType)
		}
	}
	return marshal(c)
}

// DecodeCommit decodes exactly b as a Commit (RFC 9420, Section 12.4).
func DecodeCommit(b []byte) (*Commit, error) {
	c := new(Commit)
	if err := codec.Decode(b, c); err != nil {
		return nil, err
	}
	return c, nil
}

type commitDecoder struct {
	c *Commit
	h ProposalHandlers
}

func (d commitDecoder) UnmarshalMLS(r *codec.Reader) { d.c.unmarshalWith(r, d.h) }

// decodeCommit decodes exactly b as a Commit, with the application's
// proposal types (RFC 9420, Sections 12.4 and 13.1).
func (g *Group) decodeCommit(b []byte) (*Commit, error) {
	c := new(Commit)
	if err := codec.Decode(b, commitDecoder{c: c, h: g.cfg.Proposals}); err != nil {
		return nil, err
	}
	return c, nil
}
