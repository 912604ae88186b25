package group

import (
	"fmt"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// ProposalType identifies a kind of proposal (RFC 9420, Sections 12.1 and
// 17.4); it is the type that Capabilities lists in ref/tree.
//
//	uint16 ProposalType;
type ProposalType = tree.ProposalType

// The proposal types of RFC 9420, Section 17.4.
const (
	ProposalTypeAdd                    ProposalType = 0x0001 // add
	ProposalTypeUpdate                 ProposalType = 0x0002 // update
	ProposalTypeRemove                 ProposalType = 0x0003 // remove
	ProposalTypePSK                    ProposalType = 0x0004 // psk
	ProposalTypeReInit                 ProposalType = 0x0005 // reinit
	ProposalTypeExternalInit           ProposalType = 0x0006 // external_init
	ProposalTypeGroupContextExtensions ProposalType = 0x0007 // group_context_extensions
)

// ProposalTypeName names a proposal type as the registry of RFC 9420,
// Section 17.4 does.
func ProposalTypeName(t ProposalType) string {
	switch t {
	case ProposalTypeAdd:
		return "add"
	case ProposalTypeUpdate:
		return "update"
	case ProposalTypeRemove:
		return "remove"
	case ProposalTypePSK:
		return "psk"
	case ProposalTypeReInit:
		return "reinit"
	case ProposalTypeExternalInit:
		return "external_init"
	case ProposalTypeGroupContextExtensions:
		return "group_context_extensions"
	}
	return fmt.Sprintf("ProposalType(0x%04x)", uint16(t))
}

// Add requests that the client of a KeyPackage be added (RFC 9420, Section
// 12.1.1).
//
//	struct {
//	    KeyPackage key_package;
//	} Add;
type Add struct {
	KeyPackage KeyPackage
}

// MarshalMLS encodes a (RFC 9420, Section 12.1.1).
func (a *Add) MarshalMLS(w *codec.Writer) { a.KeyPackage.MarshalMLS(w) }

// UnmarshalMLS decodes a (RFC 9420, Section 12.1.1).
func (a *Add) UnmarshalMLS(r *codec.Reader) { a.KeyPackage.UnmarshalMLS(r) }

// Update replaces the sender's LeafNode (RFC 9420, Section 12.1.2).
//
//	struct {
//	    LeafNode leaf_node;
//	} Update;
type Update struct {
	LeafNode tree.LeafNode
}

// MarshalMLS encodes u (RFC 9420, Section 12.1.2).
func (u *Update) MarshalMLS(w *codec.Writer) { u.LeafNode.MarshalMLS(w) }

// UnmarshalMLS decodes u (RFC 9420, Section 12.1.2).
func (u *Update) UnmarshalMLS(r *codec.Reader) { u.LeafNode.UnmarshalMLS(r) }

// Remove requests that the member at leaf index Removed be removed (RFC
// 9420, Section 12.1.3).
//
//	struct {
//	    uint32 removed;
//	} Remove;
type Remove struct {
	Removed uint32
}

// MarshalMLS encodes rm (RFC 9420, Section 12.1.3).
func (rm *Remove) MarshalMLS(w *codec.Writer) { w.U32(rm.Removed) }

// UnmarshalMLS decodes rm (RFC 9420, Section 12.1.3).
func (rm *Remove) UnmarshalMLS(r *codec.Reader) { rm.Removed = r.U32() }

// PreSharedKey requests that a PSK be injected into the key schedule (RFC
// 9420, Section 12.1.4).
//
//	struct {
//	    PreSharedKeyID psk;
//	} PreSharedKey;
type PreSharedKey struct {
	PSK schedule.PreSharedKeyID
}

// MarshalMLS encodes p (RFC 9420, Section 12.1.4).
func (p *PreSharedKey) MarshalMLS(w *codec.Writer) { p.PSK.MarshalMLS(w) }

// UnmarshalMLS decodes p (RFC 9420, Section 12.1.4); reserved and
// undefined PSK types and usages are rejected.
func (p *PreSharedKey) UnmarshalMLS(r *codec.Reader) { p.PSK.UnmarshalMLS(r) }

// ReInit requests that the group be reinitialized with new parameters (RFC
// 9420, Section 12.1.5).
//
//	struct {
//	    opaque group_id<V>;
//	    ProtocolVersion version;
//	    CipherSuite cipher_suite;
//	    Extension extensions<V>;
//	} ReInit;
//
// Version and CipherSuite are carried as they are: a ReInit may name a
// version or suite this implementation does not know.
type ReInit struct {
	GroupID     []byte
	Version     ProtocolVersion
	CipherSuite ciphersuite.ID
	Extensions  extension.List
}

// MarshalMLS encodes ri (RFC 9420, Section 12.1.5).
func (ri *ReInit) MarshalMLS(w *codec.Writer) {
	w.Opaque(ri.GroupID)
	w.U16(uint16(ri.Version))
	w.U16(uint16(ri.CipherSuite))
	ri.Extensions.MarshalMLS(w)
}

// UnmarshalMLS decodes ri (RFC 9420, Section 12.1.5).
func (ri *ReInit) UnmarshalMLS(r *codec.Reader) {
	*ri = ReInit{}
	ri.GroupID = r.OpaqueCopy()
	ri.Version = ProtocolVersion(r.U16())
	ri.CipherSuite = ciphersuite.ID(r.U16())
	ri.Extensions.UnmarshalMLS(r)
}

// ExternalInit carries the KEM output from which an external joiner and the
// group derive the next init_secret (RFC 9420, Sections 8.3 and 12.1.6).
//
//	struct {
//	    opaque kem_output<V>;
//	} ExternalInit;
type ExternalInit struct {
	KEMOutput []byte
}

// MarshalMLS encodes ei (RFC 9420, Section 12.1.6).
func (ei *ExternalInit) MarshalMLS(w *codec.Writer) { w.Opaque(ei.KEMOutput) }

// UnmarshalMLS decodes ei (RFC 9420, Section 12.1.6).
func (ei *ExternalInit) UnmarshalMLS(r *codec.Reader) { ei.KEMOutput = r.OpaqueCopy() }

// GroupContextExtensions replaces the extensions of the GroupContext (RFC
// 9420, Section 12.1.7).
//
//	struct {
//	    Extension extensions<V>;
//	} GroupContextExtensions;
type GroupContextExtensions struct {
	Extensions extension.List
}

// MarshalMLS encodes g (RFC 9420, Section 12.1.7).
func (g *GroupContextExtensions) MarshalMLS(w *codec.Writer) { g.Extensions.MarshalMLS(w) }

// UnmarshalMLS decodes g (RFC 9420, Section 12.1.7).
func (g *GroupContextExtensions) UnmarshalMLS(r *codec.Reader) { g.Extensions.UnmarshalMLS(r) }

// Proposal is a proposed change to the group (RFC 9420, Section 12.1).
// Exactly the body that ProposalType selects is meaningful; the others are
// nil. A nil selected body encodes as its zero value.
//
//	struct {
//	    ProposalType proposal_type;
//	    select (Proposal.proposal_type) {
//	        case add:                      Add;
//	        case update:                   Update;
//	        case remove:                   Remove;
//	        case psk:                      PreSharedKey;
//	        case reinit:                   ReInit;
//	        case external_init:            ExternalInit;
//	        case group_context_extensions: GroupContextExtensions;
//	    };
//	} Proposal;
//
// Beyond the seven proposal types of RFC 9420, only the types an
// application registers in Config.Proposals (Section 13.1) can be encoded
// or decoded, with Custom as their body. The body of a proposal carries no
// length prefix, so the end of a proposal of an unknown type cannot be
// found: decoding rejects it as mlserr.ErrUnsupported (Sections 12.1 and
// 13), and a Commit or message carrying one is rejected with it.
type Proposal struct {
	ProposalType           ProposalType
	Add                    *Add
	Update                 *Update
	Remove                 *Remove
	PreSharedKey           *PreSharedKey
	ReInit                 *ReInit
	ExternalInit           *ExternalInit
	GroupContextExtensions *GroupContextExtensions
	// Custom is the body of a proposal type the application defines
	// (Section 13.1), see NewCustomProposal.
	Custom codec.Marshaler
}

// NewProposal returns the Proposal carrying body, which must be one of
// *Add, *Update, *Remove, *PreSharedKey, *ReInit, *ExternalInit and
// *GroupContextExtensions (RFC 9420, Section 12.1). Any other body is an
// mlserr.ErrInvalidInput error.
func NewProposal(body codec.Marshaler) (*Proposal, error) {
	switch b := body.(type) {
	case *Add:
		return &Proposal{ProposalType: ProposalTypeAdd, Add: b}, nil
	case *Update:
		return &Proposal{ProposalType: ProposalTypeUpdate, Update: b}, nil
	case *Remove:
		return &Proposal{ProposalType: ProposalTypeRemove, Remove: b}, nil
	case *PreSharedKey:
		return &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: b}, nil
	case *ReInit:
		return &Proposal{ProposalType: ProposalTypeReInit, ReInit: b}, nil
	case *ExternalInit:
		return &Proposal{ProposalType: ProposalTypeExternalInit, ExternalInit: b}, nil
	case *GroupContextExtensions:
		return &Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: b}, nil
	}
	return nil, mlserr.New("", mlserr.ErrInvalidInput, "%T is not a proposal body (RFC 9420, Section 12.1)", body)
}

// Body returns the body that ProposalType selects (RFC 9420, Section
// 12.1), or nil when it is not set or the type is unknown.
func (p *Proposal) Body() codec.Marshaler {
	switch p.ProposalType {
	case ProposalTypeAdd:
		if p.Add != nil {
			return p.Add
		}
	case ProposalTypeUpdate:
		if p.Update != nil {
			return p.Update
		}
	case ProposalTypeRemove:
		if p.Remove != nil {
			return p.Remove
		}
	case ProposalTypePSK:
		if p.PreSharedKey != nil {
			return p.PreSharedKey
		}
	case ProposalTypeReInit:
		if p.ReInit != nil {
			return p.ReInit
		}
	case ProposalTypeExternalInit:
		if p.ExternalInit != nil {
			return p.ExternalInit
		}
	case ProposalTypeGroupContextExtensions:
		if p.GroupContextExtensions != nil {
			return p.GroupContextExtensions
		}
	default:
		if p.Custom != nil && p.ProposalType != 0 {
			return p.Custom
		}
	}
	return nil
}

// MarshalMLS encodes p (RFC 9420, Section 12.1). A proposal of an unknown
// type is written as its type alone; Marshal rejects it instead.
func (p *Proposal) MarshalMLS(w *codec.Writer) {
	w.U16(uint16(p.ProposalType))
	if b := p.Body(); b != nil {
		b.MarshalMLS(w)
		return
	}
	if z := zeroBody(p.ProposalType); z != nil {
		z.MarshalMLS(w)
	}
}

// zeroBody returns the zero value of the body that t selects, or nil.
func zeroBody(t ProposalType) codec.Marshaler {
	switch t {
	case ProposalTypeAdd:
		return &Add{}
	case ProposalTypeUpdate:
		return &Update{}
	case ProposalTypeRemove:
		return &Remove{}
	case ProposalTypePSK:
		return &PreSharedKey{PSK: schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal}}
	case ProposalTypeReInit:
		return &ReInit{}
	case ProposalTypeExternalInit:
		return &ExternalInit{}
	case ProposalTypeGroupContextExtensions:
		return &GroupContextExtensions{}
	}
	return nil
}

// Marshal returns the encoding of p (RFC 9420, Section 12.1). A proposal
// of a type other than the seven of RFC 9420 is an mlserr.ErrUnsupported
// error, since it could not be decoded.
func (p *Proposal) Marshal() ([]byte, error) {
	if zeroBody(p.ProposalType) == nil && p.Body() == nil {
		return nil, errUnknownProposalType(p.ProposalType)
	}
	return marshal(p)
}

func errUnknownProposalType(t ProposalType) error {
	return mlserr.New("", mlserr.ErrUnsupported,
		"proposal type %s is not one this implementation knows, and a proposal's body has no length prefix, so it cannot be decoded or skipped (RFC 9420, Sections 12.1 and 13)",
		ProposalTypeName(t))
}

// UnmarshalMLS decodes p (RFC 9420, Section 12.1). A proposal type other
// than the seven of RFC 9420 cannot be decoded (the body that follows has
// no length prefix): reserved(0) is malformed, any other unknown type
// (later registrations, GREASE, which Section 13.5 forbids here) is
// mlserr.ErrUnsupported.
func (p *Proposal) UnmarshalMLS(r *codec.Reader) {
	*p = Proposal{ProposalType: ProposalType(r.U16())}
	if r.Err() != nil {
		return
	}
	switch p.ProposalType {
	case ProposalTypeAdd:
		p.Add = new(Add)
		p.Add.UnmarshalMLS(r)
	case ProposalTypeUpdate:
		p.Update = new(Update)
		p.Update.UnmarshalMLS(r)
	case ProposalTypeRemove:
		p.Remove = new(Remove)
		p.Remove.UnmarshalMLS(r)
	case ProposalTypePSK:
		p.PreSharedKey = new(PreSharedKey)
		p.PreSharedKey.UnmarshalMLS(r)
	case ProposalTypeReInit:
		p.ReInit = new(ReInit)
		p.ReInit.UnmarshalMLS(r)
	case ProposalTypeExternalInit:
		p.ExternalInit = new(ExternalInit)
		p.ExternalInit.UnmarshalMLS(r)
	case ProposalTypeGroupContextExtensions:
		p.GroupContextExtensions = new(GroupContextExtensions)
		p.GroupContextExtensions.UnmarshalMLS(r)
	case 0:
		r.Failf("", "proposal type reserved(0) (RFC 9420, Section 17.4)")
	default:
		// [R-13.5-10] GREASE values take this path too.
		r.Fail(errUnknownProposalType(p.ProposalType))
	}
}

// DecodeProposal decodes exactly b as a Proposal (RFC 9420, Section 12.1).
func DecodeProposal(b []byte) (*Proposal, error) {
	p := new(Proposal)
	if err := codec.Decode(b, p); err != nil {
		return nil, err
	}
	return p, nil
}
