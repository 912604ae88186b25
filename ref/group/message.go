package group

import (
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// MLSMessage is the envelope of every message MLS sends (RFC 9420, Section
// 6). Exactly the body that WireFormat selects is set.
//
//	struct {
//	    ProtocolVersion version = mls10;
//	    WireFormat wire_format;
//	    select (MLSMessage.wire_format) {
//	        case mls_public_message:
//	            PublicMessage public_message;
//	        case mls_private_message:
//	            PrivateMessage private_message;
//	        case mls_welcome:
//	            Welcome welcome;
//	        case mls_group_info:
//	            GroupInfo group_info;
//	        case mls_key_package:
//	            KeyPackage key_package;
//	    };
//	} MLSMessage;
type MLSMessage struct {
	Version        ProtocolVersion
	WireFormat     framing.WireFormat
	PublicMessage  *framing.PublicMessage
	PrivateMessage *framing.PrivateMessage
	Welcome        *Welcome
	GroupInfo      *GroupInfo
	KeyPackage     *KeyPackage
}

// NewMLSMessage wraps body, one of *framing.PublicMessage,
// *framing.PrivateMessage, *Welcome, *GroupInfo and *KeyPackage, in an
// MLSMessage of version mls10 with the matching wire format (RFC 9420,
// Section 6). Any other body is an mlserr.ErrInvalidInput error.
func NewMLSMessage(body codec.Marshaler) (*MLSMessage, error) {
	m := &MLSMessage{Version: MLS10}
	switch b := body.(type) {
	case *framing.PublicMessage:
		m.WireFormat, m.PublicMessage = framing.WireFormatPublicMessage, b
	case *framing.PrivateMessage:
		m.WireFormat, m.PrivateMessage = framing.WireFormatPrivateMessage, b
	case *Welcome:
		m.WireFormat, m.Welcome = framing.WireFormatWelcome, b
	case *GroupInfo:
		m.WireFormat, m.GroupInfo = framing.WireFormatGroupInfo, b
	case *KeyPackage:
		m.WireFormat, m.KeyPackage = framing.WireFormatKeyPackage, b
	default:
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "%T cannot be sent as an MLSMessage (RFC 9420, Section 6)", body)
	}
	return m, nil
}

// Body returns the body that WireFormat selects (RFC 9420, Section 6), or
// nil when it is not set.
func (m *MLSMessage) Body() codec.Marshaler {
	switch m.WireFormat {
	case framing.WireFormatPublicMessage:
		if m.PublicMessage != nil {
			return m.PublicMessage
		}
	case framing.WireFormatPrivateMessage:
		if m.PrivateMessage != nil {
			return m.PrivateMessage
		}
	case framing.WireFormatWelcome:
		if m.Welcome != nil {
			return m.Welcome
		}
	case framing.WireFormatGroupInfo:
		if m.GroupInfo != nil {
			return m.GroupInfo
		}
	case framing.WireFormatKeyPackage:
		if m.KeyPackage != nil {
			return m.KeyPackage
		}
	}
	return nil
}

// MarshalMLS encodes m (RFC 9420, Section 6). A message whose selected
// body is missing is written as its header alone; Marshal rejects it.
func (m *MLSMessage) MarshalMLS(w *codec.Writer) {
	w.U16(uint16(m.Version))
	w.U16(uint16(m.WireFormat))
	if b := m.Body(); b != nil {
		b.MarshalMLS(w)
	}
}

// Marshal returns the encoding of m (RFC 9420, Section 6). A message
// without the body its wire format selects is an mlserr.ErrInvalidInput
// error.
func (m *MLSMessage) Marshal() ([]byte, error) {
	if m.Body() == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "MLSMessage with wire format %v lacks its body (RFC 9420, Section 6)", m.WireFormat)
	}
	return marshal(m)
}

// UnmarshalMLS decodes m (RFC 9420, Section 6). The version must be mls10
// and the wire format one of the five of Section 17.2; a Proposal or
// Commit inside a PublicMessage is decoded with ContentDecoder. A
// KeyPackage must carry the MLSMessage's version.
func (m *MLSMessage) UnmarshalMLS(r *codec.Reader) { m.unmarshalWith(r, ContentDecoder{}) }

func (m *MLSMessage) unmarshalWith(r *codec.Reader, d ContentDecoder) {
	*m = MLSMessage{}
	m.Version = ProtocolVersion(framing.ReadProtocolVersion(r))
	m.WireFormat = framing.WireFormat(r.U16())
	if r.Err() != nil {
		return
	}
	switch m.WireFormat {
	case framing.WireFormatPublicMessage:
		m.PublicMessage = new(framing.PublicMessage)
		m.PublicMessage.UnmarshalWith(r, d)
	case framing.WireFormatPrivateMessage:
		m.PrivateMessage = new(framing.PrivateMessage)
		m.PrivateMessage.UnmarshalMLS(r)
	case framing.WireFormatWelcome:
		m.Welcome = new(Welcome)
		m.Welcome.UnmarshalMLS(r)
	case framing.WireFormatGroupInfo:
		m.GroupInfo = new(GroupInfo)
		m.GroupInfo.UnmarshalMLS(r)
	case framing.WireFormatKeyPackage:
		m.KeyPackage = new(KeyPackage)
		m.KeyPackage.UnmarshalMLS(r)
		// [R-10-6]
		if r.Err() == nil && m.KeyPackage.Version != m.Version {
			r.Fail(mlserr.New("R-10-6", mlserr.ErrInvalidKeyPackage, "the KeyPackage's version %d is not the MLSMessage's version %d", uint16(m.KeyPackage.Version), uint16(m.Version)))
		}
	case 0:
		r.Failf("", "wire format reserved(0) (RFC 9420, Section 17.2)")
	default:
		r.Fail(mlserr.New("", mlserr.ErrUnsupported, "unknown wire format %d (RFC 9420, Sections 6 and 17.2)", uint16(m.WireFormat)))
	}
}

// DecodeMLSMessage decodes exactly b as an MLSMessage (RFC 9420, Section
// 6).
func DecodeMLSMessage(b []byte) (*MLSMessage, error) {
	m := new(MLSMessage)
	if err := codec.Decode(b, m); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeMLSMessageWith is DecodeMLSMessage for an application with proposal
// types of its own (RFC 9420, Sections 6 and 13.1): a PublicMessage
// carrying a proposal of one of the types of h is decoded with its handler.
func DecodeMLSMessageWith(b []byte, h ProposalHandlers) (*MLSMessage, error) {
	m := new(MLSMessage)
	if err := codec.Decode(b, mlsMessageDecoder{m: m, d: ContentDecoder{Proposals: h}}); err != nil {
		return nil, err
	}
	return m, nil
}

type mlsMessageDecoder struct {
	m *MLSMessage
	d ContentDecoder
}

func (x mlsMessageDecoder) UnmarshalMLS(r *codec.Reader) { x.m.unmarshalWith(r, x.d) }

// ContentDecoder is the framing.ContentDecoder of RFC 9420's Proposal
// (Section 12.1) and Commit (Section 12.4): it decodes one of them from
// the Reader and returns its encoding, which is exactly the bytes it
// consumed because decoding is strict. A proposal of an unknown type
// cannot be decoded (Section 12.1) and fails with mlserr.ErrUnsupported,
// unless it is one of the application's types in Proposals (Section 13.1).
type ContentDecoder struct {
	Proposals ProposalHandlers
}

var _ framing.ContentDecoder = ContentDecoder{}

// ReadProposal reads one Proposal from r (RFC 9420, Section 12.1) and
// returns its encoding, or nil with the error recorded on r.
func (d ContentDecoder) ReadProposal(r *codec.Reader) []byte {
	var p Proposal
	p.unmarshalWith(r, d.Proposals)
	if r.Err() != nil {
		return nil
	}
	return codec.Encode(&p)
}

// ReadCommit reads one Commit from r (RFC 9420, Section 12.4) and returns
// its encoding, or nil with the error recorded on r.
func (d ContentDecoder) ReadCommit(r *codec.Reader) []byte {
	var c Commit
	c.unmarshalWith(r, d.Proposals)
	if r.Err() != nil {
		return nil
	}
	return codec.Encode(&c)
}
