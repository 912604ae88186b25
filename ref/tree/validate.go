package tree

import (
	"bytes"
	"strings"
	"time"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// DefaultMaxLifetime is the longest total lifetime (not_after minus
// not_before) of a LeafNode that mlsref accepts unless told otherwise,
// the application-defined maximum that RFC 9420, Section 7.2 asks for.
// The official test vectors use KeyPackages valid for one year (plus an
// hour); 400 days leaves room for those and little more.
const DefaultMaxLifetime = 400 * 24 * time.Hour

// GroupParameters are the parameters of a group against which its
// LeafNodes are validated (RFC 9420, Sections 7.3, 11.1 and 13.4).
type GroupParameters struct {
	// Suite is the group's cipher suite.
	Suite *ciphersuite.Suite
	// GroupID is the group's group_id, the signature context of update
	// and commit LeafNodes (Section 7.2).
	GroupID []byte
	// RequiredCapabilities is the body of the GroupContext's
	// required_capabilities extension, or nil if it has none (Section
	// 11.1).
	RequiredCapabilities *RequiredCapabilities
	// Extensions lists the types of the GroupContext's extensions, each of
	// which a member must support (Section 13.4).
	Extensions []extension.ExtensionType
	// Credentials is the application's Authentication Service (Section
	// 5.3.1); nil means credential.DefaultValidator.
	Credentials credential.Validator
	// Now is the clock against which a KeyPackage LeafNode's lifetime is
	// judged (Section 7.3). It must be set unless SkipLifetime is.
	Now func() time.Time
	// SkipLifetime turns off the check that the current time lies within
	// a LeafNode's lifetime. Section 7.3 makes the check mandatory for a
	// LeafNode the client sends and only RECOMMENDED for one it receives,
	// which may have expired in transit; by default it is made.
	SkipLifetime bool
	// MaxLifetime is the longest acceptable total lifetime of a LeafNode
	// (Section 7.2): zero means DefaultMaxLifetime, a negative value no
	// limit at all.
	MaxLifetime time.Duration
}

// LeafValidationContext is where a LeafNode being validated appears (RFC
// 9420, Section 7.3).
type LeafValidationContext struct {
	GroupParameters
	// LeafIndex is the leaf the LeafNode occupies or will occupy: its
	// signature context for update and commit LeafNodes. For an Add, it is
	// the (blank) leaf the new member will get.
	LeafIndex treemath.LeafIndex
	// Source is the leaf_node_source the LeafNode must have where it
	// appears: key_package for a KeyPackage, update for an Update
	// proposal, commit for an UpdatePath. Zero means the LeafNode is one of
	// a ratchet tree, where any source is allowed.
	Source LeafNodeSource
	// Tree is the group's ratchet tree: its non-blank leaves other than
	// LeafIndex are the "other members" for the checks of credential
	// support and key uniqueness. Nil for a LeafNode validated outside of
	// a group (a KeyPackage just downloaded), which skips those checks.
	Tree *RatchetTree
	// Replaced is the LeafNode an update or commit LeafNode replaces;
	// when nil, it is the one at LeafIndex in Tree, if any.
	Replaced *LeafNode
	// SignatureVerified says that the caller has just verified the
	// LeafNode's signature itself, so it is not verified again. Only for
	// a key_package LeafNode, whose signature covers neither group_id nor
	// leaf index (Section 7.2): a KeyPackage validated on its own and then
	// once more in the tree it joins. It is ignored for other sources.
	SignatureVerified bool
	// SignatureKeyMayRepeat leaves out the uniqueness of signature_key
	// among the other members, for the LeafNode of an Add proposal
	// validated when it is received: a Commit may add a client that is
	// already a member if it also removes it (Section 12.2), and the
	// Commit's own validation of the tree it produces then enforces the
	// uniqueness. Every other check, encryption_key uniqueness included,
	// is made.
	SignatureKeyMayRepeat bool
}

// leafCheck carries what the checks of one LeafNode need.
type leafCheck struct {
	p        *GroupParameters
	leaf     treemath.LeafIndex
	source   LeafNodeSource
	replaced *LeafNode
	// verified: the signature was verified by the caller.
	verified bool
}

func (p *GroupParameters) validator() credential.Validator {
	if p.Credentials == nil {
		return credential.DefaultValidator{}
	}
	return p.Credentials
}

func (p *GroupParameters) maxLifetime() (time.Duration, bool) {
	switch {
	case p.MaxLifetime == 0:
		return DefaultMaxLifetime, true
	case p.MaxLifetime < 0:
		return 0, false
	}
	return p.MaxLifetime, true
}

// ValidateLeafNode checks ln as Section 7.3 of RFC 9420 requires, where
// ctx says it appears: its credential, signature, compatibility with the
// group, credential-type support, lifetime, extensions, leaf_node_source
// and the uniqueness of its keys among the other members. Each failed
// check returns an *mlserr.Error carrying the requirement's ID.
func ValidateLeafNode(ln *LeafNode, ctx *LeafValidationContext) error {
	if ln == nil || ctx == nil || ctx.Suite == nil {
		return mlserr.New("", mlserr.ErrInvalidInput, "ValidateLeafNode needs a LeafNode, a context and a cipher suite (RFC 9420, Section 7.3)")
	}
	replaced := ctx.Replaced
	if replaced == nil && ctx.Tree != nil && (ctx.Source == SourceUpdate || ctx.Source == SourceCommit) {
		replaced = ctx.Tree.Leaf(ctx.LeafIndex)
	}
	verified := ctx.SignatureVerified && ctx.Source == SourceKeyPackage && ln.LeafNodeSource == SourceKeyPackage
	c := &leafCheck{p: &ctx.GroupParameters, leaf: ctx.LeafIndex, source: ctx.Source, replaced: replaced, verified: verified}
	if err := c.checkLeaf(ln, ctx.Tree); err != nil {
		return err
	}
	if ctx.Tree == nil {
		return nil
	}
	for i := range ctx.Tree.NumLeaves() {
		other := ctx.Tree.Leaf(treemath.LeafIndex(i))
		if other == nil || treemath.LeafIndex(i) == ctx.LeafIndex {
			continue
		}
		// [R-7.3-17] [R-7.3-18]
		if !ctx.SignatureKeyMayRepeat && bytes.Equal(other.SignatureKey, ln.SignatureKey) {
			return mlserr.New("R-7.3-18", mlserr.ErrInvalidTree, "signature_key of the LeafNode for leaf %d is already the signature_key of leaf %d", ctx.LeafIndex, i)
		}
		// [R-7.3-19]
		if bytes.Equal(other.EncryptionKey, ln.EncryptionKey) {
			return mlserr.New("R-7.3-19", mlserr.ErrInvalidTree, "encryption_key of the LeafNode for leaf %d is already the encryption_key of leaf %d", ctx.LeafIndex, i)
		}
	}
	return nil
}

// checkLeaf runs every check of Section 7.3 but key uniqueness. The other
// members are the non-blank leaves of tree other than c.leaf; credential
// support is checked against them by scanning (see credentialSupport for
// the whole-tree version).
func (c *leafCheck) checkLeaf(ln *LeafNode, tree *RatchetTree) error {
	if err := c.checkOwn(ln); err != nil {
		return err
	}
	if tree == nil {
		return nil
	}
	t := ln.Credential.CredentialType
	for i := range tree.NumLeaves() {
		other := tree.Leaf(treemath.LeafIndex(i))
		if other == nil || treemath.LeafIndex(i) == c.leaf {
			continue
		}
		// [R-7.3-8]
		if !other.Capabilities.SupportsCredential(t) {
			return mlserr.New("R-7.3-8", mlserr.ErrInvalidTree, "credential type 0x%04x of the LeafNode for leaf %d is not supported by the member at leaf %d", uint16(t), c.leaf, i)
		}
		// [R-7.3-8]
		if ot := other.Credential.CredentialType; !ln.Capabilities.SupportsCredential(ot) {
			return mlserr.New("R-7.3-8", mlserr.ErrInvalidTree, "the LeafNode for leaf %d does not support credential type 0x%04x, used by the member at leaf %d", c.leaf, uint16(ot), i)
		}
	}
	return nil
}

// checkOwn runs the checks of Section 7.3 that need no other member.
func (c *leafCheck) checkOwn(ln *LeafNode) error {
	p := c.p
	// [R-7.3-4]
	if err := p.validator().Validate(&ln.Credential, ln.SignatureKey); err != nil {
		return mlserr.Wrap("R-7.3-4", mlserr.ErrInvalidCredential, err, "credential of the LeafNode for leaf %d is not valid", c.leaf)
	}
	// [R-7.3-4]
	if c.replaced != nil {
		if err := p.validator().ValidateSuccessor(&c.replaced.Credential, &ln.Credential); err != nil {
			return mlserr.Wrap("R-7.3-4", mlserr.ErrInvalidCredential, err, "credential of the LeafNode for leaf %d may not replace the member's previous one", c.leaf)
		}
	}
	// [R-5.1.2-1] an x509 credential's key is one of the suite's
	// signature scheme (a basic credential names no algorithm).
	if err := checkCredentialScheme(&ln.Credential, p.Suite); err != nil {
		return mlserr.Wrap("R-5.1.2-1", mlserr.ErrInvalidCredential, err, "credential of the LeafNode for leaf %d", c.leaf)
	}
	if !c.verified {
		// [R-7.3-5]
		if err := ln.VerifySignature(p.Suite, p.GroupID, c.leaf); err != nil {
			return mlserr.Wrap("R-7.3-5", mlserr.ErrInvalidSignature, err, "signature of the LeafNode for leaf %d does not verify with its signature_key", c.leaf)
		}
	}
	caps := &ln.Capabilities
	// [R-7.3-6]
	if !contains(caps.Versions, MLS10) {
		return mlserr.New("R-7.3-6", mlserr.ErrInvalidTree, "the LeafNode for leaf %d does not list the group's protocol version mls10 in its capabilities", c.leaf)
	}
	// [R-7.3-6]
	if !contains(caps.CipherSuites, p.Suite.ID()) {
		return mlserr.New("R-7.3-6", mlserr.ErrInvalidTree, "the LeafNode for leaf %d does not list the group's cipher suite %v in its capabilities", c.leaf, p.Suite.ID())
	}
	for _, e := range p.Extensions {
		// [R-13.4-7]
		if !e.IsDefault() && !caps.SupportsExtension(e) {
			return mlserr.New("R-13.4-7", mlserr.ErrInvalidTree, "the LeafNode for leaf %d does not support the group's extension %v", c.leaf, e)
		}
	}
	if rc := p.RequiredCapabilities; rc != nil {
		for _, e := range rc.ExtensionTypes {
			// [R-7.3-7]
			if !e.IsDefault() && !caps.SupportsExtension(e) {
				return mlserr.New("R-7.3-7", mlserr.ErrInvalidTree, "the LeafNode for leaf %d does not list the required extension type %v", c.leaf, e)
			}
		}
		for _, pt := range rc.ProposalTypes {
			// [R-7.3-7]
			if !IsDefaultProposalType(pt) && !caps.SupportsProposal(pt) {
				return mlserr.New("R-7.3-7", mlserr.ErrInvalidTree, "the LeafNode for leaf %d does not list the required proposal type 0x%04x", c.leaf, uint16(pt))
			}
		}
		for _, ct := range rc.CredentialTypes {
			// [R-7.3-7]
			if !caps.SupportsCredential(ct) {
				return mlserr.New("R-7.3-7", mlserr.ErrInvalidTree, "the LeafNode for leaf %d does not list the required credential type 0x%04x", c.leaf, uint16(ct))
			}
		}
	}
	// [R-7.2-5]
	if !caps.SupportsCredential(ln.Credential.CredentialType) {
		return mlserr.New("R-7.2-5", mlserr.ErrInvalidTree, "the LeafNode for leaf %d does not list its own credential type 0x%04x in its capabilities", c.leaf, uint16(ln.Credential.CredentialType))
	}
	if err := c.checkLifetime(ln); err != nil {
		return err
	}
	for _, e := range ln.Extensions {
		// [R-7.3-12]
		if !e.ExtensionType.IsDefault() && !caps.SupportsExtension(e.ExtensionType) {
			return mlserr.New("R-7.3-12", mlserr.ErrInvalidTree, "the LeafNode for leaf %d carries extension %v without listing it in its capabilities", c.leaf, e.ExtensionType)
		}
	}
	return c.checkSource(ln)
}

// checkLifetime checks the lifetime of a key_package LeafNode (Sections
// 7.2 and 7.3); other LeafNodes have none.
func (c *leafCheck) checkLifetime(ln *LeafNode) error {
	if ln.LeafNodeSource != SourceKeyPackage {
		return nil
	}
	lt := ln.Lifetime
	// [R-7.3-9]
	if lt.NotAfter < lt.NotBefore {
		return mlserr.New("R-7.3-9", mlserr.ErrInvalidTree, "the LeafNode for leaf %d has a lifetime that ends (%d) before it starts (%d)", c.leaf, lt.NotAfter, lt.NotBefore)
	}
	// [R-7.2-7]
	if max, ok := c.p.maxLifetime(); ok && lt.NotAfter-lt.NotBefore > uint64(max/time.Second) {
		return mlserr.New("R-7.2-7", mlserr.ErrInvalidTree, "the LeafNode for leaf %d has a total lifetime of %d s, above the maximum of %d s", c.leaf, lt.NotAfter-lt.NotBefore, uint64(max/time.Second))
	}
	if c.p.SkipLifetime {
		return nil
	}
	if c.p.Now == nil {
		return mlserr.New("", mlserr.ErrInvalidInput, "no clock to check the lifetime of the LeafNode for leaf %d: set GroupParameters.Now, or SkipLifetime (RFC 9420, Section 7.3)", c.leaf)
	}
	now := c.p.Now().Unix()
	// Checked for leaves being sent and, by default, for leaves received
	// too; SkipLifetime opts out for received ones only.
	// [R-7.3-9] [R-7.3-10] [R-7.3-11]
	if now < 0 || uint64(now) < lt.NotBefore || uint64(now) > lt.NotAfter {
		return mlserr.New("R-7.3-9", mlserr.ErrInvalidTree, "the current time %d is outside the lifetime [%d, %d] of the LeafNode for leaf %d", now, lt.NotBefore, lt.NotAfter, c.leaf)
	}
	return nil
}

// checkSource checks leaf_node_source where the LeafNode appears
// (Section 7.3), and that an Update or a Commit's path brings a new
// encryption_key.
func (c *leafCheck) checkSource(ln *LeafNode) error {
	// [R-7.3-13]
	switch c.source {
	case 0:
	case SourceKeyPackage:
		// [R-7.3-14]
		if ln.LeafNodeSource != SourceKeyPackage {
			return mlserr.New("R-7.3-14", mlserr.ErrInvalidTree, "the LeafNode of a KeyPackage has leaf_node_source %v, want key_package", ln.LeafNodeSource)
		}
	case SourceUpdate:
		// [R-7.3-15]
		if ln.LeafNodeSource != SourceUpdate {
			return mlserr.New("R-7.3-15", mlserr.ErrInvalidTree, "the LeafNode of an Update for leaf %d has leaf_node_source %v, want update", c.leaf, ln.LeafNodeSource)
		}
		// [R-7.3-15]
		if c.replaced != nil && bytes.Equal(c.replaced.EncryptionKey, ln.EncryptionKey) {
			return mlserr.New("R-7.3-15", mlserr.ErrInvalidTree, "the LeafNode of an Update for leaf %d keeps the encryption_key of the leaf it replaces", c.leaf)
		}
	case SourceCommit:
		// [R-7.3-16]
		if ln.LeafNodeSource != SourceCommit {
			return mlserr.New("R-7.3-16", mlserr.ErrInvalidTree, "the LeafNode of an UpdatePath for leaf %d has leaf_node_source %v, want commit", c.leaf, ln.LeafNodeSource)
		}
		// [R-12.4.2-13]
		if c.replaced != nil && bytes.Equal(c.replaced.EncryptionKey, ln.EncryptionKey) {
			return mlserr.New("R-12.4.2-13", mlserr.ErrInvalidCommit, "the LeafNode of the UpdatePath for leaf %d keeps the committer's current encryption_key", c.leaf)
		}
	default:
		return mlserr.New("", mlserr.ErrInvalidInput, "unknown expected leaf_node_source %d (RFC 9420, Section 7.2)", uint8(c.source))
	}
	return nil
}

// checkCredentialScheme checks that the end-entity certificate of an x509
// credential carries a key of the suite's signature algorithm (RFC 9420,
// Section 5.1.2), which the suite's name ends with (Section 17.1). A
// certificate that does not parse is left to the Authentication Service.
func checkCredentialScheme(cred *credential.Credential, suite *ciphersuite.Suite) error {
	if cred.CredentialType != credential.X509 {
		return nil
	}
	alg, err := credential.X509KeyAlgorithm(cred)
	if err != nil {
		return nil
	}
	name := suite.String()
	want := name[strings.LastIndexByte(name, '_')+1:]
	// [R-5.1.2-1]
	if alg != want {
		return mlserr.New("R-5.1.2-1", mlserr.ErrInvalidCredential, "the certificate's key algorithm %q is not the suite's signature algorithm %s", alg, want)
	}
	return nil
}
