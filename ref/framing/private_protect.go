package framing

import (
	"errors"
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/treemath"
)

// LeafLookup tells the receiver of a PrivateMessage about the leaf that its
// SenderData names (RFC 9420, Sections 6.1 and 6.3.2): the signature key of
// its LeafNode, and ok false when the leaf is blank or outside the tree.
type LeafLookup func(leaf uint32) (signatureKey []byte, ok bool)

// ratchetFor returns the secret-tree ratchet that content of type ct is
// encrypted under: handshake for proposals and commits, application for
// application data (RFC 9420, Section 6.3.1).
func ratchetFor(ct ContentType) (schedule.RatchetType, error) {
	switch ct {
	case ContentTypeApplication:
		return schedule.ApplicationRatchet, nil
	case ContentTypeProposal, ContentTypeCommit:
		return schedule.HandshakeRatchet, nil
	}
	return 0, mlserr.New("", mlserr.ErrInvalidInput, "content type %v has no ratchet (RFC 9420, Section 6.3.1)", ct)
}

// applyReuseGuard XORs the reuse guard into the first four bytes of a copy
// of the key schedule's nonce (RFC 9420, Section 6.3.1).
func applyReuseGuard(nonce []byte, guard [4]byte) []byte {
	out := append([]byte{}, nonce...)
	for i := range min(4, len(out)) {
		out[i] ^= guard[i]
	}
	return out
}

// ProtectPrivate encrypts ac, an AuthenticatedContent signed by a member for
// wire format mls_private_message, as a PrivateMessage (RFC 9420, Section
// 6.3). It takes the next unused generation of the sender's handshake or
// application ratchet from tree (consuming it), draws the four-byte reuse
// guard from rand, appends padding zero octets to the PrivateMessageContent,
// and encrypts the SenderData under keys derived from senderDataSecret and
// the content ciphertext.
//
// Every check is made before the generation is taken, so an error from a
// check or from rand leaves tree unchanged.
func ProtectPrivate(suite *ciphersuite.Suite, ac *AuthenticatedContent, tree *schedule.SecretTree, senderDataSecret []byte, padding int, rand io.Reader) (*PrivateMessage, error) {
	if ac.WireFormat != WireFormatPrivateMessage {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "AuthenticatedContent signed for wire format %v cannot be sent as a PrivateMessage (RFC 9420, Section 6.1)", ac.WireFormat)
	}
	fc := &ac.Content
	// [R-6.3.2-1]
	if fc.Sender.SenderType != SenderTypeMember {
		return nil, mlserr.New("R-6.3.2-1", mlserr.ErrInvalidInput, "a PrivateMessage can only be sent by a member, not a %v sender", fc.Sender.SenderType)
	}
	if err := checkSender(ac.WireFormat, fc, mlserr.ErrInvalidInput); err != nil {
		return nil, err
	}
	if fc.ContentType == ContentTypeCommit && len(ac.Auth.ConfirmationTag) == 0 {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "a commit needs its confirmation tag before it is sent (RFC 9420, Section 6.1)")
	}
	if padding < 0 {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "negative padding length %d (RFC 9420, Section 6.3.1)", padding)
	}
	rt, err := ratchetFor(fc.ContentType)
	if err != nil {
		return nil, err
	}
	if suite.ID() != tree.Suite().ID() {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "secret tree of suite %v used with suite %v (RFC 9420, Section 9)", tree.Suite().ID(), suite.ID())
	}

	plaintext, err := encode(privateContent(ac, padding))
	if err != nil {
		return nil, err
	}
	return sealPrivate(suite, fc, rt, plaintext, tree, senderDataSecret, rand)
}

// privateContent is the PrivateMessageContent of ac with padding zero
// octets (RFC 9420, Section 6.3.1).
func privateContent(ac *AuthenticatedContent, padding int) *PrivateMessageContent {
	fc := &ac.Content
	return &PrivateMessageContent{
		ContentType:     fc.ContentType,
		ApplicationData: fc.ApplicationData,
		Proposal:        fc.Proposal,
		Commit:          fc.Commit,
		Auth:            ac.Auth,
		Padding:         padding,
	}
}

// PrivateContentSize returns the length of the PrivateMessageContent that
// ProtectPrivate encrypts for ac with padding zero octets, the AEAD
// plaintext (RFC 9420, Sections 6.3.1 and 15.2).
func PrivateContentSize(ac *AuthenticatedContent, padding int) (int, error) {
	if ac == nil || padding < 0 {
		return 0, mlserr.New("", mlserr.ErrInvalidInput, "no content or a negative padding (RFC 9420, Section 6.3.1)")
	}
	b, err := encode(privateContent(ac, padding))
	if err != nil {
		return 0, err
	}
	return len(b), nil
}

// sealPrivate encrypts plaintext, an encoded PrivateMessageContent of fc,
// under the next generation of the sender's ratchet rt, and its SenderData
// under senderDataSecret (RFC 9420, Sections 6.3.1 and 6.3.2).
func sealPrivate(suite *ciphersuite.Suite, fc *FramedContent, rt schedule.RatchetType, plaintext []byte, tree *schedule.SecretTree, senderDataSecret []byte, rand io.Reader) (*PrivateMessage, error) {
	contentAAD, err := encode(&PrivateContentAAD{GroupID: fc.GroupID, Epoch: fc.Epoch, ContentType: fc.ContentType, AuthenticatedData: fc.AuthenticatedData})
	if err != nil {
		return nil, err
	}
	senderAAD, err := encode(&SenderDataAAD{GroupID: fc.GroupID, Epoch: fc.Epoch, ContentType: fc.ContentType})
	if err != nil {
		return nil, err
	}

	// [R-6.3.1-7]
	if err := checkAEADLimits(suite, uint64(len(contentAAD)), uint64(len(plaintext))+AEADTagSize, mlserr.ErrInvalidInput); err != nil {
		return nil, err
	}
	// [R-6.3.1-4]
	var guard [4]byte
	if _, err := io.ReadFull(rand, guard[:]); err != nil {
		return nil, mlserr.Wrap("R-6.3.1-4", mlserr.ErrInvalidInput, err, "cannot draw a random reuse guard")
	}

	kn, err := tree.Next(treemath.LeafIndex(fc.Sender.LeafIndex), rt)
	if err != nil {
		return nil, err
	}
	defer kn.Erase()
	// [R-6.3.1-4]
	nonce := applyReuseGuard(kn.Nonce, guard)
	ciphertext, err := suite.Seal(kn.Key, nonce, contentAAD, plaintext)
	clear(nonce)
	if err != nil {
		return nil, err
	}

	// [R-6.3.1-5]
	sd, err := encode(&SenderData{LeafIndex: fc.Sender.LeafIndex, Generation: kn.Generation, ReuseGuard: guard})
	if err != nil {
		return nil, err
	}
	sdKey, sdNonce := schedule.SenderDataKeyNonce(suite, senderDataSecret, ciphertext)
	encSD, err := suite.Seal(sdKey, sdNonce, senderAAD, sd)
	clear(sdKey)
	clear(sdNonce)
	if err != nil {
		return nil, err
	}
	return &PrivateMessage{
		GroupID:             append([]byte{}, fc.GroupID...),
		Epoch:               fc.Epoch,
		ContentType:         fc.ContentType,
		AuthenticatedData:   append([]byte{}, fc.AuthenticatedData...),
		EncryptedSenderData: encSD,
		Ciphertext:          ciphertext,
	}, nil
}

// DecryptSenderData recovers the SenderData of pm (RFC 9420, Section 6.3.2):
// it derives the sender data key and nonce from senderDataSecret and the
// start of pm.Ciphertext and opens pm.EncryptedSenderData with the
// SenderDataAAD. It checks nothing about the leaf it names.
func DecryptSenderData(suite *ciphersuite.Suite, pm *PrivateMessage, senderDataSecret []byte) (*SenderData, error) {
	aad, err := encode(&SenderDataAAD{GroupID: pm.GroupID, Epoch: pm.Epoch, ContentType: pm.ContentType})
	if err != nil {
		return nil, err
	}
	key, nonce := schedule.SenderDataKeyNonce(suite, senderDataSecret, pm.Ciphertext)
	pt, err := suite.Open(key, nonce, aad, pm.EncryptedSenderData)
	clear(key)
	clear(nonce)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrDecryption, err, "encrypted_sender_data does not decrypt (RFC 9420, Section 6.3.2)")
	}
	sd := new(SenderData)
	if err := codec.Decode(pt, sd); err != nil {
		return nil, err
	}
	return sd, nil
}

// UnprotectPrivate decrypts pm into its AuthenticatedContent (RFC 9420,
// Section 6.3). ctx is the GroupContext of the epoch that tree and
// senderDataSecret belong to; lookup answers for the leaf the SenderData
// names; cd finds the end of a Proposal or Commit.
//
// In order it checks the group and epoch against ctx, decrypts the
// SenderData, checks that its leaf is non-blank, derives (without using it
// up) the generation's key and nonce, decrypts the content, decodes it with
// its all-zero padding, and verifies the signature with the leaf's key.
// Only when all of that succeeded does it consume the generation in tree:
// any error leaves tree exactly as it was. For a commit, the confirmation
// tag is checked by the caller with VerifyConfirmationTag, once the next
// epoch's confirmation key is known.
func UnprotectPrivate(suite *ciphersuite.Suite, pm *PrivateMessage, tree *schedule.SecretTree, senderDataSecret []byte, ctx *schedule.GroupContext, lookup LeafLookup, cd ContentDecoder) (*AuthenticatedContent, error) {
	if err := checkEpoch(pm.GroupID, pm.Epoch, ctx); err != nil {
		return nil, err
	}
	if suite.ID() != tree.Suite().ID() {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "secret tree of suite %v used with suite %v (RFC 9420, Section 9)", tree.Suite().ID(), suite.ID())
	}
	rt, err := ratchetFor(pm.ContentType)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrMalformed, err, "PrivateMessage content type %v (RFC 9420, Section 6.3)", pm.ContentType)
	}
	sd, err := DecryptSenderData(suite, pm, senderDataSecret)
	if err != nil {
		return nil, err
	}
	// [R-6.3.2-2]
	sigKey, ok := lookup(sd.LeafIndex)
	if !ok {
		return nil, mlserr.New("R-6.3.2-2", mlserr.ErrMalformed, "SenderData names leaf %d, which is blank or outside the tree", sd.LeafIndex)
	}
	leaf := treemath.LeafIndex(sd.LeafIndex)
	kn, err := tree.Derive(leaf, rt, sd.Generation)
	if err != nil {
		return nil, err
	}
	defer kn.Erase()

	aad, err := encode(&PrivateContentAAD{GroupID: pm.GroupID, Epoch: pm.Epoch, ContentType: pm.ContentType, AuthenticatedData: pm.AuthenticatedData})
	if err != nil {
		return nil, err
	}
	// [R-6.3.1-7]
	if err := checkAEADLimits(suite, uint64(len(aad)), uint64(len(pm.Ciphertext)), mlserr.ErrMalformed); err != nil {
		return nil, err
	}
	nonce := applyReuseGuard(kn.Nonce, sd.ReuseGuard)
	pt, err := suite.Open(kn.Key, nonce, aad, pm.Ciphertext)
	clear(nonce)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrDecryption, err, "PrivateMessage ciphertext does not decrypt with generation %d of leaf %d's %v ratchet (RFC 9420, Section 6.3.1)", sd.Generation, sd.LeafIndex, rt)
	}
	pc, err := DecodePrivateMessageContent(pt, pm.ContentType, cd)
	if err != nil {
		return nil, err
	}
	ac := &AuthenticatedContent{
		WireFormat: WireFormatPrivateMessage,
		Content: FramedContent{
			GroupID:           append([]byte{}, pm.GroupID...),
			Epoch:             pm.Epoch,
			Sender:            MemberSender(sd.LeafIndex),
			AuthenticatedData: append([]byte{}, pm.AuthenticatedData...),
			ContentType:       pm.ContentType,
			ApplicationData:   pc.ApplicationData,
			Proposal:          pc.Proposal,
			Commit:            pc.Commit,
		},
		Auth: pc.Auth,
	}
	// [R-6.3.1-6]
	if err := ac.VerifySignature(suite, sigKey, ctx); err != nil {
		return nil, outerReq("R-6.3.1-6", err, "PrivateMessageContent auth is not valid")
	}
	if err := tree.Consume(leaf, rt, sd.Generation); err != nil {
		return nil, err
	}
	return ac, nil
}

// outerReq wraps a signature failure under the requirement req of the
// step that checked it; other errors pass unchanged.
func outerReq(req string, err error, msg string) error {
	if errors.Is(err, mlserr.ErrInvalidSignature) {
		return mlserr.Wrap(req, mlserr.ErrInvalidSignature, err, "%s", msg)
	}
	return err
}

// encode returns the encoding of m, or the Writer's error.
func encode(m codec.Marshaler) ([]byte, error) {
	var w codec.Writer
	m.MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}
