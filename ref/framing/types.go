package framing

import (
	"fmt"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// ProtocolVersion is the MLS protocol version (RFC 9420, Section 6). It is
// the GroupContext's type of ref/schedule, so that both layers share one.
//
//	enum {
//	    reserved(0),
//	    mls10(1),
//	    (65535)
//	} ProtocolVersion;
type ProtocolVersion = schedule.ProtocolVersion

// ProtocolVersionMLS10 is mls10, the version of RFC 9420 (RFC 9420, Section 6).
const ProtocolVersionMLS10 = schedule.MLS10

// ReadProtocolVersion reads a ProtocolVersion and rejects every value but
// mls10 (RFC 9420, Section 6): reserved(0) as malformed, any other value as
// unsupported.
func ReadProtocolVersion(r *codec.Reader) ProtocolVersion {
	v := ProtocolVersion(r.U16())
	if r.Err() != nil {
		return 0
	}
	switch v {
	case ProtocolVersionMLS10:
		return v
	case 0:
		r.Failf("", "protocol version reserved(0) (RFC 9420, Section 6)")
	default:
		r.Fail(mlserr.New("", mlserr.ErrUnsupported, "protocol version %d; only mls10 is supported (RFC 9420, Section 6)", uint16(v)))
	}
	return 0
}

// WireFormat is the wire format of an MLSMessage (RFC 9420, Sections 6 and
// 17.2).
//
//	uint16 WireFormat;
type WireFormat uint16

// The wire formats of the "MLS Wire Formats" registry (RFC 9420, Section 17.2).
const (
	WireFormatPublicMessage  WireFormat = 1 // mls_public_message
	WireFormatPrivateMessage WireFormat = 2 // mls_private_message
	WireFormatWelcome        WireFormat = 3 // mls_welcome
	WireFormatGroupInfo      WireFormat = 4 // mls_group_info
	WireFormatKeyPackage     WireFormat = 5 // mls_key_package
)

// String names the wire format as the registry of RFC 9420, Section 17.2
// does.
func (wf WireFormat) String() string {
	switch wf {
	case WireFormatPublicMessage:
		return "mls_public_message"
	case WireFormatPrivateMessage:
		return "mls_private_message"
	case WireFormatWelcome:
		return "mls_welcome"
	case WireFormatGroupInfo:
		return "mls_group_info"
	case WireFormatKeyPackage:
		return "mls_key_package"
	}
	return fmt.Sprintf("WireFormat(%d)", uint16(wf))
}

// Known reports whether wf is one of the five wire formats of RFC 9420,
// Section 17.2.
func (wf WireFormat) Known() bool { return wf >= WireFormatPublicMessage && wf <= WireFormatKeyPackage }

// framed reports whether wf is one of the two wire formats that carry a
// FramedContent (RFC 9420, Section 6).
func (wf WireFormat) framed() bool {
	return wf == WireFormatPublicMessage || wf == WireFormatPrivateMessage
}

// readFramedWireFormat reads the wire_format of an AuthenticatedContent or
// FramedContentTBS, which can only be mls_public_message or
// mls_private_message (RFC 9420, Section 6.1).
func readFramedWireFormat(r *codec.Reader) WireFormat {
	wf := WireFormat(r.U16())
	if r.Err() == nil && !wf.framed() {
		r.Failf("", "wire format %v cannot carry a FramedContent (RFC 9420, Section 6.1)", wf)
		return 0
	}
	return wf
}

// ContentType is the type of a FramedContent's content (RFC 9420, Section 6).
//
//	enum {
//	    reserved(0),
//	    application(1),
//	    proposal(2),
//	    commit(3),
//	    (255)
//	} ContentType;
type ContentType uint8

// The content types of RFC 9420, Section 6.
const (
	ContentTypeApplication ContentType = 1
	ContentTypeProposal    ContentType = 2
	ContentTypeCommit      ContentType = 3
)

// String names the content type (RFC 9420, Section 6).
func (ct ContentType) String() string {
	switch ct {
	case ContentTypeApplication:
		return "application"
	case ContentTypeProposal:
		return "proposal"
	case ContentTypeCommit:
		return "commit"
	}
	return fmt.Sprintf("ContentType(%d)", uint8(ct))
}

// Valid reports whether ct is application, proposal or commit (RFC 9420,
// Section 6).
func (ct ContentType) Valid() bool { return ct >= ContentTypeApplication && ct <= ContentTypeCommit }

// readContentType reads a ContentType, rejecting reserved(0) and unknown
// values (RFC 9420, Section 6).
func readContentType(r *codec.Reader) ContentType {
	ct := ContentType(r.U8())
	if r.Err() == nil && !ct.Valid() {
		r.Failf("", "unknown content type %d (RFC 9420, Section 6)", uint8(ct))
		return 0
	}
	return ct
}

// SenderType is the kind of a message's sender (RFC 9420, Section 6).
//
//	enum {
//	    reserved(0),
//	    member(1),
//	    external(2),
//	    new_member_proposal(3),
//	    new_member_commit(4),
//	    (255)
//	} SenderType;
type SenderType uint8

// The sender types of RFC 9420, Section 6.
const (
	SenderTypeMember            SenderType = 1
	SenderTypeExternal          SenderType = 2
	SenderTypeNewMemberProposal SenderType = 3
	SenderTypeNewMemberCommit   SenderType = 4
)

// String names the sender type (RFC 9420, Section 6).
func (st SenderType) String() string {
	switch st {
	case SenderTypeMember:
		return "member"
	case SenderTypeExternal:
		return "external"
	case SenderTypeNewMemberProposal:
		return "new_member_proposal"
	case SenderTypeNewMemberCommit:
		return "new_member_commit"
	}
	return fmt.Sprintf("SenderType(%d)", uint8(st))
}

// Valid reports whether st is one of the four sender types (RFC 9420,
// Section 6).
func (st SenderType) Valid() bool { return st >= SenderTypeMember && st <= SenderTypeNewMemberCommit }

// Sender identifies who sent a message (RFC 9420, Section 6). LeafIndex is
// meaningful only for a member, SenderIndex only for an external sender;
// neither is encoded for the other types.
//
//	struct {
//	    SenderType sender_type;
//	    select (Sender.sender_type) {
//	        case member:
//	            uint32 leaf_index;
//	        case external:
//	            uint32 sender_index;
//	        case new_member_commit:
//	        case new_member_proposal:
//	            struct{};
//	    };
//	} Sender;
type Sender struct {
	SenderType  SenderType
	LeafIndex   uint32
	SenderIndex uint32
}

// MemberSender returns the Sender of the member at leaf (RFC 9420, Section 6).
func MemberSender(leaf uint32) Sender { return Sender{SenderType: SenderTypeMember, LeafIndex: leaf} }

// MarshalMLS encodes s (RFC 9420, Section 6).
func (s *Sender) MarshalMLS(w *codec.Writer) {
	w.U8(uint8(s.SenderType))
	switch s.SenderType {
	case SenderTypeMember:
		w.U32(s.LeafIndex)
	case SenderTypeExternal:
		w.U32(s.SenderIndex)
	}
}

// UnmarshalMLS decodes s, rejecting reserved(0) and unknown sender types
// (RFC 9420, Section 6).
func (s *Sender) UnmarshalMLS(r *codec.Reader) {
	*s = Sender{SenderType: SenderType(r.U8())}
	if r.Err() != nil {
		return
	}
	switch s.SenderType {
	case SenderTypeMember:
		s.LeafIndex = r.U32()
	case SenderTypeExternal:
		s.SenderIndex = r.U32()
	case SenderTypeNewMemberProposal, SenderTypeNewMemberCommit:
	default:
		r.Failf("", "unknown sender type %d (RFC 9420, Section 6)", uint8(s.SenderType))
	}
}
