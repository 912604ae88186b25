package group

import (
	"bytes"
	"errors"
	"slices"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// Received is what a processed message delivered (RFC 9420, Sections 6,
// 12 and 15).
type Received struct {
	ContentType framing.ContentType
	Sender      framing.Sender
	// Epoch is the epoch the message was sent in: an application message
	// may come from a past epoch (Section 15.3).
	Epoch             uint64
	AuthenticatedData []byte
	// ApplicationData is the content of an application message.
	ApplicationData []byte
	// Proposal is a proposal now pending in the epoch, and ProposalRef
	// its ProposalRef (Section 5.2), by which a Commit covers it or
	// PendingCommit.LeftOut reports it.
	Proposal    *Proposal
	ProposalRef []byte
	// Removed is set when a Commit removed this member (Section 12.1.3).
	Removed bool
}

// Process handles a PublicMessage or PrivateMessage of the group (RFC 9420,
// Sections 6, 12.1, 12.4.2 and 15): an application message is decrypted and
// returned, a proposal is verified and kept for the epoch, a Commit moves
// the group to its next epoch. An application message of one of the past
// epochs the group keeps (Config.MaxPastEpochs) is decrypted with that
// epoch's keys. Any error leaves g exactly as it was.
func (g *Group) Process(m *MLSMessage) (*Received, error) {
	if m == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "no message (RFC 9420, Section 6)")
	}
	if g.deleted {
		return nil, errDeleted()
	}
	if g.removed {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "this member has been removed from the group (RFC 9420, Section 12.1.3)")
	}
	var ac *framing.AuthenticatedContent
	var err error
	// st is the staged copy of the epoch's secret tree, for a
	// PrivateMessage; nil for a PublicMessage.
	var st *schedule.SecretTree
	switch {
	case m.WireFormat == framing.WireFormatPublicMessage && m.PublicMessage != nil:
		pm := m.PublicMessage
		if err := g.checkEpoch(pm.Content.GroupID, pm.Content.Epoch, pm.Content.ContentType); err != nil {
			return nil, err
		}
		if pm.Content.Sender.SenderType == framing.SenderTypeNewMemberCommit {
			if ac, err = g.unprotectExternalCommit(pm); err != nil {
				return nil, err
			}
			break
		}
		if st := pm.Content.Sender.SenderType; st == framing.SenderTypeExternal || st == framing.SenderTypeNewMemberProposal {
			if ac, err = g.unprotectOutsider(pm); err != nil {
				return nil, err
			}
			break
		}
		if pm.Content.Sender.SenderType != framing.SenderTypeMember {
			return nil, mlserr.New("", mlserr.ErrMalformed, "sender type %v (RFC 9420, Section 6)", pm.Content.Sender.SenderType)
		}
		leaf := g.tree.Leaf(treemath.LeafIndex(pm.Content.Sender.LeafIndex))
		// [R-6.1-2] a member signs with the key of its leaf: a blank
		// leaf (a removed member) has none.
		if leaf == nil {
			return nil, mlserr.New("R-6.1-2", mlserr.ErrMalformed, "the sender's leaf %d is blank or outside the tree", pm.Content.Sender.LeafIndex)
		}
		// [R-12.4.2-2] [R-12.4.2-3] [R-12.1-1]
		if ac, err = framing.UnprotectPublic(g.suite, pm, g.secrets.MembershipKey, g.ctx, leaf.SignatureKey); err != nil {
			return nil, unprotectError(pm.Content.ContentType, err)
		}
	case m.WireFormat == framing.WireFormatPrivateMessage && m.PrivateMessage != nil:
		pm := m.PrivateMessage
		if bytes.Equal(pm.GroupID, g.ctx.GroupID) && pm.Epoch < g.ctx.Epoch && pm.ContentType == framing.ContentTypeApplication {
			return g.processPastApplication(pm)
		}
		if err := g.checkEpoch(pm.GroupID, pm.Epoch, pm.ContentType); err != nil {
			return nil, err
		}
		lookup := func(i uint32) ([]byte, bool) {
			if l := g.tree.Leaf(treemath.LeafIndex(i)); l != nil {
				return l.SignatureKey, true
			}
			return nil, false
		}
		st = g.secretTree.Clone()
		// [R-12.4.2-2] [R-12.4.2-3] [R-12.1-1]
		if ac, err = framing.UnprotectPrivate(g.suite, pm, st, g.secrets.SenderDataSecret, g.ctx, lookup, ContentDecoder{Proposals: g.cfg.Proposals}); err != nil {
			return nil, unprotectError(pm.ContentType, err)
		}
	default:
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "wire format %v does not carry group content (RFC 9420, Section 6)", m.WireFormat)
	}
	// [R-12.4.2-25] once a ReInit is committed, members send no more
	// proposals or application data in the group; a Commit is refused by
	// processCommit.
	if g.reinit != nil && ac.Content.ContentType != framing.ContentTypeCommit {
		return nil, mlserr.New("R-12.4.2-25", mlserr.ErrInvalidInput, "a %v in a group that was reinitialized", ac.Content.ContentType)
	}
	if ac.Content.ContentType == framing.ContentTypeApplication {
		// Only the secret tree changes: no need to copy the whole state.
		if ac.Content.Sender.LeafIndex == uint32(g.priv.Leaf()) {
			return nil, mlserr.New("", mlserr.ErrInvalidInput, "an application message of this member's own (RFC 9420, Section 15)")
		}
		// [R-9.2-3] the staged secret tree, in which the key and nonce of
		// the generation just used and the secrets before them are
		// deleted, replaces the one that still held them.
		g.secretTree = st
		return &Received{ContentType: framing.ContentTypeApplication, Sender: ac.Content.Sender, Epoch: ac.Content.Epoch,
			AuthenticatedData: bytes.Clone(ac.Content.AuthenticatedData), ApplicationData: bytes.Clone(ac.Content.ApplicationData)}, nil
	}
	// A proposal leaves the tree alone; processCommit copies it before
	// applying proposals to it.
	next := g.cloneSharingTree()
	if st != nil {
		next.secretTree = st
	}
	var rcv *Received
	switch ac.Content.ContentType {
	case framing.ContentTypeProposal:
		if rcv, err = next.receiveProposal(ac); err != nil {
			return nil, err
		}
	case framing.ContentTypeCommit:
		if rcv, err = g.processCommit(next, ac); err != nil {
			return nil, err
		}
	default:
		return nil, mlserr.New("", mlserr.ErrMalformed, "content type %v (RFC 9420, Section 6)", ac.Content.ContentType)
	}
	rcv.Epoch = ac.Content.Epoch
	// Only now, every check passed, does the staged state (for a Commit,
	// the new epoch) become the group's.
	// [R-12.4.2-24]
	*g = *next
	return rcv, nil
}

// unprotectError names the step of Commit processing (RFC 9420, Section
// 12.4.2) that a failure to unprotect a Commit broke: its signature, or
// its protection with the keys of the epoch (membership tag, decryption).
// Other content types and other errors pass unchanged.
func unprotectError(ct framing.ContentType, err error) error {
	if ct != framing.ContentTypeCommit {
		return err
	}
	switch {
	case errors.Is(err, mlserr.ErrInvalidSignature):
		// [R-12.4.2-3]
		return mlserr.Wrap("R-12.4.2-3", mlserr.ErrInvalidSignature, err, "the Commit's signature does not verify")
	case errors.Is(err, mlserr.ErrInvalidMembershipTag):
		// [R-12.4.2-2]
		return mlserr.Wrap("R-12.4.2-2", mlserr.ErrInvalidMembershipTag, err, "the Commit's membership tag is not the one of the current epoch")
	case errors.Is(err, mlserr.ErrDecryption):
		// [R-12.4.2-2]
		return mlserr.Wrap("R-12.4.2-2", mlserr.ErrDecryption, err, "the Commit does not decrypt with the keys of the current epoch")
	}
	return err
}

// checkEpoch checks that a message is for this group and its current epoch
// (RFC 9420, Sections 6, 12.1 and 12.4.2).
func (g *Group) checkEpoch(groupID []byte, epoch uint64, ct framing.ContentType) error {
	if !bytes.Equal(groupID, g.ctx.GroupID) {
		return mlserr.New("", mlserr.ErrEpoch, "the message is for another group (RFC 9420, Section 6)")
	}
	if epoch == g.ctx.Epoch {
		return nil
	}
	switch ct {
	case framing.ContentTypeCommit:
		// [R-12.4.2-1]
		return mlserr.New("R-12.4.2-1", mlserr.ErrEpoch, "a Commit for epoch %d, while the group is in epoch %d", epoch, g.ctx.Epoch)
	case framing.ContentTypeProposal:
		// [R-12.1-1]
		return mlserr.New("R-12.1-1", mlserr.ErrEpoch, "a proposal for epoch %d, while the group is in epoch %d", epoch, g.ctx.Epoch)
	}
	return mlserr.New("", mlserr.ErrEpoch, "an application message for epoch %d, while the group is in epoch %d (RFC 9420, Section 15)", epoch, g.ctx.Epoch)
}

// receiveProposal validates a verified proposal and keeps it for the epoch
// (RFC 9420, Sections 7.3, 10.1, 12.1 and 12.4), under its ProposalRef
// (Section 5.2).
func (g *Group) receiveProposal(ac *framing.AuthenticatedContent) (*Received, error) {
	p, err := g.decodeProposal(ac.Content.Proposal)
	if err != nil {
		return nil, err
	}
	if p.ProposalType == ProposalTypeUpdate && ac.Content.Sender == framing.MemberSender(uint32(g.priv.Leaf())) {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "an Update of this member's own arrived from the wire (RFC 9420, Section 12.1.2)")
	}
	// [R-10.1-2] [R-7.3-2] the KeyPackage of an Add and the LeafNode of an
	// Update are validated as they arrive, not only when committed.
	if err := g.validateReceivedProposal(p, ac.Content.Sender); err != nil {
		return nil, err
	}
	acBytes, err := marshal(ac)
	if err != nil {
		return nil, err
	}
	ref := g.suite.MakeProposalRef(acBytes)
	// Proposals are cached by their ProposalRef (Sections 5.2 and 12.1):
	// the same proposal received again (a replayed PublicMessage) is the
	// one already pending, not a second one.
	if !slices.ContainsFunc(g.pending, func(pp pendingProposal) bool { return bytes.Equal(pp.ref, ref) }) {
		g.pending = append(g.pending, pendingProposal{ref: ref, sender: ac.Content.Sender, proposal: p})
	}
	return &Received{ContentType: framing.ContentTypeProposal, Sender: ac.Content.Sender, AuthenticatedData: bytes.Clone(ac.Content.AuthenticatedData), Proposal: p, ProposalRef: bytes.Clone(ref)}, nil
}

// sendContent signs content of this member and protects it with the keys
// of the epoch (RFC 9420, Sections 6.1 to 6.3). A PrivateMessage consumes a
// generation of g's secret tree.
func (g *Group) sendContent(content *framing.FramedContent, public bool, padding int) (*framing.AuthenticatedContent, *MLSMessage, error) {
	wf := framing.WireFormatPrivateMessage
	if public {
		wf = framing.WireFormatPublicMessage
	}
	ac, err := framing.Sign(g.suite, wf, content, g.ctx, g.sigPriv)
	if err != nil {
		return nil, nil, err
	}
	var body codec.Marshaler
	if public {
		if body, err = framing.ProtectPublic(g.suite, ac, g.secrets.MembershipKey, g.ctx); err != nil {
			return nil, nil, err
		}
	} else {
		// [R-15.2-1]
		sent, err := g.reserveBlocks(ac, padding)
		if err != nil {
			return nil, nil, err
		}
		st := g.secretTree.Clone()
		if body, err = framing.ProtectPrivate(g.suite, ac, st, g.secrets.SenderDataSecret, padding, g.cfg.Rand); err != nil {
			return nil, nil, err
		}
		g.secretTree, g.sentBlocks = st, sent
	}
	m, err := NewMLSMessage(body)
	if err != nil {
		return nil, nil, err
	}
	return ac, m, nil
}

// SendApplication encrypts data as an application message, a
// PrivateMessage padded with padding zero octets (RFC 9420, Sections 6.3
// and 15). A member that holds proposals of the epoch must commit them
// first (Section 12.4).
func (g *Group) SendApplication(data, authenticatedData []byte, padding int) (*MLSMessage, error) {
	if err := g.canSend(); err != nil {
		return nil, err
	}
	// [R-12.4-1] [R-15.2-2] pending proposals change the group: they are
	// committed, and the new epoch applied, before application data is
	// encrypted again. A received Commit's epoch is applied by Process
	// before it returns.
	if len(g.pending) > 0 {
		return nil, mlserr.New("R-12.4-1", mlserr.ErrInvalidInput, "%d proposals of this epoch are pending: commit them before sending application data", len(g.pending))
	}
	_, m, err := g.sendContent(&framing.FramedContent{
		GroupID: g.ctx.GroupID, Epoch: g.ctx.Epoch, Sender: framing.MemberSender(uint32(g.priv.Leaf())),
		AuthenticatedData: bytes.Clone(authenticatedData), ContentType: framing.ContentTypeApplication, ApplicationData: bytes.Clone(data),
	}, false, padding)
	return m, err
}

// Propose sends p as a proposal message of this member (RFC 9420, Section
// 12.1) and keeps it among the epoch's pending proposals, to be committed
// by reference. For an Update, use ProposeUpdate. p is validated first as
// its receivers will validate it (Sections 7.3 and 10.1): the KeyPackage
// of an Add; and a PreSharedKey proposal must name a PSK this member holds,
// as with ProposePSK.
func (g *Group) Propose(p *Proposal, public bool) (*MLSMessage, error) {
	if p == nil || p.ProposalType == ProposalTypeUpdate {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "Propose takes any proposal but an Update: see ProposeUpdate (RFC 9420, Section 12.1)")
	}
	return g.propose(p, public, nil)
}

// ProposeUpdate proposes to replace this member's LeafNode with one holding
// a fresh encryption key (RFC 9420, Section 12.1.2). The new leaf's private
// key is kept until a Commit that includes the Update.
func (g *Group) ProposeUpdate(public bool) (*MLSMessage, error) {
	if err := g.canSend(); err != nil {
		return nil, err
	}
	me := g.priv.Leaf()
	old := g.tree.Leaf(me)
	priv, pub, err := g.suite.GenerateKeyPair(g.cfg.Rand)
	if err != nil {
		return nil, err
	}
	ln := old.Clone()
	ln.EncryptionKey = pub
	ln.LeafNodeSource = tree.SourceUpdate
	ln.Lifetime = tree.Lifetime{}
	ln.ParentHash = nil
	if err := ln.Sign(g.suite, g.sigPriv, g.ctx.GroupID, me); err != nil {
		return nil, err
	}
	return g.propose(&Proposal{ProposalType: ProposalTypeUpdate, Update: &Update{LeafNode: *ln}}, public, priv)
}

func (g *Group) propose(p *Proposal, public bool, leafPriv []byte) (*MLSMessage, error) {
	if err := g.canSend(); err != nil {
		return nil, err
	}
	if err := checkOwnProposal(p); err != nil {
		return nil, err
	}
	if err := g.checkOwnCustomProposal(p); err != nil {
		return nil, err
	}
	// [R-10.1-1]
	if err := g.validateOwnProposal(p); err != nil {
		return nil, err
	}
	return g.sendProposal(p, public, leafPriv)
}

// sendProposal signs and protects p as a proposal message of this member
// and keeps it among the epoch's pending proposals (RFC 9420, Sections 6
// and 12.1), without the sender's checks of propose.
func (g *Group) sendProposal(p *Proposal, public bool, leafPriv []byte) (*MLSMessage, error) {
	pb, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	next := g.clone()
	ac, m, err := next.sendContent(&framing.FramedContent{
		GroupID: g.ctx.GroupID, Epoch: g.ctx.Epoch, Sender: framing.MemberSender(uint32(g.priv.Leaf())),
		AuthenticatedData: []byte{}, ContentType: framing.ContentTypeProposal, Proposal: pb,
	}, public, 0)
	if err != nil {
		return nil, err
	}
	acBytes, err := marshal(ac)
	if err != nil {
		return nil, err
	}
	next.pending = append(next.pending, pendingProposal{ref: g.suite.MakeProposalRef(acBytes), sender: ac.Content.Sender, proposal: p, leafPriv: leafPriv})
	*g = *next
	return m, nil
}
