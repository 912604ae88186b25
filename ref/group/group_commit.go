package group

import (
	"bytes"
	"slices"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// CommitOptions say what a Commit covers and how it is sent (RFC 9420,
// Section 12.4.1).
type CommitOptions struct {
	// Adds and Removes are proposals the Commit carries by value.
	Adds    []*KeyPackage
	Removes []uint32
	// PSKs name pre-shared keys to inject (Section 12.1.4), carried by
	// value after the Adds and Removes; each gets a fresh psk_nonce.
	PSKs []schedule.PreSharedKeyID
	// Custom are proposals of application-defined types (Section 13.1,
	// see NewCustomProposal and Config.Proposals) carried by value after
	// the PSKs.
	Custom []*Proposal
	// ReInit, when set, is carried by value and must be the Commit's only
	// proposal (Sections 11.2 and 12.2); the group is closed once the
	// Commit is merged.
	ReInit *ReInit
	// Every proposal received in the epoch is committed by reference,
	// except the committer's own Updates, which its path supersedes.
	// ForcePath includes a path even when none is required.
	ForcePath bool
	// PublicMessage sends the Commit as a PublicMessage; by default it is
	// a PrivateMessage.
	PublicMessage bool
	// OmitRatchetTree leaves the ratchet_tree extension out of the
	// Welcome's GroupInfo; the joiners then need the tree out of band
	// (Section 12.4.3.3).
	OmitRatchetTree bool
	// GREASE adds a random selection of GREASE extensions, drawn from
	// Config.Rand, to the GroupInfo of the Welcome (Section 13.5), which
	// joiners ignore (Section 13.4). It is off by default so that the
	// Commits of a seeded run, and the vectors generated from them, stay
	// what they were; GroupInfoOptions.NoGREASE is the opposite default
	// for exported GroupInfos.
	GREASE bool
	// AuthenticatedData is the FramedContent's authenticated_data.
	AuthenticatedData []byte
	// Padding is the number of zero octets padding a PrivateMessage.
	Padding int
}

// PendingCommit is a Commit this member created and sent, waiting for the
// Delivery Service to confirm it (RFC 9420, Section 14): Merge adopts the
// epoch it creates. The Welcome, if any, goes to the added members only
// once the Commit is confirmed.
type PendingCommit struct {
	Message *MLSMessage
	Welcome *Welcome
	// LeftOut lists, in the order received, the proposals pending in the
	// epoch that the Commit does not cover, each with the rule that kept
	// it out (RFC 9420, Sections 12.2 and 12.4). A committer includes
	// the valid received proposals only as far as the list stays valid
	// (R-12.4-3): its own Updates, which its path supersedes (R-12.2-4),
	// all but the preferred of several Updates and Removes of one leaf
	// (R-12.2-6, R-12.2-7), a ReInit received with other proposals
	// (R-12.2-12, R-12.2-13), and any proposal that would make the list
	// of those kept before it and the Commit's proposals by value one
	// this member cannot commit (Sections 12.2, 12.3 and 12.4.2: a Remove
	// of the committer, a PSK it does not hold, ...). Their sender may
	// send them again in the next epoch (R-12.4-5). LeftOut is not part
	// of what MarshalBinary writes.
	LeftOut []LeftOutProposal
	epoch   uint64
	next    *Group
}

// LeftOutProposal is a proposal received in the epoch that a Commit leaves
// out (RFC 9420, Section 12.4), and why.
type LeftOutProposal struct {
	// Ref is the proposal's ProposalRef (Section 5.2), the one a Commit
	// would have carried, as in Received.ProposalRef.
	Ref []byte
	// Sender sent the proposal.
	Sender framing.Sender
	// Proposal is the proposal left out.
	Proposal *Proposal
	// Err is an mlserr error naming the rule (mlserr.RequirementOf) the
	// list would break with the proposal in it.
	Err error
}

// MergePendingCommit moves g to the epoch pc creates (RFC 9420, Sections
// 12.4.1 and 14). pc must have been created by g in its current epoch.
func (g *Group) MergePendingCommit(pc *PendingCommit) error {
	if g.deleted {
		return errDeleted()
	}
	if pc == nil || pc.next == nil || pc.epoch != g.ctx.Epoch || !bytes.Equal(pc.next.ctx.GroupID, g.ctx.GroupID) {
		return mlserr.New("", mlserr.ErrInvalidInput, "the pending Commit is not one of this group's current epoch (RFC 9420, Section 14)")
	}
	next := pc.next.clone()
	// The epoch being left is kept for late application messages as it
	// is now, with the generations used since the Commit was created
	// (Section 15.3).
	cur := &Group{cfg: g.cfg}
	for i := range g.past {
		cur.past = append(cur.past, g.past[i].clone())
	}
	next.past = cur.retainEpoch(g.ctx, g.tree, g.secrets.SenderDataSecret, g.secretTree.Clone())
	*g = *next
	return nil
}

// Commit creates a Commit (RFC 9420, Section 12.4.1) covering opts' Adds and
// Removes by value and the epoch's pending proposals by reference (those
// that keep the list valid, Section 12.4), with a
// path when one is required or asked for, and a Welcome for the added
// members. g itself only records the handshake generation a PrivateMessage
// uses; the new epoch is adopted by MergePendingCommit.
func (g *Group) Commit(opts *CommitOptions) (*PendingCommit, error) {
	if opts == nil {
		opts = &CommitOptions{}
	}
	if err := g.canSend(); err != nil {
		return nil, err
	}
	me := g.priv.Leaf()
	self := framing.MemberSender(uint32(me))
	// The proposals by value: opts' Adds, Removes, PSKs, custom
	// proposals and ReInit, in that order, after those by reference.
	var own []committedProposal
	var ownRefs []ProposalOrRef
	for _, kp := range opts.Adds {
		p := &Proposal{ProposalType: ProposalTypeAdd, Add: &Add{KeyPackage: *kp}}
		own = append(own, committedProposal{proposal: p, sender: self, own: true})
		ownRefs = append(ownRefs, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: p})
	}
	for _, r := range opts.Removes {
		p := &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: r}}
		own = append(own, committedProposal{proposal: p, sender: self})
		ownRefs = append(ownRefs, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: p})
	}
	for _, id := range opts.PSKs {
		p, err := g.pskProposal(&id, len(own))
		if err != nil {
			return nil, err
		}
		own = append(own, committedProposal{proposal: p, sender: self})
		ownRefs = append(ownRefs, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: p})
	}
	for _, p := range opts.Custom {
		if p == nil || p.Custom == nil || p.ProposalType == 0 || tree.IsDefaultProposalType(p.ProposalType) {
			return nil, mlserr.New("", mlserr.ErrInvalidInput, "CommitOptions.Custom holds only proposals of application-defined types (RFC 9420, Section 13.1)")
		}
		// [R-13.5-3] [R-13.5-4]
		if err := checkOwnProposal(p); err != nil {
			return nil, err
		}
		own = append(own, committedProposal{proposal: p, sender: self})
		ownRefs = append(ownRefs, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: p})
	}
	if opts.ReInit != nil {
		// [R-11.2-1] [R-11.2-2]
		p := &Proposal{ProposalType: ProposalTypeReInit, ReInit: opts.ReInit.clone()}
		// [R-13.5-3] [R-13.5-6]
		if err := checkOwnProposal(p); err != nil {
			return nil, err
		}
		own = append(own, committedProposal{proposal: p, sender: self})
		ownRefs = append(ownRefs, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: p})
	}
	// [R-12.4.1-2] [R-12.4-3] the proposals received in the epoch, by
	// reference, but those preferredPending leaves out. Each was valid
	// when received, but together with the others and the proposals by
	// value one may make the list invalid (two Adds of one client, a
	// GroupContextExtensions some member does not support, a PSK this
	// member does not hold, ...). R-12.4-3 asks to include the valid
	// received proposals as far as the list stays valid, so each is
	// kept, in the order received, only if the list of those kept so
	// far, it, and the proposals by value could be committed; the others
	// are left out, and may be sent again (R-12.4-5). The proposals by
	// value are the application's request: if they are invalid, the
	// Commit is refused below.
	var list []committedProposal
	var refs []ProposalOrRef
	preferred, leftOut := g.preferredPending(self, opts)
	for _, pp := range preferred {
		cp := committedProposal{proposal: pp.proposal, sender: pp.sender, ref: pp.ref}
		trial := append(append(slices.Clone(list), cp), own...)
		if err := g.committable(trial, me); err != nil {
			leftOut[pp] = err
			continue
		}
		list = append(list, cp)
		refs = append(refs, ProposalOrRef{Type: ProposalOrRefReference, Reference: bytes.Clone(pp.ref)})
	}
	list = append(list, own...)
	refs = append(refs, ownRefs...)
	// [R-12.4.1-1] [R-12.4-2]
	if err := g.validateProposalList(list, me); err != nil {
		return nil, err
	}
	// [R-11-2]
	if err := g.checkCreationDowngrade(list); err != nil {
		return nil, err
	}
	pskIDs, pskSecret, err := g.committedPSKs(list)
	if err != nil {
		return nil, err
	}
	// [R-12.4.1-3] the tree is copied only when proposals change it.
	next := g.cloneSharingTree()
	if len(list) > 0 {
		next.tree = g.tree.Fork()
	}
	applied, err := applyProposalList(list, next.ctx, next.tree, me, func(ctx *schedule.GroupContext) *tree.GroupParameters { return groupParams(g.suite, ctx, &g.cfg) })
	if err != nil {
		return nil, err
	}
	next.ctx.Epoch = g.ctx.Epoch + 1
	next.reinit = committedReInit(list)
	commit := &Commit{Proposals: refs}
	if commit.Proposals == nil {
		commit.Proposals = []ProposalOrRef{}
	}
	var commitSecret []byte
	var pendingPath *tree.PendingUpdatePath
	// [R-12.4.1-4] [R-12.4-7]
	if pathRequired(list) || opts.ForcePath {
		// [R-12.4.1-6]
		pendingPath, err = next.tree.CreateUpdatePath(g.suite, tree.CreateParams{
			Leaf: me, LeafNode: next.tree.Leaf(me), SignaturePriv: g.sigPriv, GroupID: g.ctx.GroupID, Exclude: applied.exclude(),
		}, g.cfg.Rand)
		if err != nil {
			return nil, err
		}
		defer pendingPath.Erase()
		// The pending path's tree is a fresh copy, only read from now on.
		next.tree = pendingPath.Tree()
		if next.ctx.TreeHash, err = next.tree.RootTreeHash(g.suite); err != nil {
			return nil, err
		}
		provisional, err := next.ctx.Marshal()
		if err != nil {
			return nil, err
		}
		if commit.Path, err = pendingPath.Encrypt(provisional, g.cfg.Rand); err != nil {
			return nil, err
		}
		commitSecret = pendingPath.CommitSecret()
		next.priv = pendingPath.PrivateState().Clone()
	} else {
		// [R-12.4.1-7]
		next.priv.Prune(next.tree)
		if next.ctx.TreeHash, err = next.tree.RootTreeHash(g.suite); err != nil {
			return nil, err
		}
	}
	commitBytes, err := commit.Marshal()
	if err != nil {
		return nil, err
	}
	wf := framing.WireFormatPrivateMessage
	if opts.PublicMessage {
		wf = framing.WireFormatPublicMessage
	}
	// [R-12.4.1-9]
	ac, err := framing.Sign(g.suite, wf, &framing.FramedContent{
		GroupID: g.ctx.GroupID, Epoch: g.ctx.Epoch, Sender: self,
		AuthenticatedData: bytes.Clone(opts.AuthenticatedData), ContentType: framing.ContentTypeCommit, Commit: commitBytes,
	}, g.ctx, g.sigPriv)
	if err != nil {
		return nil, err
	}
	cthIn, err := ac.ConfirmedTranscriptHashInput()
	if err != nil {
		return nil, err
	}
	next.ctx.ConfirmedTranscriptHash = schedule.ConfirmedTranscriptHash(g.suite, g.interim, cthIn)
	// [R-12.4.1-8]
	joiner, err := next.keySchedule(g.secrets, commitSecret, pskSecret)
	if err != nil {
		return nil, err
	}
	if err := ac.SetConfirmationTag(g.suite, next.secrets.ConfirmationKey, next.ctx.ConfirmedTranscriptHash); err != nil {
		return nil, err
	}
	if next.interim, err = schedule.InterimTranscriptHash(g.suite, next.ctx.ConfirmedTranscriptHash, ac.Auth.ConfirmationTag); err != nil {
		return nil, err
	}
	// [R-14-3] the new epoch is staged on next and held by the
	// PendingCommit until MergePendingCommit adopts it: creating the
	// Commit leaves g's epoch, tree, secrets and pending proposals as they
	// were. Only a PrivateMessage's handshake generation is consumed
	// below, since a key and nonce must never be used twice.
	pc := &PendingCommit{epoch: g.ctx.Epoch, next: next}
	for i := range g.pending {
		pp := &g.pending[i]
		if err, ok := leftOut[pp]; ok {
			pc.LeftOut = append(pc.LeftOut, LeftOutProposal{Ref: bytes.Clone(pp.ref), Sender: pp.sender, Proposal: pp.proposal, Err: err})
		}
	}

	// [R-12.4.1-11] [R-12.4.1-12] [R-12.4.1-13] [R-12.4.1-15]
	if len(applied.added) > 0 {
		gi := &GroupInfo{GroupContext: *next.ctx.Clone(), Extensions: extension.List{}, ConfirmationTag: bytes.Clone(ac.Auth.ConfirmationTag), Signer: uint32(me)}
		if !opts.OmitRatchetTree {
			tb, err := marshal(next.tree)
			if err != nil {
				return nil, err
			}
			gi.Extensions = extension.List{{ExtensionType: extension.RatchetTree, ExtensionData: tb}}
		}
		if opts.GREASE {
			// [R-13.5-1] [R-13.5-2]
			if err := addGREASEExtensions(&gi.Extensions, g.cfg.Rand); err != nil {
				return nil, err
			}
		}
		if err := gi.Sign(g.suite, g.sigPriv); err != nil {
			return nil, err
		}
		members := make([]NewMember, len(applied.added))
		for k, leaf := range applied.added {
			// [R-8.4-1] the same PSKs as the Commit, in the same order.
			gs := &GroupSecrets{JoinerSecret: joiner, PSKs: pskIDs}
			if pendingPath != nil {
				_, ps, err := pendingPath.PathSecretFor(leaf)
				if err != nil {
					return nil, err
				}
				gs.PathSecret = &PathSecret{PathSecret: ps}
			}
			// Every member the Commit adds gets its secrets.
			// [R-12.4.1-15]
			members[k] = NewMember{KeyPackage: applied.addedKPs[k], GroupSecrets: gs}
		}
		if pc.Welcome, err = NewWelcome(g.suite, joiner, pskSecret, gi, members, g.cfg.Rand); err != nil {
			return nil, err
		}
	}
	clear(joiner)

	// [R-12.4.1-10] protect with the keys of the current epoch; a
	// PrivateMessage consumes a handshake generation of g's secret tree.
	var body codec.Marshaler
	if opts.PublicMessage {
		if body, err = framing.ProtectPublic(g.suite, ac, g.secrets.MembershipKey, g.ctx); err != nil {
			return nil, err
		}
	} else {
		// [R-15.2-1] the Commit is encrypted in the current epoch.
		sent, err := g.reserveBlocks(ac, opts.Padding)
		if err != nil {
			return nil, err
		}
		st := g.secretTree.Clone()
		if body, err = framing.ProtectPrivate(g.suite, ac, st, g.secrets.SenderDataSecret, opts.Padding, g.cfg.Rand); err != nil {
			return nil, err
		}
		g.secretTree, g.sentBlocks = st, sent
	}
	if pc.Message, err = NewMLSMessage(body); err != nil {
		return nil, err
	}
	return pc, nil
}

// committable returns nil when a Commit of the member at leaf me could
// cover list (RFC 9420, Sections 12.2, 12.3 and 12.4.2): the list is valid,
// this member holds its PSKs, and applying it gives a valid tree and
// GroupContext; otherwise the error of the first check that fails. It runs
// the checks of Commit up to the path on copies; g is left as it was.
func (g *Group) committable(list []committedProposal, me treemath.LeafIndex) error {
	if err := g.validateProposalList(list, me); err != nil {
		return err
	}
	if err := g.checkCreationDowngrade(list); err != nil {
		return err
	}
	if _, _, err := g.committedPSKs(list); err != nil {
		return err
	}
	ctx := g.ctx.Clone()
	_, err := applyProposalList(list, ctx, g.tree.Fork(), me, func(ctx *schedule.GroupContext) *tree.GroupParameters { return groupParams(g.suite, ctx, &g.cfg) })
	return err
}

// preferredPending returns the pending proposals a Commit of self covers
// by reference, in the order received (RFC 9420, Sections 12.2 and
// 12.4.1): all of them but self's own Updates, which the Commit's path
// supersedes, and, where several Updates and Removes apply to one leaf,
// only the first Remove, or the most recent Update when no Remove does.
// A leaf that removes (the Commit's by-value Removes) takes no pending
// Update or Remove. A received ReInit is left out when the Commit covers
// anything else, by value or by reference (it can be sent again in a later
// epoch), and only the first of several is taken. The proposals left out
// are returned with the rule that keeps each out.
func (g *Group) preferredPending(self framing.Sender, opts *CommitOptions) ([]*pendingProposal, map[*pendingProposal]error) {
	removes := opts.Removes
	removed := map[uint32]bool{}
	for _, r := range removes {
		removed[r] = true
	}
	lastUpdate := map[uint32]int{}
	for i := range g.pending {
		pp := &g.pending[i]
		if pp.proposal.ProposalType == ProposalTypeUpdate {
			lastUpdate[pp.sender.LeafIndex] = i
		}
	}
	for i := range g.pending {
		if p := g.pending[i].proposal; p.ProposalType == ProposalTypeRemove {
			removed[p.Remove.Removed] = true
		}
	}
	leftOut := map[*pendingProposal]error{}
	taken := map[uint32]bool{}
	var out []*pendingProposal
	for i := range g.pending {
		pp := &g.pending[i]
		switch pp.proposal.ProposalType {
		case ProposalTypeUpdate:
			leaf := pp.sender.LeafIndex
			switch {
			case pp.sender == self:
				// [R-12.2-4]
				leftOut[pp] = mlserr.New("R-12.2-4", mlserr.ErrInvalidProposal, "an Update of the committer's own, superseded by the Commit's path")
				continue
			case removed[leaf]:
				// [R-12.2-6] [R-12.2-7]
				leftOut[pp] = mlserr.New("R-12.2-6", mlserr.ErrInvalidProposal, "an Update of leaf %d, which a Remove applies to", leaf)
				continue
			case lastUpdate[leaf] != i:
				// [R-12.2-6] [R-12.2-7]
				leftOut[pp] = mlserr.New("R-12.2-6", mlserr.ErrInvalidProposal, "an Update of leaf %d, which a later Update applies to", leaf)
				continue
			}
		case ProposalTypeRemove:
			leaf := pp.proposal.Remove.Removed
			// [R-12.2-6] [R-12.2-7]
			if taken[leaf] || slices.Contains(removes, leaf) {
				leftOut[pp] = mlserr.New("R-12.2-6", mlserr.ErrInvalidProposal, "a Remove of leaf %d, which another Remove applies to", leaf)
				continue
			}
			taken[leaf] = true
		}
		out = append(out, pp)
	}
	// [R-12.2-13] the other proposals first: a ReInit with them would
	// make the list invalid ([R-12.2-12]).
	others := len(opts.Adds)+len(opts.Removes)+len(opts.PSKs)+len(opts.Custom) > 0 || opts.ReInit != nil
	for _, pp := range out {
		others = others || pp.proposal.ProposalType != ProposalTypeReInit
	}
	reinits := 0
	out = slices.DeleteFunc(out, func(pp *pendingProposal) bool {
		if pp.proposal.ProposalType != ProposalTypeReInit {
			return false
		}
		reinits++
		if others || reinits > 1 {
			// [R-12.2-12] [R-12.2-13]
			leftOut[pp] = mlserr.New("R-12.2-12", mlserr.ErrInvalidProposal, "a ReInit, which must be a Commit's only proposal")
			return true
		}
		return false
	})
	return out, leftOut
}

// keySchedule runs the key schedule of the epoch g.ctx describes from the
// init_secret of prev, commitSecret and pskSecret (nil for all zero) (RFC
// 9420, Section 8), and sets g's secrets and secret tree; prev's
// resumption_psk is retained (Section 8.6). It returns a copy of the
// joiner_secret for a Welcome.
func (g *Group) keySchedule(prev *schedule.EpochSecrets, commitSecret, pskSecret []byte) ([]byte, error) {
	old := prev.Clone()
	defer old.Erase()
	js, err := old.InitSecret.JoinerSecret(commitSecret, g.ctx)
	if err != nil {
		return nil, err
	}
	joiner := js.Bytes()
	es, err := js.EpochSecret(pskSecret, g.ctx)
	if err != nil {
		return nil, err
	}
	// g.ctx already holds the new epoch; prev is the secrets of the one
	// before.
	g.retainResumptionPSK(g.ctx.Epoch-1, prev)
	if g.secrets, err = es.Derive(); err != nil {
		return nil, err
	}
	// [R-15.2-1] the AEAD count starts again with the epoch's keys.
	g.sentBlocks = 0
	if g.secretTree, err = g.secrets.NewSecretTree(g.tree.NumLeaves(), g.cfg.limits()); err != nil {
		return nil, err
	}
	g.pending = nil
	return joiner, nil
}

// processCommit processes a Commit received from a member (RFC 9420,
// Section 12.4.2), staged on next, a copy of g, whose secret tree already
// recorded the generation that decrypted it.
func (g *Group) processCommit(next *Group, ac *framing.AuthenticatedContent) (*Received, error) {
	// [R-12.4.2-26] after a ReInit only the new group's Welcome is
	// awaited.
	if g.reinit != nil {
		return nil, mlserr.New("R-12.4.2-26", mlserr.ErrInvalidCommit, "a Commit in a group that was reinitialized")
	}
	sender := ac.Content.Sender
	switch sender.SenderType {
	case framing.SenderTypeMember:
	case framing.SenderTypeNewMemberCommit:
		return g.processExternalCommit(next, ac)
	default:
		return nil, mlserr.New("", mlserr.ErrMalformed, "a Commit from a %v sender (RFC 9420, Section 6.1)", sender.SenderType)
	}
	committer := treemath.LeafIndex(sender.LeafIndex)
	me := g.priv.Leaf()
	if committer == me {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "a Commit of this member's own: merge the pending Commit instead (RFC 9420, Section 14)")
	}
	commit, err := g.decodeCommit(ac.Content.Commit)
	if err != nil {
		return nil, err
	}
	list := make([]committedProposal, 0, len(commit.Proposals))
	for i, por := range commit.Proposals {
		switch por.Type {
		case ProposalOrRefProposal:
			list = append(list, committedProposal{proposal: por.Proposal, sender: sender})
		case ProposalOrRefReference:
			var found *pendingProposal
			for k := range g.pending {
				if bytes.Equal(g.pending[k].ref, por.Reference) {
					found = &g.pending[k]
				}
			}
			// [R-12.4.2-4]
			if found == nil {
				return nil, mlserr.New("R-12.4.2-4", mlserr.ErrInvalidCommit, "proposal %d is a reference to no proposal of this epoch", i)
			}
			for _, prev := range list {
				if bytes.Equal(prev.ref, por.Reference) {
					return nil, mlserr.New("R-12.4.2-4", mlserr.ErrInvalidCommit, "proposal %d references a proposal already covered", i)
				}
			}
			list = append(list, committedProposal{proposal: found.proposal, sender: found.sender, ref: found.ref, leafPriv: found.leafPriv})
		}
	}
	// [R-12.4.2-4] [R-12.2-1] [R-12.2-2]
	if err := g.validateProposalList(list, committer); err != nil {
		return nil, err
	}
	// [R-12.4.2-5] [R-12.4.2-21]
	_, pskSecret, err := g.committedPSKs(list)
	if err != nil {
		return nil, err
	}
	// next shares g's tree (see Process): the proposals are applied to a
	// copy of it, when there are any.
	if len(list) > 0 {
		next.tree = g.tree.Fork()
	}
	// [R-12.4.2-6]
	applied, err := applyProposalList(list, next.ctx, next.tree, me, func(ctx *schedule.GroupContext) *tree.GroupParameters { return groupParams(g.suite, ctx, &g.cfg) })
	if err != nil {
		return nil, err
	}
	// [R-12.4.2-7]
	if pathRequired(list) && commit.Path == nil {
		return nil, mlserr.New("R-12.4.2-7", mlserr.ErrInvalidCommit, "the Commit carries no path but covers no proposals or an Update, Remove or GroupContextExtensions")
	}
	rcv := &Received{ContentType: framing.ContentTypeCommit, Sender: sender, AuthenticatedData: bytes.Clone(ac.Content.AuthenticatedData)}
	if applied.selfRemoved {
		// This member cannot follow the group into the new epoch
		// (Section 12.1.3): it only records that it was removed.
		*next = *g.clone()
		next.removed = true
		rcv.Removed = true
		return rcv, nil
	}
	if applied.ownUpdate != nil {
		if err := next.priv.SetLeafKey(applied.ownUpdate); err != nil {
			return nil, err
		}
	}
	next.priv.Prune(next.tree)
	next.ctx.Epoch = g.ctx.Epoch + 1
	// [R-12.4.2-25] [R-12.4.2-26] [R-12.3-9] a covered ReInit is noted
	// and closes the group.
	next.reinit = committedReInit(list)
	var commitSecret []byte
	if commit.Path != nil {
		if commitSecret, err = g.mergeReceivedPath(next, committer, commit.Path, applied.exclude()); err != nil {
			return nil, err
		}
	} else if next.ctx.TreeHash, err = next.tree.RootTreeHash(g.suite); err != nil {
		// [R-12.4.2-19] commit_secret stays all zero.
		return nil, err
	}
	if err := g.confirmTranscript(next, ac); err != nil {
		return nil, err
	}
	// [R-12.4.2-21] [R-12.4.2-22]
	joiner, err := next.keySchedule(g.secrets, commitSecret, pskSecret)
	if err != nil {
		return nil, err
	}
	clear(joiner)
	if err := g.checkConfirmation(next, ac); err != nil {
		return nil, err
	}
	return rcv, nil
}

// mergeReceivedPath merges the UpdatePath path of a received Commit from
// the member at leaf sender into next, the epoch being staged (RFC 9420,
// Section 12.4.2): the merged tree and its hash in next's provisional
// GroupContext, then the path secret this member decrypts with that
// context and its new private state. It returns the commit_secret.
// exclude holds the leaves the same Commit adds (Section 7.6).
func (g *Group) mergeReceivedPath(next *Group, sender treemath.LeafIndex, path *tree.UpdatePath, exclude map[treemath.LeafIndex]bool) ([]byte, error) {
	// [R-12.4.2-9] [R-12.4.2-15]
	merged, err := next.tree.MergeUpdatePath(g.suite, tree.MergeParams{
		Sender: sender, Path: path, Group: groupParams(g.suite, next.ctx, &g.cfg), Exclude: exclude,
	})
	if err != nil {
		return nil, err
	}
	// The merged tree is a fresh copy, only read from now on.
	next.tree = merged.Tree()
	// [R-12.4.2-16]
	if next.ctx.TreeHash, err = next.tree.RootTreeHash(g.suite); err != nil {
		return nil, err
	}
	provisional, err := next.ctx.Marshal()
	if err != nil {
		return nil, err
	}
	// [R-12.4.2-17] [R-12.4.2-18]
	dp, err := merged.Decrypt(next.priv, provisional)
	if err != nil {
		return nil, err
	}
	clear(dp.PathSecret)
	next.priv = dp.PrivateState
	return dp.CommitSecret, nil
}

// confirmTranscript sets the confirmed transcript hash of next from the
// received Commit ac (RFC 9420, Sections 8.2 and 12.4.2) and keeps the
// epoch being left for late application messages, with the generation
// that decrypted ac consumed (Section 15.3).
func (g *Group) confirmTranscript(next *Group, ac *framing.AuthenticatedContent) error {
	// [R-12.4.2-20]
	cthIn, err := ac.ConfirmedTranscriptHashInput()
	if err != nil {
		return err
	}
	next.ctx.ConfirmedTranscriptHash = schedule.ConfirmedTranscriptHash(g.suite, g.interim, cthIn)
	next.past = next.retainEpoch(g.ctx, g.tree, g.secrets.SenderDataSecret, next.secretTree)
	return nil
}

// checkConfirmation verifies the confirmation tag of the received Commit
// ac with the key of next, the new epoch, and sets next's interim
// transcript hash (RFC 9420, Sections 8.2 and 12.4.2).
func (g *Group) checkConfirmation(next *Group, ac *framing.AuthenticatedContent) error {
	// [R-12.4.2-23]
	if err := ac.VerifyConfirmationTag(g.suite, next.secrets.ConfirmationKey, next.ctx.ConfirmedTranscriptHash); err != nil {
		return err
	}
	var err error
	next.interim, err = schedule.InterimTranscriptHash(g.suite, next.ctx.ConfirmedTranscriptHash, ac.Auth.ConfirmationTag)
	return err
}
