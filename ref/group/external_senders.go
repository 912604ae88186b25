package group

import (
	"bytes"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// ExternalSender is a party allowed to send proposals to the group from
// outside it (RFC 9420, Section 12.1.8.1).
//
//	struct {
//	    SignaturePublicKey signature_key;
//	    Credential credential;
//	} ExternalSender;
type ExternalSender struct {
	SignatureKey []byte
	Credential   credential.Credential
}

// MarshalMLS encodes s (RFC 9420, Section 12.1.8.1).
func (s *ExternalSender) MarshalMLS(w *codec.Writer) {
	w.Opaque(s.SignatureKey)
	s.Credential.MarshalMLS(w)
}

// UnmarshalMLS decodes s (RFC 9420, Section 12.1.8.1).
func (s *ExternalSender) UnmarshalMLS(r *codec.Reader) {
	s.SignatureKey = r.OpaqueCopy()
	s.Credential.UnmarshalMLS(r)
}

// ExternalSenders is the content of the external_senders GroupContext
// extension (RFC 9420, Section 12.1.8.1).
//
//	ExternalSender external_senders<V>;
type ExternalSenders []ExternalSender

// MarshalMLS encodes l (RFC 9420, Section 12.1.8.1).
func (l ExternalSenders) MarshalMLS(w *codec.Writer) {
	w.Vector(func(w *codec.Writer) {
		for i := range l {
			l[i].MarshalMLS(w)
		}
	})
}

// UnmarshalMLS decodes l (RFC 9420, Section 12.1.8.1).
func (l *ExternalSenders) UnmarshalMLS(r *codec.Reader) {
	*l = nil
	r.Vector(func(r *codec.Reader) {
		var s ExternalSender
		s.UnmarshalMLS(r)
		*l = append(*l, s)
	})
}

// Extension returns the external_senders extension carrying l (RFC 9420,
// Section 12.1.8.1), for NewGroup or a GroupContextExtensions proposal.
func (l ExternalSenders) Extension() (extension.Extension, error) {
	b, err := marshal(l)
	if err != nil {
		return extension.Extension{}, err
	}
	return extension.Extension{ExtensionType: extension.ExternalSenders, ExtensionData: b}, nil
}

// externalSendersOf decodes the external_senders extension of exts (RFC
// 9420, Section 12.1.8.1); ok is false when there is none.
func externalSendersOf(exts extension.List) (l ExternalSenders, ok bool, err error) {
	e, ok := exts.Find(extension.ExternalSenders)
	if !ok {
		return nil, false, nil
	}
	if err := codec.Decode(e.ExtensionData, &l); err != nil {
		return nil, true, mlserr.Wrap("", mlserr.ErrMalformed, err, "the external_senders extension does not decode (RFC 9420, Section 12.1.8.1)")
	}
	return l, true, nil
}

// ExternalProposalAllowed reports whether an external sender may send a
// proposal of type t (RFC 9420, Sections 12.1.8 and 17.4): add, remove,
// psk, reinit and group_context_extensions.
func ExternalProposalAllowed(t ProposalType) bool {
	switch t {
	case ProposalTypeAdd, ProposalTypeRemove, ProposalTypePSK, ProposalTypeReInit, ProposalTypeGroupContextExtensions:
		return true
	}
	return false
}

// NewExternalProposal signs p as a proposal of the external sender at
// senderIndex of the group's external_senders extension, for the group
// groupID in epoch, with that sender's signature private key (RFC 9420,
// Sections 6.1 and 12.1.8). It is a PublicMessage. p is one of the five
// types of RFC 9420 that external senders may send, or an application
// type (Section 13.1, see NewCustomProposal), which the group's members
// accept only if they registered it with ProposalHandler.External.
func NewExternalProposal(suite *ciphersuite.Suite, groupID []byte, epoch uint64, senderIndex uint32, sigPriv []byte, p *Proposal, authenticatedData []byte) (*MLSMessage, error) {
	if p == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "no proposal (RFC 9420, Section 12.1.8)")
	}
	// [R-13.5-3] [R-13.5-4] [R-13.5-7]
	if err := checkOwnProposal(p); err != nil {
		return nil, err
	}
	custom := p.ProposalType != 0 && !tree.IsDefaultProposalType(p.ProposalType) && p.Custom != nil
	// [R-12.1.8-2]
	if !custom && !ExternalProposalAllowed(p.ProposalType) {
		return nil, mlserr.New("R-12.1.8-2", mlserr.ErrInvalidInput, "an external sender may not send a %s proposal", ProposalTypeName(p.ProposalType))
	}
	return signedOutsider(suite, groupID, epoch, framing.Sender{SenderType: framing.SenderTypeExternal, SenderIndex: senderIndex}, sigPriv, p, authenticatedData)
}

// NewMemberProposal signs an Add of kp as a proposal of the client kp
// describes, sender new_member_proposal, for the group groupID in epoch,
// with the private key of kp's signature key (RFC 9420, Sections 6.1 and
// 12.1.8). It is a PublicMessage.
func NewMemberProposal(groupID []byte, epoch uint64, kp *KeyPackage, sigPriv []byte, authenticatedData []byte) (*MLSMessage, error) {
	if kp == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "no KeyPackage (RFC 9420, Section 12.1.8)")
	}
	suite, err := kp.Suite()
	if err != nil {
		return nil, err
	}
	// [R-6.1-7] [R-6.1-8]
	p := &Proposal{ProposalType: ProposalTypeAdd, Add: &Add{KeyPackage: *kp}}
	return signedOutsider(suite, groupID, epoch, framing.Sender{SenderType: framing.SenderTypeNewMemberProposal}, sigPriv, p, authenticatedData)
}

func signedOutsider(suite *ciphersuite.Suite, groupID []byte, epoch uint64, sender framing.Sender, sigPriv []byte, p *Proposal, ad []byte) (*MLSMessage, error) {
	pb, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	// [R-12.1.8-1] [R-6.1-1]
	ac, err := framing.Sign(suite, framing.WireFormatPublicMessage, &framing.FramedContent{
		GroupID: bytes.Clone(groupID), Epoch: epoch, Sender: sender,
		AuthenticatedData: bytes.Clone(ad), ContentType: framing.ContentTypeProposal, Proposal: pb,
	}, nil, sigPriv)
	if err != nil {
		return nil, err
	}
	pm, err := framing.ProtectPublic(suite, ac, nil, nil)
	if err != nil {
		return nil, err
	}
	return NewMLSMessage(pm)
}

// unprotectOutsider verifies a PublicMessage proposal of an external or
// new_member_proposal sender (RFC 9420, Sections 6.1 and 12.1.8).
func (g *Group) unprotectOutsider(pm *framing.PublicMessage) (*framing.AuthenticatedContent, error) {
	if err := framing.CheckSender(framing.WireFormatPublicMessage, &pm.Content); err != nil {
		return nil, err
	}
	p, err := g.decodeProposal(pm.Content.Proposal)
	if err != nil {
		return nil, err
	}
	var key []byte
	switch pm.Content.Sender.SenderType {
	case framing.SenderTypeExternal:
		l, ok, err := externalSendersOf(g.ctx.Extensions)
		if err != nil {
			return nil, err
		}
		// [R-6.1-3]
		if !ok {
			return nil, mlserr.New("R-6.1-3", mlserr.ErrMalformed, "an external proposal, but the group has no external_senders extension")
		}
		// [R-6.1-3]
		if uint64(pm.Content.Sender.SenderIndex) >= uint64(len(l)) {
			return nil, mlserr.New("R-6.1-3", mlserr.ErrMalformed, "external sender %d, but the group has %d", pm.Content.Sender.SenderIndex, len(l))
		}
		// [R-12.1.8-2] [R-6.1-4] the five types of RFC 9420 that
		// external senders may send, and the application's types
		// registered with External.
		if !externalAllowed(p.ProposalType, g.cfg.Proposals) {
			return nil, mlserr.New("R-12.1.8-2", mlserr.ErrMalformed, "an external sender sent a %s proposal", ProposalTypeName(p.ProposalType))
		}
		key = l[pm.Content.Sender.SenderIndex].SignatureKey
	case framing.SenderTypeNewMemberProposal:
		// [R-6.1-7] CheckSender made sure it is an Add.
		key = p.Add.KeyPackage.LeafNode.SignatureKey
	}
	// [R-6.1-9]
	return framing.UnprotectPublic(g.suite, pm, nil, g.ctx, key)
}

// validPendingSender reports whether a pending proposal's sender can send
// it in g's epoch (RFC 9420, Sections 12.1 and 12.1.8).
func (g *Group) validPendingSender(p *pendingProposal) bool {
	switch p.sender.SenderType {
	case framing.SenderTypeMember:
		return g.tree.Leaf(treemath.LeafIndex(p.sender.LeafIndex)) != nil
	case framing.SenderTypeExternal:
		l, _, err := externalSendersOf(g.ctx.Extensions)
		return err == nil && uint64(p.sender.SenderIndex) < uint64(len(l)) && externalAllowed(p.proposal.ProposalType, g.cfg.Proposals)
	case framing.SenderTypeNewMemberProposal:
		return p.proposal.ProposalType == ProposalTypeAdd
	}
	return false
}

// checkExternalSendersExtension checks that an external_senders extension
// among exts decodes (RFC 9420, Section 12.1.8.1).
func checkExternalSendersExtension(exts extension.List) error {
	_, _, err := externalSendersOf(exts)
	return err
}
