package group

import (
	"bytes"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// validateReInit checks the ReInit proposal p, named what in errors (RFC
// 9420, Sections 12.1.5 and 12.2).
func (g *Group) validateReInit(p *ReInit, what string) error {
	if p == nil {
		return mlserr.New("R-12.2-3", mlserr.ErrInvalidProposal, "%s: a ReInit without content", what)
	}
	// A ReInit may not lower the protocol version (Section 12.1.5).
	if p.Version < g.ctx.Version {
		return mlserr.New("", mlserr.ErrInvalidProposal, "%s: a ReInit to version %d, below the group's %d (RFC 9420, Section 12.1.5)", what, p.Version, g.ctx.Version)
	}
	// [R-12.2-3]
	if err := p.Extensions.Validate(); err != nil {
		return mlserr.Wrap("R-12.2-3", mlserr.ErrInvalidProposal, err, "%s: the ReInit's extensions are invalid", what)
	}
	return nil
}

// committedReInit returns a copy of the ReInit of a validated proposal
// list, nil when it has none (RFC 9420, Section 12.1.5).
func committedReInit(list []committedProposal) *ReInit {
	for _, cp := range list {
		if cp.proposal.ProposalType == ProposalTypeReInit && cp.proposal.ReInit != nil {
			return cp.proposal.ReInit.clone()
		}
	}
	return nil
}

func (ri *ReInit) clone() *ReInit {
	return &ReInit{GroupID: bytes.Clone(ri.GroupID), Version: ri.Version, CipherSuite: ri.CipherSuite, Extensions: ri.Extensions.Clone()}
}

// PendingReInit returns a copy of the ReInit that a Commit of the group
// covered, or nil (RFC 9420, Sections 11.2 and 12.4.2). Once it is set the
// group is closed: it sends and accepts no more messages of its current
// epoch, and its members wait for the Welcome of the new group
// (ReInitGroup, JoinReInit).
func (g *Group) PendingReInit() *ReInit {
	if g.reinit == nil {
		return nil
	}
	return g.reinit.clone()
}

// errReInitClosed is the error of any attempt to send in a group whose
// ReInit was committed (RFC 9420, Section 12.4.2).
func errReInitClosed() error {
	// [R-12.4.2-25]
	return mlserr.New("R-12.4.2-25", mlserr.ErrInvalidInput, "the group was reinitialized: it sends no more messages")
}

// canSend checks that this member may still send in the group (RFC 9420,
// Sections 12.1.3 and 12.4.2): it has not been removed and no ReInit was
// committed. Every sending operation checks it first, before looking at
// what it is asked to send: once a ReInit is committed the group sends
// nothing more, so, for example, a PreSharedKey proposal naming a PSK this
// member lacks is refused with R-12.4.2-25, not R-12.4.2-5, whose check of
// the PSK's availability presumes a proposal that could be sent.
func (g *Group) canSend() error {
	if g.deleted {
		return errDeleted()
	}
	if g.removed {
		return mlserr.New("", mlserr.ErrInvalidInput, "this member has been removed from the group (RFC 9420, Section 12.1.3)")
	}
	if g.reinit != nil {
		// [R-12.4.2-25]
		return errReInitClosed()
	}
	return nil
}

// ReInitPSKID names the resumption_psk of epoch of this group with usage
// reinit, the PSK that the first Commit of a reinitialized group injects
// (RFC 9420, Sections 8.6 and 11.2). The psk_nonce is left empty.
func (g *Group) ReInitPSKID(epoch uint64) schedule.PreSharedKeyID {
	id := g.ResumptionPSKID(epoch)
	id.Usage = schedule.UsageReinit
	return id
}

// BranchPSKID names the resumption_psk of epoch of this group with usage
// branch, the PSK that the first Commit of a subgroup branched from it
// injects (RFC 9420, Sections 8.6 and 11.3). The psk_nonce is left empty.
func (g *Group) BranchPSKID(epoch uint64) schedule.PreSharedKeyID {
	id := g.ResumptionPSKID(epoch)
	id.Usage = schedule.UsageBranch
	return id
}

// startSuccessor creates a group with groupID and extensions whose creator
// owns kp, and commits the Adds of members with a PreSharedKey proposal of
// the resumption_psk of g's current epoch with usage (RFC 9420, Sections
// 11.2 and 11.3). It returns the new group in epoch 1 and the Welcome of
// members.
func (g *Group) startSuccessor(usage schedule.ResumptionPSKUsage, groupID []byte, kp *KeyPackage, priv *KeyPackagePrivate, extensions extension.List, members []*KeyPackage, cfg Config, opts *CommitOptions) (*Group, *Welcome, error) {
	o := CommitOptions{}
	if opts != nil {
		o = *opts
	}
	if len(o.Adds) > 0 || len(o.Removes) > 0 || o.ReInit != nil {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "the first Commit of a new group takes its members as KeyPackages, no other Adds, Removes or ReInit (RFC 9420, Sections 11.2 and 11.3)")
	}
	ng, err := NewGroup(groupID, kp, priv, extensions, cfg)
	if err != nil {
		return nil, nil, err
	}
	// The resumption PSK of the epoch the old group reached with the
	// ReInit's (or the branch point's) Commit: psktype resumption, usage
	// reinit or branch, this group's group_id.
	// [R-12.4.1-17] [R-12.4.1-18] [R-12.4.1-19] [R-12.4.1-20] [R-12.4.1-21]
	id := g.ResumptionPSKID(g.ctx.Epoch)
	id.Usage = usage
	ng.initPSK = &schedule.PSK{ID: id.Clone(), Secret: bytes.Clone(g.secrets.ResumptionPSK)}
	o.Adds = members
	// [R-11.2-6] [R-11.3-2] the PSK comes first; Commit draws its fresh
	// psk_nonce of KDF.Nh octets.
	// [R-11.3-3]
	o.PSKs = append([]schedule.PreSharedKeyID{id}, o.PSKs...)
	pc, err := ng.Commit(&o)
	if err != nil {
		return nil, nil, err
	}
	if err := ng.MergePendingCommit(pc); err != nil {
		return nil, nil, err
	}
	ng.initPSK = nil
	return ng, pc.Welcome, nil
}

// ReInitGroup creates the group that replaces g after a Commit covering a
// ReInit (RFC 9420, Section 11.2): its group_id, version, cipher suite and
// extensions are the ReInit's, its creator owns kp (a KeyPackage of the new
// cipher suite), and its first Commit adds members with a PreSharedKey
// proposal of g's resumption_psk with usage reinit. opts may carry further
// PSKs and the Commit's options; its Adds, Removes and ReInit must be
// empty. It returns the new group in epoch 1 and the Welcome of members.
// Any member of g may do this, not only the one that committed the ReInit.
// g is left as it was; once the new group is established, the member
// deletes g promptly with Delete (Section 12.4.2).
func (g *Group) ReInitGroup(kp *KeyPackage, priv *KeyPackagePrivate, members []*KeyPackage, cfg Config, opts *CommitOptions) (*Group, *Welcome, error) {
	if g.deleted {
		return nil, nil, errDeleted()
	}
	if g.reinit == nil {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "no ReInit of this group was committed (RFC 9420, Section 11.2)")
	}
	ri := g.reinit
	if ri.Version != MLS10 {
		return nil, nil, mlserr.New("", mlserr.ErrUnsupported, "the ReInit asks for protocol version %d, which mlsref does not implement (RFC 9420, Section 11.2)", ri.Version)
	}
	// [R-11.2-3] [R-11.2-4]
	if kp == nil || kp.CipherSuite != ri.CipherSuite {
		return nil, nil, mlserr.New("R-11.2-4", mlserr.ErrInvalidInput, "the creator's KeyPackage is not of the ReInit's cipher suite %v", ri.CipherSuite)
	}
	for i, m := range members {
		if m == nil || m.CipherSuite != ri.CipherSuite {
			return nil, nil, mlserr.New("R-11.2-4", mlserr.ErrInvalidInput, "member %d's KeyPackage is not of the ReInit's cipher suite %v", i, ri.CipherSuite)
		}
	}
	// The new group takes the ReInit's parameters; which members it adds
	// is the caller's list (the RFC asks for those of the old group).
	// [R-11.2-5] [R-12.4.1-16] the new group's first Commit moves it to epoch 1.
	return g.startSuccessor(schedule.UsageReinit, ri.GroupID, kp, priv, ri.Extensions, members, cfg, opts)
}

// successorLookup returns the PSK lookup of a client of g joining a group
// that a reinitialization or branch of g created (RFC 9420, Sections 11.2
// and 11.3): a resumption PSK of g, of any usage, comes from g (the
// current epoch or a retained one), any other PSK from cfg.PSKs; the
// checks of the Welcome then judge its usage. *missing is set
// when the Welcome names a resumption PSK of g with usage that g does not
// hold.
func (g *Group) successorLookup(usage schedule.ResumptionPSKUsage, cfg *Config, missing *bool) PSKLookup {
	return func(id *schedule.PreSharedKeyID) ([]byte, bool) {
		if id.PSKType == schedule.PSKTypeResumption && bytes.Equal(id.PSKGroupID, g.ctx.GroupID) {
			app := *id
			app.Usage = schedule.UsageApplication
			if s, ok := g.lookupPSK(&app); ok {
				return s, true
			}
			*missing = *missing || id.Usage == usage
			return nil, false
		}
		if cfg.PSKs != nil {
			return cfg.PSKs(id)
		}
		return nil, false
	}
}

// successorPSK returns the resumption PSK with usage that the GroupSecrets
// name, or nil.
func successorPSK(ow *OpenedWelcome, usage schedule.ResumptionPSKUsage) *schedule.PreSharedKeyID {
	for i := range ow.GroupSecrets.PSKs {
		id := &ow.GroupSecrets.PSKs[i]
		if id.PSKType == schedule.PSKTypeResumption && id.Usage == usage {
			return id
		}
	}
	return nil
}

// JoinReInit joins, from a Welcome, the group that replaces g after a
// Commit of g covered a ReInit (RFC 9420, Section 11.2), as the owner of kp
// whose private keys priv holds; ratchetTree is as for JoinGroup. Beyond
// JoinGroup's checks the Welcome must name the resumption_psk of g's
// current epoch (the one the ReInit's Commit created) with usage reinit,
// and its GroupContext must be in epoch 1 with the ReInit's group_id,
// version, cipher suite and extensions. g is not changed; once joined,
// the member deletes it promptly with Delete (Section 12.4.2).
func (g *Group) JoinReInit(wel *Welcome, kp *KeyPackage, priv *KeyPackagePrivate, ratchetTree *tree.RatchetTree, cfg Config) (*Group, error) {
	if g.deleted {
		return nil, errDeleted()
	}
	if g.reinit == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "no ReInit of this group was committed (RFC 9420, Section 11.2)")
	}
	ri := g.reinit
	missing := false
	jcfg := cfg
	jcfg.PSKs = g.successorLookup(schedule.UsageReinit, &cfg, &missing)
	ng, err := joinGroup(wel, kp, priv, ratchetTree, jcfg, func(ow *OpenedWelcome, _ *tree.RatchetTree) error {
		id := successorPSK(ow, schedule.UsageReinit)
		// [R-11.2-6]
		if id == nil || !bytes.Equal(id.PSKGroupID, g.ctx.GroupID) || id.PSKEpoch != g.ctx.Epoch {
			return mlserr.New("R-11.2-6", mlserr.ErrInvalidWelcome, "the Welcome names no resumption PSK with usage reinit of this group's epoch %d", g.ctx.Epoch)
		}
		gc := &ow.GroupInfo.GroupContext
		// [R-11.2-4]
		if gc.Version != ri.Version || gc.CipherSuite != ri.CipherSuite || !bytes.Equal(gc.GroupID, ri.GroupID) ||
			!bytes.Equal(codec.Encode(gc.Extensions), codec.Encode(ri.Extensions)) {
			return mlserr.New("R-11.2-4", mlserr.ErrInvalidWelcome, "the new group's version, cipher suite, group_id or extensions are not the ReInit's")
		}
		// [R-11.2-5]
		if gc.Epoch != 1 {
			return mlserr.New("R-11.2-5", mlserr.ErrInvalidWelcome, "the Welcome is for epoch %d, not 1", gc.Epoch)
		}
		return nil
	})
	if err != nil && missing {
		return nil, mlserr.Wrap("R-11.2-6", mlserr.ErrInvalidWelcome, err, "the Welcome names a resumption PSK with usage reinit of an epoch of this group that this client does not hold")
	}
	if err != nil {
		return nil, err
	}
	jcfgDone(ng, cfg)
	return ng, nil
}

// jcfgDone gives the joined group the application's own Config, not the
// lookup that resolved the Welcome's PSKs.
func jcfgDone(ng *Group, cfg Config) { ng.cfg = cfg }

// refuseSuccessorPSK is JoinGroup's check of a Welcome (RFC 9420, Sections
// 11.2 and 11.3): a resumption PSK with usage reinit or branch is used only
// to join a group that replaces or branches from a group this client is a
// member of, which only JoinReInit and JoinBranch can verify.
func refuseSuccessorPSK(ow *OpenedWelcome, _ *tree.RatchetTree) error {
	// [R-11.2-7]
	if successorPSK(ow, schedule.UsageReinit) != nil {
		return mlserr.New("R-11.2-7", mlserr.ErrInvalidWelcome, "the Welcome names a resumption PSK with usage reinit: join with the old group's JoinReInit")
	}
	// [R-11.3-5] [R-11.3-9]
	if successorPSK(ow, schedule.UsageBranch) != nil {
		return mlserr.New("R-11.3-5", mlserr.ErrInvalidWelcome, "the Welcome names a resumption PSK with usage branch: join with the old group's JoinBranch")
	}
	return nil
}
