package group

import (
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
// encryption_key is.

// validateReceivedProposal checks p, received from sender in the current
// epoch, before it is kept (RFC 9420, Sections 7.3, 10.1, 12.1.1 and
// 12.1.2). Proposals of other types pass unchanged; their rules are those
// of the Commit's list.
func (g *Group) validateReceivedProposal(p *Proposal, sender framing.Sender) error {
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
// check them; and a PreSharedKey proposal as ProposePSK checks it, the PSK
// being one this member holds. The lifetime of a LeafNode being sent is
// checked even when Config.SkipLifetime is set (R-7.3-10).
func (g *Group) validateOwnProposal(p *Proposal) error {
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
		if err := g.validatePSKProposal(psk, 0); err != nil {
			return err
		}
		// [R-12.4.2-5] a PSK this member could not commit itself.
		if _, ok := g.lookupPSK(&psk.PSK); !ok {
			return mlserr.New("R-12.4.2-5", mlserr.ErrInvalidInput, "this member does not hold the %v PSK to propose", psk.PSK.PSKType)
		}
	}
	return nil
}
