package framing

import (
	"github.com/mlsref/mlsref/ref/codec"
)

// FramedContentAuthData authenticates a FramedContent (RFC 9420, Section
// 6.1). ConfirmationTag is present, and encoded, iff the content is a
// commit.
//
//	opaque MAC<V>;
//
//	struct {
//	    /* SignWithLabel(., "FramedContentTBS", FramedContentTBS) */
//	    opaque signature<V>;
//	    select (FramedContent.content_type) {
//	        case commit:
//	            /*
//	              MAC(confirmation_key,
//	                  GroupContext.confirmed_transcript_hash)
//	            */
//	            MAC confirmation_tag;
//	        case application:
//	        case proposal:
//	            struct{};
//	    };
//	} FramedContentAuthData;
type FramedContentAuthData struct {
	Signature       []byte
	ConfirmationTag []byte
}

// MarshalWith encodes a for content of type ct (RFC 9420, Section 6.1).
func (a *FramedContentAuthData) MarshalWith(w *codec.Writer, ct ContentType) {
	w.Opaque(a.Signature)
	if ct == ContentTypeCommit {
		w.Opaque(a.ConfirmationTag)
	}
}

// UnmarshalWith decodes a for content of type ct (RFC 9420, Section 6.1).
func (a *FramedContentAuthData) UnmarshalWith(r *codec.Reader, ct ContentType) {
	*a = FramedContentAuthData{}
	a.Signature = r.OpaqueCopy()
	if ct == ContentTypeCommit {
		a.ConfirmationTag = r.OpaqueCopy()
	}
}

// AuthenticatedContent is a FramedContent with its authentication and the
// wire format it is sent in (RFC 9420, Section 6). Only mls_public_message
// and mls_private_message can carry one.
//
//	struct {
//	    WireFormat wire_format;
//	    FramedContent content;
//	    FramedContentAuthData auth;
//	} AuthenticatedContent;
type AuthenticatedContent struct {
	WireFormat WireFormat
	Content    FramedContent
	Auth       FramedContentAuthData
}

// MarshalMLS encodes ac (RFC 9420, Section 6).
func (ac *AuthenticatedContent) MarshalMLS(w *codec.Writer) {
	w.U16(uint16(ac.WireFormat))
	ac.Content.MarshalMLS(w)
	ac.Auth.MarshalWith(w, ac.Content.ContentType)
}

// UnmarshalWith decodes ac from r (RFC 9420, Section 6), using cd to find
// the end of a Proposal or Commit.
func (ac *AuthenticatedContent) UnmarshalWith(r *codec.Reader, cd ContentDecoder) {
	*ac = AuthenticatedContent{}
	ac.WireFormat = readFramedWireFormat(r)
	ac.Content.UnmarshalWith(r, cd)
	ac.Auth.UnmarshalWith(r, ac.Content.ContentType)
}

// DecodeAuthenticatedContent decodes exactly b as an AuthenticatedContent
// (RFC 9420, Section 6).
func DecodeAuthenticatedContent(b []byte, cd ContentDecoder) (*AuthenticatedContent, error) {
	ac := new(AuthenticatedContent)
	r := codec.NewReader(b)
	ac.UnmarshalWith(r, cd)
	if err := r.Finish(); err != nil {
		return nil, err
	}
	return ac, nil
}
