package group

import (
	"slices"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// What "best" means here (RFC 9420, Section 11). The RFC leaves the
// ranking of versions and cipher suites to the creator; this package makes
// it explicit and testable:
//
//   - versions: the highest version every member lists in its
//     capabilities. RFC 9420 defines mls10 only, so the check amounts to
//     every member listing mls10.
//   - cipher suites: the creator's preference order, most preferred first
//     (Config.CipherSuitePreference). The chosen suite must be in that
//     order, and no suite earlier in it may be listed in the capabilities
//     of every member, the creator included (with its true capabilities,
//     without GREASE values, Section 13.5).

// BestCipherSuite returns the suite of preference, most preferred first,
// that the creator (capabilities creator) and the owners of kps all support
// (RFC 9420, Section 11): the one a creator who adds them at creation is to
// choose. GREASE values and suites this implementation lacks are skipped.
// It returns an error of class ErrUnsupported when there is none.
func BestCipherSuite(preference []ciphersuite.ID, creator *tree.Capabilities, kps []*KeyPackage) (ciphersuite.ID, error) {
	caps := initialCapabilities(creator, kps)
	for _, s := range preference {
		if extension.IsGREASE(uint16(s)) {
			continue
		}
		if _, err := ciphersuite.Lookup(s); err != nil {
			continue
		}
		if allListSuite(caps, s) {
			return s, nil
		}
	}
	return 0, mlserr.New("R-11-2", mlserr.ErrUnsupported, "no cipher suite of the preference order is supported by the creator and every new member")
}

// CheckBestOption checks, as the creator of a group adding the owners of kps
// at creation must, that version and suite are the best option all of them
// and the creator (capabilities creator) support (RFC 9420, Section 11): every
// one lists version, and no suite before suite in preference (most
// preferred first) is supported by all. suite itself must be in
// preference. The error carries R-11-2.
func CheckBestOption(version ProtocolVersion, suite ciphersuite.ID, preference []ciphersuite.ID, creator *tree.Capabilities, kps []*KeyPackage) error {
	caps := initialCapabilities(creator, kps)
	// [R-11-2] the version: mls10 is the only (hence the best) version of
	// RFC 9420, and every member must list the one chosen.
	for i, c := range caps {
		if !slices.Contains(c.Versions, tree.ProtocolVersion(version)) {
			return mlserr.New("R-11-2", mlserr.ErrInvalidInput, "member %d of the new group does not list version %d in its capabilities", i, uint16(version))
		}
	}
	// [R-11-2] the cipher suite: the creator's preferred one of those all
	// members support.
	at := slices.Index(preference, suite)
	if at < 0 {
		return mlserr.New("R-11-2", mlserr.ErrInvalidInput, "the group's cipher suite %v is not in the creator's preference order", suite)
	}
	best, err := BestCipherSuite(preference[:at+1], creator, kps)
	if err != nil {
		return err
	}
	if best != suite {
		return mlserr.New("R-11-2", mlserr.ErrInvalidInput, "downgrade: the creator and every new member support %v, which the creator prefers to the group's %v", best, suite)
	}
	return nil
}

// initialCapabilities lists the capabilities of a new group's initial
// members: the creator's own, without GREASE values, and those of the
// KeyPackages it adds.
func initialCapabilities(creator *tree.Capabilities, kps []*KeyPackage) []*tree.Capabilities {
	caps := make([]*tree.Capabilities, 0, len(kps)+1)
	if creator != nil {
		// [R-13.5-11]
		caps = append(caps, ownCapabilities(creator))
	}
	for _, kp := range kps {
		if kp != nil {
			caps = append(caps, &kp.LeafNode.Capabilities)
		}
	}
	return caps
}

func allListSuite(caps []*tree.Capabilities, s ciphersuite.ID) bool {
	for _, c := range caps {
		if !slices.Contains(c.CipherSuites, s) {
			return false
		}
	}
	return true
}

// checkCreationDowngrade applies CheckBestOption to the first Commit of a
// group this member created (epoch 0), when Config.CipherSuitePreference
// is set (RFC 9420, Section 11): the members it adds are the group's
// initial members.
func (g *Group) checkCreationDowngrade(list []committedProposal) error {
	if g.ctx.Epoch != 0 || len(g.cfg.CipherSuitePreference) == 0 {
		return nil
	}
	var kps []*KeyPackage
	for _, cp := range list {
		if cp.proposal.ProposalType == ProposalTypeAdd && cp.proposal.Add != nil {
			kps = append(kps, &cp.proposal.Add.KeyPackage)
		}
	}
	if len(kps) == 0 {
		return nil
	}
	var creator *tree.Capabilities
	if l := g.tree.Leaf(treemath.LeafIndex(g.priv.Leaf())); l != nil {
		creator = &l.Capabilities
	}
	// [R-11-2]
	return CheckBestOption(g.ctx.Version, g.suite.ID(), g.cfg.CipherSuitePreference, creator, kps)
}
