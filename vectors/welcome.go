package vectors

import (
	"fmt"
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

// welcomeCase is one case of welcome.json: a Welcome for the client that
// holds key_package and init_priv, whose GroupInfo is signed by signer_pub
// (RFC 9420, Section 12.4.3.1).
type welcomeCase struct {
	CipherSuite uint16   `json:"cipher_suite"`
	InitPriv    HexBytes `json:"init_priv"`
	KeyPackage  HexBytes `json:"key_package"` // MLSMessage(KeyPackage)
	SignerPub   HexBytes `json:"signer_pub"`
	Welcome     HexBytes `json:"welcome"` // MLSMessage(Welcome)
}

func init() {
	var all []uint16
	for _, id := range ciphersuite.All() {
		all = append(all, uint16(id))
	}
	Register(&Kind{
		Name:     "welcome",
		Files:    []string{"welcome.json"},
		Verify:   verifyWelcome,
		Generate: generateWelcome,
		Suites:   all,
	})
}

func verifyWelcome(data []byte, rep *Report) error {
	cases, err := decodeCases[welcomeCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkWelcome(c, &tc) })
	}
	return nil
}

// decodeMessage decodes b as an MLSMessage of wire format wf.
func decodeMessage(c *Checker, field string, b []byte, wf framing.WireFormat) *group.MLSMessage {
	m, err := group.DecodeMLSMessage(b)
	if !c.NoErr(field+": decode as MLSMessage", err) {
		return nil
	}
	if m.WireFormat != wf {
		c.Failf("%s: wire format %v, want %v", field, m.WireFormat, wf)
		return nil
	}
	return m
}

// checkWelcome follows test-vectors.md: it finds the entry of the Welcome
// for key_package, decrypts the GroupSecrets with init_priv and the
// GroupInfo with the welcome key, verifies the GroupInfo's signature with
// signer_pub, and verifies its confirmation_tag with the confirmation_key
// of the key schedule run from the joiner_secret with no PSKs. It also
// checks that init_priv is the private key of the KeyPackage's init_key,
// that the KeyPackage's signature is valid, and that the suites agree.
func checkWelcome(c *Checker, tc *welcomeCase) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("%v", err)
		return
	}
	kpm := decodeMessage(c, "key_package", tc.KeyPackage, framing.WireFormatKeyPackage)
	wm := decodeMessage(c, "welcome", tc.Welcome, framing.WireFormatWelcome)
	if kpm == nil || wm == nil {
		return
	}
	kp, wel := kpm.KeyPackage, wm.Welcome
	Equal(c, "key_package.cipher_suite", uint16(kp.CipherSuite), tc.CipherSuite)
	Equal(c, "welcome.cipher_suite", uint16(wel.CipherSuite), tc.CipherSuite)
	c.NoErr("key_package: signature", kp.VerifySignature())
	if pub, err := s.HPKEPublicKey(tc.InitPriv); c.NoErr("init_priv: public key", err) {
		c.Bytes("key_package.init_key (from init_priv)", kp.InitKey, pub)
	}
	if c.Failed() {
		return
	}

	ow, err := group.OpenWelcome(wel, kp, tc.InitPriv, nil, group.SignerKey(tc.SignerPub))
	if !c.NoErr("open welcome (find entry, decrypt GroupSecrets and GroupInfo, verify signature with signer_pub)", err) {
		return
	}
	if _, err := ow.DeriveEpoch(); !c.NoErr("group_info.confirmation_tag", err) {
		return
	}
	// Where the GroupInfo carries the tree, its signer's key must be
	// signer_pub.
	t, err := ow.GroupInfo.RatchetTree()
	if !c.NoErr("group_info ratchet_tree extension", err) {
		return
	}
	if t != nil {
		leaf := t.Leaf(treemath.LeafIndex(ow.GroupInfo.Signer))
		if leaf == nil {
			c.Failf("group_info.signer %d is blank in the ratchet_tree extension", ow.GroupInfo.Signer)
		} else {
			c.Bytes("signature key of group_info.signer in ratchet_tree", leaf.SignatureKey, tc.SignerPub)
		}
	}
}

// genClient is a client of a generated vector: its keys and a KeyPackage
// signed with them.
type genClient struct {
	sigPriv, sigPub   []byte
	encPriv, encPub   []byte
	initPriv, initPub []byte
	kp                *group.KeyPackage
}

// newGenClient draws a client's keys from rand and builds and signs its
// KeyPackage (RFC 9420, Section 10) and LeafNode (Section 7.2), with a
// GREASE extension in the KeyPackage (Section 13.5).
func newGenClient(s *ciphersuite.Suite, rand io.Reader, identity string) (*genClient, error) {
	c := new(genClient)
	var err error
	if c.sigPriv, c.sigPub, err = s.GenerateSignatureKeyPair(rand); err != nil {
		return nil, err
	}
	if c.encPriv, c.encPub, err = s.GenerateKeyPair(rand); err != nil {
		return nil, err
	}
	if c.initPriv, c.initPub, err = s.GenerateKeyPair(rand); err != nil {
		return nil, err
	}
	leaf := tree.LeafNode{
		EncryptionKey: c.encPub,
		SignatureKey:  c.sigPub,
		Credential:    credential.NewBasic([]byte(identity)),
		Capabilities: tree.Capabilities{
			Versions:     []tree.ProtocolVersion{tree.MLS10},
			CipherSuites: []ciphersuite.ID{s.ID()},
			Extensions:   []extension.ExtensionType{},
			Proposals:    []tree.ProposalType{},
			Credentials:  []credential.CredentialType{credential.Basic},
		},
		LeafNodeSource: tree.SourceKeyPackage,
		Lifetime:       tree.Lifetime{NotBefore: 0, NotAfter: 1<<63 - 1},
		Extensions:     extension.List{},
	}
	if err := leaf.Sign(s, c.sigPriv, nil, 0); err != nil {
		return nil, err
	}
	c.kp = &group.KeyPackage{
		Version:     group.MLS10,
		CipherSuite: s.ID(),
		InitKey:     c.initPub,
		LeafNode:    leaf,
		Extensions:  extension.List{{ExtensionType: 0x3A3A, ExtensionData: []byte{}}},
	}
	if err := c.kp.Sign(c.sigPriv); err != nil {
		return nil, err
	}
	return c, nil
}

// randomBytes reads n bytes from rand.
func randomBytes(rand io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	return b, nil
}

// encodeMessage wraps body in an MLSMessage and encodes it (RFC 9420,
// Section 6).
func encodeMessage(body codec.Marshaler) ([]byte, error) {
	m, err := group.NewMLSMessage(body)
	if err != nil {
		return nil, err
	}
	return m.Marshal()
}

// genGroup is the group of a generated vector: committer at leaf 0 and
// the new member at leaf 1, in the epoch the Welcome joins.
type genGroup struct {
	committer, joiner *genClient
	tree              *tree.RatchetTree
	context           schedule.GroupContext
	joinerSecret      []byte
	pskSecret         []byte
	secrets           *schedule.EpochSecrets
	groupInfo         *group.GroupInfo
}

// newGenGroup builds a two-member group whose GroupInfo carries the
// ratchet tree and the external public key, is signed by leaf 0, and has
// the confirmation tag of the epoch derived from a fresh joiner_secret and
// psks (RFC 9420, Sections 8 and 12.4.3).
func newGenGroup(s *ciphersuite.Suite, rand io.Reader, psks []schedule.PSK) (*genGroup, error) {
	g := new(genGroup)
	var err error
	if g.committer, err = newGenClient(s, rand, "committer"); err != nil {
		return nil, err
	}
	if g.joiner, err = newGenClient(s, rand, "joiner"); err != nil {
		return nil, err
	}
	g.tree = tree.NewRatchetTree(g.committer.kp.LeafNode.Clone())
	if _, err := g.tree.AddLeaf(g.joiner.kp.LeafNode.Clone()); err != nil {
		return nil, err
	}
	treeHash, err := g.tree.RootTreeHash(s)
	if err != nil {
		return nil, err
	}
	gid, err := randomBytes(rand, 16)
	if err != nil {
		return nil, err
	}
	cth, err := randomBytes(rand, s.Nh())
	if err != nil {
		return nil, err
	}
	g.context = schedule.GroupContext{
		Version: group.MLS10, CipherSuite: s.ID(), GroupID: gid, Epoch: 1,
		TreeHash: treeHash, ConfirmedTranscriptHash: cth, Extensions: extension.List{},
	}
	if g.joinerSecret, err = randomBytes(rand, s.Nh()); err != nil {
		return nil, err
	}
	if g.pskSecret, err = schedule.PSKSecret(s, psks); err != nil {
		return nil, err
	}
	js, err := schedule.NewJoinerSecret(s, g.joinerSecret)
	if err != nil {
		return nil, err
	}
	es, err := js.EpochSecret(g.pskSecret, &g.context)
	if err != nil {
		return nil, err
	}
	if g.secrets, err = es.Derive(); err != nil {
		return nil, err
	}
	externalPub, err := schedule.ExternalPub(s, g.secrets.ExternalSecret)
	if err != nil {
		return nil, err
	}
	var w codec.Writer
	w.Opaque(externalPub) // ExternalPub { HPKEPublicKey external_pub; } (Section 12.4.3.2)
	treeBytes := codec.Encode(g.tree)
	g.groupInfo = &group.GroupInfo{
		GroupContext: g.context,
		Extensions: extension.List{
			{ExtensionType: extension.RatchetTree, ExtensionData: treeBytes},
			{ExtensionType: extension.ExternalPub, ExtensionData: w.Bytes()},
		},
		ConfirmationTag: g.secrets.ConfirmationTag(g.context.ConfirmedTranscriptHash),
		Signer:          0,
	}
	if err := g.groupInfo.Sign(s, g.committer.sigPriv); err != nil {
		return nil, err
	}
	return g, nil
}

// generateWelcome builds one case: a Welcome with an entry for a decoy
// KeyPackage first and then one for the joiner, whose GroupSecrets carry a
// path secret and no PSKs.
func generateWelcome(suite uint16, rand io.Reader) (any, error) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	g, err := newGenGroup(s, rand, nil)
	if err != nil {
		return nil, err
	}
	decoy, err := newGenClient(s, rand, "decoy")
	if err != nil {
		return nil, err
	}
	pathSecret, err := randomBytes(rand, s.Nh())
	if err != nil {
		return nil, err
	}
	gs := &group.GroupSecrets{JoinerSecret: g.joinerSecret, PathSecret: &group.PathSecret{PathSecret: pathSecret}, PSKs: []schedule.PreSharedKeyID{}}
	decoyGS := &group.GroupSecrets{JoinerSecret: g.joinerSecret, PSKs: []schedule.PreSharedKeyID{}}
	wel, err := group.NewWelcome(s, g.joinerSecret, g.pskSecret, g.groupInfo, []group.NewMember{
		{KeyPackage: decoy.kp, GroupSecrets: decoyGS},
		{KeyPackage: g.joiner.kp, GroupSecrets: gs},
	}, rand)
	if err != nil {
		return nil, err
	}
	tc := welcomeCase{CipherSuite: suite, InitPriv: g.joiner.initPriv, SignerPub: g.committer.sigPub}
	if tc.KeyPackage, err = encodeMessage(g.joiner.kp); err != nil {
		return nil, err
	}
	if tc.Welcome, err = encodeMessage(wel); err != nil {
		return nil, err
	}
	return []welcomeCase{tc}, nil
}
