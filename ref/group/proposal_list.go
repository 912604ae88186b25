package group

import (
	"fmt"

	"bytes"

	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// committedProposal is one entry of a Commit's proposal list, resolved to
// the proposal and its sender (RFC 9420, Section 12.4): by value the
// committer is the sender, by reference the proposal's own sender.
type committedProposal struct {
	proposal *Proposal
	sender   framing.Sender
	ref      []byte // nil when committed by value
	leafPriv []byte // this member's own Update: its new leaf's private key
	// own marks a proposal by value in a Commit this member creates: it
	// is checked as something sent (sendParams), not as something
	// received.
	own bool
}

// pathRequired reports whether a Commit covering list must carry a path:
// when the list is empty or holds a proposal type whose "Path Required"
// column of the registry is Y (RFC 9420, Sections 12.4 and 17.4).
func pathRequired(list []committedProposal) bool {
	if len(list) == 0 {
		return true
	}
	for _, p := range list {
		switch p.proposal.ProposalType {
		case ProposalTypeUpdate, ProposalTypeRemove, ProposalTypeExternalInit, ProposalTypeGroupContextExtensions:
			return true
		case ProposalTypeAdd, ProposalTypePSK, ProposalTypeReInit:
		default:
			// An application-defined type (Section 13.1): always a path,
			// see ProposalHandler.
			return true
		}
	}
	return false
}

// validateProposalList checks the proposal list of a regular Commit by the
// member at leaf committer (RFC 9420, Section 12.2), against the group g of
// the epoch the Commit is sent in. The committer and every receiver run it.
func (g *Group) validateProposalList(list []committedProposal, committer treemath.LeafIndex) error {
	touched := map[uint32]bool{}
	removed := map[uint32]bool{}
	params, leaving := g.listParams(list)
	var addKeys [][]byte
	var updates []int // the indices in list of the Updates
	gce := 0
	psks := map[string]bool{}
	for i, cp := range list {
		p := cp.proposal
		switch p.ProposalType {
		case ProposalTypeAdd:
			// [R-12.2-3] [R-10.1-2] and, for the committer's own Adds of
			// KeyPackages it downloaded, checked before the Commit is
			// sent: [R-10.1-1]. [R-12.3-3] With the extensions of the
			// list's GroupContextExtensions, if any. [R-7.3-10] The
			// committer's own Adds by value are checked with their
			// lifetimes even when Config.SkipLifetime is set.
			kpParams := params
			if cp.own {
				kpParams = sendParams(params)
			}
			if err := ValidateKeyPackage(&p.Add.KeyPackage, &KeyPackageValidation{Group: *kpParams, Version: g.ctx.Version}); err != nil {
				return mlserr.Wrap("R-12.2-3", mlserr.ErrInvalidProposal, err, "proposal %d: the Add's KeyPackage is not valid", i)
			}
			for _, k := range addKeys {
				// [R-12.2-8]
				if bytes.Equal(k, p.Add.KeyPackage.LeafNode.SignatureKey) {
					return mlserr.New("R-12.2-8", mlserr.ErrInvalidProposal, "proposal %d: two Adds for the same client (signature key)", i)
				}
			}
			addKeys = append(addKeys, p.Add.KeyPackage.LeafNode.SignatureKey)
		case ProposalTypeUpdate:
			if cp.sender.SenderType != framing.SenderTypeMember {
				return mlserr.New("R-12.2-3", mlserr.ErrInvalidProposal, "proposal %d: an Update from a non-member", i)
			}
			// [R-12.2-4]
			if cp.sender.LeafIndex == uint32(committer) {
				return mlserr.New("R-12.2-4", mlserr.ErrInvalidProposal, "proposal %d: an Update from the committer itself", i)
			}
			// [R-12.2-6]
			if touched[cp.sender.LeafIndex] {
				return mlserr.New("R-12.2-6", mlserr.ErrInvalidProposal, "proposal %d: a second Update or Remove for leaf %d", i, cp.sender.LeafIndex)
			}
			touched[cp.sender.LeafIndex] = true
			// [R-12.2-3] [R-12.3-3] with the extensions of the list's
			// GroupContextExtensions, if any.
			if err := tree.ValidateLeafNode(&p.Update.LeafNode, &tree.LeafValidationContext{
				GroupParameters: *params, LeafIndex: treemath.LeafIndex(cp.sender.LeafIndex), Source: tree.SourceUpdate, Tree: g.tree,
			}); err != nil {
				return mlserr.Wrap("R-12.2-3", mlserr.ErrInvalidProposal, err, "proposal %d: the Update's LeafNode is not valid", i)
			}
			// [R-12.2-16] each Update was checked against the tree before
			// the Commit; two of them must not bring the same new key
			// into the tree after it (Section 7.3).
			if err := distinctUpdateKeys(list, updates, i); err != nil {
				return err
			}
			updates = append(updates, i)
		case ProposalTypeRemove:
			r := p.Remove.Removed
			// [R-12.2-3] [R-12.1.3-1]
			if g.tree.Leaf(treemath.LeafIndex(r)) == nil {
				return mlserr.Wrap("R-12.2-3", mlserr.ErrInvalidProposal, mlserr.New("R-12.1.3-1", mlserr.ErrInvalidProposal, "leaf %d is blank or outside the tree", r), "proposal %d: an invalid Remove", i)
			}
			// [R-12.2-5]
			if r == uint32(committer) {
				return mlserr.New("R-12.2-5", mlserr.ErrInvalidProposal, "proposal %d: a Remove of the committer", i)
			}
			// [R-12.2-6]
			if touched[r] {
				return mlserr.New("R-12.2-6", mlserr.ErrInvalidProposal, "proposal %d: a second Update or Remove for leaf %d", i, r)
			}
			touched[r] = true
			removed[r] = true
		case ProposalTypeGroupContextExtensions:
			gce++
			// [R-12.2-11]
			if gce > 1 {
				return mlserr.New("R-12.2-11", mlserr.ErrInvalidProposal, "proposal %d: a second GroupContextExtensions", i)
			}
			if err := p.GroupContextExtensions.Extensions.Validate(); err != nil {
				return mlserr.Wrap("R-12.2-3", mlserr.ErrInvalidProposal, err, "proposal %d: invalid extensions", i)
			}
			// [R-12.2-3]
			if err := checkExternalSendersExtension(p.GroupContextExtensions.Extensions); err != nil {
				return mlserr.Wrap("R-12.2-3", mlserr.ErrInvalidProposal, err, "proposal %d: invalid extensions", i)
			}
		case ProposalTypeReInit:
			// [R-12.2-12]
			if len(list) > 1 {
				return mlserr.New("R-12.2-12", mlserr.ErrInvalidProposal, "proposal %d: a ReInit together with other proposals", i)
			}
			if err := g.validateReInit(p.ReInit, fmt.Sprintf("proposal %d", i)); err != nil {
				return err
			}
		case ProposalTypeExternalInit:
			// [R-12.2-14]
			return mlserr.New("R-12.2-14", mlserr.ErrInvalidProposal, "proposal %d: an ExternalInit in a regular Commit", i)
		case ProposalTypePSK:
			if err := g.validatePSKProposal(p.PreSharedKey, fmt.Sprintf("proposal %d", i)); err != nil {
				return err
			}
			// [R-12.2-10] the same PSK twice; psk_nonce is fresh for each
			// injection (Section 8.4), so the key's name is compared.
			k := pskIdentity(&p.PreSharedKey.PSK)
			if psks[k] {
				return mlserr.New("R-12.2-10", mlserr.ErrInvalidProposal, "proposal %d: a second PreSharedKey proposal for the same %v PSK", i, p.PreSharedKey.PSK.PSKType)
			}
			psks[k] = true
		default:
			// [R-12.2-15] [R-13.2-1] a proposal type beyond the default
			// ones: one the application registered and every member
			// that will process the Commit supports, those it removes
			// left out (those it adds are not in the tree yet).
			if err := g.checkCustomProposal(p, cp.sender, i, leaving); err != nil {
				return err
			}
		}
	}
	// [R-12.2-9] an Add of a client already in the group, not removed by
	// the same Commit.
	for _, k := range addKeys {
		for i := uint32(0); i < g.tree.NumLeaves(); i++ {
			if l := g.tree.Leaf(treemath.LeafIndex(i)); l != nil && !removed[i] && bytes.Equal(l.SignatureKey, k) {
				return mlserr.New("R-12.2-9", mlserr.ErrInvalidProposal, "an Add of the client already at leaf %d", i)
			}
		}
	}
	return nil
}

// distinctUpdateKeys checks that the Update at list[i] brings neither an
// encryption_key nor a signature_key that one of the earlier Updates at
// list[prev] brings (RFC 9420, Sections 7.3 and 12.2): the tree after the
// Commit holds both.
func distinctUpdateKeys(list []committedProposal, prev []int, i int) error {
	ln := &list[i].proposal.Update.LeafNode
	for _, j := range prev {
		o := &list[j].proposal.Update.LeafNode
		// [R-12.2-16] [R-7.3-19]
		if bytes.Equal(o.EncryptionKey, ln.EncryptionKey) {
			return mlserr.Wrap("R-12.2-16", mlserr.ErrInvalidProposal,
				mlserr.New("R-7.3-19", mlserr.ErrInvalidTree, "the new leaves %d and %d have the same encryption_key", list[j].sender.LeafIndex, list[i].sender.LeafIndex),
				"proposals %d and %d: two Updates with the same encryption_key", j, i)
		}
		// [R-12.2-16] [R-7.3-18]
		if bytes.Equal(o.SignatureKey, ln.SignatureKey) {
			return mlserr.Wrap("R-12.2-16", mlserr.ErrInvalidProposal,
				mlserr.New("R-7.3-18", mlserr.ErrInvalidTree, "the new leaves %d and %d have the same signature_key", list[j].sender.LeafIndex, list[i].sender.LeafIndex),
				"proposals %d and %d: two Updates with the same signature_key", j, i)
		}
	}
	return nil
}

// listParams returns the group parameters against which the Adds and
// Updates of list are evaluated, and the leaves list removes (RFC 9420,
// Sections 12.2 and 12.3). With a GroupContextExtensions in the list, the
// parameters are those of its new extensions: they apply first, and the
// other proposals are judged with them. With more than one,
// validateProposalList refuses the list anyway (R-12.2-11); the first is
// used.
func (g *Group) listParams(list []committedProposal) (*tree.GroupParameters, map[treemath.LeafIndex]bool) {
	ctx := g.ctx
	leaving := map[treemath.LeafIndex]bool{}
	for _, cp := range list {
		switch p := cp.proposal; p.ProposalType {
		case ProposalTypeGroupContextExtensions:
			// [R-12.3-3]
			if p.GroupContextExtensions != nil && ctx == g.ctx {
				next := *g.ctx
				next.Extensions = p.GroupContextExtensions.Extensions
				ctx = &next
			}
		case ProposalTypeRemove:
			if p.Remove != nil {
				leaving[treemath.LeafIndex(p.Remove.Removed)] = true
			}
		}
	}
	return groupParams(g.suite, ctx, &g.cfg), leaving
}

// appliedProposals is what applying a proposal list produced (RFC 9420,
// Section 12.3).
type appliedProposals struct {
	added       []treemath.LeafIndex // in the order of the Adds
	addedKPs    []*KeyPackage
	selfRemoved bool
	ownUpdate   []byte // the private key of this member's committed Update
}

// applyProposalList applies a validated list to ctx and t, copies of the
// group's, in the order of RFC 9420, Section 12.3. own is this member's
// leaf.
func applyProposalList(list []committedProposal, ctx *schedule.GroupContext, t *tree.RatchetTree, own treemath.LeafIndex, params func(*schedule.GroupContext) *tree.GroupParameters) (*appliedProposals, error) {
	out := &appliedProposals{}
	// [R-12.3-1] [R-12.3-2] [R-12.1.7-1]
	for _, cp := range list {
		if cp.proposal.ProposalType == ProposalTypeGroupContextExtensions {
			ctx.Extensions = cp.proposal.GroupContextExtensions.Extensions.Clone()
		}
	}
	// [R-12.3-4]
	for _, cp := range list {
		if cp.proposal.ProposalType != ProposalTypeUpdate {
			continue
		}
		leaf := treemath.LeafIndex(cp.sender.LeafIndex)
		if err := t.UpdateLeaf(leaf, cp.proposal.Update.LeafNode.Clone()); err != nil {
			return nil, err
		}
		if leaf == own {
			out.ownUpdate = cp.leafPriv
		}
	}
	// [R-12.3-5]
	for _, cp := range list {
		if cp.proposal.ProposalType != ProposalTypeRemove {
			continue
		}
		if cp.proposal.Remove.Removed == uint32(own) {
			out.selfRemoved = true
		}
		if err := t.RemoveLeaf(treemath.LeafIndex(cp.proposal.Remove.Removed)); err != nil {
			return nil, err
		}
	}
	// [R-12.3-6]
	p := params(ctx)
	for _, cp := range list {
		if cp.proposal.ProposalType != ProposalTypeAdd {
			continue
		}
		kp := &cp.proposal.Add.KeyPackage
		next, ok := t.LeftmostBlankLeaf()
		if !ok {
			next = treemath.LeafIndex(t.NumLeaves())
		}
		// [R-12.2-16] [R-13.4-6] [R-12.3-3] the new leaf must be valid in
		// the resulting tree (unique keys, supported credentials, the new
		// extensions, applied before the Adds). validateProposalList
		// verified its signature with the KeyPackage's
		// (ValidateKeyPackage), and it covers neither group nor leaf: it
		// is not verified a second time.
		if err := tree.ValidateLeafNode(&kp.LeafNode, &tree.LeafValidationContext{GroupParameters: *p, LeafIndex: next, Source: tree.SourceKeyPackage, Tree: t, SignatureVerified: true}); err != nil {
			return nil, mlserr.Wrap("R-12.2-16", mlserr.ErrInvalidProposal, err, "the Add for leaf %d would make the tree invalid", next)
		}
		i, err := t.AddLeaf(kp.LeafNode.Clone())
		if err != nil {
			return nil, err
		}
		out.added = append(out.added, i)
		out.addedKPs = append(out.addedKPs, kp)
	}
	// [R-12.2-16] every member must support the (new) GroupContext
	// extensions and required capabilities (Section 13.4).
	if err := checkMembersSupport(ctx, t, own); err != nil {
		return nil, err
	}
	return out, nil
}

// exclude returns the set of leaves a Commit adds (RFC 9420, Section 7.6).
func (a *appliedProposals) exclude() map[treemath.LeafIndex]bool {
	m := map[treemath.LeafIndex]bool{}
	for _, i := range a.added {
		m[i] = true
	}
	return m
}
