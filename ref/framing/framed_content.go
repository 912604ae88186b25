package framing

import (
	"github.com/mlsref/mlsref/ref/codec"
)

// ContentDecoder finds the end of a Proposal (RFC 9420, Section 12.1) or a
// Commit (RFC 9420, Section 12.4) inside a FramedContent or
// PrivateMessageContent, where the RFC does not length-prefix them (RFC 9420,
// Sections 6 and 6.3.1).
//
// Each method reads exactly one struct from r, recording any error on r
// (r.Fail / r.Failf), and returns the exact bytes it consumed. A decoder that
// parses into a struct and re-encodes it meets this because decoding is
// strict; the framing layer checks that the returned length equals the number
// of bytes consumed.
type ContentDecoder interface {
	ReadProposal(r *codec.Reader) []byte
	ReadCommit(r *codec.Reader) []byte
}

// FramedContent is the content of a message with its framing (RFC 9420,
// Section 6). Exactly one of ApplicationData, Proposal and Commit is
// meaningful, as ContentType selects; Proposal and Commit hold the encodings
// of a Proposal and a Commit (which carry no length prefix on the wire).
//
//	struct {
//	    opaque group_id<V>;
//	    uint64 epoch;
//	    Sender sender;
//	    opaque authenticated_data<V>;
//
//	    ContentType content_type;
//	    select (FramedContent.content_type) {
//	        case application:
//	          opaque application_data<V>;
//	        case proposal:
//	          Proposal proposal;
//	        case commit:
//	          Commit commit;
//	    };
//	} FramedContent;
type FramedContent struct {
	GroupID           []byte
	Epoch             uint64
	Sender            Sender
	AuthenticatedData []byte
	ContentType       ContentType
	ApplicationData   []byte
	Proposal          []byte
	Commit            []byte
}

// MarshalMLS encodes fc (RFC 9420, Section 6). Only the content selected by
// ContentType is written.
func (fc *FramedContent) MarshalMLS(w *codec.Writer) {
	w.Opaque(fc.GroupID)
	w.U64(fc.Epoch)
	fc.Sender.MarshalMLS(w)
	w.Opaque(fc.AuthenticatedData)
	w.U8(uint8(fc.ContentType))
	marshalContent(w, fc.ContentType, fc.ApplicationData, fc.Proposal, fc.Commit)
}

// marshalContent writes the select on content_type shared by FramedContent
// and PrivateMessageContent (RFC 9420, Sections 6 and 6.3.1).
func marshalContent(w *codec.Writer, ct ContentType, app, proposal, commit []byte) {
	switch ct {
	case ContentTypeApplication:
		w.Opaque(app)
	case ContentTypeProposal:
		w.Raw(proposal)
	case ContentTypeCommit:
		w.Raw(commit)
	}
}

// readContent reads the select on content_type shared by FramedContent and
// PrivateMessageContent (RFC 9420, Sections 6 and 6.3.1), using cd for a
// Proposal or a Commit.
func readContent(r *codec.Reader, ct ContentType, cd ContentDecoder) (app, proposal, commit []byte) {
	if r.Err() != nil {
		return nil, nil, nil
	}
	switch ct {
	case ContentTypeApplication:
		return r.OpaqueCopy(), nil, nil
	case ContentTypeProposal:
		return nil, readHooked(r, cd, "Proposal"), nil
	case ContentTypeCommit:
		return nil, nil, readHooked(r, cd, "Commit")
	default:
		r.Failf("", "unknown content type %d (RFC 9420, Section 6)", uint8(ct))
		return nil, nil, nil
	}
}

// readHooked reads one Proposal or Commit (what) with cd and checks that
// the bytes it returns are as many as it consumed.
func readHooked(r *codec.Reader, cd ContentDecoder, what string) []byte {
	if cd == nil {
		r.Failf("", "no decoder for a %s was supplied (RFC 9420, Section 6)", what)
		return nil
	}
	before := r.Len()
	var b []byte
	if what == "Proposal" {
		b = cd.ReadProposal(r)
	} else {
		b = cd.ReadCommit(r)
	}
	if r.Err() != nil {
		return nil
	}
	if consumed := before - r.Len(); consumed != len(b) {
		r.Failf("", "the %s decoder consumed %d bytes but returned %d (RFC 9420, Section 6)", what, consumed, len(b))
		return nil
	}
	if len(b) == 0 {
		r.Failf("", "the %s decoder consumed no bytes (RFC 9420, Section 6)", what)
		return nil
	}
	return append([]byte{}, b...)
}

// UnmarshalWith decodes fc from r (RFC 9420, Section 6), using cd to find
// the end of a Proposal or Commit. Unknown content and sender types are
// rejected.
func (fc *FramedContent) UnmarshalWith(r *codec.Reader, cd ContentDecoder) {
	*fc = FramedContent{}
	fc.GroupID = r.OpaqueCopy()
	fc.Epoch = r.U64()
	fc.Sender.UnmarshalMLS(r)
	fc.AuthenticatedData = r.OpaqueCopy()
	fc.ContentType = readContentType(r)
	fc.ApplicationData, fc.Proposal, fc.Commit = readContent(r, fc.ContentType, cd)
}

// DecodeFramedContent decodes exactly b as a FramedContent (RFC 9420,
// Section 6).
func DecodeFramedContent(b []byte, cd ContentDecoder) (*FramedContent, error) {
	fc := new(FramedContent)
	r := codec.NewReader(b)
	fc.UnmarshalWith(r, cd)
	if err := r.Finish(); err != nil {
		return nil, err
	}
	return fc, nil
}

// Body returns the content that ContentType selects (RFC 9420, Section 6):
// the application data (without its length header), or the encoding of the
// Proposal or Commit.
func (fc *FramedContent) Body() []byte {
	switch fc.ContentType {
	case ContentTypeApplication:
		return fc.ApplicationData
	case ContentTypeProposal:
		return fc.Proposal
	case ContentTypeCommit:
		return fc.Commit
	}
	return nil
}
