package group

import (
	"fmt"

	"bytes"
	"errors"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// ExternalPub is the content of the external_pub GroupInfo extension (RFC
// 9420, Section 12.4.3.2): the public half of the epoch's external key
// pair (Section 8), to which an external joiner encrypts its init_secret.
//
//	struct {
//	    HPKEPublicKey external_pub;
//	} ExternalPub;
//
// where HPKEPublicKey is opaque<V> (RFC 9420, Section 5.1.1).
type ExternalPub struct {
	ExternalPub []byte
}

// MarshalMLS encodes e (RFC 9420, Section 12.4.3.2).
func (e *ExternalPub) MarshalMLS(w *codec.Writer) { w.Opaque(e.ExternalPub) }

// UnmarshalMLS decodes e (RFC 9420, Section 12.4.3.2).
func (e *ExternalPub) UnmarshalMLS(r *codec.Reader) { e.ExternalPub = r.OpaqueCopy() }

// GroupInfoOptions say what a GroupInfo exported by ExportGroupInfo carries
// besides the GroupContext (RFC 9420, Sections 12.4.3, 12.4.3.2 and
// 12.4.3.3).
type GroupInfoOptions struct {
	// ExternalPub adds the external_pub extension, which lets a non-member
	// join by external Commit (Section 12.4.3.2).
	ExternalPub bool
	// RatchetTree adds the ratchet_tree extension (Section 12.4.3.3);
	// without it, a joiner needs the tree out of band.
	RatchetTree bool
	// NoGREASE leaves out the GREASE extensions (Section 13.5) that are
	// otherwise added, a random selection drawn from Config.Rand.
	NoGREASE bool
}

// ExportGroupInfo returns a GroupInfo of the current epoch signed by this
// member (RFC 9420, Sections 12.4.3 and 12.4.3.2): the GroupContext, the
// confirmation tag of the Commit that started the epoch, and, as opts ask,
// the external_pub and ratchet_tree extensions. It does not change g.
func (g *Group) ExportGroupInfo(opts GroupInfoOptions) (*GroupInfo, error) {
	if g.deleted {
		return nil, errDeleted()
	}
	if g.removed {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "this member has been removed from the group (RFC 9420, Section 12.1.3)")
	}
	gi := &GroupInfo{
		GroupContext: *g.ctx.Clone(),
		Extensions:   extension.List{},
		// The confirmation tag of the epoch's Commit is the MAC of the
		// confirmed transcript hash under the epoch's confirmation_key
		// (Section 6.1), so it can be recomputed.
		ConfirmationTag: g.secrets.ConfirmationTag(g.ctx.ConfirmedTranscriptHash),
		Signer:          uint32(g.priv.Leaf()),
	}
	if opts.ExternalPub {
		priv, pub, err := g.secrets.ExternalKeyPair()
		clear(priv)
		if err != nil {
			return nil, err
		}
		b, err := marshal(&ExternalPub{ExternalPub: pub})
		if err != nil {
			return nil, err
		}
		gi.Extensions = append(gi.Extensions, extension.Extension{ExtensionType: extension.ExternalPub, ExtensionData: b})
	}
	if opts.RatchetTree {
		b, err := marshal(g.tree)
		if err != nil {
			return nil, err
		}
		gi.Extensions = append(gi.Extensions, extension.Extension{ExtensionType: extension.RatchetTree, ExtensionData: b})
	}
	if !opts.NoGREASE {
		// [R-13.5-1]
		if err := addGREASEExtensions(&gi.Extensions, g.cfg.Rand); err != nil {
			return nil, err
		}
	}
	if err := gi.Sign(g.suite, g.sigPriv); err != nil {
		return nil, err
	}
	return gi, nil
}

// ExternalJoinOptions say how JoinExternal builds an external Commit (RFC
// 9420, Sections 12.2 and 12.4.3.2).
type ExternalJoinOptions struct {
	// RatchetTree is the group's tree when the GroupInfo has no
	// ratchet_tree extension (Section 12.4.3.3).
	RatchetTree *tree.RatchetTree
	// Resync, when set, is the leaf of the joiner's earlier appearance in
	// the group, which the Commit removes (a "resync" Commit).
	Resync *uint32
	// PSKs name pre-shared keys to inject (Section 12.1.4), each with a
	// fresh psk_nonce; they come from Config.PSKs.
	PSKs []schedule.PreSharedKeyID
	// AuthenticatedData is the FramedContent's authenticated_data.
	AuthenticatedData []byte
}

// JoinExternal joins the group that gi describes by an external Commit
// (RFC 9420, Sections 8.3 and 12.4.3.2), as the client whose LeafNode
// kp carries (its signature key, credential, capabilities and extensions
// are kept; its encryption key is replaced) and whose signature private
// key priv holds. gi must carry the external_pub extension, and the tree
// comes from its ratchet_tree extension or opts.RatchetTree; both are
// validated. It returns the joiner's group in the epoch the Commit creates
// and the Commit, a PublicMessage to send to the group. If the Delivery
// Service does not accept the Commit, the returned group must be dropped.
func JoinExternal(gi *GroupInfo, kp *KeyPackage, priv *KeyPackagePrivate, opts *ExternalJoinOptions, cfg Config) (*Group, *MLSMessage, error) {
	if opts == nil {
		opts = &ExternalJoinOptions{}
	}
	// [R-12.4.3-3] a new member (not a resync, which rejoins the group
	// whose state the client lost) checks the group_id is not one of its
	// groups.
	if gi != nil && opts.Resync == nil && cfg.MemberOf != nil && cfg.MemberOf(bytes.Clone(gi.GroupContext.GroupID)) {
		return nil, nil, mlserr.New("R-12.4.3-3", mlserr.ErrInvalidInput, "this client is already a member of a group with group_id %x", gi.GroupContext.GroupID)
	}
	g, pub, err := externalJoinBase(gi, kp, priv, opts.RatchetTree, cfg)
	if err != nil {
		return nil, nil, err
	}
	kemOutput, init, err := schedule.ExternalInitSender(g.suite, pub, cfg.Rand)
	if err != nil {
		return nil, nil, err
	}
	props := []*Proposal{{ProposalType: ProposalTypeExternalInit, ExternalInit: &ExternalInit{KEMOutput: kemOutput}}}
	if opts.Resync != nil {
		props = append(props, &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: *opts.Resync}})
	}
	for i, id := range opts.PSKs {
		p, err := g.pskProposal(&id, len(props)+i)
		if err != nil {
			return nil, nil, err
		}
		props = append(props, p)
	}
	return g.createExternalCommit(props, init, &kp.LeafNode, opts.AuthenticatedData, true)
}

// externalJoinBase checks gi and the tree it describes for an external
// joiner (RFC 9420, Sections 12.4.3 and 12.4.3.2) and returns a group of the
// GroupInfo's epoch, without secrets, holding the joiner's signature key,
// and the group's external_pub.
func externalJoinBase(gi *GroupInfo, kp *KeyPackage, priv *KeyPackagePrivate, ratchetTree *tree.RatchetTree, cfg Config) (*Group, []byte, error) {
	if gi == nil || kp == nil || priv == nil || cfg.Rand == nil {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "JoinExternal needs a GroupInfo, a KeyPackage, its private keys and Config.Rand (RFC 9420, Section 12.4.3.2)")
	}
	suite, err := ciphersuite.Lookup(gi.GroupContext.CipherSuite)
	if err != nil {
		return nil, nil, err
	}
	if kp.CipherSuite != gi.GroupContext.CipherSuite {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "the KeyPackage's cipher suite %v is not the group's %v (RFC 9420, Section 12.4.3.2)", kp.CipherSuite, gi.GroupContext.CipherSuite)
	}
	if gi.GroupContext.Version != MLS10 {
		return nil, nil, mlserr.New("", mlserr.ErrUnsupported, "the group uses protocol version %v (RFC 9420, Section 12.4.3)", gi.GroupContext.Version)
	}
	t := ratchetTree
	if t == nil {
		if t, err = gi.RatchetTree(); err != nil {
			return nil, nil, mlserr.Wrap("", mlserr.ErrMalformed, err, "the GroupInfo's ratchet_tree extension does not decode (RFC 9420, Section 12.4.3.3)")
		}
		if t == nil {
			return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "the GroupInfo has no ratchet_tree extension and no tree was supplied (RFC 9420, Section 12.4.3.2)")
		}
	} else {
		t = t.Clone()
	}
	ctx := gi.GroupContext.Clone()
	// [R-13.5-11] this client's true capabilities, without the GREASE
	// values its KeyPackage advertises, as JoinGroup compares them.
	own := ownCapabilities(&kp.LeafNode.Capabilities)
	for _, e := range ctx.Extensions {
		// [R-12.4.3-2]
		if !e.ExtensionType.IsDefault() && !own.SupportsExtension(e.ExtensionType) {
			return nil, nil, mlserr.New("R-12.4.3-2", mlserr.ErrUnsupported, "the group uses extension %v, which this client does not support", e.ExtensionType)
		}
	}
	g := &Group{cfg: cfg, suite: suite, ctx: ctx, tree: t, sigPriv: bytes.Clone(priv.SignaturePriv)}
	// [R-12.4.3.3-3] the rule the tree broke is the error's requirement.
	if err := t.Validate(g.params(), ctx.TreeHash); err != nil {
		return nil, nil, err
	}
	// [R-12.4.3-4]
	key, err := signerKey(t, gi.Signer)
	if err != nil {
		return nil, nil, err
	}
	if err := gi.VerifySignature(suite, key); err != nil {
		return nil, nil, err
	}
	ext, ok := gi.Extensions.Find(extension.ExternalPub)
	if !ok {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "the GroupInfo has no external_pub extension: the group does not accept external Commits (RFC 9420, Section 12.4.3.2)")
	}
	var ep ExternalPub
	if err := codec.Decode(ext.ExtensionData, &ep); err != nil {
		return nil, nil, mlserr.Wrap("", mlserr.ErrMalformed, err, "the external_pub extension does not decode (RFC 9420, Section 12.4.3.2)")
	}
	if g.interim, err = schedule.InterimTranscriptHash(suite, ctx.ConfirmedTranscriptHash, gi.ConfirmationTag); err != nil {
		return nil, nil, err
	}
	return g, ep.ExternalPub, nil
}

// newMemberCommitSender is the sender of an external Commit (RFC 9420,
// Section 6).
var newMemberCommitSender = framing.Sender{SenderType: framing.SenderTypeNewMemberCommit}

// createExternalCommit builds the external Commit of props from g, a group
// of the GroupInfo's epoch without secrets (RFC 9420, Section 12.4.3.2),
// with init the init_secret of Section 8.3 and leaf the template of the
// joiner's LeafNode. check is false only in tests that build invalid
// Commits for the receivers to reject.
func (g *Group) createExternalCommit(props []*Proposal, init *schedule.InitSecret, leaf *tree.LeafNode, ad []byte, check bool) (*Group, *MLSMessage, error) {
	list := make([]committedProposal, len(props))
	refs := make([]ProposalOrRef, len(props))
	for i, p := range props {
		list[i] = committedProposal{proposal: p, sender: newMemberCommitSender}
		// [R-12.4.3.2-2] every proposal by value.
		refs[i] = ProposalOrRef{Type: ProposalOrRefProposal, Proposal: p}
	}
	if check {
		// [R-12.2-1]
		if err := g.validateExternalProposalList(list); err != nil {
			return nil, nil, err
		}
	}
	_, pskSecret, err := g.committedPSKs(list)
	if err != nil {
		return nil, nil, err
	}
	next := &Group{cfg: g.cfg, suite: g.suite, ctx: g.ctx.Clone(), tree: g.tree.Fork(), sigPriv: bytes.Clone(g.sigPriv)}
	removed, err := applyExternalRemoves(list, next.tree)
	if err != nil {
		return nil, nil, err
	}
	// [R-12.4.3.2-1] the joiner takes the leftmost free leaf and sends a
	// path from it.
	me, err := placeJoiner(next.tree, leaf)
	if err != nil {
		return nil, nil, err
	}
	next.ctx.Epoch = g.ctx.Epoch + 1
	pending, err := next.tree.CreateUpdatePath(g.suite, tree.CreateParams{
		Leaf: me, LeafNode: leaf, SignaturePriv: g.sigPriv, GroupID: g.ctx.GroupID,
	}, g.cfg.Rand)
	if err != nil {
		return nil, nil, err
	}
	defer pending.Erase()
	if check {
		if err := g.validateJoinerLeaf(pending.LeafNode(), me, next.tree, removed); err != nil {
			return nil, nil, err
		}
	}
	next.tree = pending.Tree()
	if next.ctx.TreeHash, err = next.tree.RootTreeHash(g.suite); err != nil {
		return nil, nil, err
	}
	provisional, err := next.ctx.Marshal()
	if err != nil {
		return nil, nil, err
	}
	commit := &Commit{Proposals: refs}
	if commit.Path, err = pending.Encrypt(provisional, g.cfg.Rand); err != nil {
		return nil, nil, err
	}
	next.priv = pending.PrivateState().Clone()
	commitBytes, err := commit.Marshal()
	if err != nil {
		return nil, nil, err
	}
	// [R-12.4.3.2-3] [R-12.4.3.2-6] [R-6.1-5] signed by the joiner, whose
	// key is the one of the path's LeafNode.
	ac, err := framing.Sign(g.suite, framing.WireFormatPublicMessage, &framing.FramedContent{
		GroupID: g.ctx.GroupID, Epoch: g.ctx.Epoch, Sender: newMemberCommitSender,
		AuthenticatedData: bytes.Clone(ad), ContentType: framing.ContentTypeCommit, Commit: commitBytes,
	}, g.ctx, g.sigPriv)
	if err != nil {
		return nil, nil, err
	}
	cthIn, err := ac.ConfirmedTranscriptHashInput()
	if err != nil {
		return nil, nil, err
	}
	next.ctx.ConfirmedTranscriptHash = schedule.ConfirmedTranscriptHash(g.suite, g.interim, cthIn)
	// [R-12.4.3.2-5]
	if err := next.keyScheduleFrom(init, nil, pending.CommitSecret(), pskSecret); err != nil {
		return nil, nil, err
	}
	if err := ac.SetConfirmationTag(g.suite, next.secrets.ConfirmationKey, next.ctx.ConfirmedTranscriptHash); err != nil {
		return nil, nil, err
	}
	if next.interim, err = schedule.InterimTranscriptHash(g.suite, next.ctx.ConfirmedTranscriptHash, ac.Auth.ConfirmationTag); err != nil {
		return nil, nil, err
	}
	pm, err := framing.ProtectPublic(g.suite, ac, nil, g.ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := NewMLSMessage(pm)
	if err != nil {
		return nil, nil, err
	}
	return next, m, nil
}

// placeJoiner reserves the leaf of an external joiner in t (RFC 9420,
// Section 12.4.3.2): the leftmost free leaf, as an Add would take, left
// blank until the Commit's path sets it.
func placeJoiner(t *tree.RatchetTree, leaf *tree.LeafNode) (treemath.LeafIndex, error) {
	// [R-12.4.2-10]
	i, err := t.AddLeaf(leaf.Clone())
	if err != nil {
		return 0, err
	}
	t.Blank(i.Node())
	return i, nil
}

// applyExternalRemoves applies the Remove of a validated external Commit's
// list to t (RFC 9420, Section 12.3) and returns the removed LeafNode, nil
// when there is none.
func applyExternalRemoves(list []committedProposal, t *tree.RatchetTree) (*tree.LeafNode, error) {
	var removed *tree.LeafNode
	for _, cp := range list {
		if cp.proposal.ProposalType != ProposalTypeRemove {
			continue
		}
		i := treemath.LeafIndex(cp.proposal.Remove.Removed)
		if l := t.Leaf(i); l != nil {
			removed = l.Clone()
		}
		if err := t.RemoveLeaf(i); err != nil {
			return nil, err
		}
	}
	return removed, nil
}

// validateExternalProposalList checks the proposal list of an external
// Commit (RFC 9420, Section 12.2) against the group g of the epoch it is
// sent in.
func (g *Group) validateExternalProposalList(list []committedProposal) error {
	inits, removes := 0, 0
	psks := map[string]bool{}
	for i, cp := range list {
		p := cp.proposal
		switch p.ProposalType {
		case ProposalTypeExternalInit:
			inits++
			// [R-12.2-17]
			if inits > 1 {
				return mlserr.New("R-12.2-17", mlserr.ErrInvalidProposal, "proposal %d: a second ExternalInit in an external Commit", i)
			}
		case ProposalTypeRemove:
			removes++
			// [R-12.2-18]
			if removes > 1 {
				return mlserr.New("R-12.2-18", mlserr.ErrInvalidProposal, "proposal %d: a second Remove in an external Commit", i)
			}
			// [R-12.2-3] [R-12.1.3-1]
			if g.tree.Leaf(treemath.LeafIndex(p.Remove.Removed)) == nil {
				return mlserr.Wrap("R-12.2-3", mlserr.ErrInvalidProposal, mlserr.New("R-12.1.3-1", mlserr.ErrInvalidProposal, "leaf %d is blank or outside the tree", p.Remove.Removed), "proposal %d: an invalid Remove", i)
			}
		case ProposalTypePSK:
			// [R-12.2-21]
			if err := g.validatePSKProposal(p.PreSharedKey, fmt.Sprintf("proposal %d", i)); err != nil {
				return err
			}
			// [R-12.2-10]
			k := pskIdentity(&p.PreSharedKey.PSK)
			if psks[k] {
				return mlserr.New("R-12.2-10", mlserr.ErrInvalidProposal, "proposal %d: a second PreSharedKey proposal for the same %v PSK", i, p.PreSharedKey.PSK.PSKType)
			}
			psks[k] = true
		default:
			// [R-12.2-22]
			return mlserr.New("R-12.2-22", mlserr.ErrInvalidProposal, "proposal %d: a %s proposal in an external Commit", i, ProposalTypeName(p.ProposalType))
		}
	}
	// [R-12.2-17]
	if inits != 1 {
		return mlserr.New("R-12.2-17", mlserr.ErrInvalidProposal, "an external Commit without an ExternalInit")
	}
	return nil
}

// validateJoinerLeaf checks the LeafNode of an external Commit's path at
// the joiner's leaf me of t, the tree the path applies to before it is
// merged (RFC 9420, Sections 7.3 and 12.2). When the Commit removes the
// joiner's earlier appearance, it must be acceptable as an Update of the
// removed leaf, its credential a valid successor of the removed one.
func (g *Group) validateJoinerLeaf(ln *tree.LeafNode, me treemath.LeafIndex, t *tree.RatchetTree, removed *tree.LeafNode) error {
	if removed == nil {
		// [R-12.4.2-11]
		return tree.ValidateLeafNode(ln, &tree.LeafValidationContext{GroupParameters: *g.params(), LeafIndex: me, Source: tree.SourceCommit, Tree: t})
	}
	var v credential.Validator = credential.DefaultValidator{}
	if g.cfg.Credentials != nil {
		v = g.cfg.Credentials
	}
	// [R-12.2-20]
	if err := v.ValidateSuccessor(&removed.Credential, &ln.Credential); err != nil {
		return mlserr.Wrap("R-12.2-20", mlserr.ErrInvalidCommit, err, "the external Commit's credential is not acceptable for the removed member")
	}
	// [R-12.2-19]
	if err := tree.ValidateLeafNode(ln, &tree.LeafValidationContext{GroupParameters: *g.params(), LeafIndex: me, Source: tree.SourceCommit, Tree: t, Replaced: removed}); err != nil {
		return mlserr.Wrap("R-12.2-19", mlserr.ErrInvalidCommit, err, "the external Commit's LeafNode is not valid as an Update of the removed leaf")
	}
	return nil
}

// unprotectExternalCommit verifies a PublicMessage of a new_member_commit
// sender (RFC 9420, Sections 6.1 and 12.4.3.2): its signature must verify
// with the key of the LeafNode in the Commit's path.
func (g *Group) unprotectExternalCommit(pm *framing.PublicMessage) (*framing.AuthenticatedContent, error) {
	if err := framing.CheckSender(framing.WireFormatPublicMessage, &pm.Content); err != nil {
		return nil, err
	}
	commit, err := DecodeCommit(pm.Content.Commit)
	if err != nil {
		return nil, err
	}
	// [R-12.4.3.2-1]
	if commit.Path == nil {
		return nil, mlserr.New("R-12.4.3.2-1", mlserr.ErrInvalidCommit, "an external Commit without a path")
	}
	// [R-12.4.3.2-4] [R-6.1-5] [R-6.1-9]
	ac, err := framing.UnprotectPublic(g.suite, pm, g.secrets.MembershipKey, g.ctx, commit.Path.LeafNode.SignatureKey)
	if err != nil {
		if errors.Is(err, mlserr.ErrInvalidSignature) {
			return nil, mlserr.Wrap("R-12.4.3.2-4", mlserr.ErrInvalidSignature, err, "the external Commit's signature does not verify with the key of its path's LeafNode")
		}
		return nil, err
	}
	return ac, nil
}

// processExternalCommit processes an external Commit (RFC 9420, Sections
// 8.3, 12.2 and 12.4.3.2), staged on next, a copy of g sharing its tree.
func (g *Group) processExternalCommit(next *Group, ac *framing.AuthenticatedContent) (*Received, error) {
	commit, err := DecodeCommit(ac.Content.Commit)
	if err != nil {
		return nil, err
	}
	// [R-12.4.3.2-1]
	if commit.Path == nil {
		return nil, mlserr.New("R-12.4.3.2-1", mlserr.ErrInvalidCommit, "an external Commit without a path")
	}
	list := make([]committedProposal, 0, len(commit.Proposals))
	var kemOutput []byte
	for i, por := range commit.Proposals {
		// [R-12.4.3.2-2]
		if por.Type != ProposalOrRefProposal {
			return nil, mlserr.New("R-12.4.3.2-2", mlserr.ErrInvalidCommit, "proposal %d of an external Commit is a reference", i)
		}
		list = append(list, committedProposal{proposal: por.Proposal, sender: ac.Content.Sender})
		if por.Proposal.ProposalType == ProposalTypeExternalInit {
			kemOutput = por.Proposal.ExternalInit.KEMOutput
		}
	}
	// [R-12.2-1] [R-12.2-2]
	if err := g.validateExternalProposalList(list); err != nil {
		return nil, err
	}
	_, pskSecret, err := g.committedPSKs(list)
	if err != nil {
		return nil, err
	}
	// [R-12.4.3.2-5] [R-12.3-8] the init_secret comes from the
	// ExternalInit's kem_output, decrypted with the epoch's external_priv.
	extPriv, _, err := g.secrets.ExternalKeyPair()
	if err != nil {
		return nil, err
	}
	init, err := schedule.ExternalInitReceiver(g.suite, extPriv, kemOutput)
	clear(extPriv)
	if err != nil {
		return nil, mlserr.Wrap("R-12.4.3.2-5", mlserr.ErrInvalidCommit, err, "the ExternalInit's kem_output does not decapsulate with the epoch's external key")
	}
	next.tree = g.tree.Fork()
	removed, err := applyExternalRemoves(list, next.tree)
	if err != nil {
		return nil, err
	}
	rcv := &Received{ContentType: framing.ContentTypeCommit, Sender: ac.Content.Sender, AuthenticatedData: bytes.Clone(ac.Content.AuthenticatedData)}
	me := g.priv.Leaf()
	if removed != nil && next.tree.Leaf(me) == nil {
		// This member's leaf was taken over by a resync (Section
		// 12.4.3.2): it cannot follow the group.
		*next = *g.clone()
		next.removed = true
		rcv.Removed = true
		return rcv, nil
	}
	joiner, err := placeJoiner(next.tree, &commit.Path.LeafNode)
	if err != nil {
		return nil, err
	}
	if err := g.validateJoinerLeaf(&commit.Path.LeafNode, joiner, next.tree, removed); err != nil {
		return nil, err
	}
	next.priv.Prune(next.tree)
	next.ctx.Epoch = g.ctx.Epoch + 1
	commitSecret, err := g.mergeReceivedPath(next, joiner, commit.Path, nil)
	if err != nil {
		return nil, err
	}
	if err := g.confirmTranscript(next, ac); err != nil {
		return nil, err
	}
	// [R-12.4.2-21] [R-12.4.2-22]
	if err := next.keyScheduleFrom(init, g.secrets, commitSecret, pskSecret); err != nil {
		return nil, err
	}
	if err := g.checkConfirmation(next, ac); err != nil {
		return nil, err
	}
	return rcv, nil
}

// keyScheduleFrom runs the key schedule of the epoch g.ctx describes from
// init, the init_secret an ExternalInit produced (RFC 9420, Sections 8 and
// 8.3), commitSecret and pskSecret, and sets g's secrets and secret tree.
// prev, the secrets of the epoch being left, has its resumption_psk
// retained (Section 8.6); nil for the joiner, who never had them.
func (g *Group) keyScheduleFrom(init *schedule.InitSecret, prev *schedule.EpochSecrets, commitSecret, pskSecret []byte) error {
	js, err := init.JoinerSecret(commitSecret, g.ctx)
	if err != nil {
		return err
	}
	es, err := js.EpochSecret(pskSecret, g.ctx)
	if err != nil {
		return err
	}
	if prev != nil {
		g.retainResumptionPSK(g.ctx.Epoch-1, prev)
	}
	if g.secrets, err = es.Derive(); err != nil {
		return err
	}
	if g.secretTree, err = g.secrets.NewSecretTree(g.tree.NumLeaves(), g.cfg.limits()); err != nil {
		return err
	}
	g.pending = nil
	return nil
}
