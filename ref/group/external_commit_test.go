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
	"github.com/mlsref/mlsref/ref/schedule"
)

var extSuites = []ciphersuite.ID{
	ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
	ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
	ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
}

// extPair is a group of alice (leaf 0) and bob (leaf 1), both holding the
// external PSK "ext".
func extPair(t *testing.T, s *ciphersuite.Suite) (alice, bob *Group, psks PSKMap) {
	t.Helper()
	psks = PSKMap{"ext": bytes.Repeat([]byte{9}, s.Nh())}
	akp, apriv := newKP(t, s, "alice")
	alice, err := NewGroup([]byte("external group"), akp, apriv, nil, pskConfig("alice", psks))
	if err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := newKP(t, s, "bob")
	pc := pskCommit(t, alice, &CommitOptions{Adds: []*KeyPackage{bkp}})
	if bob, err = JoinGroup(pc.Welcome, bkp, bpriv, nil, pskConfig("bob", psks)); err != nil {
		t.Fatal(err)
	}
	return alice, bob, psks
}

// kpWithSeed is newKP with its own seed, for a second KeyPackage of the
// same identity.
func kpWithSeed(t *testing.T, s *ciphersuite.Suite, name, seed string) (*KeyPackage, *KeyPackagePrivate) {
	t.Helper()
	kp, priv, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte(name)), Now: fixedClock}, seeded.New(seed))
	if err != nil {
		t.Fatal(err)
	}
	return kp, priv
}

func exportGI(t *testing.T, g *Group, opts GroupInfoOptions) *GroupInfo {
	t.Helper()
	gi, err := g.ExportGroupInfo(opts)
	if err != nil {
		t.Fatal(err)
	}
	// Through the wire, as a joiner gets it.
	b, err := gi.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if gi, err = DecodeGroupInfo(b); err != nil {
		t.Fatal(err)
	}
	return gi
}

func agreeWith(t *testing.T, want *Group, gs ...*Group) {
	t.Helper()
	for i, g := range gs {
		if g.Epoch() != want.Epoch() || !bytes.Equal(g.EpochAuthenticator(), want.EpochAuthenticator()) || !bytes.Equal(g.TreeHash(), want.TreeHash()) {
			t.Fatalf("member %d disagrees in epoch %d/%d", i, g.Epoch(), want.Epoch())
		}
	}
}

// TestExternalJoin has carol join alice and bob by external Commit, with
// the tree in the GroupInfo or out of band, with and without a PSK; then
// bob resyncs; the group keeps working after each.
func TestExternalJoin(t *testing.T) {
	for _, id := range extSuites {
		t.Run(id.String(), func(t *testing.T) {
			s := mustSuite(t, id)
			for _, tc := range []struct {
				name      string
				inline    bool
				psk       bool
				wantLeaf  uint32
				precommit bool
			}{
				{"tree inline", true, false, 2, false},
				{"tree out of band", false, false, 2, false},
				{"with PSK", true, true, 2, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					alice, bob, psks := extPair(t, s)
					gi := exportGI(t, bob, GroupInfoOptions{ExternalPub: true, RatchetTree: tc.inline})
					ckp, cpriv := newKP(t, s, "carol")
					opts := &ExternalJoinOptions{AuthenticatedData: []byte("hello")}
					if !tc.inline {
						opts.RatchetTree = alice.Tree()
					}
					if tc.psk {
						opts.PSKs = []schedule.PreSharedKeyID{ExternalPSKID([]byte("ext"))}
					}
					carol, m, err := JoinExternal(gi, ckp, cpriv, opts, pskConfig("carol", psks))
					if err != nil {
						t.Fatal(err)
					}
					if m.WireFormat != framing.WireFormatPublicMessage || m.PublicMessage.Content.Sender.SenderType != framing.SenderTypeNewMemberCommit {
						t.Fatalf("external Commit sent as %v by %v", m.WireFormat, m.PublicMessage.Content.Sender)
					}
					for _, g := range []*Group{alice, bob} {
						rcv, err := g.Process(roundTrip(t, m))
						if err != nil {
							t.Fatal(err)
						}
						if string(rcv.AuthenticatedData) != "hello" || rcv.Sender.SenderType != framing.SenderTypeNewMemberCommit {
							t.Fatalf("received %+v", rcv)
						}
					}
					agreeWith(t, alice, bob, carol)
					if carol.LeafIndex() != tc.wantLeaf || len(alice.Members()) != 3 {
						t.Fatalf("carol at leaf %d of %v", carol.LeafIndex(), alice.Members())
					}
					// Carol is a full member: she commits, and sends data.
					pskCommit(t, carol, &CommitOptions{ForcePath: true}, alice, bob)
					app, err := carol.SendApplication([]byte("hi"), nil, 0)
					if err != nil {
						t.Fatal(err)
					}
					if rcv, err := alice.Process(app); err != nil || string(rcv.ApplicationData) != "hi" {
						t.Fatalf("application message: %v", err)
					}
				})
			}
			t.Run("resync", func(t *testing.T) {
				alice, bob, psks := extPair(t, s)
				// Bob lost his state; he rejoins with a new KeyPackage
				// of the same identity, removing his old leaf 1.
				gi := exportGI(t, alice, GroupInfoOptions{ExternalPub: true, RatchetTree: true})
				nkp, npriv := kpWithSeed(t, s, "bob", "bob again")
				old := uint32(1)
				bob2, m, err := JoinExternal(gi, nkp, npriv, &ExternalJoinOptions{Resync: &old}, pskConfig("bob2", psks))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := alice.Process(roundTrip(t, m)); err != nil {
					t.Fatal(err)
				}
				agreeWith(t, alice, bob2)
				if bob2.LeafIndex() != 1 || len(alice.Members()) != 2 {
					t.Fatalf("bob resynced at leaf %d of %v", bob2.LeafIndex(), alice.Members())
				}
				// The old state learns it was replaced.
				rcv, err := bob.Process(roundTrip(t, m))
				if err != nil || !rcv.Removed || bob.Active() {
					t.Fatalf("old bob: %+v, %v", rcv, err)
				}
				pskCommit(t, alice, &CommitOptions{ForcePath: true}, bob2)
			})
		})
	}
}

func roundTrip(t *testing.T, m *MLSMessage) *MLSMessage {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeMLSMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// extCommitWith has the joiner of kp build an external Commit to gi
// carrying props plus a fresh ExternalInit where props holds a nil entry,
// without checking the list itself.
func extCommitWith(t *testing.T, gi *GroupInfo, kp *KeyPackage, priv *KeyPackagePrivate, cfg Config, props []*Proposal) *MLSMessage {
	t.Helper()
	g, pub, err := externalJoinBase(gi, kp, priv, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kem, init, err := schedule.ExternalInitSender(g.suite, pub, cfg.Rand)
	if err != nil {
		t.Fatal(err)
	}
	list := make([]*Proposal, len(props))
	for i, p := range props {
		if p == nil {
			p = &Proposal{ProposalType: ProposalTypeExternalInit, ExternalInit: &ExternalInit{KEMOutput: kem}}
		}
		list[i] = p
	}
	_, m, err := g.createExternalCommit(list, init, &kp.LeafNode, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// resign changes the Commit of an external Commit m and signs it again
// with sigPriv; the confirmation tag is kept, so only checks made before
// it can pass.
func resign(t *testing.T, s *ciphersuite.Suite, ctx *schedule.GroupContext, m *MLSMessage, sigPriv []byte, mutate func(*Commit)) *MLSMessage {
	t.Helper()
	pm := roundTrip(t, m).PublicMessage
	c, err := DecodeCommit(pm.Content.Commit)
	if err != nil {
		t.Fatal(err)
	}
	mutate(c)
	if pm.Content.Commit, err = c.Marshal(); err != nil {
		t.Fatal(err)
	}
	ac, err := framing.Sign(s, framing.WireFormatPublicMessage, &pm.Content, ctx, sigPriv)
	if err != nil {
		t.Fatal(err)
	}
	ac.Auth.ConfirmationTag = pm.Auth.ConfirmationTag
	out, err := framing.ProtectPublic(s, ac, nil, ctx)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := NewMLSMessage(out)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// TestExternalCommitRejected has alice receive invalid external Commits:
// each is rejected with its requirement ID and leaves her state byte for
// byte as it was.
func TestExternalCommitRejected(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	alice, bob, psks := extPair(t, s)
	gi := exportGI(t, alice, GroupInfoOptions{ExternalPub: true, RatchetTree: true})
	ckp, cpriv := newKP(t, s, "carol")
	cfg := pskConfig("carol", psks)
	_, good, err := JoinExternal(gi, ckp, cpriv, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := alice.GroupContext()
	psk := func(name string) *Proposal {
		id, err := alice.withFreshNonce(&schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: []byte(name)}, cfg.Rand)
		if err != nil {
			t.Fatal(err)
		}
		return &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: &PreSharedKey{PSK: id}}
	}
	remove := func(i uint32) *Proposal {
		return &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: i}}
	}
	dkp, _ := newKP(t, s, "dave")
	gce := &Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: &GroupContextExtensions{Extensions: extension.List{}}}
	// Bob's own sibling with his identity, for a valid resync of bob.
	for _, tc := range []struct {
		name  string
		msg   func() *MLSMessage
		req   string
		class error
	}{
		{"no path", func() *MLSMessage {
			return resign(t, s, ctx, good, cpriv.SignaturePriv, func(c *Commit) { c.Path = nil })
		}, "R-12.4.3.2-1", mlserr.ErrInvalidCommit},
		{"proposal by reference", func() *MLSMessage {
			return resign(t, s, ctx, good, cpriv.SignaturePriv, func(c *Commit) {
				c.Proposals = append(c.Proposals, ProposalOrRef{Type: ProposalOrRefReference, Reference: make([]byte, s.Nh())})
			})
		}, "R-12.4.3.2-2", mlserr.ErrInvalidCommit},
		{"signed by another key", func() *MLSMessage {
			return resign(t, s, ctx, good, alice.sigPriv, func(*Commit) {})
		}, "R-12.4.3.2-4", mlserr.ErrInvalidSignature},
		{"no ExternalInit", func() *MLSMessage {
			return resign(t, s, ctx, good, cpriv.SignaturePriv, func(c *Commit) { c.Proposals = c.Proposals[1:] })
		}, "R-12.2-17", mlserr.ErrInvalidProposal},
		{"two ExternalInits", func() *MLSMessage {
			return extCommitWith(t, gi, ckp, cpriv, cfg, []*Proposal{nil, nil})
		}, "R-12.2-17", mlserr.ErrInvalidProposal},
		{"two Removes", func() *MLSMessage {
			return resign(t, s, ctx, good, cpriv.SignaturePriv, func(c *Commit) {
				c.Proposals = append(c.Proposals, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: remove(0)}, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: remove(1)})
			})
		}, "R-12.2-18", mlserr.ErrInvalidProposal},
		{"Remove of a blank leaf", func() *MLSMessage {
			return resign(t, s, ctx, good, cpriv.SignaturePriv, func(c *Commit) {
				c.Proposals = append(c.Proposals, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: remove(5)})
			})
		}, "R-12.2-3", mlserr.ErrInvalidProposal},
		{"Add", func() *MLSMessage {
			return extCommitWith(t, gi, ckp, cpriv, cfg, []*Proposal{nil, {ProposalType: ProposalTypeAdd, Add: &Add{KeyPackage: *dkp}}})
		}, "R-12.2-22", mlserr.ErrInvalidProposal},
		{"GroupContextExtensions", func() *MLSMessage {
			return extCommitWith(t, gi, ckp, cpriv, cfg, []*Proposal{nil, gce})
		}, "R-12.2-22", mlserr.ErrInvalidProposal},
		{"resync of another member", func() *MLSMessage {
			return extCommitWith(t, gi, ckp, cpriv, cfg, []*Proposal{nil, remove(1)})
		}, "R-12.2-20", mlserr.ErrInvalidCommit},
		{"same PSK twice", func() *MLSMessage {
			p := psk("ext")
			return extCommitWith(t, gi, ckp, cpriv, cfg, []*Proposal{nil, p, {ProposalType: ProposalTypePSK, PreSharedKey: &PreSharedKey{PSK: p.PreSharedKey.PSK.Clone()}}})
		}, "R-12.2-10", mlserr.ErrInvalidProposal},
		{"unknown PSK", func() *MLSMessage {
			c := cfg
			c.PSKs = PSKMap{"ext": psks["ext"], "other": []byte("only carol's")}.Lookup
			return extCommitWith(t, gi, ckp, cpriv, c, []*Proposal{nil, psk("other")})
		}, "R-12.4.2-5", mlserr.ErrInvalidCommit},
		{"kem_output of the wrong length", func() *MLSMessage {
			return extCommitWith(t, gi, ckp, cpriv, cfg, []*Proposal{{ProposalType: ProposalTypeExternalInit, ExternalInit: &ExternalInit{KEMOutput: []byte{1, 2, 3}}}})
		}, "R-12.4.3.2-5", mlserr.ErrInvalidCommit},
		{"kem_output to another key", func() *MLSMessage {
			_, pub, err := s.GenerateKeyPair(seeded.New("other"))
			if err != nil {
				t.Fatal(err)
			}
			kem, _, err := schedule.ExternalInitSender(s, pub, seeded.New("kem"))
			if err != nil {
				t.Fatal(err)
			}
			return extCommitWith(t, gi, ckp, cpriv, cfg, []*Proposal{{ProposalType: ProposalTypeExternalInit, ExternalInit: &ExternalInit{KEMOutput: kem}}})
		}, "R-12.4.2-23", mlserr.ErrInvalidConfirmationTag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.msg()
			before := state(t, alice)
			_, err := alice.Process(roundTrip(t, m))
			if got := mlserr.RequirementOf(err); got != tc.req || !errors.Is(err, tc.class) {
				t.Fatalf("err = %v (%s), want %s", err, got, tc.req)
			}
			if !bytes.Equal(before, state(t, alice)) {
				t.Fatal("the rejected Commit changed the state")
			}
		})
	}
	// The good Commit is still accepted after all that.
	if _, err := alice.Process(roundTrip(t, good)); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Process(roundTrip(t, good)); err != nil {
		t.Fatal(err)
	}
	agreeWith(t, alice, bob)
}

// TestJoinExternalRefused checks what the joiner refuses before sending
// anything.
func TestJoinExternalRefused(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	alice, _, psks := extPair(t, s)
	ckp, cpriv := newKP(t, s, "carol")
	cfg := pskConfig("carol", psks)
	old1 := uint32(1)
	for _, tc := range []struct {
		name  string
		gi    func() *GroupInfo
		opts  *ExternalJoinOptions
		req   string
		class error
	}{
		{"no external_pub", func() *GroupInfo { return exportGI(t, alice, GroupInfoOptions{RatchetTree: true}) }, nil, "", mlserr.ErrInvalidInput},
		{"no tree", func() *GroupInfo { return exportGI(t, alice, GroupInfoOptions{ExternalPub: true}) }, nil, "", mlserr.ErrInvalidInput},
		{"bad signature", func() *GroupInfo {
			gi := exportGI(t, alice, GroupInfoOptions{ExternalPub: true, RatchetTree: true})
			gi.Signature[0] ^= 1
			return gi
		}, nil, "R-12.4.3-4", mlserr.ErrInvalidSignature},
		{"wrong tree hash", func() *GroupInfo {
			gi := exportGI(t, alice, GroupInfoOptions{ExternalPub: true, RatchetTree: true})
			gi.GroupContext.TreeHash[0] ^= 1
			return gi
		}, nil, "R-12.4.3.3-3", nil},
		{"resync of another identity", func() *GroupInfo { return exportGI(t, alice, GroupInfoOptions{ExternalPub: true, RatchetTree: true}) },
			&ExternalJoinOptions{Resync: &old1}, "R-12.2-20", mlserr.ErrInvalidCommit},
		{"same PSK twice", func() *GroupInfo { return exportGI(t, alice, GroupInfoOptions{ExternalPub: true, RatchetTree: true}) },
			&ExternalJoinOptions{PSKs: []schedule.PreSharedKeyID{ExternalPSKID([]byte("ext")), ExternalPSKID([]byte("ext"))}}, "R-12.2-10", mlserr.ErrInvalidProposal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := JoinExternal(tc.gi(), ckp, cpriv, tc.opts, cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.req != "" && mlserr.RequirementOf(err) != tc.req {
				t.Fatalf("err = %v, want %s", err, tc.req)
			}
			if tc.class != nil && !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want class %v", err, tc.class)
			}
		})
	}
}
