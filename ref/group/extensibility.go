package group

import (
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// checkMembersSupport checks that every member of t supports what the
// GroupContext ctx uses (RFC 9420, Sections 11.1, 12.1.7 and 13.4): each
// of its non-default extensions and everything its required_capabilities
// extension names. For this member's own leaf (own), its true
// capabilities are used, without the GREASE values it advertises (Section
// 13.5).
func checkMembersSupport(ctx *schedule.GroupContext, t *tree.RatchetTree, own treemath.LeafIndex) error {
	var rc *tree.RequiredCapabilities
	if e, ok := ctx.Extensions.Find(extension.RequiredCapabilities); ok {
		rc = new(tree.RequiredCapabilities)
		if err := codec.Decode(e.ExtensionData, rc); err != nil {
			return mlserr.Wrap("R-12.2-3", mlserr.ErrInvalidProposal, err, "the required_capabilities extension does not decode")
		}
	}
	for i := uint32(0); i < t.NumLeaves(); i++ {
		l := t.Leaf(treemath.LeafIndex(i))
		if l == nil {
			continue
		}
		caps := &l.Capabilities
		if treemath.LeafIndex(i) == own {
			// [R-13.5-11]
			caps = ownCapabilities(caps)
		}
		for _, e := range ctx.Extensions {
			// [R-12.2-16] [R-13.4-10] every member supports every
			// GroupContext extension.
			if !e.ExtensionType.IsDefault() && !caps.SupportsExtension(e.ExtensionType) {
				return mlserr.New("R-12.2-16", mlserr.ErrInvalidProposal, "the member at leaf %d does not support the group extension %v", i, e.ExtensionType)
			}
		}
		if rc == nil {
			continue
		}
		// [R-12.2-16] [R-7.3-7] every member has the required
		// capabilities.
		for _, et := range rc.ExtensionTypes {
			if !et.IsDefault() && !caps.SupportsExtension(et) {
				return mlserr.New("R-12.2-16", mlserr.ErrInvalidProposal, "the member at leaf %d does not support the required extension type %v", i, et)
			}
		}
		for _, pt := range rc.ProposalTypes {
			if !tree.IsDefaultProposalType(pt) && !caps.SupportsProposal(pt) {
				return mlserr.New("R-12.2-16", mlserr.ErrInvalidProposal, "the member at leaf %d does not support the required proposal type 0x%04x", i, uint16(pt))
			}
		}
		for _, ct := range rc.CredentialTypes {
			if !caps.SupportsCredential(ct) {
				return mlserr.New("R-12.2-16", mlserr.ErrInvalidProposal, "the member at leaf %d does not support the required credential type 0x%04x", i, uint16(ct))
			}
		}
	}
	return nil
}
