package group

import (
	"bytes"
	"io"
	"time"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// Config holds what a client brings to a group besides its keys (RFC 9420,
// Sections 5.3.1, 7.3 and 15.3): randomness, a clock, the application's
// credential validation, and the limits that protect a receiver. It is not
// part of the serialized state.
type Config struct {
	// Rand is the source of every random value; it must be set.
	Rand io.Reader
	// Now is the clock against which KeyPackage lifetimes are judged
	// (Section 7.3); nil means time.Now.
	Now func() time.Time
	// Credentials is the Authentication Service (Section 5.3.1); nil means
	// credential.DefaultValidator.
	Credentials credential.Validator
	// Limits bound out-of-order delivery within an epoch (Section 15.3);
	// the zero value means schedule.DefaultLimits.
	Limits schedule.Limits
	// SkipLifetime skips the lifetime check of received KeyPackage
	// LeafNodes, which Section 7.3 only recommends; test vectors with
	// expired KeyPackages need it.
	SkipLifetime bool
	// MaxLifetime is the longest total lifetime of a KeyPackage LeafNode
	// the application accepts (Section 7.2); zero means
	// tree.DefaultMaxLifetime, a negative value no limit.
	MaxLifetime time.Duration
	// PSKs is the application's store of pre-shared keys (Section 8.4):
	// external PSKs, and resumption PSKs of other groups or of epochs this
	// group no longer keeps. Nil means none.
	PSKs PSKLookup
	// MaxPastEpochs bounds how many past epochs' secret trees the group
	// keeps to decrypt late application messages (Sections 9.2 and
	// 15.3); zero means DefaultMaxPastEpochs, a negative value none.
	MaxPastEpochs int
	// ResumptionPSKEpochs bounds how many past epochs' resumption_psk the
	// group keeps (Section 8.6); zero means DefaultResumptionPSKEpochs, a
	// negative value none.
	ResumptionPSKEpochs int
	// Proposals registers the application's own proposal types (Sections
	// 13.1 and 13.2). A proposal of any other type beyond the seven of
	// RFC 9420 is rejected as unsupported.
	Proposals ProposalHandlers
	// CipherSuitePreference is the creator's ranking of cipher suites,
	// most preferred first (Section 11). When set, the first Commit of a
	// group this client created (epoch 0) refuses to add members if a
	// suite the creator prefers to the group's is supported by the
	// creator and all of them, or if the group's suite is not in the
	// list: see CheckBestOption. Nil skips that downgrade check.
	CipherSuitePreference []ciphersuite.ID
	// MaxEpochBlocks bounds the AEAD blocks of 16 octets, plus one per
	// message, that this member encrypts in the PrivateMessages of one
	// epoch (Section 15.2); zero means DefaultMaxEpochBlocks.
	MaxEpochBlocks uint64
	// MemberOf reports whether this client is already a member of a group
	// with the given group_id (Section 12.4.3): a Welcome into such a
	// group is refused. Nil means no other group.
	MemberOf func(groupID []byte) bool
}

func (c *Config) limits() schedule.Limits {
	if c.Limits == (schedule.Limits{}) {
		return schedule.DefaultLimits()
	}
	return c.Limits
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// pendingProposal is a proposal received or sent in the current epoch,
// waiting to be committed by reference (RFC 9420, Sections 12.4 and 14).
type pendingProposal struct {
	ref      []byte
	sender   framing.Sender
	proposal *Proposal
	// leafPriv is the encryption private key of this member's own Update,
	// kept until a Commit that includes it (Section 12.1.2).
	leafPriv []byte
}

// Group is one member's state of a group in one epoch (RFC 9420, Sections
// 8, 9 and 11): the GroupContext, the ratchet tree and the member's private
// view of it, the epoch's secrets and secret tree, the interim transcript
// hash and the proposals received in the epoch.
//
// Every operation that changes the state is staged on a copy: it either
// succeeds and the Group moves on, or fails and the Group is left as it was,
// its MarshalBinary encoding byte for byte the same.
type Group struct {
	cfg        Config
	suite      *ciphersuite.Suite
	ctx        *schedule.GroupContext
	tree       *tree.RatchetTree
	priv       *tree.PrivateState
	sigPriv    []byte
	secrets    *schedule.EpochSecrets
	secretTree *schedule.SecretTree
	interim    []byte
	pending    []pendingProposal
	// past holds what is kept of the most recent past epochs for late
	// application messages (Section 15.3), oldest first.
	past []pastEpoch
	// resumption holds the resumption_psk of past epochs (Section 8.6),
	// see psk.go.
	resumption resumptionPSKs
	// removed is set once a Commit removed this member (Section 12.1.3):
	// the group can no longer be used.
	removed bool
	// reinit is the ReInit a Commit of the group covered (Sections 11.2
	// and 12.4.2): the group is closed, see reinit.go.
	reinit *ReInit
	// initPSK is the resumption PSK of an older group with usage reinit
	// or branch that the first Commit of a new group injects (Sections
	// 11.2 and 11.3), set only while startSuccessor creates it.
	initPSK *schedule.PSK
	// sentBlocks counts the AEAD blocks this member encrypted in the
	// PrivateMessages of the epoch (Section 15.2), see aead_limit.go.
	sentBlocks uint64
	// deleted is set once Delete erased the state (Section 12.4.2).
	deleted bool
}

// NewGroup creates a one-member group (RFC 9420, Section 11) whose creator
// is the owner of kp: its LeafNode becomes the only leaf, and priv holds the
// matching encryption and signature private keys (the init key is not
// used). extensions become the GroupContext's extensions; each must be
// supported by the creator's LeafNode (Section 13.4).
func NewGroup(groupID []byte, kp *KeyPackage, priv *KeyPackagePrivate, extensions extension.List, cfg Config) (*Group, error) {
	if kp == nil || priv == nil || cfg.Rand == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "NewGroup needs a KeyPackage, its private keys and Config.Rand (RFC 9420, Section 11)")
	}
	suite, err := kp.Suite()
	if err != nil {
		return nil, err
	}
	if extensions == nil {
		extensions = extension.List{}
	}
	if err := extensions.Validate(); err != nil {
		return nil, err
	}
	if err := checkExternalSendersExtension(extensions); err != nil {
		return nil, err
	}
	// [R-13.5-3] [R-13.5-6]
	if err := checkNoGREASEExtensions(extensions, "R-13.5-6"); err != nil {
		return nil, err
	}
	// [R-11-5] [R-11-6]
	leaf := kp.LeafNode.Clone()
	t := tree.NewRatchetTree(leaf)
	treeHash, err := t.RootTreeHash(suite)
	if err != nil {
		return nil, err
	}
	ctx := &schedule.GroupContext{
		Version:                 MLS10,
		CipherSuite:             suite.ID(),
		GroupID:                 bytes.Clone(groupID),
		Epoch:                   0,
		TreeHash:                treeHash,
		ConfirmedTranscriptHash: []byte{},
		Extensions:              extensions.Clone(),
	}
	g := &Group{cfg: cfg, suite: suite, ctx: ctx, tree: t, sigPriv: bytes.Clone(priv.SignaturePriv), pending: nil}
	// The creator's own LeafNode must satisfy the group's parameters.
	if err := tree.ValidateLeafNode(leaf, &tree.LeafValidationContext{GroupParameters: *g.params(), LeafIndex: 0, Tree: t}); err != nil {
		return nil, err
	}
	if g.priv, err = tree.NewPrivateState(suite, 0, priv.EncryptionPriv); err != nil {
		return nil, err
	}
	epochSecret := make([]byte, suite.Nh())
	if _, err := io.ReadFull(cfg.Rand, epochSecret); err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot draw the first epoch_secret (RFC 9420, Section 11)")
	}
	es, err := schedule.NewEpochSecret(suite, epochSecret)
	clear(epochSecret)
	if err != nil {
		return nil, err
	}
	if g.secrets, err = es.Derive(); err != nil {
		return nil, err
	}
	// [R-11-7]
	tag := g.secrets.ConfirmationTag(ctx.ConfirmedTranscriptHash)
	if g.interim, err = schedule.InterimTranscriptHash(suite, ctx.ConfirmedTranscriptHash, tag); err != nil {
		return nil, err
	}
	if g.secretTree, err = g.secrets.NewSecretTree(t.NumLeaves(), cfg.limits()); err != nil {
		return nil, err
	}
	return g, nil
}

// params returns the group's parameters against which LeafNodes are
// validated (RFC 9420, Sections 7.3, 11.1 and 13.4).
func (g *Group) params() *tree.GroupParameters {
	return groupParams(g.suite, g.ctx, &g.cfg)
}

func groupParams(suite *ciphersuite.Suite, ctx *schedule.GroupContext, cfg *Config) *tree.GroupParameters {
	p := &tree.GroupParameters{
		Suite:        suite,
		GroupID:      ctx.GroupID,
		Extensions:   ctx.Extensions.Types(),
		Credentials:  cfg.Credentials,
		Now:          cfg.now,
		SkipLifetime: cfg.SkipLifetime,
		MaxLifetime:  cfg.MaxLifetime,
	}
	if e, ok := ctx.Extensions.Find(extension.RequiredCapabilities); ok {
		rc := new(tree.RequiredCapabilities)
		if codec.Decode(e.ExtensionData, rc) == nil {
			p.RequiredCapabilities = rc
		}
	}
	return p
}

// sendParams returns a copy of p for checking what this member sends
// (RFC 9420, Sections 7.3 and 10.1): the KeyPackages it adds, by value or
// in a proposal, and its own LeafNodes. Config.SkipLifetime is for what
// the member receives; lifetimes of what it sends are always checked.
func sendParams(p *tree.GroupParameters) *tree.GroupParameters {
	q := *p
	// [R-7.3-10]
	q.SkipLifetime = false
	return &q
}

// clone returns a deep copy of g on which a transition is staged.
func (g *Group) clone() *Group {
	c := g.cloneSharingTree()
	c.tree = g.tree.Fork()
	return c
}

// cloneSharingTree is clone but for the ratchet tree, which the copy
// shares with g: for a transition that replaces the tree rather than
// changing it in place, copying it would cost O(n) for nothing.
func (g *Group) cloneSharingTree() *Group {
	c := *g
	c.ctx = g.ctx.Clone()
	c.priv = g.priv.Clone()
	c.sigPriv = bytes.Clone(g.sigPriv)
	c.secrets = g.secrets.Clone()
	c.secretTree = g.secretTree.Clone()
	c.interim = bytes.Clone(g.interim)
	c.resumption = g.resumption.clone()
	c.past = nil
	for i := range g.past {
		c.past = append(c.past, g.past[i].clone())
	}
	c.pending = make([]pendingProposal, len(g.pending))
	for i, p := range g.pending {
		c.pending[i] = pendingProposal{ref: bytes.Clone(p.ref), sender: p.sender, proposal: p.proposal, leafPriv: bytes.Clone(p.leafPriv)}
	}
	return &c
}

// Suite returns the group's cipher suite (RFC 9420, Section 5.1).
func (g *Group) Suite() *ciphersuite.Suite { return g.suite }

// GroupContext returns a copy of the GroupContext of the current epoch (RFC
// 9420, Section 8.1).
func (g *Group) GroupContext() *schedule.GroupContext { return g.ctx.Clone() }

// Epoch returns the current epoch (RFC 9420, Section 8.1).
func (g *Group) Epoch() uint64 { return g.ctx.Epoch }

// LeafIndex returns this member's leaf index (RFC 9420, Section 4).
func (g *Group) LeafIndex() uint32 { return uint32(g.priv.Leaf()) }

// Tree returns a copy of the ratchet tree (RFC 9420, Section 7).
func (g *Group) Tree() *tree.RatchetTree { return g.tree.Clone() }

// PendingProposalRefs returns the ProposalRefs of the proposals pending in
// the current epoch, received or sent by this member, in the order
// received (RFC 9420, Sections 5.2 and 12.4): those a Commit of this member
// would consider, covering them or reporting them in PendingCommit.LeftOut.
func (g *Group) PendingProposalRefs() [][]byte {
	out := make([][]byte, len(g.pending))
	for i := range g.pending {
		out[i] = bytes.Clone(g.pending[i].ref)
	}
	return out
}

// TreeHash returns the tree hash of the current epoch (RFC 9420, Section
// 7.8).
func (g *Group) TreeHash() []byte { return bytes.Clone(g.ctx.TreeHash) }

// EpochAuthenticator returns the epoch_authenticator of the current epoch
// (RFC 9420, Section 8.7).
func (g *Group) EpochAuthenticator() []byte { return bytes.Clone(g.secrets.EpochAuthenticator) }

// Exporter derives an exported secret of the current epoch (RFC 9420,
// Section 8.5).
func (g *Group) Exporter(label string, context []byte, length int) ([]byte, error) {
	if g.deleted {
		return nil, errDeleted()
	}
	return g.secrets.Exporter(label, context, length)
}

// Members returns the leaf indices of the non-blank leaves (RFC 9420,
// Section 7.1).
func (g *Group) Members() []uint32 {
	var out []uint32
	for i := uint32(0); i < g.tree.NumLeaves(); i++ {
		if g.tree.Leaf(treemath.LeafIndex(i)) != nil {
			out = append(out, i)
		}
	}
	return out
}

// Active reports whether this client is still a member (RFC 9420, Section
// 12.1.3): false once a Commit removed it.
func (g *Group) Active() bool { return !g.removed }
