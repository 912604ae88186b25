package framing

import (
	"bytes"
	"crypto/subtle"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// AuthenticatedContentTBM is the input of a PublicMessage's membership tag
// (RFC 9420, Section 6.2).
//
//	struct {
//	  FramedContentTBS content_tbs;
//	  FramedContentAuthData auth;
//	} AuthenticatedContentTBM;
//
//	membership_tag = MAC(membership_key, AuthenticatedContentTBM)
type AuthenticatedContentTBM struct {
	ContentTBS FramedContentTBS
	Auth       FramedContentAuthData
}

// MarshalMLS encodes tbm (RFC 9420, Section 6.2).
func (tbm *AuthenticatedContentTBM) MarshalMLS(w *codec.Writer) {
	tbm.ContentTBS.MarshalMLS(w)
	tbm.Auth.MarshalWith(w, tbm.ContentTBS.Content.ContentType)
}

// membershipTagInput encodes the AuthenticatedContentTBM of ac in the epoch
// of ctx (RFC 9420, Section 6.2).
func (ac *AuthenticatedContent) membershipTagInput(ctx *schedule.GroupContext) ([]byte, error) {
	tbs, _, err := newTBS(ac.WireFormat, &ac.Content, ctx)
	if err != nil {
		return nil, err
	}
	tbm := &AuthenticatedContentTBM{ContentTBS: *tbs, Auth: ac.Auth}
	var w codec.Writer
	tbm.MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// checkEpoch checks that content belongs to the group and epoch of ctx: the
// signature and the keys are specific to them (RFC 9420, Section 6.1).
func checkEpoch(groupID []byte, epoch uint64, ctx *schedule.GroupContext) error {
	if ctx == nil {
		return mlserr.New("", mlserr.ErrInvalidInput, "no GroupContext given to check the message's group and epoch against (RFC 9420, Section 6.1)")
	}
	if !bytes.Equal(groupID, ctx.GroupID) {
		return mlserr.New("", mlserr.ErrEpoch, "message for group %x received in group %x (RFC 9420, Section 6.1)", groupID, ctx.GroupID)
	}
	if epoch != ctx.Epoch {
		return mlserr.New("", mlserr.ErrEpoch, "message for epoch %d received in epoch %d (RFC 9420, Section 6.1)", epoch, ctx.Epoch)
	}
	return nil
}

// ProtectPublic encodes ac, an AuthenticatedContent with wire format
// mls_public_message, as a PublicMessage (RFC 9420, Section 6.2). For a
// member sender it adds the membership tag, MAC(membership_key,
// AuthenticatedContentTBM), over the GroupContext ctx of the current epoch.
// Application data is refused: it must be sent as a PrivateMessage.
func ProtectPublic(suite *ciphersuite.Suite, ac *AuthenticatedContent, membershipKey []byte, ctx *schedule.GroupContext) (*PublicMessage, error) {
	if ac.WireFormat != WireFormatPublicMessage {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "AuthenticatedContent signed for wire format %v cannot be sent as a PublicMessage (RFC 9420, Section 6.1)", ac.WireFormat)
	}
	if err := checkSender(ac.WireFormat, &ac.Content, mlserr.ErrInvalidInput); err != nil {
		return nil, err
	}
	if ctx != nil {
		if err := checkEpoch(ac.Content.GroupID, ac.Content.Epoch, ctx); err != nil {
			return nil, err
		}
	}
	pm := &PublicMessage{Content: ac.Content, Auth: ac.Auth}
	if ac.Content.Sender.SenderType == SenderTypeMember {
		tbm, err := ac.membershipTagInput(ctx)
		if err != nil {
			return nil, err
		}
		// [R-6.2-1]
		pm.MembershipTag = suite.MAC(membershipKey, tbm)
	}
	return pm, nil
}

// VerifyMembershipTag checks the membership tag of pm, sent by a member,
// against MAC(membership_key, AuthenticatedContentTBM) over the GroupContext
// ctx (RFC 9420, Section 6.2): the length first, then the bytes in constant
// time. Messages from other senders carry no tag and pass.
func (pm *PublicMessage) VerifyMembershipTag(suite *ciphersuite.Suite, membershipKey []byte, ctx *schedule.GroupContext) error {
	if pm.Content.Sender.SenderType != SenderTypeMember {
		return nil
	}
	tbm, err := pm.AuthenticatedContent().membershipTagInput(ctx)
	if err != nil {
		return err
	}
	want := suite.MAC(membershipKey, tbm)
	// [R-6.2-2]
	if len(pm.MembershipTag) != len(want) {
		return mlserr.New("R-6.2-2", mlserr.ErrInvalidMembershipTag, "membership_tag is %d bytes, want %d", len(pm.MembershipTag), len(want))
	}
	// [R-6.2-2]
	if subtle.ConstantTimeCompare(pm.MembershipTag, want) != 1 {
		return mlserr.New("R-6.2-2", mlserr.ErrInvalidMembershipTag, "membership_tag does not match MAC(membership_key, AuthenticatedContentTBM)")
	}
	return nil
}

// UnprotectPublic turns pm into its AuthenticatedContent (RFC 9420, Section
// 6.2) after checking, in this order: that it is for the group and epoch of
// ctx, the sender rules of CheckSender, the membership tag of a member
// sender with membershipKey, and the signature with signaturePub, the key
// that the sender's type designates (Section 6.1). For a commit, the
// confirmation tag can only be checked with the next epoch's key: the caller
// does so with VerifyConfirmationTag.
func UnprotectPublic(suite *ciphersuite.Suite, pm *PublicMessage, membershipKey []byte, ctx *schedule.GroupContext, signaturePub []byte) (*AuthenticatedContent, error) {
	if err := checkEpoch(pm.Content.GroupID, pm.Content.Epoch, ctx); err != nil {
		return nil, err
	}
	ac := pm.AuthenticatedContent()
	if err := CheckSender(ac.WireFormat, &ac.Content); err != nil {
		return nil, err
	}
	if err := pm.VerifyMembershipTag(suite, membershipKey, ctx); err != nil {
		return nil, err
	}
	// [R-6.2-2]
	if err := ac.VerifySignature(suite, signaturePub, ctx); err != nil {
		return nil, outerReq("R-6.2-2", err, "PublicMessage auth is not valid")
	}
	return ac, nil
}
