package group

import (
	"io"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// client is a test client: its keys and a signed KeyPackage.
type client struct {
	sigPriv, sigPub   []byte
	encPriv, encPub   []byte
	initPriv, initPub []byte
	kp                *KeyPackage
}

func mustSuite(t testing.TB, id ciphersuite.ID) *ciphersuite.Suite {
	t.Helper()
	s, err := ciphersuite.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randBytes(t testing.TB, rand io.Reader, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(rand, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// newClient builds a client with a KeyPackage signed over real keys.
func newClient(t testing.TB, s *ciphersuite.Suite, rand io.Reader, identity string) *client {
	t.Helper()
	c := new(client)
	var err error
	if c.sigPriv, c.sigPub, err = s.GenerateSignatureKeyPair(rand); err != nil {
		t.Fatal(err)
	}
	if c.encPriv, c.encPub, err = s.GenerateKeyPair(rand); err != nil {
		t.Fatal(err)
	}
	if c.initPriv, c.initPub, err = s.GenerateKeyPair(rand); err != nil {
		t.Fatal(err)
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
		Lifetime:       tree.Lifetime{NotBefore: 1, NotAfter: 1 << 40},
		Extensions:     extension.List{},
	}
	if err := leaf.Sign(s, c.sigPriv, nil, 0); err != nil {
		t.Fatal(err)
	}
	c.kp = &KeyPackage{
		Version:     MLS10,
		CipherSuite: s.ID(),
		InitKey:     c.initPub,
		LeafNode:    leaf,
		Extensions:  extension.List{{ExtensionType: 0x0A0A, ExtensionData: []byte("grease")}},
	}
	if err := c.kp.Sign(c.sigPriv); err != nil {
		t.Fatal(err)
	}
	return c
}

// welcomeFixture is a group of one member (the committer, leaf 0) whose
// Welcome adds joiner (after a decoy entry for another client).
type welcomeFixture struct {
	suite     *ciphersuite.Suite
	committer *client
	joiner    *client
	decoy     *client
	tree      *tree.RatchetTree
	gi        *GroupInfo
	gs        *GroupSecrets
	psks      []schedule.PSK
	welcome   *Welcome
}

func newWelcomeFixture(t testing.TB, id ciphersuite.ID, seed string, psks []schedule.PSK) *welcomeFixture {
	t.Helper()
	s := mustSuite(t, id)
	rand := seeded.New(seed)
	f := &welcomeFixture{suite: s, psks: psks}
	f.committer = newClient(t, s, rand, "committer")
	f.joiner = newClient(t, s, rand, "joiner")
	f.decoy = newClient(t, s, rand, "decoy")
	f.tree = tree.NewRatchetTree(&f.committer.kp.LeafNode)

	gc := schedule.GroupContext{
		Version:                 MLS10,
		CipherSuite:             s.ID(),
		GroupID:                 randBytes(t, rand, 16),
		Epoch:                   1,
		TreeHash:                randBytes(t, rand, s.Nh()),
		ConfirmedTranscriptHash: randBytes(t, rand, s.Nh()),
		Extensions:              extension.List{},
	}
	joiner := randBytes(t, rand, s.Nh())
	pskSecret, err := schedule.PSKSecret(s, psks)
	if err != nil {
		t.Fatal(err)
	}
	js, err := schedule.NewJoinerSecret(s, joiner)
	if err != nil {
		t.Fatal(err)
	}
	es, err := js.EpochSecret(pskSecret, &gc)
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := es.Derive()
	if err != nil {
		t.Fatal(err)
	}
	treeBytes, err := marshal(f.tree)
	if err != nil {
		t.Fatal(err)
	}
	f.gi = &GroupInfo{
		GroupContext:    gc,
		Extensions:      extension.List{{ExtensionType: extension.RatchetTree, ExtensionData: treeBytes}},
		ConfirmationTag: secrets.ConfirmationTag(gc.ConfirmedTranscriptHash),
		Signer:          0,
	}
	if err := f.gi.Sign(s, f.committer.sigPriv); err != nil {
		t.Fatal(err)
	}
	ids := []schedule.PreSharedKeyID{}
	for _, p := range psks {
		ids = append(ids, p.ID)
	}
	f.gs = &GroupSecrets{JoinerSecret: joiner, PathSecret: &PathSecret{PathSecret: randBytes(t, rand, s.Nh())}, PSKs: ids}
	decoyGS := &GroupSecrets{JoinerSecret: joiner, PSKs: ids}
	f.welcome, err = NewWelcome(s, joiner, pskSecret, f.gi, []NewMember{
		{KeyPackage: f.decoy.kp, GroupSecrets: decoyGS},
		{KeyPackage: f.joiner.kp, GroupSecrets: f.gs},
	}, rand)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// lookup returns a PSKLookup over f.psks.
func (f *welcomeFixture) lookup() PSKLookup {
	return func(id *schedule.PreSharedKeyID) ([]byte, bool) {
		for _, p := range f.psks {
			if string(codecBytes(&p.ID)) == string(codecBytes(id)) {
				return p.Secret, true
			}
		}
		return nil, false
	}
}

func codecBytes(id *schedule.PreSharedKeyID) []byte {
	b, _ := marshal(id)
	return b
}
