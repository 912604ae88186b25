package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// extAppConfig is appConfig whose handler of appProposalType allows
// external senders when external is set; seen records the senders its
// Validate saw.
func extAppConfig(seed string, external bool, seen *[]framing.Sender) Config {
	cfg := appConfig(seed, false)
	h := cfg.Proposals[appProposalType]
	h.External = external
	h.Validate = func(_ codec.Marshaler, s framing.Sender) error {
		if seen != nil {
			*seen = append(*seen, s)
		}
		return nil
	}
	cfg.Proposals = ProposalHandlers{appProposalType: h}
	return cfg
}

// TestExternalCustomProposal has the group's external sender send a
// proposal of an application type (RFC 9420, Sections 12.1.8 and 13.1):
// accepted and committed where the members registered the type with
// External, refused with R-12.1.8-2 (state byte-identical) where they
// registered it without, refused as unsupported where they did not
// register it.
func TestExternalCustomProposal(t *testing.T) {
	s := mustSuite(t, testSuite)
	dsPriv, dsPub, err := s.GenerateSignatureKeyPair(seeded.New("ds custom"))
	if err != nil {
		t.Fatal(err)
	}
	ext, err := ExternalSenders{{SignatureKey: dsPub, Credential: credential.NewBasic([]byte("ds"))}}.Extension()
	if err != nil {
		t.Fatal(err)
	}
	var seen []framing.Sender
	akp, apriv := appKP(t, s, "alice", true)
	alice, err := NewGroup([]byte("ds custom group"), akp, apriv, extension.List{ext}, extAppConfig("alice", true, &seen))
	if err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := appKP(t, s, "bob", true)
	pc := pskCommit(t, alice, &CommitOptions{Adds: []*KeyPackage{bkp}})
	bob, err := JoinGroup(pc.Welcome, bkp, bpriv, nil, extAppConfig("bob", true, nil))
	if err != nil {
		t.Fatal(err)
	}
	gid := alice.GroupContext().GroupID
	p, err := NewCustomProposal(appProposalType, &appBody{Data: []byte("from the ds")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewExternalProposal(s, gid, alice.Epoch(), 0, dsPriv, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	wire, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	decode := func(t *testing.T) *MLSMessage {
		t.Helper()
		out, err := DecodeMLSMessageWith(wire, alice.cfg.Proposals)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	t.Run("registered without External", func(t *testing.T) {
		// [R-12.1.8-2]
		strict, err := UnmarshalGroup(state(t, bob), extAppConfig("bob strict", false, nil))
		if err != nil {
			t.Fatal(err)
		}
		before := state(t, strict)
		_, err = strict.Process(decode(t))
		if !errors.Is(err, mlserr.ErrMalformed) || mlserr.RequirementOf(err) != "R-12.1.8-2" {
			t.Fatalf("err = %v, want R-12.1.8-2", err)
		}
		if !bytes.Equal(before, state(t, strict)) {
			t.Fatal("the refused proposal changed the state")
		}
	})
	t.Run("not registered", func(t *testing.T) {
		plain, err := UnmarshalGroup(state(t, bob), testConfig("bob plain"))
		if err != nil {
			t.Fatal(err)
		}
		before := state(t, plain)
		if _, err := plain.Process(decode(t)); !errors.Is(err, mlserr.ErrUnsupported) {
			t.Fatalf("err = %v, want ErrUnsupported", err)
		}
		if !bytes.Equal(before, state(t, plain)) {
			t.Fatal("the refused proposal changed the state")
		}
	})
	t.Run("registered with External", func(t *testing.T) {
		for _, g := range []*Group{alice, bob} {
			rcv, err := g.Process(decode(t))
			if err != nil {
				t.Fatal(err)
			}
			if rcv.Sender.SenderType != framing.SenderTypeExternal || rcv.Proposal.ProposalType != appProposalType {
				t.Fatalf("received %+v", rcv)
			}
		}
		// The pending proposal survives a save and restore.
		if bob, err = UnmarshalGroup(state(t, bob), extAppConfig("bob", true, nil)); err != nil {
			t.Fatal(err)
		}
		pc := pskCommit(t, bob, &CommitOptions{PublicMessage: true}, alice)
		c, err := DecodeCommit(pc.Message.PublicMessage.Content.Commit)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Proposals) != 1 || c.Proposals[0].Type != ProposalOrRefReference {
			t.Fatalf("the Commit covers %+v, want the external proposal by reference", c.Proposals)
		}
		if len(seen) != 1 || seen[0].SenderType != framing.SenderTypeExternal {
			t.Fatalf("alice's Validate saw senders %+v, want the external sender", seen)
		}
	})

	t.Run("sender side", func(t *testing.T) {
		// Types RFC 9420 forbids external senders stay refused.
		if _, err := NewExternalProposal(s, gid, alice.Epoch(), 0, dsPriv, &Proposal{ProposalType: ProposalTypeUpdate, Update: &Update{}}, nil); mlserr.RequirementOf(err) != "R-12.1.8-2" {
			t.Fatalf("Update from an external sender: %v, want R-12.1.8-2", err)
		}
		// [R-13.5-4]
		if _, err := NewExternalProposal(s, gid, alice.Epoch(), 0, dsPriv, &Proposal{ProposalType: 0x7A7A, Custom: &appBody{}}, nil); mlserr.RequirementOf(err) != "R-13.5-4" {
			t.Fatalf("GREASE type from an external sender: %v, want R-13.5-4", err)
		}
	})
}
