package wire

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsref/mlsref/fuzz/internal/fixture"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
	"github.com/mlsref/mlsref/vectors"
)

// seed is one valid encoding of one kind.
type seed struct {
	kind string
	data []byte
}

// seedSet collects seeds, failing the test on a value that does not
// encode.
type seedSet struct {
	tb  testing.TB
	out []seed
}

func (s *seedSet) add(kind string, b []byte) { s.out = append(s.out, seed{kind, b}) }

func (s *seedSet) addValue(kind string, m codec.Marshaler) {
	b, err := encode(m)
	if err != nil {
		s.tb.Fatalf("seed %s: %v", kind, err)
	}
	s.add(kind, b)
}

// fixtureSeeds returns valid encodings of every kind, taken from the
// fixture's group (fuzz/internal/fixture) or, for the few structs it never
// sends, built by hand.
func fixtureSeeds(tb testing.TB, f *fixture.Fixture) []seed {
	s := &seedSet{tb: tb}
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	for _, m := range f.Messages {
		s.add("MLSMessage", m.Bytes)
		s.add("FramedMessage", m.Bytes)
		msg, err := group.DecodeMLSMessage(m.Bytes)
		must(err)
		if pm := msg.PublicMessage; pm != nil {
			s.addValue("PublicMessage", pm)
			s.addValue("FramedContent", &pm.Content)
			s.addValue("AuthenticatedContent", pm.AuthenticatedContent())
			s.addValue("Sender", &pm.Content.Sender)
			ct := pm.Content.ContentType
			s.addValue("PrivateMessageContent/"+ct.String(), &framing.PrivateMessageContent{
				ContentType: ct, ApplicationData: pm.Content.ApplicationData, Proposal: pm.Content.Proposal,
				Commit: pm.Content.Commit, Auth: pm.Auth, Padding: 5,
			})
			s.addValue("PrivateContentAAD", &framing.PrivateContentAAD{GroupID: pm.Content.GroupID, Epoch: pm.Content.Epoch, ContentType: ct, AuthenticatedData: pm.Content.AuthenticatedData})
			switch ct {
			case framing.ContentTypeProposal:
				s.add("Proposal", pm.Content.Proposal)
				p, err := group.DecodeProposal(pm.Content.Proposal)
				must(err)
				if p.Update != nil {
					s.addValue("Update", p.Update)
					s.addValue("LeafNode", &p.Update.LeafNode)
				}
			case framing.ContentTypeCommit:
				commitSeeds(s, pm.Content.Commit, must)
			}
		}
		if pm := msg.PrivateMessage; pm != nil {
			s.addValue("PrivateMessage", pm)
			s.addValue("SenderDataAAD", &framing.SenderDataAAD{GroupID: pm.GroupID, Epoch: pm.Epoch, ContentType: pm.ContentType})
			s.addValue("PrivateContentAAD", &framing.PrivateContentAAD{GroupID: pm.GroupID, Epoch: pm.Epoch, ContentType: pm.ContentType, AuthenticatedData: pm.AuthenticatedData})
		}
	}
	s.addValue("Sender", &framing.Sender{SenderType: framing.SenderTypeExternal, SenderIndex: 3})
	s.addValue("Sender", &framing.Sender{SenderType: framing.SenderTypeNewMemberProposal})
	s.addValue("SenderData", &framing.SenderData{LeafIndex: 1, Generation: 7, ReuseGuard: [4]byte{1, 2, 3, 4}})
	s.addValue("PrivateMessageContent/application", &framing.PrivateMessageContent{ContentType: framing.ContentTypeApplication, ApplicationData: []byte("hi"), Auth: framing.FramedContentAuthData{Signature: []byte{1, 2}}})

	wel, err := group.DecodeWelcome(f.Welcome)
	must(err)
	s.add("Welcome", f.Welcome)
	for i := range wel.Secrets {
		s.addValue("EncryptedGroupSecrets", &wel.Secrets[i])
		s.addValue("HPKECiphertext", &wel.Secrets[i].EncryptedGroupSecrets)
	}
	m, err := group.NewMLSMessage(wel)
	must(err)
	s.addValue("MLSMessage", m)
	ps := &group.PathSecret{PathSecret: []byte("0123456789abcdef0123456789abcdef")}
	s.addValue("PathSecret", ps)
	ext := schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: []byte("psk"), PSKNonce: make([]byte, 32)}
	res := schedule.PreSharedKeyID{PSKType: schedule.PSKTypeResumption, Usage: schedule.UsageApplication, PSKGroupID: []byte("g"), PSKEpoch: 5, PSKNonce: make([]byte, 32)}
	s.addValue("PreSharedKeyID", &ext)
	s.addValue("PreSharedKeyID", &res)
	s.addValue("PreSharedKey", &group.PreSharedKey{PSK: res})
	s.addValue("Proposal", &group.Proposal{ProposalType: group.ProposalTypePSK, PreSharedKey: &group.PreSharedKey{PSK: ext}})
	s.addValue("GroupSecrets", &group.GroupSecrets{JoinerSecret: make([]byte, 32), PathSecret: ps, PSKs: []schedule.PreSharedKeyID{ext, res}})
	s.addValue("GroupSecrets", &group.GroupSecrets{JoinerSecret: make([]byte, 32), PSKs: []schedule.PreSharedKeyID{}})

	gi, err := group.DecodeGroupInfo(f.GroupInfo)
	must(err)
	s.add("GroupInfo", f.GroupInfo)
	s.addValue("GroupInfoTBS", gi.TBS())
	s.addValue("GroupContext", &gi.GroupContext)
	s.addValue("Extensions", gi.Extensions)
	m, err = group.NewMLSMessage(gi)
	must(err)
	s.addValue("MLSMessage", m)
	for i := range gi.Extensions {
		e := &gi.Extensions[i]
		s.addValue("Extension", e)
		switch e.ExtensionType {
		case extension.RatchetTree:
			s.add("RatchetTree", e.ExtensionData)
			var rt tree.RatchetTree
			must(codec.Decode(e.ExtensionData, &rt))
			for x := treemath.NodeIndex(0); uint32(x) < rt.Width(); x++ {
				if n := rt.Node(x); n != nil {
					s.addValue("Node", n)
					if n.Parent != nil {
						s.addValue("ParentNode", n.Parent)
					}
				}
			}
		case extension.ExternalPub:
			s.add("ExternalPub", e.ExtensionData)
		}
	}

	kp := f.Dave.KeyPackage
	s.add("MLSMessage", f.KeyPackage)
	s.addValue("KeyPackage", kp)
	s.addValue("KeyPackageTBS", kp.TBS())
	s.addValue("LeafNode", &kp.LeafNode)
	s.addValue("Capabilities", &kp.LeafNode.Capabilities)
	s.addValue("Credential", &kp.LeafNode.Credential)
	s.addValue("Extensions", kp.Extensions)
	s.addValue("Add", &group.Add{KeyPackage: *kp})
	s.addValue("Remove", &group.Remove{Removed: 2})
	ri := &group.ReInit{GroupID: []byte("new group"), Version: group.MLS10, CipherSuite: f.Suite.ID(), Extensions: extension.List{}}
	s.addValue("ReInit", ri)
	s.addValue("Proposal", &group.Proposal{ProposalType: group.ProposalTypeReInit, ReInit: ri})
	gce := &group.GroupContextExtensions{Extensions: extension.List{{ExtensionType: extension.RequiredCapabilities, ExtensionData: nil}}}
	rc := &tree.RequiredCapabilities{ExtensionTypes: []extension.ExtensionType{0xff00}, ProposalTypes: []tree.ProposalType{}, CredentialTypes: []credential.CredentialType{credential.Basic}}
	rcb, err := encode(rc)
	must(err)
	gce.Extensions[0].ExtensionData = rcb
	s.addValue("RequiredCapabilities", rc)
	s.addValue("GroupContextExtensions", gce)
	s.addValue("Proposal", &group.Proposal{ProposalType: group.ProposalTypeGroupContextExtensions, GroupContextExtensions: gce})
	es := group.ExternalSenders{{SignatureKey: kp.LeafNode.SignatureKey, Credential: kp.LeafNode.Credential}}
	s.addValue("ExternalSenders", es)
	s.addValue("ExternalSender", &es[0])
	s.addValue("Credential", &credential.Credential{CredentialType: credential.X509, Certificates: []credential.Certificate{{CertData: []byte("cert")}}})

	s.add("GroupState", f.BobState)
	s.add("GroupState", f.DaveState)
	s.add("GroupState", f.FrankState)
	s.add("PendingCommit", f.PendingCommit)

	// Frank's tree, after his external Commit with a path, has parent
	// nodes.
	frank, err := group.UnmarshalGroup(f.FrankState, fixture.Config("seeds"))
	must(err)
	rt := frank.Tree()
	for x := treemath.NodeIndex(0); uint32(x) < rt.Width(); x++ {
		if n := rt.Node(x); n != nil && n.Parent != nil {
			s.addValue("ParentNode", n.Parent)
			s.addValue("Node", n)
		}
	}
	s.addValue("RatchetTree", rt)
	priv, err := tree.NewPrivateState(f.Suite, 1, f.Dave.Private.EncryptionPriv)
	must(err)
	b, err := priv.MarshalBinary()
	must(err)
	s.add("PrivateState", b)
	st, err := schedule.NewSecretTree(f.Suite, make([]byte, f.Suite.Nh()), 4, schedule.DefaultLimits())
	must(err)
	_, err = st.Derive(1, schedule.ApplicationRatchet, 3)
	must(err)
	must(st.Consume(1, schedule.ApplicationRatchet, 3))
	b, err = st.MarshalBinary()
	must(err)
	s.add("SecretTree", b)
	return s.out
}

// commitSeeds adds the Commit b and the structs inside it.
func commitSeeds(s *seedSet, b []byte, must func(error)) {
	s.add("Commit", b)
	c, err := group.DecodeCommit(b)
	must(err)
	for i := range c.Proposals {
		por := &c.Proposals[i]
		s.addValue("ProposalOrRef", por)
		if p := por.Proposal; p != nil {
			s.addValue("Proposal", p)
			if p.ExternalInit != nil {
				s.addValue("ExternalInit", p.ExternalInit)
			}
		}
	}
	if p := c.Path; p != nil {
		s.addValue("UpdatePath", p)
		s.addValue("LeafNode", &p.LeafNode)
		for i := range p.Nodes {
			s.addValue("UpdatePathNode", &p.Nodes[i])
			for j := range p.Nodes[i].EncryptedPathSecret {
				s.addValue("HPKECiphertext", &p.Nodes[i].EncryptedPathSecret[j])
			}
		}
	}
}

// vectorKinds maps the fields of the official messages.json to the kind
// that decodes them (the vector's proposals are bare proposal bodies).
var vectorKinds = map[string]string{
	"mls_welcome":                       "MLSMessage",
	"mls_group_info":                    "MLSMessage",
	"mls_key_package":                   "MLSMessage",
	"ratchet_tree":                      "RatchetTree",
	"group_secrets":                     "GroupSecrets",
	"add_proposal":                      "Add",
	"update_proposal":                   "Update",
	"remove_proposal":                   "Remove",
	"pre_shared_key_proposal":           "PreSharedKey",
	"re_init_proposal":                  "ReInit",
	"external_init_proposal":            "ExternalInit",
	"group_context_extensions_proposal": "GroupContextExtensions",
	"commit":                            "Commit",
	"public_message_application":        "MLSMessage",
	"public_message_proposal":           "MLSMessage",
	"public_message_commit":             "MLSMessage",
	"private_message":                   "MLSMessage",
}

// vectorSeeds returns the fields of the official messages.json when the
// vectors are available (vectors.DefaultDir, which honours
// $MLS_TEST_VECTORS), read at seed time only: they are never copied into
// the repository. Without them it returns nil, and the fixture's seeds
// cover every kind anyway; under CI (the CI variable set) that is a
// failure.
func vectorSeeds(tb testing.TB) []seed {
	data, err := os.ReadFile(filepath.Join(vectors.DefaultDir(), "messages.json"))
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			tb.Fatalf("official vectors not found (%v); set $MLS_TEST_VECTORS", err)
		}
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	var cases []map[string]string
	if err := json.Unmarshal(data, &cases); err != nil {
		tb.Fatalf("messages.json: %v", err)
	}
	var out []seed
	for i, c := range cases {
		for field, h := range c {
			k, ok := vectorKinds[field]
			if !ok {
				tb.Fatalf("messages.json case %d: unknown field %q", i, field)
			}
			b, err := hex.DecodeString(h)
			if err != nil {
				tb.Fatalf("messages.json case %d %s: %v", i, field, err)
			}
			out = append(out, seed{k, b})
			// Add and Update bodies are also a KeyPackage and a LeafNode.
			switch field {
			case "add_proposal":
				out = append(out, seed{"KeyPackage", b})
			case "update_proposal":
				out = append(out, seed{"LeafNode", b})
			}
		}
	}
	return out
}
