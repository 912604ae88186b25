package group

import (
	"bytes"
	"io"
	"slices"
	"time"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// KeyPackageParams are what a client chooses when it creates a KeyPackage
// (RFC 9420, Section 10).
type KeyPackageParams struct {
	// Credential is the client's credential, carried in the LeafNode.
	Credential credential.Credential
	// Capabilities lists what the client supports (Section 7.2). Nil
	// means mls10, the KeyPackage's cipher suite, the proposal types
	// registered in Proposals and the credential's type. Capabilities
	// may list nothing the client does not implement (Section 13.4):
	// versions other than mls10, suites ref/ciphersuite lacks, proposal
	// types not registered in Proposals, credential types Credentials
	// does not validate; GREASE values and extension types (every
	// non-default one is the application's) are not checked. They must
	// list every type registered in Proposals (Section 7.2).
	Capabilities *tree.Capabilities
	// Proposals are the application's own proposal types, the same
	// handlers as Config.Proposals (Section 13.1): the client supports
	// exactly these beyond the seven of RFC 9420.
	Proposals ProposalHandlers
	// Credentials is the client's Authentication Service, the same as
	// Config.Credentials; nil means credential.DefaultValidator. When it
	// implements credential.TypeLister, the client supports exactly the
	// credential types it lists.
	Credentials credential.Validator
	// Lifetime bounds the validity of the LeafNode (Section 7.2). The zero
	// value means from Now minus an hour to Now plus 90 days.
	Lifetime tree.Lifetime
	// Now is the clock used for a zero Lifetime; nil means time.Now.
	Now func() time.Time
	// LeafExtensions and Extensions are the extensions of the LeafNode and
	// of the KeyPackage. Every non-default type among them must be listed
	// in Capabilities (Section 10).
	LeafExtensions extension.List
	Extensions     extension.List
	// SignaturePriv is the client's signature private key. Nil means a
	// fresh key pair is drawn from the rand passed to NewKeyPackage.
	SignaturePriv []byte
	// NoGREASE turns off GREASE (Section 13.5). By default NewKeyPackage
	// adds a random selection of GREASE values, drawn from its rand, to
	// the capabilities and GREASE extensions to the LeafNode's and the
	// KeyPackage's extensions, as the RFC recommends.
	NoGREASE bool
}

// KeyPackagePrivate holds the private keys of a KeyPackage, which its
// creator keeps (RFC 9420, Section 10): the private key of init_key, used to
// open a Welcome, that of leaf_node.encryption_key, and the signature
// private key of leaf_node.signature_key.
type KeyPackagePrivate struct {
	InitPriv       []byte
	EncryptionPriv []byte
	SignaturePriv  []byte
}

// NewKeyPackage creates and signs a KeyPackage for suite (RFC 9420, Section
// 10): a fresh HPKE init key pair and a fresh leaf encryption key pair are
// drawn from rand, and the LeafNode has leaf_node_source key_package. It
// returns the KeyPackage and the private keys the caller keeps.
func NewKeyPackage(suite *ciphersuite.Suite, params *KeyPackageParams, rand io.Reader) (*KeyPackage, *KeyPackagePrivate, error) {
	if suite == nil || params == nil || rand == nil {
		return nil, nil, mlserr.New("", mlserr.ErrInvalidInput, "NewKeyPackage needs a suite, parameters and a source of randomness (RFC 9420, Section 10)")
	}
	// [R-13.5-3] [R-13.5-5]
	if extension.IsGREASE(uint16(params.Credential.CredentialType)) {
		return nil, nil, mlserr.New("R-13.5-5", mlserr.ErrInvalidInput, "GREASE value 0x%04x must not be sent as a credential_type", uint16(params.Credential.CredentialType))
	}
	priv := new(KeyPackagePrivate)
	var sigPub []byte
	var err error
	if params.SignaturePriv != nil {
		priv.SignaturePriv = bytes.Clone(params.SignaturePriv)
		if sigPub, err = suite.SignaturePublicKey(priv.SignaturePriv); err != nil {
			return nil, nil, err
		}
	} else if priv.SignaturePriv, sigPub, err = suite.GenerateSignatureKeyPair(rand); err != nil {
		return nil, nil, err
	}
	// [R-10-3] a fresh init key pair for every KeyPackage, so no two
	// KeyPackages of this client share an init_key.
	initPriv, initPub, err := suite.GenerateKeyPair(rand)
	if err != nil {
		return nil, nil, err
	}
	encPriv, encPub, err := suite.GenerateKeyPair(rand)
	if err != nil {
		return nil, nil, err
	}
	priv.InitPriv, priv.EncryptionPriv = initPriv, encPriv

	// [R-7.2-4] by default, every value the client supports.
	caps := params.implemented(suite)
	if params.Capabilities != nil {
		c := params.Capabilities
		caps = tree.Capabilities{
			Versions:     slices.Clone(c.Versions),
			CipherSuites: slices.Clone(c.CipherSuites),
			Extensions:   slices.Clone(c.Extensions),
			Proposals:    slices.Clone(c.Proposals),
			Credentials:  slices.Clone(c.Credentials),
		}
	}
	// Default proposal and extension types are implied, never listed.
	// [R-7.2-1] [R-7.2-2] [R-7.2-3]
	for _, pt := range caps.Proposals {
		if tree.IsDefaultProposalType(pt) {
			return nil, nil, mlserr.New("R-7.2-2", mlserr.ErrInvalidInput, "capabilities list the default proposal type 0x%04x, which must not be listed", uint16(pt))
		}
	}
	for _, et := range caps.Extensions {
		if et.IsDefault() {
			return nil, nil, mlserr.New("R-7.2-3", mlserr.ErrInvalidInput, "capabilities list the default extension type %v, which must not be listed", et)
		}
	}
	if err := params.checkSupported(&caps); err != nil {
		return nil, nil, err
	}
	lt := params.Lifetime
	if lt == (tree.Lifetime{}) {
		now := time.Now
		if params.Now != nil {
			now = params.Now
		}
		t := now()
		lt = tree.Lifetime{NotBefore: uint64(t.Add(-time.Hour).Unix()), NotAfter: uint64(t.Add(90 * 24 * time.Hour).Unix())}
	}
	leafExt := params.LeafExtensions.Clone()
	if leafExt == nil {
		leafExt = extension.List{}
	}
	kpExt := params.Extensions.Clone()
	if kpExt == nil {
		kpExt = extension.List{}
	}
	if !params.NoGREASE {
		// [R-13.5-1]
		if err := addGREASE(&caps, &leafExt, &kpExt, rand); err != nil {
			return nil, nil, err
		}
	}
	kp := &KeyPackage{
		Version:     MLS10,
		CipherSuite: suite.ID(),
		InitKey:     initPub,
		LeafNode: tree.LeafNode{
			EncryptionKey:  encPub,
			SignatureKey:   sigPub,
			Credential:     params.Credential,
			Capabilities:   caps,
			LeafNodeSource: tree.SourceKeyPackage,
			Lifetime:       lt,
			Extensions:     leafExt,
		},
		Extensions: kpExt,
	}
	if err := kp.checkExtensionsListed(); err != nil {
		return nil, nil, err
	}
	if err := kp.LeafNode.Sign(suite, priv.SignaturePriv, nil, 0); err != nil {
		return nil, nil, err
	}
	if err := kp.Sign(priv.SignaturePriv); err != nil {
		return nil, nil, err
	}
	return kp, priv, nil
}

// implemented returns the default capabilities (RFC 9420, Sections 7.2 and
// 13.4): mls10, the KeyPackage's cipher suite, the proposal types of
// p.Proposals and the credential's type. Which suites and credential types
// a client supports is its choice, bounded by what it implements (see
// checkSupported); a registered proposal type is always supported.
func (p *KeyPackageParams) implemented(suite *ciphersuite.Suite) tree.Capabilities {
	return tree.Capabilities{
		Versions:     []tree.ProtocolVersion{tree.MLS10},
		CipherSuites: []ciphersuite.ID{suite.ID()},
		Extensions:   []extension.ExtensionType{},
		Proposals:    p.customProposalTypes(),
		Credentials:  []credential.CredentialType{p.Credential.CredentialType},
	}
}

// customProposalTypes returns the proposal types registered in p.Proposals
// in ascending order (RFC 9420, Section 13.1).
func (p *KeyPackageParams) customProposalTypes() []tree.ProposalType {
	out := []tree.ProposalType{}
	for t := range p.Proposals {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// checkSupported checks that the client supports every value caps lists
// apart from GREASE values and extension types (RFC 9420, Section 13.4),
// and that caps lists every proposal type the client registered (Section
// 7.2).
func (p *KeyPackageParams) checkSupported(caps *tree.Capabilities) error {
	// [R-13.4-2] [R-13.4-1] a client supports all it advertises.
	for _, v := range caps.Versions {
		if v != tree.MLS10 {
			return mlserr.New("R-13.4-2", mlserr.ErrInvalidInput, "capabilities list protocol version %d, which this client does not implement", uint16(v))
		}
	}
	for _, id := range caps.CipherSuites {
		if extension.IsGREASE(uint16(id)) {
			continue
		}
		// [R-13.4-2]
		if _, err := ciphersuite.Lookup(id); err != nil {
			return mlserr.Wrap("R-13.4-2", mlserr.ErrInvalidInput, err, "capabilities list a cipher suite this client does not implement")
		}
	}
	for _, t := range caps.Proposals {
		if extension.IsGREASE(uint16(t)) || tree.IsDefaultProposalType(t) {
			continue
		}
		// [R-13.4-2]
		if _, ok := p.Proposals[t]; !ok {
			return mlserr.New("R-13.4-2", mlserr.ErrInvalidInput, "capabilities list proposal type 0x%04x, which this client has not registered (KeyPackageParams.Proposals)", uint16(t))
		}
	}
	if types, ok := credential.TypesOf(p.Credentials); ok {
		for _, t := range caps.Credentials {
			// [R-13.4-2]
			if !extension.IsGREASE(uint16(t)) && !slices.Contains(types, t) {
				return mlserr.New("R-13.4-2", mlserr.ErrInvalidInput, "capabilities list credential type 0x%04x, which this client's Authentication Service does not validate", uint16(t))
			}
		}
	}
	for _, t := range p.customProposalTypes() {
		// [R-7.2-4] every registered proposal type is listed.
		if !slices.Contains(caps.Proposals, t) {
			return mlserr.New("R-7.2-4", mlserr.ErrInvalidInput, "capabilities do not list proposal type 0x%04x, which this client registered", uint16(t))
		}
	}
	return nil
}

// checkExtensionsListed checks that every extension of kp and of its
// LeafNode whose type is not a default one is listed in the LeafNode's
// capabilities (RFC 9420, Sections 10 and 7.2).
func (kp *KeyPackage) checkExtensionsListed() error {
	for _, l := range []extension.List{kp.Extensions, kp.LeafNode.Extensions} {
		for _, e := range l {
			// [R-10-8]
			if !e.ExtensionType.IsDefault() && !kp.LeafNode.Capabilities.SupportsExtension(e.ExtensionType) {
				return mlserr.New("R-10-8", mlserr.ErrInvalidKeyPackage, "extension %v of the KeyPackage is not listed in its LeafNode's capabilities", e.ExtensionType)
			}
		}
	}
	return nil
}

// KeyPackageValidation is the context in which a KeyPackage is validated
// (RFC 9420, Section 10.1): the group it is to join.
type KeyPackageValidation struct {
	// Group holds the group's suite, group_id, required capabilities,
	// extension types, credential validator and clock (Section 7.3).
	Group tree.GroupParameters
	// Version is the protocol version of the GroupContext.
	Version ProtocolVersion
	// Tree is the group's ratchet tree, for the uniqueness of keys and the
	// support of credential types among members; nil skips those checks.
	Tree *tree.RatchetTree
	// LeafIndex is the leaf the new member would occupy.
	LeafIndex uint32
	// SignatureKeyMayRepeat leaves the uniqueness of the LeafNode's
	// signature_key among the members of Tree to a later check, for an Add
	// proposal received before its Commit, which may also remove that
	// member (Section 12.2); see tree.LeafValidationContext.
	SignatureKeyMayRepeat bool
}

// ValidateKeyPackage checks kp as RFC 9420, Section 10.1 requires of a
// KeyPackage that a member downloads or receives in an Add: cipher suite
// and version of the group, a valid LeafNode for a KeyPackage (Section 7.3),
// a valid signature, and an init_key different from the encryption_key.
// Unknown extensions of kp are ignored (Section 10).
func ValidateKeyPackage(kp *KeyPackage, v *KeyPackageValidation) error {
	if kp == nil || v == nil || v.Group.Suite == nil {
		return mlserr.New("", mlserr.ErrInvalidInput, "ValidateKeyPackage needs a KeyPackage and the group's parameters (RFC 9420, Section 10.1)")
	}
	// [R-10.1-3]
	if kp.CipherSuite != v.Group.Suite.ID() {
		return mlserr.New("R-10.1-3", mlserr.ErrInvalidKeyPackage, "the KeyPackage's cipher suite %v is not the group's %v", kp.CipherSuite, v.Group.Suite.ID())
	}
	// [R-10.1-3]
	if kp.Version != v.Version {
		return mlserr.New("R-10.1-3", mlserr.ErrInvalidKeyPackage, "the KeyPackage's version %d is not the group's %d", uint16(kp.Version), uint16(v.Version))
	}
	// [R-10-7]
	if kp.LeafNode.LeafNodeSource != tree.SourceKeyPackage {
		return mlserr.New("R-10-7", mlserr.ErrInvalidKeyPackage, "the KeyPackage's LeafNode has leaf_node_source %v, not key_package", kp.LeafNode.LeafNodeSource)
	}
	// [R-10.1-5]
	if err := kp.VerifySignature(); err != nil {
		return err
	}
	// [R-10.1-4] [R-10-4] [R-7.3-1]
	ctx := &tree.LeafValidationContext{
		GroupParameters:       v.Group,
		LeafIndex:             leafIndex(v.LeafIndex),
		Source:                tree.SourceKeyPackage,
		Tree:                  v.Tree,
		SignatureKeyMayRepeat: v.SignatureKeyMayRepeat,
	}
	if err := tree.ValidateLeafNode(&kp.LeafNode, ctx); err != nil {
		return mlserr.Wrap("R-10.1-4", mlserr.ErrInvalidKeyPackage, err, "the KeyPackage's LeafNode is not valid for a KeyPackage")
	}
	// [R-10-8] (unknown extensions and capability values are otherwise
	// ignored: [R-10-9] [R-13.4-1] [R-13.4-3])
	if err := kp.checkExtensionsListed(); err != nil {
		return err
	}
	// [R-10.1-6]
	if bytes.Equal(kp.LeafNode.EncryptionKey, kp.InitKey) {
		return mlserr.New("R-10.1-6", mlserr.ErrInvalidKeyPackage, "the KeyPackage's init_key equals its leaf_node.encryption_key")
	}
	return nil
}

func leafIndex(i uint32) treemath.LeafIndex { return treemath.LeafIndex(i) }
