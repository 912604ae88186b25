package framing

import (
	"github.com/mlsref/mlsref/ref/codec"
)

// PublicMessage is an authenticated but unencrypted message (RFC 9420,
// Section 6.2). MembershipTag is present, and encoded, iff the sender is a
// member.
//
//	struct {
//	    FramedContent content;
//	    FramedContentAuthData auth;
//	    select (PublicMessage.content.sender.sender_type) {
//	        case member:
//	            MAC membership_tag;
//	        case external:
//	        case new_member_commit:
//	        case new_member_proposal:
//	            struct{};
//	    };
//	} PublicMessage;
type PublicMessage struct {
	Content       FramedContent
	Auth          FramedContentAuthData
	MembershipTag []byte
}

// MarshalMLS encodes pm (RFC 9420, Section 6.2).
func (pm *PublicMessage) MarshalMLS(w *codec.Writer) {
	pm.Content.MarshalMLS(w)
	pm.Auth.MarshalWith(w, pm.Content.ContentType)
	if pm.Content.Sender.SenderType == SenderTypeMember {
		w.Opaque(pm.MembershipTag)
	}
}

// UnmarshalWith decodes pm from r (RFC 9420, Section 6.2), using cd to find
// the end of a Proposal or Commit.
func (pm *PublicMessage) UnmarshalWith(r *codec.Reader, cd ContentDecoder) {
	*pm = PublicMessage{}
	pm.Content.UnmarshalWith(r, cd)
	pm.Auth.UnmarshalWith(r, pm.Content.ContentType)
	if pm.Content.Sender.SenderType == SenderTypeMember {
		pm.MembershipTag = r.OpaqueCopy()
	}
}

// DecodePublicMessage decodes exactly b as a PublicMessage (RFC 9420,
// Section 6.2), without the MLSMessage header.
func DecodePublicMessage(b []byte, cd ContentDecoder) (*PublicMessage, error) {
	pm := new(PublicMessage)
	r := codec.NewReader(b)
	pm.UnmarshalWith(r, cd)
	if err := r.Finish(); err != nil {
		return nil, err
	}
	return pm, nil
}

// AuthenticatedContent returns the AuthenticatedContent that pm carries
// (RFC 9420, Section 6.2), with wire format mls_public_message. It checks
// nothing: see Unprotect.
func (pm *PublicMessage) AuthenticatedContent() *AuthenticatedContent {
	return &AuthenticatedContent{WireFormat: WireFormatPublicMessage, Content: pm.Content, Auth: pm.Auth}
}
