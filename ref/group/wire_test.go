package group

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

type wire interface {
	codec.Marshaler
	codec.Unmarshaler
}

// sample is one wire struct built from real keys, and a constructor of an
// empty value of its type to decode into.
type sample struct {
	name  string
	value wire
	empty func() wire
}

// samples builds one value of every wire struct of this package (and of
// ref/tree's UpdatePath structs), with real signatures and ciphertexts.
func samples(t *testing.T) []sample {
	t.Helper()
	f := newWelcomeFixture(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "samples", []schedule.PSK{
		{ID: schedule.PreSharedKeyID{PSKType: schedule.PSKTypeResumption, Usage: schedule.UsageBranch, PSKGroupID: []byte("g"), PSKEpoch: 3, PSKNonce: bytes.Repeat([]byte{7}, 32)}, Secret: make([]byte, 32)},
	})
	s := f.suite
	rand := seeded.New("samples-extra")

	update := &Update{LeafNode: *f.committer.kp.LeafNode.Clone()}
	update.LeafNode.LeafNodeSource = tree.SourceUpdate
	update.LeafNode.Lifetime = tree.Lifetime{}
	if err := update.LeafNode.Sign(s, f.committer.sigPriv, f.gi.GroupContext.GroupID, 0); err != nil {
		t.Fatal(err)
	}
	psk := &PreSharedKey{PSK: f.gs.PSKs[0]}
	ext := &PreSharedKey{PSK: schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: []byte("id"), PSKNonce: randBytes(t, rand, 32)}}
	reinit := &ReInit{GroupID: []byte("new group"), Version: MLS10, CipherSuite: 3, Extensions: extension.List{{ExtensionType: extension.ExternalSenders, ExtensionData: []byte{0}}}}
	_, pub, err := s.GenerateKeyPair(rand)
	if err != nil {
		t.Fatal(err)
	}
	kemOutput, _, err := s.HPKEExportSender(pub, nil, []byte(ciphersuite.LabelExternalInitSecret), s.Nh(), rand)
	if err != nil {
		t.Fatal(err)
	}
	einit := &ExternalInit{KEMOutput: kemOutput}
	gce := &GroupContextExtensions{Extensions: extension.List{}}

	props := []*Proposal{}
	for _, b := range []codec.Marshaler{&Add{KeyPackage: *f.joiner.kp}, update, &Remove{Removed: 0x01020304}, psk, ext, reinit, einit, gce} {
		p, err := NewProposal(b)
		if err != nil {
			t.Fatal(err)
		}
		props = append(props, p)
	}

	path := &tree.UpdatePath{LeafNode: *f.committer.kp.LeafNode.Clone()}
	path.LeafNode.LeafNodeSource = tree.SourceCommit
	path.LeafNode.Lifetime = tree.Lifetime{}
	path.LeafNode.ParentHash = randBytes(t, rand, 32)
	if err := path.LeafNode.Sign(s, f.committer.sigPriv, f.gi.GroupContext.GroupID, 0); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, np, err := s.GenerateKeyPair(rand)
		if err != nil {
			t.Fatal(err)
		}
		ko, ct, err := s.EncryptWithLabel(f.joiner.encPub, ciphersuite.LabelUpdatePathNode, []byte("ctx"), randBytes(t, rand, 32), rand)
		if err != nil {
			t.Fatal(err)
		}
		path.Nodes = append(path.Nodes, tree.UpdatePathNode{EncryptionKey: np, EncryptedPathSecret: []tree.HPKECiphertext{{KEMOutput: ko, Ciphertext: ct}}})
	}
	path.Nodes = append(path.Nodes, tree.UpdatePathNode{EncryptionKey: pub, EncryptedPathSecret: []tree.HPKECiphertext{}})
	commit := &Commit{Proposals: []ProposalOrRef{
		{Type: ProposalOrRefProposal, Proposal: props[0]},
		{Type: ProposalOrRefReference, Reference: s.MakeProposalRef([]byte("some AuthenticatedContent"))},
	}, Path: path}
	partial := &Commit{Proposals: []ProposalOrRef{{Type: ProposalOrRefProposal, Proposal: props[2]}}}

	// Framed messages, signed and protected by ref/framing.
	gc := &f.gi.GroupContext
	propBytes, err := props[2].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	commitBytes, err := commit.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	public := func(ct framing.ContentType, body []byte) *framing.PublicMessage {
		fc := &framing.FramedContent{GroupID: gc.GroupID, Epoch: gc.Epoch, Sender: framing.MemberSender(0), AuthenticatedData: []byte("ad"), ContentType: ct}
		if ct == framing.ContentTypeProposal {
			fc.Proposal = body
		} else {
			fc.Commit = body
		}
		ac, err := framing.Sign(s, framing.WireFormatPublicMessage, fc, gc, f.committer.sigPriv)
		if err != nil {
			t.Fatal(err)
		}
		if ct == framing.ContentTypeCommit {
			ac.Auth.ConfirmationTag = randBytes(t, rand, 32)
		}
		pm, err := framing.ProtectPublic(s, ac, randBytes(t, rand, 32), gc)
		if err != nil {
			t.Fatal(err)
		}
		return pm
	}
	st, err := schedule.NewSecretTree(s, randBytes(t, rand, 32), 1, schedule.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	fc := &framing.FramedContent{GroupID: gc.GroupID, Epoch: gc.Epoch, Sender: framing.MemberSender(0), ContentType: framing.ContentTypeApplication, ApplicationData: []byte("hello")}
	ac, err := framing.Sign(s, framing.WireFormatPrivateMessage, fc, gc, f.committer.sigPriv)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := framing.ProtectPrivate(s, ac, st, randBytes(t, rand, 32), 3, rand)
	if err != nil {
		t.Fatal(err)
	}

	msg := func(body codec.Marshaler) *MLSMessage {
		m, err := NewMLSMessage(body)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	out := []sample{
		{"KeyPackage", f.joiner.kp, func() wire { return new(KeyPackage) }},
		{"KeyPackageTBS", f.joiner.kp.TBS(), func() wire { return new(KeyPackageTBS) }},
		{"GroupInfo", f.gi, func() wire { return new(GroupInfo) }},
		{"GroupInfoTBS", f.gi.TBS(), func() wire { return new(GroupInfoTBS) }},
		{"GroupSecrets", f.gs, func() wire { return new(GroupSecrets) }},
		{"GroupSecrets without path secret", &GroupSecrets{JoinerSecret: []byte{1}, PSKs: []schedule.PreSharedKeyID{}}, func() wire { return new(GroupSecrets) }},
		{"PathSecret", f.gs.PathSecret, func() wire { return new(PathSecret) }},
		{"EncryptedGroupSecrets", &f.welcome.Secrets[0], func() wire { return new(EncryptedGroupSecrets) }},
		{"Welcome", f.welcome, func() wire { return new(Welcome) }},
		{"Commit", commit, func() wire { return new(Commit) }},
		{"Commit without path", partial, func() wire { return new(Commit) }},
		{"ProposalOrRef reference", &commit.Proposals[1], func() wire { return new(ProposalOrRef) }},
		{"UpdatePath", path, func() wire { return new(tree.UpdatePath) }},
		{"UpdatePathNode", &path.Nodes[0], func() wire { return new(tree.UpdatePathNode) }},
		{"HPKECiphertext", &path.Nodes[0].EncryptedPathSecret[0], func() wire { return new(tree.HPKECiphertext) }},
		{"Add", props[0].Add, func() wire { return new(Add) }},
		{"Update", update, func() wire { return new(Update) }},
		{"Remove", props[2].Remove, func() wire { return new(Remove) }},
		{"PreSharedKey", psk, func() wire { return new(PreSharedKey) }},
		{"ReInit", reinit, func() wire { return new(ReInit) }},
		{"ExternalInit", einit, func() wire { return new(ExternalInit) }},
		{"GroupContextExtensions", gce, func() wire { return new(GroupContextExtensions) }},
		{"MLSMessage(PublicMessage proposal)", msg(public(framing.ContentTypeProposal, propBytes)), func() wire { return new(MLSMessage) }},
		{"MLSMessage(PublicMessage commit)", msg(public(framing.ContentTypeCommit, commitBytes)), func() wire { return new(MLSMessage) }},
		{"MLSMessage(PrivateMessage)", msg(priv), func() wire { return new(MLSMessage) }},
		{"MLSMessage(Welcome)", msg(f.welcome), func() wire { return new(MLSMessage) }},
		{"MLSMessage(GroupInfo)", msg(f.gi), func() wire { return new(MLSMessage) }},
		{"MLSMessage(KeyPackage)", msg(f.joiner.kp), func() wire { return new(MLSMessage) }},
	}
	for i, p := range props {
		out = append(out, sample{fmt.Sprintf("Proposal %d (%s)", i, ProposalTypeName(p.ProposalType)), p, func() wire { return new(Proposal) }})
	}
	return out
}

// TestRoundTrip decodes the encoding of every sample and checks that the
// value and its encoding come back unchanged.
func TestRoundTrip(t *testing.T) {
	for _, tc := range samples(t) {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := marshal(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			got := tc.empty()
			if err := codec.Decode(enc, got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tc.value, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("decoded value differs (-want +got):\n%s", diff)
			}
			if re := codec.Encode(got); !bytes.Equal(re, enc) {
				t.Errorf("re-encoding differs:\n got %x\nwant %x", re, enc)
			}
		})
	}
}

// TestTruncatedAndTrailing checks that every strict prefix of every
// sample's encoding, and the encoding with a byte appended, is rejected as
// malformed.
func TestTruncatedAndTrailing(t *testing.T) {
	for _, tc := range samples(t) {
		t.Run(tc.name, func(t *testing.T) {
			enc := codec.Encode(tc.value)
			for n := 0; n < len(enc); n++ {
				err := codec.Decode(enc[:n], tc.empty())
				if !errors.Is(err, mlserr.ErrMalformed) {
					t.Fatalf("prefix of %d/%d bytes: err = %v, want ErrMalformed", n, len(enc), err)
				}
			}
			err := codec.Decode(append(enc[:len(enc):len(enc)], 0), tc.empty())
			if !errors.Is(err, mlserr.ErrMalformed) {
				t.Fatalf("trailing byte: err = %v, want ErrMalformed", err)
			}
		})
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestDecodeRejects feeds hand-made encodings that break one rule each.
func TestDecodeRejects(t *testing.T) {
	f := newWelcomeFixture(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "rejects", nil)
	kp := codec.Encode(f.joiner.kp)
	kpV2 := append([]byte{0, 2}, kp[2:]...)
	gi := codec.Encode(f.gi)
	giV2 := append([]byte{0, 2}, gi[2:]...)
	gs := codec.Encode(f.gs)
	dupExt := cat(kp[:len(kp)-len(codec.Encode(&f.joiner.kp.Extensions))-len(codec.Encode(opaque(f.joiner.kp.Signature)))],
		codec.Encode(extension.List{{ExtensionType: 9, ExtensionData: nil}, {ExtensionType: 9, ExtensionData: nil}}),
		codec.Encode(opaque(f.joiner.kp.Signature)))
	remove := []byte{0, 3, 0, 0, 0, 1}
	fc := func(proposal []byte) []byte {
		return cat([]byte{0, 1, 0, 1}, // version, wire format public
			[]byte{1, 'g'}, make([]byte, 8), []byte{1, 0, 0, 0, 0}, []byte{0}, // group_id, epoch, sender member 0, authenticated_data
			[]byte{2}, proposal, // content_type proposal
			[]byte{0}, []byte{0}) // signature, membership_tag
	}
	tests := []struct {
		name  string
		b     []byte
		into  func() wire
		class error
		req   string
	}{
		{"proposal type reserved(0)", []byte{0, 0, 0, 0, 0, 1}, func() wire { return new(Proposal) }, mlserr.ErrMalformed, ""},
		{"proposal type 8 (unregistered)", []byte{0, 8, 0, 0, 0, 1}, func() wire { return new(Proposal) }, mlserr.ErrUnsupported, ""},
		{"proposal type GREASE", []byte{0x0A, 0x0A, 0}, func() wire { return new(Proposal) }, mlserr.ErrUnsupported, ""},
		{"ProposalOrRefType reserved(0)", cat([]byte{0}, remove), func() wire { return new(ProposalOrRef) }, mlserr.ErrMalformed, ""},
		{"ProposalOrRefType 3", cat([]byte{3}, remove), func() wire { return new(ProposalOrRef) }, mlserr.ErrMalformed, ""},
		{"Commit with an unknown proposal type", []byte{7, 1, 0, 9, 0, 0, 0, 1, 0}, func() wire { return new(Commit) }, mlserr.ErrUnsupported, ""},
		{"Commit path presence octet 2", []byte{0, 2}, func() wire { return new(Commit) }, mlserr.ErrMalformed, "R-2.1.1-1"},
		{"Commit proposal vector overruns", []byte{6, 1, 0, 3, 0, 0, 0, 1, 0}, func() wire { return new(Commit) }, mlserr.ErrMalformed, ""},
		{"GroupSecrets path_secret presence octet 2", []byte{1, 0, 2, 0}, func() wire { return new(GroupSecrets) }, mlserr.ErrMalformed, "R-2.1.1-1"},
		{"GroupSecrets PSK of type 3", []byte{1, 0, 0, 3, 3, 0, 0}, func() wire { return new(GroupSecrets) }, mlserr.ErrMalformed, ""},
		{"PreSharedKey with usage 4", cat([]byte{2, 4, 0}, make([]byte, 8), []byte{0}), func() wire { return new(PreSharedKey) }, mlserr.ErrMalformed, ""},
		{"KeyPackage with a repeated extension", dupExt, func() wire { return new(KeyPackage) }, mlserr.ErrMalformed, "R-13.4-5"},
		{"GroupInfo with GroupContext version 2", giV2, func() wire { return new(GroupInfo) }, mlserr.ErrMalformed, ""},
		{"MLSMessage version reserved(0)", cat([]byte{0, 0, 0, 5}, kp), func() wire { return new(MLSMessage) }, mlserr.ErrMalformed, ""},
		{"MLSMessage version 2", cat([]byte{0, 2, 0, 5}, kpV2), func() wire { return new(MLSMessage) }, mlserr.ErrUnsupported, ""},
		{"MLSMessage wire format reserved(0)", cat([]byte{0, 1, 0, 0}, kp), func() wire { return new(MLSMessage) }, mlserr.ErrMalformed, ""},
		{"MLSMessage wire format 6", cat([]byte{0, 1, 0, 6}, kp), func() wire { return new(MLSMessage) }, mlserr.ErrUnsupported, ""},
		{"MLSMessage KeyPackage of another version", cat([]byte{0, 1, 0, 5}, kpV2), func() wire { return new(MLSMessage) }, mlserr.ErrInvalidKeyPackage, "R-10-6"},
		{"MLSMessage GroupSecrets as a Welcome", cat([]byte{0, 1, 0, 3}, gs), func() wire { return new(MLSMessage) }, mlserr.ErrMalformed, "R-2.1.2-4"},
		{"PublicMessage with a Remove proposal", fc(remove), func() wire { return new(MLSMessage) }, nil, ""},
		{"PublicMessage with an unknown proposal type", fc([]byte{0, 9, 0, 0, 0, 1}), func() wire { return new(MLSMessage) }, mlserr.ErrUnsupported, ""},
		{"PublicMessage with a truncated proposal", fc([]byte{0, 3, 0, 0}), func() wire { return new(MLSMessage) }, mlserr.ErrMalformed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := codec.Decode(tc.b, tc.into())
			if tc.class == nil {
				if err != nil {
					t.Fatalf("control input rejected: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want class %v", err, tc.class)
			}
			if got := mlserr.RequirementOf(err); got != tc.req {
				t.Errorf("requirement = %q, want %q (err: %v)", got, tc.req, err)
			}
		})
	}
}

type opaque []byte

func (o opaque) MarshalMLS(w *codec.Writer) { w.Opaque(o) }

// TestMarshalRejectsWhatCannotBeDecoded checks that encoding refuses
// proposals of unknown types and messages without their body.
func TestMarshalRejectsWhatCannotBeDecoded(t *testing.T) {
	if _, err := (&Proposal{ProposalType: 0x0A0A}).Marshal(); !errors.Is(err, mlserr.ErrUnsupported) {
		t.Errorf("Proposal of a GREASE type: err = %v, want ErrUnsupported", err)
	}
	c := &Commit{Proposals: []ProposalOrRef{{Type: ProposalOrRefProposal, Proposal: &Proposal{ProposalType: 99}}}}
	if _, err := c.Marshal(); !errors.Is(err, mlserr.ErrUnsupported) {
		t.Errorf("Commit with a proposal of type 99: err = %v, want ErrUnsupported", err)
	}
	if _, err := (&MLSMessage{Version: MLS10, WireFormat: framing.WireFormatWelcome}).Marshal(); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("MLSMessage without body: err = %v, want ErrInvalidInput", err)
	}
	if _, err := NewProposal(&Commit{}); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("NewProposal(Commit): err = %v, want ErrInvalidInput", err)
	}
	if _, err := NewMLSMessage(&Commit{}); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("NewMLSMessage(Commit): err = %v, want ErrInvalidInput", err)
	}
	// A proposal whose selected body is nil encodes as the zero body, which
	// decodes (the zero KeyPackage and LeafNode do not: their credential
	// type is reserved(0)).
	for _, pt := range []ProposalType{ProposalTypeRemove, ProposalTypePSK, ProposalTypeReInit, ProposalTypeExternalInit, ProposalTypeGroupContextExtensions} {
		b, err := (&Proposal{ProposalType: pt}).Marshal()
		if err != nil {
			t.Fatalf("%s: %v", ProposalTypeName(pt), err)
		}
		if _, err := DecodeProposal(b); err != nil {
			t.Errorf("zero %s proposal does not decode: %v", ProposalTypeName(pt), err)
		}
	}
}
