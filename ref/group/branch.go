package group

import (
	"bytes"

	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// Branch creates a subgroup of g (RFC 9420, Section 11.3): a new group with
// groupID and extensions, of g's version and cipher suite, whose creator
// owns kp and whose first Commit adds members with a PreSharedKey proposal
// of the resumption_psk of g's current epoch with usage branch. kp and
// members must be fresh KeyPackages of members of g: each LeafNode's
// credential must match that of a member of g (the credential Validator's
// ValidateSuccessor decides). opts may carry further PSKs and the Commit's
// options; its Adds, Removes and ReInit must be empty. It returns the new
// group in epoch 1 and the Welcome of members.
func (g *Group) Branch(groupID []byte, kp *KeyPackage, priv *KeyPackagePrivate, members []*KeyPackage, extensions extension.List, cfg Config, opts *CommitOptions) (*Group, *Welcome, error) {
	if g.deleted {
		return nil, nil, errDeleted()
	}
	if g.removed {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "this member has been removed from the group (RFC 9420, Section 12.1.3)")
	}
	all := append([]*KeyPackage{kp}, members...)
	for i, m := range all {
		// [R-11.3-6]
		if m == nil || m.CipherSuite != g.ctx.CipherSuite || m.Version != g.ctx.Version {
			return nil, nil, mlserr.New("R-11.3-6", mlserr.ErrInvalidInput, "KeyPackage %d is not of the group's version and cipher suite", i)
		}
		// [R-11.3-8]
		if !g.matchesMember(&m.LeafNode, g.tree, &cfg) {
			return nil, nil, mlserr.New("R-11.3-8", mlserr.ErrInvalidInput, "KeyPackage %d's credential matches no member of the group", i)
		}
	}
	// [R-11.3-2]
	return g.startSuccessor(schedule.UsageBranch, groupID, kp, priv, extensions, members, cfg, opts)
}

// matchesMember reports whether leaf presents the identity of a member of
// the tree old (RFC 9420, Section 11.3): the application's credential
// Validator accepts leaf's credential as a successor of that member's.
func (g *Group) matchesMember(leaf *tree.LeafNode, old *tree.RatchetTree, cfg *Config) bool {
	var v credential.Validator = credential.DefaultValidator{}
	if cfg.Credentials != nil {
		v = cfg.Credentials
	}
	for i := uint32(0); i < old.NumLeaves(); i++ {
		l := old.Leaf(treemath.LeafIndex(i))
		if l != nil && v.ValidateSuccessor(&l.Credential, &leaf.Credential) == nil {
			return true
		}
	}
	return false
}

// JoinBranch joins, from a Welcome, a subgroup branched from g (RFC 9420,
// Section 11.3), as the owner of kp whose private keys priv holds;
// ratchetTree is as for JoinGroup. Beyond JoinGroup's checks the Welcome
// must name the resumption_psk of g's current epoch with usage branch, the
// new group must have g's version and cipher suite and be in epoch 1, and
// each of its members' credentials must match that of a member of g (the
// credential Validator's ValidateSuccessor decides). g is not changed.
func (g *Group) JoinBranch(wel *Welcome, kp *KeyPackage, priv *KeyPackagePrivate, ratchetTree *tree.RatchetTree, cfg Config) (*Group, error) {
	if g.deleted {
		return nil, errDeleted()
	}
	missing := false
	jcfg := cfg
	jcfg.PSKs = g.successorLookup(schedule.UsageBranch, &cfg, &missing)
	ng, err := joinGroup(wel, kp, priv, ratchetTree, jcfg, func(ow *OpenedWelcome, t *tree.RatchetTree) error {
		id := successorPSK(ow, schedule.UsageBranch)
		// [R-11.3-5] the members' leaves are compared with g's current
		// tree, so the PSK must be of the current epoch.
		if id == nil || !bytes.Equal(id.PSKGroupID, g.ctx.GroupID) || id.PSKEpoch != g.ctx.Epoch {
			return mlserr.New("R-11.3-5", mlserr.ErrInvalidWelcome, "the Welcome names no resumption PSK with usage branch of this group's epoch %d", g.ctx.Epoch)
		}
		gc := &ow.GroupInfo.GroupContext
		// [R-11.3-6]
		if gc.Version != g.ctx.Version || gc.CipherSuite != g.ctx.CipherSuite {
			return mlserr.New("R-11.3-6", mlserr.ErrInvalidWelcome, "the subgroup's version or cipher suite is not this group's")
		}
		// [R-11.3-7]
		if gc.Epoch != 1 {
			return mlserr.New("R-11.3-7", mlserr.ErrInvalidWelcome, "the Welcome is for epoch %d, not 1", gc.Epoch)
		}
		for i := uint32(0); i < t.NumLeaves(); i++ {
			l := t.Leaf(treemath.LeafIndex(i))
			// [R-11.3-8]
			if l != nil && !g.matchesMember(l, g.tree, &cfg) {
				return mlserr.New("R-11.3-8", mlserr.ErrInvalidWelcome, "the subgroup's leaf %d matches no member of this group", i)
			}
		}
		return nil
	})
	if err != nil && missing {
		return nil, mlserr.Wrap("R-11.3-5", mlserr.ErrInvalidWelcome, err, "the Welcome names a resumption PSK with usage branch of an epoch of this group that this client does not hold")
	}
	if err != nil {
		return nil, err
	}
	jcfgDone(ng, cfg)
	return ng, nil
}
