package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// dsGroup is a group of alice and bob whose GroupContext lists one
// external sender, the "ds", whose signature private key it returns.
func dsGroup(t *testing.T, s *ciphersuite.Suite) (alice, bob *Group, dsPriv []byte) {
	t.Helper()
	dsPriv, dsPub, err := s.GenerateSignatureKeyPair(seeded.New("ds"))
	if err != nil {
		t.Fatal(err)
	}
	ext, err := ExternalSenders{{SignatureKey: dsPub, Credential: credential.NewBasic([]byte("ds"))}}.Extension()
	if err != nil {
		t.Fatal(err)
	}
	akp, apriv := newKP(t, s, "alice")
	if alice, err = NewGroup([]byte("ds group"), akp, apriv, extension.List{ext}, testConfig("alice")); err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := newKP(t, s, "bob")
	pc := pskCommit(t, alice, &CommitOptions{Adds: []*KeyPackage{bkp}})
	if bob, err = JoinGroup(pc.Welcome, bkp, bpriv, nil, testConfig("bob")); err != nil {
		t.Fatal(err)
	}
	return alice, bob, dsPriv
}

// TestExternalProposals has the external sender propose an Add and a
// Remove, and a new member propose its own Add; members commit them by
// reference.
func TestExternalProposals(t *testing.T) {
	for _, id := range extSuites {
		t.Run(id.String(), func(t *testing.T) {
			s := mustSuite(t, id)
			alice, bob, dsPriv := dsGroup(t, s)
			gid := alice.GroupContext().GroupID

			ckp, cpriv := newKP(t, s, "carol")
			m, err := NewExternalProposal(s, gid, alice.Epoch(), 0, dsPriv, &Proposal{ProposalType: ProposalTypeAdd, Add: &Add{KeyPackage: *ckp}}, []byte("ds"))
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range []*Group{alice, bob} {
				rcv, err := g.Process(roundTrip(t, m))
				if err != nil {
					t.Fatal(err)
				}
				if rcv.Sender.SenderType != framing.SenderTypeExternal || rcv.Proposal.ProposalType != ProposalTypeAdd {
					t.Fatalf("received %+v", rcv)
				}
			}
			// A pending external proposal survives a state round trip.
			if _, err := UnmarshalGroup(state(t, bob), testConfig("bob")); err != nil {
				t.Fatal(err)
			}
			pc := pskCommit(t, alice, &CommitOptions{}, bob)
			if pc.Welcome == nil {
				t.Fatal("no Welcome for the external Add")
			}
			carol, err := JoinGroup(pc.Welcome, ckp, cpriv, nil, testConfig("carol"))
			if err != nil {
				t.Fatal(err)
			}
			agreeWith(t, alice, bob, carol)

			// The new member dave proposes his own Add.
			dkp, dpriv := newKP(t, s, "dave")
			m, err = NewMemberProposal(gid, alice.Epoch(), dkp, dpriv.SignaturePriv, nil)
			if err != nil {
				t.Fatal(err)
			}
			pskDeliver(t, m, alice, bob, carol)
			pc = pskCommit(t, bob, &CommitOptions{}, alice, carol)
			dave, err := JoinGroup(pc.Welcome, dkp, dpriv, nil, testConfig("dave"))
			if err != nil {
				t.Fatal(err)
			}
			agreeWith(t, alice, bob, carol, dave)

			// The external sender removes carol.
			m, err = NewExternalProposal(s, gid, alice.Epoch(), 0, dsPriv, &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: carol.LeafIndex()}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			pskDeliver(t, m, alice, bob, carol, dave)
			pc, err = dave.Commit(nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := dave.MergePendingCommit(pc); err != nil {
				t.Fatal(err)
			}
			pskDeliver(t, pc.Message, alice, bob, carol)
			agreeWith(t, alice, bob, dave)
			if carol.Active() || len(alice.Members()) != 3 {
				t.Fatalf("carol still in: %v", alice.Members())
			}
		})
	}
}

// TestExternalProposalsRejected checks the rules on external and new
// member proposals: each rejection leaves the state byte-identical.
func TestExternalProposalsRejected(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	alice, _, dsPriv := dsGroup(t, s)
	gid := alice.GroupContext().GroupID
	epoch := alice.Epoch()
	ckp, cpriv := newKP(t, s, "carol")
	akp, apriv := newKP(t, s, "plain")
	plain, err := NewGroup([]byte("plain"), akp, apriv, nil, testConfig("plain"))
	if err != nil {
		t.Fatal(err)
	}
	ext := func(idx uint32, key []byte, p *Proposal) *MLSMessage {
		m, err := signedOutsider(s, gid, epoch, framing.Sender{SenderType: framing.SenderTypeExternal, SenderIndex: idx}, key, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	add := &Proposal{ProposalType: ProposalTypeAdd, Add: &Add{KeyPackage: *ckp}}
	update := &Proposal{ProposalType: ProposalTypeUpdate, Update: &Update{LeafNode: ckp.LeafNode}}
	einit := &Proposal{ProposalType: ProposalTypeExternalInit, ExternalInit: &ExternalInit{KEMOutput: []byte{1}}}
	remove := &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 1}}
	for _, tc := range []struct {
		name  string
		g     *Group
		msg   func() *MLSMessage
		req   string
		class error
	}{
		{"external Update", alice, func() *MLSMessage { return ext(0, dsPriv, update) }, "R-12.1.8-2", mlserr.ErrMalformed},
		{"external ExternalInit", alice, func() *MLSMessage { return ext(0, dsPriv, einit) }, "R-12.1.8-2", mlserr.ErrMalformed},
		{"sender index out of range", alice, func() *MLSMessage { return ext(1, dsPriv, add) }, "R-6.1-3", mlserr.ErrMalformed},
		{"group without external_senders", plain, func() *MLSMessage {
			m, err := NewExternalProposal(s, []byte("plain"), 0, 0, dsPriv, add, nil)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}, "R-6.1-3", mlserr.ErrMalformed},
		{"external sender's signature by another key", alice, func() *MLSMessage { return ext(0, cpriv.SignaturePriv, add) }, "", mlserr.ErrInvalidSignature},
		{"new member proposing a Remove", alice, func() *MLSMessage {
			// The sender refuses to sign it: the Add's content is swapped
			// after signing.
			m, err := NewMemberProposal(gid, epoch, ckp, cpriv.SignaturePriv, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.PublicMessage.Content.Proposal, err = remove.Marshal(); err != nil {
				t.Fatal(err)
			}
			return m
		}, "R-6.1-8", mlserr.ErrMalformed},
		{"new member's Add signed by another key", alice, func() *MLSMessage {
			m, err := NewMemberProposal(gid, epoch, ckp, apriv.SignaturePriv, nil)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}, "", mlserr.ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.msg()
			before := state(t, tc.g)
			_, err := tc.g.Process(roundTrip(t, m))
			if !errors.Is(err, tc.class) || (tc.req != "" && mlserr.RequirementOf(err) != tc.req) {
				t.Fatalf("err = %v (%s), want %s", err, mlserr.RequirementOf(err), tc.req)
			}
			if !bytes.Equal(before, state(t, tc.g)) {
				t.Fatal("the rejected proposal changed the state")
			}
		})
	}
	// The sender refuses what it may not send.
	if _, err := NewExternalProposal(s, gid, epoch, 0, dsPriv, update, nil); mlserr.RequirementOf(err) != "R-12.1.8-2" {
		t.Fatalf("NewExternalProposal(Update): %v", err)
	}
	// A malformed external_senders extension is refused.
	bad := extension.List{{ExtensionType: extension.ExternalSenders, ExtensionData: []byte{5}}}
	if _, err := NewGroup([]byte("bad"), akp, apriv, bad, testConfig("bad")); !errors.Is(err, mlserr.ErrMalformed) {
		t.Fatalf("NewGroup with a malformed external_senders: %v", err)
	}
}
