package group

import (
	"bytes"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// JoinGroup joins a group from a Welcome (RFC 9420, Section 12.4.3.1) as the
// owner of kp, whose private keys priv holds. ratchetTree is the group's
// tree when the Welcome's GroupInfo does not carry it; nil means the
// ratchet_tree extension must be present. The tree is validated in full
// against the GroupInfo before it is used. A Welcome naming a resumption
// PSK with usage reinit or branch is refused: only the old group's state
// can check it (Group.JoinReInit, Group.JoinBranch).
func JoinGroup(wel *Welcome, kp *KeyPackage, priv *KeyPackagePrivate, ratchetTree *tree.RatchetTree, cfg Config) (*Group, error) {
	return joinGroup(wel, kp, priv, ratchetTree, cfg, refuseSuccessorPSK)
}

// joinGroup is JoinGroup with check, when not nil, run on the opened
// Welcome and the validated ratchet tree before the joiner's state is
// built: the extra checks of a reinitialization or a branch (RFC 9420,
// Sections 11.2 and 11.3).
func joinGroup(wel *Welcome, kp *KeyPackage, priv *KeyPackagePrivate, ratchetTree *tree.RatchetTree, cfg Config, check func(*OpenedWelcome, *tree.RatchetTree) error) (*Group, error) {
	if wel == nil || kp == nil || priv == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "JoinGroup needs a Welcome, a KeyPackage and its private keys (RFC 9420, Section 12.4.3.1)")
	}
	signer := SignerFromRatchetTreeExtension()
	if ratchetTree != nil {
		signer = SignerFromTree(ratchetTree)
	}
	// [R-8.4-1] the PSKs the GroupSecrets name come from the application.
	ow, err := OpenWelcome(wel, kp, priv.InitPriv, cfg.PSKs, signer)
	if err != nil {
		return nil, err
	}
	gi := ow.GroupInfo
	// [R-12.4.3-3]
	if cfg.MemberOf != nil && cfg.MemberOf(bytes.Clone(gi.GroupContext.GroupID)) {
		return nil, mlserr.New("R-12.4.3-3", mlserr.ErrInvalidWelcome, "this client is already a member of a group with group_id %x", gi.GroupContext.GroupID)
	}
	t := ratchetTree
	if t == nil {
		if t, err = gi.RatchetTree(); err != nil {
			return nil, mlserr.Wrap("", mlserr.ErrInvalidWelcome, err, "the GroupInfo's ratchet_tree extension does not decode (RFC 9420, Section 12.4.3.3)")
		}
		// [R-12.4.3.1-1]
		if t == nil {
			return nil, mlserr.New("R-12.4.3.1-1", mlserr.ErrInvalidWelcome, "the GroupInfo has no ratchet_tree extension and no tree was supplied")
		}
	} else {
		t = t.Clone()
	}
	ctx := gi.GroupContext.Clone()
	// This client's true capabilities, without the GREASE values its
	// KeyPackage advertised.
	own := ownCapabilities(&kp.LeafNode.Capabilities)
	for _, e := range ctx.Extensions {
		// [R-12.4.3-2] [R-13.4-8] [R-13.4-9]
		if !e.ExtensionType.IsDefault() && !own.SupportsExtension(e.ExtensionType) {
			return nil, mlserr.New("R-12.4.3-2", mlserr.ErrInvalidWelcome, "the group uses extension %v, which this client does not support", e.ExtensionType)
		}
	}
	g := &Group{cfg: cfg, suite: ow.Suite, ctx: ctx, tree: t, sigPriv: bytes.Clone(priv.SignaturePriv)}
	params := g.params()
	if cfg.SkipLifetime {
		params.SkipLifetime = true
	}
	// The rule the tree broke is the error's requirement.
	if err := t.Validate(params, ctx.TreeHash); err != nil {
		return nil, mlserr.Wrap(mlserr.RequirementOf(err), mlserr.ErrInvalidWelcome, err, "the ratchet tree of the Welcome is not valid (RFC 9420, Section 12.4.3.1)")
	}
	if check != nil {
		if err := check(ow, t); err != nil {
			return nil, err
		}
	}
	// Find this client's leaf: the one holding kp's LeafNode.
	want := codec.Encode(&kp.LeafNode)
	me, found := treemath.LeafIndex(0), false
	for i := uint32(0); i < t.NumLeaves(); i++ {
		if l := t.Leaf(treemath.LeafIndex(i)); l != nil && bytes.Equal(codec.Encode(l), want) {
			me, found = treemath.LeafIndex(i), true
			break
		}
	}
	if !found {
		return nil, mlserr.New("", mlserr.ErrInvalidWelcome, "the ratchet tree holds no leaf with this client's LeafNode (RFC 9420, Section 12.4.3.1)")
	}
	if g.priv, err = tree.NewPrivateState(ow.Suite, me, priv.EncryptionPriv); err != nil {
		return nil, err
	}
	if ps := ow.GroupSecrets.PathSecret; ps != nil {
		// [R-12.4.3.1-4]
		if err := g.priv.SetWelcomePathSecret(t, treemath.LeafIndex(gi.Signer), ps.PathSecret); err != nil {
			return nil, err
		}
	}
	if g.secrets, err = ow.DeriveEpoch(); err != nil {
		return nil, err
	}
	if g.interim, err = schedule.InterimTranscriptHash(ow.Suite, ctx.ConfirmedTranscriptHash, gi.ConfirmationTag); err != nil {
		return nil, err
	}
	if g.secretTree, err = g.secrets.NewSecretTree(t.NumLeaves(), cfg.limits()); err != nil {
		return nil, err
	}
	return g, nil
}
