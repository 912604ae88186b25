package group

import (
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// Validation of single proposals when they are received and when they are
// sent (RFC 9420, Sections 7.3, 10.1, 12.1.1 and 12.1.2).
//
// What is checked here is what makes one proposal invalid in the epoch it
// is sent in, whatever Commit covers it: the KeyPackage of an Add (Section
// 10.1) and the LeafNode of an Update at its sender's leaf (Section 7.3),
// against the group's parameters and the members of the epoch's tree. What
// depends on the Commit is left to the validation of its proposal list
// (Section 12.2, validateProposalList and applyProposalList), which runs
// again when the proposal is committed: rules about the list (two Adds of
// one client, two Updates or Removes of one leaf, an Update by the
// committer), and the validity of the new leaves in the tree the Commit
// produces. One rule of Section 7.3 is left to the Commit as well: a
// KeyPackage whose signature_key is a member's may still be added by a
// Commit that removes that member (Section 12.2), so that uniqueness is
// not a reason to refuse the Add when it arrives; the uniqueness of its
// encryption_key is. So is that of an Update's new encryption_key, even
// when a Remove of the leaf holding that key is pending or in the same
// Commit: Section 7.3 judges the LeafNode against the tree of the epoch,
// and Section 12.2 has no exception for it as it has for signature_key;
// the removed member may hold the private key, so taking it over would
// let the removed member read the path secrets sent to the new leaf.

// validateReceivedProposal checks p, received from sender in the current
// epoch, before it is kept (RFC 9420, Sections 7.3, 10.1 and 12.1): an Add
// and an Update as described above, and what makes a Remove, PreSharedKey,
// ReInit or GroupContextExtensions invalid on its own (checkProposalBody).
// The rules of Section 12.2 about the list, and those of 12.1.7 and 13.4
// about the members that will support a GroupContextExtensions (which
// depend on the Adds, Updates and Removes of the same Commit), stay with
// the Commit.
func (g *Group) validateReceivedProposal(p *Proposal, sender framing.Sender) error {
	if err := g.checkProposalBody(p); err != nil {
		return err
	}
	switch p.ProposalType {
	case ProposalTypeAdd:
		// [R-10.1-2] [R-7.3-2]
		if err := g.validateAddKeyPackage(&p.Add.KeyPackage, g.params()); err != nil {
			return mlserr.Wrap("R-10.1-2", mlserr.ErrInvalidProposal, err, "the received Add's KeyPackage is not valid")
		}
	case ProposalTypeUpdate:
		// Only a member sends an Update (Sections 12.1.2 and 12.1.8).
		if sender.SenderType != framing.SenderTypeMember {
			return mlserr.New("", mlserr.ErrInvalidProposal, "an Update from a %v sender (RFC 9420, Section 12.1.2)", sender.SenderType)
		}
		// [R-7.3-2]
		if err := g.validateUpdateLeaf(&p.Update.LeafNode, treemath.LeafIndex(sender.LeafIndex), g.params()); err != nil {
			return mlserr.Wrap("R-7.3-2", mlserr.ErrInvalidProposal, err, "the received Update's LeafNode is not valid")
		}
	}
	return nil
}

// checkProposalBody checks what makes a Remove, PreSharedKey, ReInit or
// GroupContextExtensions proposal invalid in the current epoch whatever
// Commit covers it (RFC 9420, Sections 8.4, 12.1.3, 12.1.4, 12.1.5, 12.1.7
// and 13.4), for a received proposal and for one this member sends. Whether
// this member holds a proposed PSK is not checked: that is a rule of the
// Commit's processing (R-12.4.2-5), and a receiver that does not hold it
// need not commit it. Other types pass unchanged.
func (g *Group) checkProposalBody(p *Proposal) error {
	switch p.ProposalType {
	case ProposalTypeRemove:
		if p.Remove == nil {
			return nil
		}
		// [R-12.1.3-1] the leaf to remove must be a member's.
		if g.tree.Leaf(treemath.LeafIndex(p.Remove.Removed)) == nil {
			return mlserr.New("R-12.1.3-1", mlserr.ErrInvalidProposal, "a Remove of leaf %d, which is blank or outside the tree", p.Remove.Removed)
		}
	case ProposalTypePSK:
		if p.PreSharedKey == nil {
			return nil
		}
		if err := p.PreSharedKey.PSK.Validate(); err != nil {
			return mlserr.Wrap(mlserr.RequirementOf(err), mlserr.ErrInvalidProposal, err, "the PreSharedKey proposal's PreSharedKeyID is not valid (RFC 9420, Section 8.4)")
		}
		// [R-12.1.4-1] [R-12.1.4-2] [R-12.1.4-3]
		return g.validatePSKProposal(p.PreSharedKey, "the PreSharedKey proposal")
	case ProposalTypeReInit:
		if p.ReInit == nil {
			return nil
		}
		if err := p.ReInit.Extensions.Validate(); err != nil {
			return mlserr.Wrap(mlserr.RequirementOf(err), mlserr.ErrInvalidProposal, err, "the ReInit proposal's extensions are not valid (RFC 9420, Section 12.1.5)")
		}
		// The version may not go down (Section 12.1.5).
		return g.validateReInit(p.ReInit, "the ReInit proposal")
	case ProposalTypeGroupContextExtensions:
		if p.GroupContextExtensions == nil {
			return nil
		}
		exts := p.GroupContextExtensions.Extensions
		// [R-13.4-5]
		if err := exts.Validate(); err != nil {
			return mlserr.Wrap(mlserr.RequirementOf(err), mlserr.ErrInvalidProposal, err, "the GroupContextExtensions proposal's extensions are not valid (RFC 9420, Section 12.1.7)")
		}
		if err := checkExternalSendersExtension(exts); err != nil {
			return mlserr.Wrap(mlserr.RequirementOf(err), mlserr.ErrInvalidProposal, err, "the GroupContextExtensions proposal's external_senders extension is not valid (RFC 9420, Section 12.1.8.1)")
		}
		if e, ok := exts.Find(extension.RequiredCapabilities); ok {
			if err := codec.Decode(e.ExtensionData, new(tree.RequiredCapabilities)); err != nil {
				return mlserr.Wrap("", mlserr.ErrInvalidProposal, err, "the GroupContextExtensions proposal's required_capabilities extension does not decode (RFC 9420, Section 11.1)")
			}
		}
	}
	return nil
}

// validateAddKeyPackage checks the KeyPackage of an Add against the group
// of the current epoch with params (RFC 9420, Sections 7.3 and 10.1): the
// checks of Section 10.1, and those of Section 7.3 for a LeafNode that
// joins the epoch's tree at its leftmost blank leaf, but the uniqueness of
// signature_key (see above).
func (g *Group) validateAddKeyPackage(kp *KeyPackage, params *tree.GroupParameters) error {
	next, ok := g.tree.LeftmostBlankLeaf()
	if !ok {
		next = treemath.LeafIndex(g.tree.NumLeaves())
	}
	return ValidateKeyPackage(kp, &KeyPackageValidation{
		Group: *params, Version: g.ctx.Version, Tree: g.tree, LeafIndex: uint32(next), SignatureKeyMayRepeat: true,
	})
}

// validateUpdateLeaf checks the LeafNode of an Update by the member at
// leaf, which it replaces, against the group of the current epoch with
// params (RFC 9420, Sections 7.3 and 12.1.2).
func (g *Group) validateUpdateLeaf(ln *tree.LeafNode, leaf treemath.LeafIndex, params *tree.GroupParameters) error {
	return tree.ValidateLeafNode(ln, &tree.LeafValidationContext{
		GroupParameters: *params, LeafIndex: leaf, Source: tree.SourceUpdate, Tree: g.tree,
	})
}

// validateOwnProposal checks p before this member sends it (RFC 9420,
// Sections 7.3, 8.4, 10.1 and 12.1), so that nothing is sent that the
// receivers would refuse on receipt: the KeyPackage of an Add, which the
// member downloaded, and the LeafNode of its Update, as the receivers
// check them; a Remove, ReInit or GroupContextExtensions as
// checkProposalBody does; and a PreSharedKey proposal as ProposePSK checks
// it, the PSK being one this member holds. The lifetime of a LeafNode
// being sent is checked even when Config.SkipLifetime is set (R-7.3-10).
func (g *Group) validateOwnProposal(p *Proposal) error {
	if p.ProposalType != ProposalTypePSK {
		if err := g.checkProposalBody(p); err != nil {
			return err
		}
	}
	// [R-7.3-10]
	params := sendParams(g.params())
	switch p.ProposalType {
	case ProposalTypeAdd:
		kp := &KeyPackage{}
		if p.Add != nil {
			kp = &p.Add.KeyPackage
		}
		// [R-10.1-1]
		if err := g.validateAddKeyPackage(kp, params); err != nil {
			return mlserr.Wrap("R-10.1-1", mlserr.ErrInvalidInput, err, "the KeyPackage to add is not valid")
		}
	case ProposalTypeUpdate:
		ln := &tree.LeafNode{}
		if p.Update != nil {
			ln = &p.Update.LeafNode
		}
		if err := g.validateUpdateLeaf(ln, g.priv.Leaf(), params); err != nil {
			return mlserr.Wrap("", mlserr.ErrInvalidInput, err, "the LeafNode of this member's Update is not valid (RFC 9420, Section 7.3)")
		}
	case ProposalTypePSK:
		psk, _ := zeroBody(ProposalTypePSK).(*PreSharedKey)
		if p.PreSharedKey != nil {
			psk = p.PreSharedKey
		}
		if err := g.validatePSKProposal(psk, "the PreSharedKey proposal"); err != nil {
			return err
		}
		// [R-12.4.2-5] a PSK this member could not commit itself.
		if _, ok := g.lookupPSK(&psk.PSK); !ok {
			return mlserr.New("R-12.4.2-5", mlserr.ErrInvalidInput, "this member does not hold the %v PSK to propose", psk.PSK.PSKType)
		}
	}
	return nil
}
