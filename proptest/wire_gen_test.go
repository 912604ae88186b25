package proptest

import (
	"math/rand"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// wgen builds random wire structs of RFC 9420 from a gopter random
// source: every field drawn, every variant of every select reachable,
// vectors of 0 to 3 elements and opaque fields of 0 to 40 octets (some
// beyond 63, which need a two-octet length).
type wgen struct{ r *rand.Rand }

func (g wgen) n(max int) int { return g.r.Intn(max + 1) }

func (g wgen) bytes() []byte {
	n := g.n(40)
	if g.r.Intn(8) == 0 {
		n = 64 + g.n(100)
	}
	b := make([]byte, n)
	g.r.Read(b)
	return b
}

func (g wgen) u16() uint16 { return uint16(g.r.Uint32()) }
func (g wgen) u32() uint32 { return g.r.Uint32() }
func (g wgen) u64() uint64 { return g.r.Uint64() }

func (g wgen) suite() ciphersuite.ID {
	all := ciphersuite.All()
	return all[g.r.Intn(len(all))]
}

func (g wgen) extensions() extension.List {
	l := extension.List{}
	seen := map[extension.ExtensionType]bool{}
	for range g.n(3) {
		t := extension.ExtensionType(g.u16())
		if seen[t] {
			continue
		}
		seen[t] = true
		l = append(l, extension.Extension{ExtensionType: t, ExtensionData: g.bytes()})
	}
	return l
}

func (g wgen) credential() credential.Credential {
	switch g.r.Intn(3) {
	case 0:
		return credential.Credential{CredentialType: credential.Basic, Identity: g.bytes()}
	case 1:
		c := credential.Credential{CredentialType: credential.X509, Certificates: []credential.Certificate{}}
		for range g.n(3) {
			c.Certificates = append(c.Certificates, credential.Certificate{CertData: g.bytes()})
		}
		return c
	}
	return credential.Credential{CredentialType: credential.CredentialType(3 + g.r.Intn(0xfff0)), Data: g.bytes()}
}

func u16s[T ~uint16](g wgen) []T {
	out := []T{}
	for range g.n(3) {
		out = append(out, T(g.u16()))
	}
	return out
}

func (g wgen) leafNode() tree.LeafNode {
	l := tree.LeafNode{
		EncryptionKey: g.bytes(),
		SignatureKey:  g.bytes(),
		Credential:    g.credential(),
		Capabilities: tree.Capabilities{
			Versions:     u16s[tree.ProtocolVersion](g),
			CipherSuites: u16s[ciphersuite.ID](g),
			Extensions:   u16s[extension.ExtensionType](g),
			Proposals:    u16s[tree.ProposalType](g),
			Credentials:  u16s[credential.CredentialType](g),
		},
		LeafNodeSource: tree.LeafNodeSource(1 + g.r.Intn(3)),
		Extensions:     g.extensions(),
		Signature:      g.bytes(),
	}
	switch l.LeafNodeSource {
	case tree.SourceKeyPackage:
		l.Lifetime = tree.Lifetime{NotBefore: g.u64(), NotAfter: g.u64()}
	case tree.SourceCommit:
		l.ParentHash = g.bytes()
	}
	return l
}

func (g wgen) keyPackage() *group.KeyPackage {
	return &group.KeyPackage{Version: group.MLS10, CipherSuite: g.suite(), InitKey: g.bytes(), LeafNode: g.leafNode(), Extensions: g.extensions(), Signature: g.bytes()}
}

func (g wgen) pskID() schedule.PreSharedKeyID {
	if g.r.Intn(2) == 0 {
		return schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: g.bytes(), PSKNonce: g.bytes()}
	}
	return schedule.PreSharedKeyID{PSKType: schedule.PSKTypeResumption, Usage: schedule.ResumptionPSKUsage(1 + g.r.Intn(3)), PSKGroupID: g.bytes(), PSKEpoch: g.u64(), PSKNonce: g.bytes()}
}

// proposal draws a proposal of type kind, 1 to 7, or of any type for 0.
func (g wgen) proposal(kind int) *group.Proposal {
	if kind == 0 {
		kind = 1 + g.r.Intn(7)
	}
	var p *group.Proposal
	switch kind {
	case 1:
		p, _ = group.NewProposal(&group.Add{KeyPackage: *g.keyPackage()})
	case 2:
		p, _ = group.NewProposal(&group.Update{LeafNode: g.leafNode()})
	case 3:
		p, _ = group.NewProposal(&group.Remove{Removed: g.u32()})
	case 4:
		p, _ = group.NewProposal(&group.PreSharedKey{PSK: g.pskID()})
	case 5:
		p, _ = group.NewProposal(&group.ReInit{GroupID: g.bytes(), Version: group.MLS10, CipherSuite: g.suite(), Extensions: g.extensions()})
	case 6:
		p, _ = group.NewProposal(&group.ExternalInit{KEMOutput: g.bytes()})
	default:
		p, _ = group.NewProposal(&group.GroupContextExtensions{Extensions: g.extensions()})
	}
	return p
}

func (g wgen) hpkeCiphertext() tree.HPKECiphertext {
	return tree.HPKECiphertext{KEMOutput: g.bytes(), Ciphertext: g.bytes()}
}

func (g wgen) updatePath() *tree.UpdatePath {
	up := &tree.UpdatePath{LeafNode: g.leafNode(), Nodes: []tree.UpdatePathNode{}}
	for range g.n(3) {
		n := tree.UpdatePathNode{EncryptionKey: g.bytes(), EncryptedPathSecret: []tree.HPKECiphertext{}}
		for range g.n(3) {
			n.EncryptedPathSecret = append(n.EncryptedPathSecret, g.hpkeCiphertext())
		}
		up.Nodes = append(up.Nodes, n)
	}
	return up
}

func (g wgen) commit() *group.Commit {
	c := &group.Commit{Proposals: []group.ProposalOrRef{}}
	for range g.n(3) {
		if g.r.Intn(2) == 0 {
			c.Proposals = append(c.Proposals, group.ProposalOrRef{Type: group.ProposalOrRefProposal, Proposal: g.proposal(0)})
		} else {
			c.Proposals = append(c.Proposals, group.ProposalOrRef{Type: group.ProposalOrRefReference, Reference: g.bytes()})
		}
	}
	if g.r.Intn(2) == 0 {
		c.Path = g.updatePath()
	}
	return c
}

func (g wgen) groupContext() *schedule.GroupContext {
	return &schedule.GroupContext{Version: schedule.MLS10, CipherSuite: g.suite(), GroupID: g.bytes(), Epoch: g.u64(), TreeHash: g.bytes(), ConfirmedTranscriptHash: g.bytes(), Extensions: g.extensions()}
}

func (g wgen) sender() framing.Sender {
	switch t := framing.SenderType(1 + g.r.Intn(4)); t {
	case framing.SenderTypeMember:
		return framing.Sender{SenderType: t, LeafIndex: g.u32()}
	case framing.SenderTypeExternal:
		return framing.Sender{SenderType: t, SenderIndex: g.u32()}
	default:
		return framing.Sender{SenderType: t}
	}
}

// framedContent draws a FramedContent whose body is a valid encoding of
// its content type.
func (g wgen) framedContent() framing.FramedContent {
	fc := framing.FramedContent{GroupID: g.bytes(), Epoch: g.u64(), Sender: g.sender(), AuthenticatedData: g.bytes(), ContentType: framing.ContentType(1 + g.r.Intn(3))}
	switch fc.ContentType {
	case framing.ContentTypeApplication:
		fc.ApplicationData = g.bytes()
	case framing.ContentTypeProposal:
		fc.Proposal, _ = g.proposal(0).Marshal()
	case framing.ContentTypeCommit:
		fc.Commit, _ = g.commit().Marshal()
	}
	return fc
}

func (g wgen) publicMessage() *framing.PublicMessage {
	pm := &framing.PublicMessage{Content: g.framedContent(), Auth: framing.FramedContentAuthData{Signature: g.bytes()}}
	if pm.Content.ContentType == framing.ContentTypeCommit {
		pm.Auth.ConfirmationTag = g.bytes()
	}
	if pm.Content.Sender.SenderType == framing.SenderTypeMember {
		pm.MembershipTag = g.bytes()
	}
	return pm
}

func (g wgen) privateMessage() *framing.PrivateMessage {
	return &framing.PrivateMessage{GroupID: g.bytes(), Epoch: g.u64(), ContentType: framing.ContentType(1 + g.r.Intn(3)), AuthenticatedData: g.bytes(), EncryptedSenderData: g.bytes(), Ciphertext: g.bytes()}
}

func (g wgen) welcome() *group.Welcome {
	w := &group.Welcome{CipherSuite: g.suite(), Secrets: []group.EncryptedGroupSecrets{}, EncryptedGroupInfo: g.bytes()}
	for range g.n(3) {
		w.Secrets = append(w.Secrets, group.EncryptedGroupSecrets{NewMember: g.bytes(), EncryptedGroupSecrets: g.hpkeCiphertext()})
	}
	return w
}

func (g wgen) groupInfo() *group.GroupInfo {
	return &group.GroupInfo{GroupContext: *g.groupContext(), Extensions: g.extensions(), ConfirmationTag: g.bytes(), Signer: g.u32(), Signature: g.bytes()}
}

func (g wgen) groupSecrets() *group.GroupSecrets {
	gs := &group.GroupSecrets{JoinerSecret: g.bytes(), PSKs: []schedule.PreSharedKeyID{}}
	if g.r.Intn(2) == 0 {
		gs.PathSecret = &group.PathSecret{PathSecret: g.bytes()}
	}
	for range g.n(3) {
		gs.PSKs = append(gs.PSKs, g.pskID())
	}
	return gs
}

func (g wgen) mlsMessage() *group.MLSMessage {
	var m *group.MLSMessage
	switch g.r.Intn(5) {
	case 0:
		m, _ = group.NewMLSMessage(g.publicMessage())
	case 1:
		m, _ = group.NewMLSMessage(g.privateMessage())
	case 2:
		m, _ = group.NewMLSMessage(g.welcome())
	case 3:
		m, _ = group.NewMLSMessage(g.groupInfo())
	default:
		m, _ = group.NewMLSMessage(g.keyPackage())
	}
	return m
}

// ratchetTree draws a tree of 1 to 9 leaves whose last node is not blank,
// with leaf nodes at even positions and parent nodes at odd ones.
func (g wgen) ratchetTree() *tree.RatchetTree {
	leaves := 1 + g.n(8)
	first := g.leafNode()
	t := tree.NewRatchetTree(&first)
	for i := 1; i < leaves; i++ {
		ln := g.leafNode()
		if _, err := t.AddLeaf(&ln); err != nil {
			panic(err)
		}
	}
	for i := 1; i < leaves; i++ {
		if g.r.Intn(3) == 0 {
			t.Blank(treemath.LeafIndex(i).Node())
		}
	}
	for x := uint32(1); x < t.Width(); x += 2 {
		if g.r.Intn(2) == 0 {
			var um []treemath.LeafIndex
			for range g.n(2) {
				um = append(um, treemath.LeafIndex(g.r.Intn(leaves)))
			}
			_ = t.SetParent(treemath.NodeIndex(x), &tree.ParentNode{EncryptionKey: g.bytes(), ParentHash: g.bytes(), UnmergedLeaves: um})
		}
	}
	t.Truncate()
	return t
}
