package framing

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// labelFramedContentTBS is the SignWithLabel label of FramedContentTBS (RFC
// 9420, Section 6.1).
const labelFramedContentTBS = ciphersuite.LabelFramedContentTBS

// FramedContentTBS is the content that a FramedContentAuthData signature
// covers (RFC 9420, Section 6.1). Context is the GroupContext of the current
// epoch, encoded iff the sender is a member or a new_member_commit.
//
//	struct {
//	    ProtocolVersion version = mls10;
//	    WireFormat wire_format;
//	    FramedContent content;
//	    select (FramedContentTBS.content.sender.sender_type) {
//	        case member:
//	        case new_member_commit:
//	            GroupContext context;
//	        case external:
//	        case new_member_proposal:
//	            struct{};
//	    };
//	} FramedContentTBS;
type FramedContentTBS struct {
	Version    ProtocolVersion
	WireFormat WireFormat
	Content    FramedContent
	Context    *schedule.GroupContext
}

// needsContext reports whether the FramedContentTBS of a sender of type st
// carries the GroupContext (RFC 9420, Section 6.1).
func needsContext(st SenderType) bool {
	return st == SenderTypeMember || st == SenderTypeNewMemberCommit
}

// MarshalMLS encodes tbs (RFC 9420, Section 6.1). Use encode, which checks
// that Context is present exactly when it must be.
func (tbs *FramedContentTBS) MarshalMLS(w *codec.Writer) {
	w.U16(uint16(tbs.Version))
	w.U16(uint16(tbs.WireFormat))
	tbs.Content.MarshalMLS(w)
	if needsContext(tbs.Content.Sender.SenderType) && tbs.Context != nil {
		tbs.Context.MarshalMLS(w)
	}
}

// newTBS builds the FramedContentTBS of content sent with wire format wf in
// the epoch of ctx and encodes it (RFC 9420, Section 6.1).
func newTBS(wf WireFormat, content *FramedContent, ctx *schedule.GroupContext) (*FramedContentTBS, []byte, error) {
	if !wf.framed() {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "wire format %v cannot carry a FramedContent (RFC 9420, Section 6.1)", wf)
	}
	if !content.ContentType.Valid() {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "content type %v (RFC 9420, Section 6)", content.ContentType)
	}
	if !content.Sender.SenderType.Valid() {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "sender type %v (RFC 9420, Section 6)", content.Sender.SenderType)
	}
	tbs := &FramedContentTBS{Version: ProtocolVersionMLS10, WireFormat: wf, Content: *content}
	if needsContext(content.Sender.SenderType) {
		if ctx == nil {
			return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "a %v sender signs over the GroupContext, but none was given (RFC 9420, Section 6.1)", content.Sender.SenderType)
		}
		tbs.Context = ctx
	}
	var w codec.Writer
	tbs.MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, nil, err
	}
	return tbs, w.Bytes(), nil
}

// CheckSender checks the rules that tie a sender type to the content it may
// send (RFC 9420, Sections 6 and 6.1): an application message is never a
// PublicMessage, an external sender or new_member_proposal sends only
// proposals (the latter only Add), a new_member_commit only commits. Whether
// the proposal type is one an external sender may send is the group layer's
// decision (Section 12.1.8.1). A received message that breaks them is
// rejected as malformed.
func CheckSender(wf WireFormat, content *FramedContent) error {
	return checkSender(wf, content, mlserr.ErrMalformed)
}

// checkSender is CheckSender with the error class to return: ErrMalformed for
// a received message, ErrInvalidInput for one being sent.
func checkSender(wf WireFormat, content *FramedContent, class error) error {
	ct := content.ContentType
	// [R-6-1]
	if wf == WireFormatPublicMessage && ct == ContentTypeApplication {
		return mlserr.New("R-6-1", class, "application data must be sent as a PrivateMessage, not a PublicMessage")
	}
	switch content.Sender.SenderType {
	case SenderTypeMember:
	case SenderTypeExternal:
		// [R-6.1-4]
		if ct != ContentTypeProposal {
			return mlserr.New("R-6.1-4", class, "an external sender sent content of type %v; only proposals are allowed", ct)
		}
	case SenderTypeNewMemberCommit:
		// [R-6.1-6]
		if ct != ContentTypeCommit {
			return mlserr.New("R-6.1-6", class, "a new_member_commit sender sent content of type %v; only a commit is allowed", ct)
		}
	case SenderTypeNewMemberProposal:
		// [R-6.1-8]
		if ct != ContentTypeProposal {
			return mlserr.New("R-6.1-8", class, "a new_member_proposal sender sent content of type %v; only an Add proposal is allowed", ct)
		}
		// The Proposal encoding opens with its uint16 proposal_type; add is 1
		// (RFC 9420, Section 12.1).
		// [R-6.1-8]
		if len(content.Proposal) < 2 || content.Proposal[0] != 0 || content.Proposal[1] != 1 {
			return mlserr.New("R-6.1-8", class, "a new_member_proposal sender sent a proposal that is not an Add")
		}
	default:
		return mlserr.New("", class, "sender type %v (RFC 9420, Section 6)", content.Sender.SenderType)
	}
	return nil
}

// Sign builds the AuthenticatedContent of content sent with wire format wf,
// signing with signaturePriv, the private key that matches the sender's
// signature key (RFC 9420, Section 6.1). ctx is the GroupContext of the
// current epoch; it is required for member and new_member_commit senders
// and ignored for the others. For a commit, the confirmation tag is left
// empty: set it with SetConfirmationTag once the confirmed transcript hash
// is known.
func Sign(suite *ciphersuite.Suite, wf WireFormat, content *FramedContent, ctx *schedule.GroupContext, signaturePriv []byte) (*AuthenticatedContent, error) {
	if err := checkSender(wf, content, mlserr.ErrInvalidInput); err != nil {
		return nil, err
	}
	if needsContext(content.Sender.SenderType) {
		if err := checkEpoch(content.GroupID, content.Epoch, ctx); err != nil {
			return nil, err
		}
	}
	_, tbs, err := newTBS(wf, content, ctx)
	if err != nil {
		return nil, err
	}
	sig, err := suite.SignWithLabel(signaturePriv, labelFramedContentTBS, tbs)
	if err != nil {
		return nil, err
	}
	return &AuthenticatedContent{WireFormat: wf, Content: *content, Auth: FramedContentAuthData{Signature: sig}}, nil
}

// VerifySignature checks ac's signature with signaturePub, the signature key
// that the sender's type designates (RFC 9420, Section 6.1), and the rules
// of CheckSender. ctx is the GroupContext of the epoch the message belongs
// to, required for member and new_member_commit senders.
func (ac *AuthenticatedContent) VerifySignature(suite *ciphersuite.Suite, signaturePub []byte, ctx *schedule.GroupContext) error {
	if err := CheckSender(ac.WireFormat, &ac.Content); err != nil {
		return err
	}
	_, tbs, err := newTBS(ac.WireFormat, &ac.Content, ctx)
	if err != nil {
		return err
	}
	// [R-6.1-9]
	if err := suite.VerifyWithLabel(signaturePub, labelFramedContentTBS, tbs, ac.Auth.Signature); err != nil {
		return mlserr.Wrap("R-6.1-9", mlserr.ErrInvalidSignature, err, "FramedContentTBS signature of a %v sender does not verify", ac.Content.Sender.SenderType)
	}
	return nil
}

// ConfirmedTranscriptHashInput returns the encoding of the
// ConfirmedTranscriptHashInput of ac, a commit (RFC 9420, Section 8.2):
// its wire format, content and signature.
func (ac *AuthenticatedContent) ConfirmedTranscriptHashInput() ([]byte, error) {
	if ac.Content.ContentType != ContentTypeCommit {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "only a commit enters the transcript hash, not content of type %v (RFC 9420, Section 8.2)", ac.Content.ContentType)
	}
	var w codec.Writer
	ac.Content.MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return schedule.ConfirmedTranscriptHashInput(uint16(ac.WireFormat), w.Bytes(), ac.Auth.Signature)
}

// TranscriptHashes returns the confirmed and interim transcript hashes that
// ac, a commit, produces from the interim transcript hash of the epoch it was
// sent in (RFC 9420, Section 8.2).
func (ac *AuthenticatedContent) TranscriptHashes(suite *ciphersuite.Suite, interimBefore []byte) (confirmed, interim []byte, err error) {
	in, err := ac.ConfirmedTranscriptHashInput()
	if err != nil {
		return nil, nil, err
	}
	confirmed = schedule.ConfirmedTranscriptHash(suite, interimBefore, in)
	interim, err = schedule.InterimTranscriptHash(suite, confirmed, ac.Auth.ConfirmationTag)
	if err != nil {
		return nil, nil, err
	}
	return confirmed, interim, nil
}

// SetConfirmationTag sets the confirmation tag of ac, a commit, to
// MAC(confirmation_key, confirmed_transcript_hash) (RFC 9420, Section 6.1).
func (ac *AuthenticatedContent) SetConfirmationTag(suite *ciphersuite.Suite, confirmationKey, confirmedTranscriptHash []byte) error {
	if ac.Content.ContentType != ContentTypeCommit {
		return mlserr.New("", mlserr.ErrInvalidInput, "only a commit carries a confirmation tag, not content of type %v (RFC 9420, Section 6.1)", ac.Content.ContentType)
	}
	ac.Auth.ConfirmationTag = schedule.ConfirmationTag(suite, confirmationKey, confirmedTranscriptHash)
	return nil
}

// VerifyConfirmationTag checks the confirmation tag of ac, a commit, against
// MAC(confirmation_key, confirmed_transcript_hash), length first and then in
// constant time (RFC 9420, Sections 6.1 and 12.4.2). The confirmation key is
// that of the epoch the commit creates, so the group layer calls this once
// it has derived it; with VerifySignature this makes the
// FramedContentAuthData valid.
func (ac *AuthenticatedContent) VerifyConfirmationTag(suite *ciphersuite.Suite, confirmationKey, confirmedTranscriptHash []byte) error {
	if ac.Content.ContentType != ContentTypeCommit {
		return mlserr.New("", mlserr.ErrInvalidInput, "only a commit carries a confirmation tag, not content of type %v (RFC 9420, Section 6.1)", ac.Content.ContentType)
	}
	return schedule.VerifyConfirmationTag(suite, confirmationKey, confirmedTranscriptHash, ac.Auth.ConfirmationTag)
}
