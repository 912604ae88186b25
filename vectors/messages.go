package vectors

import (
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// messagesCase is one case of messages.json: one encoding of each message
// struct of RFC 9420. The three mls_* fields and the public and private
// messages are MLSMessages (Section 6); the others are the bare structs.
// The file has no cipher_suite field: each case uses one suite throughout.
type messagesCase struct {
	MLSWelcome                     HexBytes `json:"mls_welcome"`
	MLSGroupInfo                   HexBytes `json:"mls_group_info"`
	MLSKeyPackage                  HexBytes `json:"mls_key_package"`
	RatchetTree                    HexBytes `json:"ratchet_tree"`
	GroupSecrets                   HexBytes `json:"group_secrets"`
	AddProposal                    HexBytes `json:"add_proposal"`
	UpdateProposal                 HexBytes `json:"update_proposal"`
	RemoveProposal                 HexBytes `json:"remove_proposal"`
	PreSharedKeyProposal           HexBytes `json:"pre_shared_key_proposal"`
	ReInitProposal                 HexBytes `json:"re_init_proposal"`
	ExternalInitProposal           HexBytes `json:"external_init_proposal"`
	GroupContextExtensionsProposal HexBytes `json:"group_context_extensions_proposal"`
	Commit                         HexBytes `json:"commit"`
	PublicMessageApplication       HexBytes `json:"public_message_application"`
	PublicMessageProposal          HexBytes `json:"public_message_proposal"`
	PublicMessageCommit            HexBytes `json:"public_message_commit"`
	PrivateMessage                 HexBytes `json:"private_message"`
}

func init() {
	Register(&Kind{
		Name:     "messages",
		Files:    []string{"messages.json"},
		Verify:   verifyMessages,
		Generate: generateMessages,
		Suites:   nil,
	})
}

func verifyMessages(data []byte, rep *Report) error {
	cases, err := decodeCases[messagesCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkMessages(c, &tc) })
	}
	return nil
}

type wireStruct interface {
	codec.Marshaler
	codec.Unmarshaler
}

// roundTrip decodes b strictly into v and checks that v re-encodes to b.
func roundTrip(c *Checker, field string, b []byte, v wireStruct) bool {
	if !c.NoErr(field+": decode", codec.Decode(b, v)) {
		return false
	}
	c.Bytes(field+": re-encoded", codec.Encode(v), b)
	return !c.Failed()
}

// message decodes an MLSMessage field and checks its wire format and, for
// a PublicMessage, its content type.
func message(c *Checker, field string, b []byte, wf framing.WireFormat, ct framing.ContentType) *group.MLSMessage {
	m := new(group.MLSMessage)
	if !roundTrip(c, field, b, m) {
		return nil
	}
	if m.WireFormat != wf {
		c.Failf("%s: wire format %v, want %v", field, m.WireFormat, wf)
		return nil
	}
	if m.PublicMessage != nil && m.PublicMessage.Content.ContentType != ct {
		c.Failf("%s: content type %v, want %v", field, m.PublicMessage.Content.ContentType, ct)
	}
	return m
}

// checkMessages follows test-vectors.md: every field must decode with its
// struct and re-encode to the same bytes. Beyond syntax, it checks the
// signatures that the case carries the keys for: the KeyPackages of
// mls_key_package and add_proposal (RFC 9420, Section 10.1), the GroupInfo
// of mls_group_info against the signature key of its signer's leaf in
// ratchet_tree (Section 12.4.3), and the LeafNodes of ratchet_tree within
// the group that mls_group_info names (Section 7.3). The contents of the
// other structs are arbitrary by design of the vector and only their
// encoding can be checked.
func checkMessages(c *Checker, tc *messagesCase) {
	none := framing.ContentType(0)
	message(c, "mls_welcome", tc.MLSWelcome, framing.WireFormatWelcome, none)
	gim := message(c, "mls_group_info", tc.MLSGroupInfo, framing.WireFormatGroupInfo, none)
	kpm := message(c, "mls_key_package", tc.MLSKeyPackage, framing.WireFormatKeyPackage, none)
	message(c, "public_message_application", tc.PublicMessageApplication, framing.WireFormatPublicMessage, framing.ContentTypeApplication)
	message(c, "public_message_proposal", tc.PublicMessageProposal, framing.WireFormatPublicMessage, framing.ContentTypeProposal)
	message(c, "public_message_commit", tc.PublicMessageCommit, framing.WireFormatPublicMessage, framing.ContentTypeCommit)
	message(c, "private_message", tc.PrivateMessage, framing.WireFormatPrivateMessage, none)

	var rt tree.RatchetTree
	treeOK := roundTrip(c, "ratchet_tree", tc.RatchetTree, &rt)
	var add group.Add
	addOK := roundTrip(c, "add_proposal", tc.AddProposal, &add)
	for _, f := range []struct {
		name string
		b    []byte
		v    wireStruct
	}{
		{"group_secrets", tc.GroupSecrets, new(group.GroupSecrets)},
		{"update_proposal", tc.UpdateProposal, new(group.Update)},
		{"remove_proposal", tc.RemoveProposal, new(group.Remove)},
		{"pre_shared_key_proposal", tc.PreSharedKeyProposal, new(group.PreSharedKey)},
		{"re_init_proposal", tc.ReInitProposal, new(group.ReInit)},
		{"external_init_proposal", tc.ExternalInitProposal, new(group.ExternalInit)},
		{"group_context_extensions_proposal", tc.GroupContextExtensionsProposal, new(group.GroupContextExtensions)},
		{"commit", tc.Commit, new(group.Commit)},
	} {
		roundTrip(c, f.name, f.b, f.v)
	}

	if kpm != nil {
		c.NoErr("mls_key_package: signature", kpm.KeyPackage.VerifySignature())
	}
	if addOK {
		c.NoErr("add_proposal: KeyPackage signature", add.KeyPackage.VerifySignature())
	}
	if gim == nil || !treeOK {
		return
	}
	gi := gim.GroupInfo
	s, err := ciphersuite.Lookup(gi.GroupContext.CipherSuite)
	if err != nil {
		c.Skip("mls_group_info: %v", err)
		return
	}
	if leaf := rt.Leaf(treemath.LeafIndex(gi.Signer)); leaf == nil {
		c.Failf("mls_group_info: signer %d is blank in ratchet_tree", gi.Signer)
	} else {
		c.NoErr("mls_group_info: signature with the key of leaf signer in ratchet_tree", gi.VerifySignature(s, leaf.SignatureKey))
	}
	for i := uint32(0); i < rt.NumLeaves(); i++ {
		if leaf := rt.Leaf(treemath.LeafIndex(i)); leaf != nil {
			if err := leaf.VerifySignature(s, gi.GroupContext.GroupID, treemath.LeafIndex(i)); err != nil {
				c.Failf("ratchet_tree: leaf %d: signature: %v", i, err)
			}
		}
	}
}

// generateMessages builds one case per cipher suite (the suite argument is
// ignored: the type has none). Each case comes from one small group in one
// suite: every key, signature, MAC and ciphertext is real, and the
// signatures that checkMessages verifies are valid. The structs are not a
// consistent sequence of epochs (the UpdatePath's parent hash, for one, is
// random), which the vector does not ask for.
func generateMessages(_ uint16, rand io.Reader) (any, error) {
	var out []messagesCase
	for _, id := range ciphersuite.All() {
		s, err := ciphersuite.Lookup(id)
		if err != nil {
			return nil, err
		}
		tc, err := generateMessagesCase(s, rand)
		if err != nil {
			return nil, err
		}
		out = append(out, *tc)
	}
	return out, nil
}

func generateMessagesCase(s *ciphersuite.Suite, rand io.Reader) (*messagesCase, error) {
	nh := s.Nh()
	pskNonce, err := randomBytes(rand, nh)
	if err != nil {
		return nil, err
	}
	pskID, err := randomBytes(rand, 8)
	if err != nil {
		return nil, err
	}
	pskSecret, err := randomBytes(rand, nh)
	if err != nil {
		return nil, err
	}
	psk := schedule.PSK{ID: schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: pskID, PSKNonce: pskNonce}, Secret: pskSecret}
	// The committer (alice, leaf 0) and bob (leaf 1), in the epoch a
	// Welcome to bob joins, with the PSK injected.
	g, err := newGenGroup(s, rand, []schedule.PSK{psk})
	if err != nil {
		return nil, err
	}
	alice, bob := g.committer, g.joiner
	carol, err := newGenClient(s, rand, "carol")
	if err != nil {
		return nil, err
	}
	gc := &g.context
	gcBytes := codec.Encode(gc)
	tc := new(messagesCase)

	// Welcome, GroupInfo, KeyPackage and GroupSecrets.
	pathSecret, err := randomBytes(rand, nh)
	if err != nil {
		return nil, err
	}
	gs := &group.GroupSecrets{JoinerSecret: g.joinerSecret, PathSecret: &group.PathSecret{PathSecret: pathSecret}, PSKs: []schedule.PreSharedKeyID{psk.ID}}
	wel, err := group.NewWelcome(s, g.joinerSecret, g.pskSecret, g.groupInfo, []group.NewMember{{KeyPackage: bob.kp, GroupSecrets: gs}}, rand)
	if err != nil {
		return nil, err
	}
	if tc.MLSWelcome, err = encodeMessage(wel); err != nil {
		return nil, err
	}
	if tc.MLSGroupInfo, err = encodeMessage(g.groupInfo); err != nil {
		return nil, err
	}
	if tc.MLSKeyPackage, err = encodeMessage(carol.kp); err != nil {
		return nil, err
	}
	tc.RatchetTree = codec.Encode(g.tree)
	tc.GroupSecrets = codec.Encode(gs)

	// The seven proposals.
	add := &group.Add{KeyPackage: *carol.kp}
	update := &group.Update{LeafNode: *bob.kp.LeafNode.Clone()}
	if _, update.LeafNode.EncryptionKey, err = s.GenerateKeyPair(rand); err != nil {
		return nil, err
	}
	update.LeafNode.LeafNodeSource = tree.SourceUpdate
	update.LeafNode.Lifetime = tree.Lifetime{}
	if err := update.LeafNode.Sign(s, bob.sigPriv, gc.GroupID, 1); err != nil {
		return nil, err
	}
	remove := &group.Remove{Removed: 1}
	pskProposal := &group.PreSharedKey{PSK: psk.ID}
	newGroupID, err := randomBytes(rand, 16)
	if err != nil {
		return nil, err
	}
	reinit := &group.ReInit{GroupID: newGroupID, Version: group.MLS10, CipherSuite: s.ID(), Extensions: extension.List{}}
	externalPub, err := schedule.ExternalPub(s, g.secrets.ExternalSecret)
	if err != nil {
		return nil, err
	}
	kemOutput, _, err := s.HPKEExportSender(externalPub, nil, []byte(ciphersuite.LabelExternalInitSecret), nh, rand)
	if err != nil {
		return nil, err
	}
	externalInit := &group.ExternalInit{KEMOutput: kemOutput}
	// external_senders: ExternalSender external_senders<V>, each
	// {SignaturePublicKey signature_key; Credential credential;}
	// (RFC 9420, Section 12.1.8.1).
	_, dsPub, err := s.GenerateSignatureKeyPair(rand)
	if err != nil {
		return nil, err
	}
	var senders codec.Writer
	senders.Vector(func(w *codec.Writer) {
		w.Opaque(dsPub)
		cred := credential.NewBasic([]byte("delivery service"))
		cred.MarshalMLS(w)
	})
	gce := &group.GroupContextExtensions{Extensions: extension.List{{ExtensionType: extension.ExternalSenders, ExtensionData: senders.Bytes()}}}
	tc.AddProposal = codec.Encode(add)
	tc.UpdateProposal = codec.Encode(update)
	tc.RemoveProposal = codec.Encode(remove)
	tc.PreSharedKeyProposal = codec.Encode(pskProposal)
	tc.ReInitProposal = codec.Encode(reinit)
	tc.ExternalInitProposal = codec.Encode(externalInit)
	tc.GroupContextExtensionsProposal = codec.Encode(gce)

	// bob proposes his Update in a PublicMessage.
	updateProposal, err := group.NewProposal(update)
	if err != nil {
		return nil, err
	}
	proposalContent := &framing.FramedContent{
		GroupID: gc.GroupID, Epoch: gc.Epoch, Sender: framing.MemberSender(1),
		AuthenticatedData: []byte{}, ContentType: framing.ContentTypeProposal, Proposal: codec.Encode(updateProposal),
	}
	proposalAC, err := framing.Sign(s, framing.WireFormatPublicMessage, proposalContent, gc, bob.sigPriv)
	if err != nil {
		return nil, err
	}
	proposalPM, err := framing.ProtectPublic(s, proposalAC, g.secrets.MembershipKey, gc)
	if err != nil {
		return nil, err
	}
	if tc.PublicMessageProposal, err = encodeMessage(proposalPM); err != nil {
		return nil, err
	}

	// alice commits carol's Add by value and bob's Update by reference,
	// with an UpdatePath whose path secret for the root's left child is
	// encrypted to bob.
	commit, err := generateCommit(s, rand, g, add, codec.Encode(proposalAC), gcBytes)
	if err != nil {
		return nil, err
	}
	tc.Commit = codec.Encode(commit)
	commitContent := &framing.FramedContent{
		GroupID: gc.GroupID, Epoch: gc.Epoch, Sender: framing.MemberSender(0),
		AuthenticatedData: []byte("commit"), ContentType: framing.ContentTypeCommit, Commit: tc.Commit,
	}
	commitAC, err := framing.Sign(s, framing.WireFormatPublicMessage, commitContent, gc, alice.sigPriv)
	if err != nil {
		return nil, err
	}
	nextHash, err := randomBytes(rand, nh)
	if err != nil {
		return nil, err
	}
	if err := commitAC.SetConfirmationTag(s, g.secrets.ConfirmationKey, nextHash); err != nil {
		return nil, err
	}
	commitPM, err := framing.ProtectPublic(s, commitAC, g.secrets.MembershipKey, gc)
	if err != nil {
		return nil, err
	}
	if tc.PublicMessageCommit, err = encodeMessage(commitPM); err != nil {
		return nil, err
	}

	// Application data from alice: as a PrivateMessage, and, because the
	// vector asks for one, as a PublicMessage. ref/framing refuses to
	// build the latter (RFC 9420, Section 6: application data is always
	// encrypted), so it is signed and tagged here from its parts.
	appContent := &framing.FramedContent{
		GroupID: gc.GroupID, Epoch: gc.Epoch, Sender: framing.MemberSender(0),
		AuthenticatedData: []byte{}, ContentType: framing.ContentTypeApplication, ApplicationData: []byte("hello, group"),
	}
	appPM, err := publicApplication(s, appContent, gc, alice.sigPriv, g.secrets.MembershipKey)
	if err != nil {
		return nil, err
	}
	if tc.PublicMessageApplication, err = encodeMessage(appPM); err != nil {
		return nil, err
	}
	appAC, err := framing.Sign(s, framing.WireFormatPrivateMessage, appContent, gc, alice.sigPriv)
	if err != nil {
		return nil, err
	}
	st, err := g.secrets.NewSecretTree(g.tree.NumLeaves(), schedule.DefaultLimits())
	if err != nil {
		return nil, err
	}
	privMsg, err := framing.ProtectPrivate(s, appAC, st, g.secrets.SenderDataSecret, 4, rand)
	if err != nil {
		return nil, err
	}
	if tc.PrivateMessage, err = encodeMessage(privMsg); err != nil {
		return nil, err
	}
	return tc, nil
}

// generateCommit builds alice's Commit: add by value, the proposal of
// proposalAC (an encoded AuthenticatedContent) by reference, and an
// UpdatePath with a new leaf and one node per level of the filtered
// direct path of leaf 0 once carol takes leaf 2 (RFC 9420, Sections 7.6
// and 12.4). The path secret of the first node is encrypted to bob, the
// root's to nobody (its copath node holds only the new member).
func generateCommit(s *ciphersuite.Suite, rand io.Reader, g *genGroup, add *group.Add, proposalAC, gcBytes []byte) (*group.Commit, error) {
	byValue, err := group.NewProposal(add)
	if err != nil {
		return nil, err
	}
	leaf := g.committer.kp.LeafNode.Clone()
	if _, leaf.EncryptionKey, err = s.GenerateKeyPair(rand); err != nil {
		return nil, err
	}
	leaf.LeafNodeSource = tree.SourceCommit
	leaf.Lifetime = tree.Lifetime{}
	if leaf.ParentHash, err = randomBytes(rand, s.Nh()); err != nil {
		return nil, err
	}
	if err := leaf.Sign(s, g.committer.sigPriv, g.context.GroupID, 0); err != nil {
		return nil, err
	}
	path := &tree.UpdatePath{LeafNode: *leaf}
	for i := range 2 {
		_, pub, err := s.GenerateKeyPair(rand)
		if err != nil {
			return nil, err
		}
		node := tree.UpdatePathNode{EncryptionKey: pub, EncryptedPathSecret: []tree.HPKECiphertext{}}
		if i == 0 {
			secret, err := randomBytes(rand, s.Nh())
			if err != nil {
				return nil, err
			}
			kemOutput, ct, err := s.EncryptWithLabel(g.joiner.encPub, ciphersuite.LabelUpdatePathNode, gcBytes, secret, rand)
			if err != nil {
				return nil, err
			}
			node.EncryptedPathSecret = append(node.EncryptedPathSecret, tree.HPKECiphertext{KEMOutput: kemOutput, Ciphertext: ct})
		}
		path.Nodes = append(path.Nodes, node)
	}
	return &group.Commit{
		Proposals: []group.ProposalOrRef{
			{Type: group.ProposalOrRefProposal, Proposal: byValue},
			{Type: group.ProposalOrRefReference, Reference: s.MakeProposalRef(proposalAC)},
		},
		Path: path,
	}, nil
}

// publicApplication signs content and adds the membership tag (RFC 9420,
// Sections 6.1 and 6.2) without the check that application data is never
// sent in a PublicMessage.
func publicApplication(s *ciphersuite.Suite, content *framing.FramedContent, gc *schedule.GroupContext, sigPriv, membershipKey []byte) (*framing.PublicMessage, error) {
	tbs := framing.FramedContentTBS{Version: framing.ProtocolVersionMLS10, WireFormat: framing.WireFormatPublicMessage, Content: *content, Context: gc}
	sig, err := s.SignWithLabel(sigPriv, ciphersuite.LabelFramedContentTBS, codec.Encode(&tbs))
	if err != nil {
		return nil, err
	}
	auth := framing.FramedContentAuthData{Signature: sig}
	tbm := framing.AuthenticatedContentTBM{ContentTBS: tbs, Auth: auth}
	return &framing.PublicMessage{Content: *content, Auth: auth, MembershipTag: s.MAC(membershipKey, codec.Encode(&tbm))}, nil
}
