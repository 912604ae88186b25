package group

import (
	"bytes"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// groupStateFormat is the version octet of the encoding of a Group; it is
// mlsref's own, not part of RFC 9420.
const groupStateFormat = 2

// MarshalBinary encodes the whole state of g deterministically, secrets
// included, so that a state can be stored and restored with
// UnmarshalGroup, and compared byte for byte before and after a rejected
// message (RFC 9420, Sections 8, 9 and 14). The Config is not part of it.
// The layout, in the presentation language of Section 2.1, is mlsref's
// own:
//
//	struct {
//	    uint8 format = 2;
//	    GroupContext context;
//	    opaque ratchet_tree<V>;        /* as the ratchet_tree extension */
//	    opaque private_state<V>;       /* tree.PrivateState.MarshalBinary */
//	    opaque signature_priv<V>;
//	    opaque sender_data_secret<V>;
//	    opaque exporter_secret<V>;
//	    opaque external_secret<V>;
//	    opaque confirmation_key<V>;
//	    opaque membership_key<V>;
//	    opaque resumption_psk<V>;
//	    opaque epoch_authenticator<V>;
//	    opaque init_secret<V>;
//	    opaque secret_tree<V>;         /* schedule.SecretTree.MarshalBinary */
//	    opaque interim_transcript_hash<V>;
//	    PendingProposal pending<V>;
//	    ResumptionPSK resumption_psks<V>;  /* past epochs, oldest first */
//	    PastEpoch past_epochs<V>;          /* see marshalPast */
//	    uint8 removed;
//	    optional<ReInit> reinit;           /* a committed ReInit */
//	    uint64 sent_blocks;                /* AEAD blocks sent this epoch */
//	} GroupState;
//	struct {
//	    opaque ref<V>; Sender sender; Proposal proposal;
//	    optional<opaque leaf_priv<V>>;  /* this member's own Update */
//	} PendingProposal;
//	struct { uint64 epoch; opaque resumption_psk<V>; } ResumptionPSK;
func (g *Group) MarshalBinary() ([]byte, error) {
	if g.deleted {
		return nil, errDeleted()
	}
	var w codec.Writer
	if err := g.marshalState(&w); err != nil {
		return nil, err
	}
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// marshalState writes one GroupState to w.
func (g *Group) marshalState(w *codec.Writer) error {
	priv, err := g.priv.MarshalBinary()
	if err != nil {
		return err
	}
	defer clear(priv)
	st, err := g.secretTree.MarshalBinary()
	if err != nil {
		return err
	}
	w.U8(groupStateFormat)
	g.ctx.MarshalMLS(w)
	w.Vector(func(w *codec.Writer) { g.tree.MarshalMLS(w) })
	w.Opaque(priv)
	w.Opaque(g.sigPriv)
	s := g.secrets
	for _, b := range [][]byte{s.SenderDataSecret, s.ExporterSecret, s.ExternalSecret, s.ConfirmationKey, s.MembershipKey, s.ResumptionPSK, s.EpochAuthenticator} {
		w.Opaque(b)
	}
	var init []byte
	if s.InitSecret != nil {
		init = s.InitSecret.Bytes()
	}
	w.Opaque(init)
	clear(init)
	w.Opaque(st)
	w.Opaque(g.interim)
	w.Vector(func(w *codec.Writer) {
		for i := range g.pending {
			p := &g.pending[i]
			w.Opaque(p.ref)
			p.sender.MarshalMLS(w)
			p.proposal.MarshalMLS(w)
			w.Optional(p.leafPriv != nil, func(w *codec.Writer) { w.Opaque(p.leafPriv) })
		}
	})
	g.resumption.marshalMLS(w)
	if err := g.marshalPast(w); err != nil {
		return err
	}
	if g.removed {
		w.U8(1)
	} else {
		w.U8(0)
	}
	w.Optional(g.reinit != nil, func(w *codec.Writer) { g.reinit.MarshalMLS(w) })
	w.U64(g.sentBlocks)
	return nil
}

// UnmarshalBinary replaces g with the state data encodes, keeping g's
// Config (RFC 9420, Sections 8, 9 and 14); see UnmarshalGroup. On error g
// is left as it was.
func (g *Group) UnmarshalBinary(data []byte) error {
	ng, err := UnmarshalGroup(data, g.cfg)
	if err != nil {
		return err
	}
	*g = *ng
	return nil
}

// UnmarshalGroup restores a group state written by MarshalBinary, to be
// used with cfg (RFC 9420, Sections 8, 9 and 14). Decoding is strict and
// the parts are checked against each other: a known format and cipher
// suite, a ratchet tree whose hash is the GroupContext's tree_hash, a
// private state consistent with the tree (Section 4) whose signature key
// is the member's leaf's, secrets of KDF.Nh octets, a secret tree of the
// suite and the tree's width, pending proposals that decode, sent by
// members, each with a ProposalRef of the hash's length and, for this
// member's own Update, the private key of its new leaf; resumption PSKs
// and kept past epochs of earlier epochs of the group, in increasing
// order, with secrets of the right sizes (Sections 8.6 and 15.3); no
// trailing bytes. Whatever decodes encodes again to the same bytes.
func UnmarshalGroup(data []byte, cfg Config) (*Group, error) {
	r := codec.NewReader(data)
	g, err := unmarshalState(r, cfg)
	if err == nil {
		err = r.Finish()
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

func badState(format string, args ...any) error {
	return mlserr.New("", mlserr.ErrMalformed, "group state: "+format, args...)
}

// unmarshalState reads one GroupState from r.
func unmarshalState(r *codec.Reader, cfg Config) (*Group, error) {
	if f := r.U8(); r.Err() == nil && f != groupStateFormat {
		return nil, badState("format %d is not %d", f, groupStateFormat)
	}
	g := &Group{cfg: cfg, ctx: new(schedule.GroupContext), tree: new(tree.RatchetTree)}
	g.ctx.UnmarshalMLS(r)
	r.Vector(func(r *codec.Reader) { g.tree.UnmarshalMLS(r) })
	privBytes := r.OpaqueCopy()
	defer clear(privBytes)
	g.sigPriv = r.OpaqueCopy()
	secrets := make([][]byte, 8)
	for i := range secrets {
		secrets[i] = r.OpaqueCopy()
	}
	defer clear(secrets[7])
	stBytes := r.OpaqueCopy()
	g.interim = r.OpaqueCopy()
	r.Vector(func(r *codec.Reader) {
		var p pendingProposal
		p.ref = r.OpaqueCopy()
		p.sender.UnmarshalMLS(r)
		p.proposal = new(Proposal)
		p.proposal.unmarshalWith(r, cfg.Proposals)
		if r.Optional() {
			p.leafPriv = r.OpaqueCopy()
		}
		g.pending = append(g.pending, p)
	})
	g.resumption.unmarshalMLS(r)
	pastTrees := g.unmarshalPast(r)
	switch removed := r.U8(); {
	case r.Err() != nil:
	case removed > 1:
		r.Failf("", "group state: removed flag %d is neither 0 nor 1", removed)
	default:
		g.removed = removed == 1
	}
	if r.Optional() {
		g.reinit = new(ReInit)
		g.reinit.UnmarshalMLS(r)
	}
	g.sentBlocks = r.U64()
	if err := r.Err(); err != nil {
		return nil, err
	}
	suite, err := ciphersuite.Lookup(g.ctx.CipherSuite)
	if err != nil {
		return nil, err
	}
	g.suite = suite
	if err := g.checkRestored(suite, privBytes, secrets, stBytes); err != nil {
		return nil, err
	}
	if err := g.checkPast(suite, pastTrees); err != nil {
		return nil, err
	}
	return g, nil
}

// checkRestored rebuilds the parts of g that are stored in their own
// encodings and checks every part against the others.
func (g *Group) checkRestored(suite *ciphersuite.Suite, privBytes []byte, secrets [][]byte, stBytes []byte) error {
	th, err := g.tree.RootTreeHash(suite)
	if err != nil {
		return err
	}
	if !bytes.Equal(th, g.ctx.TreeHash) {
		return badState("the ratchet tree's hash is not the GroupContext's tree_hash (RFC 9420, Section 7.8)")
	}
	if g.priv, err = tree.UnmarshalPrivateState(privBytes); err != nil {
		return err
	}
	if g.priv.Suite().ID() != suite.ID() {
		return badState("the private state is of another cipher suite")
	}
	if err := g.priv.CheckConsistent(g.tree); err != nil {
		return err
	}
	sigPub, err := suite.SignaturePublicKey(g.sigPriv)
	if err != nil {
		return err
	}
	if !bytes.Equal(sigPub, g.tree.Leaf(g.priv.Leaf()).SignatureKey) {
		return badState("the signature private key does not match the signature_key of leaf %d (RFC 9420, Section 7.2)", g.priv.Leaf())
	}
	for i, s := range secrets {
		if len(s) != suite.Nh() {
			return badState("epoch secret %d is %d octets, not KDF.Nh = %d (RFC 9420, Section 8)", i, len(s), suite.Nh())
		}
	}
	init, err := schedule.NewInitSecret(suite, secrets[7])
	if err != nil {
		return err
	}
	g.secrets = &schedule.EpochSecrets{
		Suite: suite, SenderDataSecret: secrets[0], ExporterSecret: secrets[1], ExternalSecret: secrets[2], ConfirmationKey: secrets[3],
		MembershipKey: secrets[4], ResumptionPSK: secrets[5], EpochAuthenticator: secrets[6], InitSecret: init,
	}
	if g.secretTree, err = schedule.UnmarshalSecretTree(stBytes); err != nil {
		return err
	}
	if g.secretTree.Suite().ID() != suite.ID() || g.secretTree.NLeaves() != g.tree.NumLeaves() {
		return badState("the secret tree is of another suite or width than the ratchet tree (RFC 9420, Section 9)")
	}
	if len(g.interim) != suite.Nh() {
		return badState("interim_transcript_hash is %d octets, not %d (RFC 9420, Section 8.2)", len(g.interim), suite.Nh())
	}
	for i, p := range g.resumption {
		if len(p.secret) != suite.Nh() || p.epoch >= g.ctx.Epoch || (i > 0 && p.epoch <= g.resumption[i-1].epoch) {
			return badState("resumption_psk %d (epoch %d) is not of a past epoch, in increasing order, of KDF.Nh octets (RFC 9420, Section 8.6)", i, p.epoch)
		}
	}
	me := g.priv.Leaf()
	for i := range g.pending {
		p := &g.pending[i]
		if len(p.ref) != suite.Nh() {
			return badState("pending proposal %d has a reference of %d octets (RFC 9420, Section 5.2)", i, len(p.ref))
		}
		if !g.validPendingSender(p) {
			return badState("pending proposal %d is not from a member of the epoch, an external sender of the group or a new member's Add (RFC 9420, Sections 12.1 and 12.1.8)", i)
		}
		if p.leafPriv == nil {
			continue
		}
		if p.proposal.ProposalType != ProposalTypeUpdate || p.sender.LeafIndex != uint32(me) {
			return badState("pending proposal %d carries a leaf private key but is not this member's Update (RFC 9420, Section 12.1.2)", i)
		}
		pub, err := suite.HPKEPublicKey(p.leafPriv)
		if err != nil {
			return err
		}
		if !bytes.Equal(pub, p.proposal.Update.LeafNode.EncryptionKey) {
			return badState("pending proposal %d: the leaf private key does not match the Update's encryption_key (RFC 9420, Section 12.1.2)", i)
		}
	}
	return nil
}

// pendingCommitFormat is the version octet of the encoding of a
// PendingCommit; it is mlsref's own, not part of RFC 9420.
const pendingCommitFormat = 1

// MarshalBinary encodes pc, so that a member can store the Commit it sent
// together with its group state while it waits for the Delivery Service
// (RFC 9420, Section 14). Creating a Commit does not change the group
// (Section 14): the pending Commit is a value of its own. The layout, in
// the presentation language of Section 2.1, is mlsref's own:
//
//	struct {
//	    uint8 format = 1;
//	    uint64 epoch;                  /* the epoch the Commit was sent in */
//	    MLSMessage message;
//	    optional<Welcome> welcome;
//	    GroupState next;               /* the epoch the Commit creates */
//	} PendingCommitState;
func (pc *PendingCommit) MarshalBinary() ([]byte, error) {
	if pc == nil || pc.next == nil || pc.Message == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "not a PendingCommit created by Group.Commit (RFC 9420, Section 14)")
	}
	var w codec.Writer
	w.U8(pendingCommitFormat)
	w.U64(pc.epoch)
	pc.Message.MarshalMLS(&w)
	w.Optional(pc.Welcome != nil, func(w *codec.Writer) { pc.Welcome.MarshalMLS(w) })
	if err := pc.next.marshalState(&w); err != nil {
		return nil, err
	}
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// UnmarshalPendingCommit restores a PendingCommit written by MarshalBinary,
// whose next epoch will use cfg (RFC 9420, Section 14). Decoding is as
// strict as UnmarshalGroup's; the next state must be of the epoch after
// the one the Commit was sent in, and the Commit must be a Commit of that
// group and epoch. Group.MergePendingCommit checks that it belongs to the
// group it is merged into.
func UnmarshalPendingCommit(data []byte, cfg Config) (*PendingCommit, error) {
	r := codec.NewReader(data)
	if f := r.U8(); r.Err() == nil && f != pendingCommitFormat {
		return nil, badState("pending Commit format %d is not %d", f, pendingCommitFormat)
	}
	pc := &PendingCommit{epoch: r.U64(), Message: new(MLSMessage)}
	pc.Message.UnmarshalMLS(r)
	if r.Optional() {
		pc.Welcome = new(Welcome)
		pc.Welcome.UnmarshalMLS(r)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	next, err := unmarshalState(r, cfg)
	if err == nil {
		err = r.Finish()
	}
	if err != nil {
		return nil, err
	}
	pc.next = next
	if pc.epoch == ^uint64(0) || next.ctx.Epoch != pc.epoch+1 {
		return nil, badState("the pending Commit was sent in epoch %d but leads to epoch %d (RFC 9420, Section 14)", pc.epoch, next.ctx.Epoch)
	}
	var gid []byte
	var epoch uint64
	var ct framing.ContentType
	switch {
	case pc.Message.PublicMessage != nil:
		c := &pc.Message.PublicMessage.Content
		gid, epoch, ct = c.GroupID, c.Epoch, c.ContentType
	case pc.Message.PrivateMessage != nil:
		m := pc.Message.PrivateMessage
		gid, epoch, ct = m.GroupID, m.Epoch, m.ContentType
	}
	if ct != framing.ContentTypeCommit || epoch != pc.epoch || !bytes.Equal(gid, next.ctx.GroupID) {
		return nil, badState("the pending Commit's message is not a Commit of group and epoch %d (RFC 9420, Section 14)", pc.epoch)
	}
	return pc, nil
}
