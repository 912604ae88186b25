package framing

import (
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// FramedMessage is an MLSMessage whose wire format is mls_public_message or
// mls_private_message (RFC 9420, Section 6): exactly one of PublicMessage and
// PrivateMessage is set, as WireFormat says. The other three wire formats
// carry bodies of Sections 10 to 12 and are decoded by the group layer.
//
//	struct {
//	    ProtocolVersion version = mls10;
//	    WireFormat wire_format;
//	    select (MLSMessage.wire_format) {
//	        case mls_public_message:
//	            PublicMessage public_message;
//	        case mls_private_message:
//	            PrivateMessage private_message;
//	        ...
//	    };
//	} MLSMessage;
type FramedMessage struct {
	WireFormat     WireFormat
	PublicMessage  *PublicMessage
	PrivateMessage *PrivateMessage
}

// EncodeFramedMessage encodes msg, a *PublicMessage or *PrivateMessage, as
// an MLSMessage with version mls10 and wire format wf (RFC 9420, Section
// 6). A wire format that does not match msg is an error.
func EncodeFramedMessage(wf WireFormat, msg codec.Marshaler) ([]byte, error) {
	switch msg.(type) {
	case *PublicMessage:
		if wf == WireFormatPublicMessage {
			break
		}
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "a PublicMessage cannot be sent with wire format %v (RFC 9420, Section 6)", wf)
	case *PrivateMessage:
		if wf == WireFormatPrivateMessage {
			break
		}
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "a PrivateMessage cannot be sent with wire format %v (RFC 9420, Section 6)", wf)
	default:
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "%T is not a PublicMessage or a PrivateMessage (RFC 9420, Section 6)", msg)
	}
	var w codec.Writer
	w.U16(uint16(ProtocolVersionMLS10))
	w.U16(uint16(wf))
	msg.MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// Encode returns the MLSMessage encoding of m (RFC 9420, Section 6).
func (m *FramedMessage) Encode() ([]byte, error) {
	switch m.WireFormat {
	case WireFormatPublicMessage:
		if m.PublicMessage != nil {
			return EncodeFramedMessage(m.WireFormat, m.PublicMessage)
		}
	case WireFormatPrivateMessage:
		if m.PrivateMessage != nil {
			return EncodeFramedMessage(m.WireFormat, m.PrivateMessage)
		}
	}
	return nil, mlserr.New("", mlserr.ErrInvalidInput, "FramedMessage with wire format %v lacks the matching message (RFC 9420, Section 6)", m.WireFormat)
}

// ReadMLSMessageHeader reads the version and wire_format that open every
// MLSMessage (RFC 9420, Section 6). The version must be mls10; the wire
// format must be one of the five of Section 17.2.
func ReadMLSMessageHeader(r *codec.Reader) WireFormat {
	ReadProtocolVersion(r)
	wf := WireFormat(r.U16())
	if r.Err() != nil {
		return 0
	}
	if !wf.Known() {
		r.Fail(mlserr.New("", mlserr.ErrUnsupported, "unknown wire format %d (RFC 9420, Sections 6 and 17.2)", uint16(wf)))
		return 0
	}
	return wf
}

// DecodeFramedMessage decodes exactly b as an MLSMessage whose wire format is
// mls_public_message or mls_private_message (RFC 9420, Section 6), using cd
// to find the end of a Proposal or Commit in a PublicMessage. The version
// must be mls10. The other wire formats are rejected as unsupported here:
// the group layer decodes them.
func DecodeFramedMessage(b []byte, cd ContentDecoder) (*FramedMessage, error) {
	r := codec.NewReader(b)
	m := &FramedMessage{WireFormat: ReadMLSMessageHeader(r)}
	if err := r.Err(); err != nil {
		return nil, err
	}
	switch m.WireFormat {
	case WireFormatPublicMessage:
		m.PublicMessage = new(PublicMessage)
		m.PublicMessage.UnmarshalWith(r, cd)
	case WireFormatPrivateMessage:
		m.PrivateMessage = new(PrivateMessage)
		m.PrivateMessage.UnmarshalMLS(r)
	default:
		return nil, mlserr.New("", mlserr.ErrUnsupported, "MLSMessage with wire format %v: the group layer decodes it, not the framing layer (RFC 9420, Section 6)", m.WireFormat)
	}
	if err := r.Finish(); err != nil {
		return nil, err
	}
	return m, nil
}
