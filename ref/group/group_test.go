package group

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
)

type member struct {
	name string
	g    *Group
}

func testConfig(seed string) Config {
	return Config{Rand: seeded.New(seed), Now: fixedClock}
}

func newKP(t *testing.T, s *ciphersuite.Suite, name string) (*KeyPackage, *KeyPackagePrivate) {
	t.Helper()
	kp, priv, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte(name)), Now: fixedClock}, seeded.New("kp-"+name+s.ID().String()))
	if err != nil {
		t.Fatal(err)
	}
	return kp, priv
}

func state(t *testing.T, g *Group) []byte {
	t.Helper()
	b, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// agree checks that every member is in the same epoch with the same epoch
// authenticator and tree hash.
func agree(t *testing.T, ms []*member) {
	t.Helper()
	a := ms[0].g
	for _, m := range ms[1:] {
		if m.g.Epoch() != a.Epoch() || !bytes.Equal(m.g.EpochAuthenticator(), a.EpochAuthenticator()) || !bytes.Equal(m.g.TreeHash(), a.TreeHash()) {
			t.Fatalf("%s disagrees with %s: epoch %d/%d", m.name, ms[0].name, m.g.Epoch(), a.Epoch())
		}
	}
}

// commitAndDeliver has ms[from] commit with opts, delivers the Commit to
// every other member of ms and merges it; new members join from the Welcome.
func commitAndDeliver(t *testing.T, ms []*member, from int, opts *CommitOptions, joiners []*member, kps []*KeyPackage, privs []*KeyPackagePrivate) []*member {
	t.Helper()
	pc, err := ms[from].g.Commit(opts)
	if err != nil {
		t.Fatalf("%s commits: %v", ms[from].name, err)
	}
	b, err := pc.Message.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var out []*member
	for i, m := range ms {
		if i == from {
			continue
		}
		msg, err := DecodeMLSMessage(b)
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.g.Process(msg)
		if err != nil {
			t.Fatalf("%s processes the Commit of %s: %v", m.name, ms[from].name, err)
		}
		if r.Removed {
			continue
		}
		out = append(out, m)
	}
	if err := ms[from].g.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	out = append([]*member{ms[from]}, out...)
	if len(joiners) > 0 {
		wb, err := pc.Welcome.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		for k, j := range joiners {
			wel, err := DecodeWelcome(wb)
			if err != nil {
				t.Fatal(err)
			}
			if j.g, err = JoinGroup(wel, kps[k], privs[k], nil, testConfig("join-"+j.name)); err != nil {
				t.Fatalf("%s joins: %v", j.name, err)
			}
			out = append(out, j)
		}
	}
	agree(t, out)
	return out
}

func TestGroupLifecycle(t *testing.T) {
	for _, id := range ciphersuite.All() {
		t.Run(id.String(), func(t *testing.T) {
			s := mustSuite(t, id)
			akp, apriv := newKP(t, s, "alice")
			ag, err := NewGroup([]byte("group-"+id.String()), akp, apriv, nil, testConfig("alice"))
			if err != nil {
				t.Fatal(err)
			}
			ms := []*member{{name: "alice", g: ag}}

			// Alice adds Bob by value, as a PrivateMessage with a path.
			bkp, bpriv := newKP(t, s, "bob")
			bob := &member{name: "bob"}
			ms = commitAndDeliver(t, ms, 0, &CommitOptions{Adds: []*KeyPackage{bkp}, ForcePath: true}, []*member{bob}, []*KeyPackage{bkp}, []*KeyPackagePrivate{bpriv})

			// Bob adds Carol and Dave, as a PublicMessage without a path and
			// the ratchet tree in the Welcome.
			ckp, cpriv := newKP(t, s, "carol")
			dkp, dpriv := newKP(t, s, "dave")
			carol, dave := &member{name: "carol"}, &member{name: "dave"}
			ms = commitAndDeliver(t, ms, 1, &CommitOptions{Adds: []*KeyPackage{ckp, dkp}, PublicMessage: true}, []*member{carol, dave}, []*KeyPackage{ckp, dkp}, []*KeyPackagePrivate{cpriv, dpriv})
			if len(ms) != 4 {
				t.Fatalf("%d members, want 4", len(ms))
			}

			// Application messages from each member to every other.
			for i, m := range ms {
				msg, err := m.g.SendApplication([]byte("hello from "+m.name), []byte("ad"), 7)
				if err != nil {
					t.Fatal(err)
				}
				for k, o := range ms {
					if k == i {
						continue
					}
					r, err := o.g.Process(msg)
					if err != nil {
						t.Fatalf("%s reads %s: %v", o.name, m.name, err)
					}
					if string(r.ApplicationData) != "hello from "+m.name {
						t.Fatalf("%s reads %q", o.name, r.ApplicationData)
					}
				}
			}

			// Carol proposes an Update by reference; Dave commits it with an
			// empty-by-value list.
			up, err := ms[2].g.ProposeUpdate(false)
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range ms {
				if i == 2 {
					continue
				}
				if _, err := m.g.Process(up); err != nil {
					t.Fatalf("%s receives the Update: %v", m.name, err)
				}
			}
			ms = commitAndDeliver(t, ms, 3, nil, nil, nil, nil)

			// An empty Commit (path required) by Alice.
			ms = commitAndDeliver(t, ms, 0, &CommitOptions{PublicMessage: true}, nil, nil, nil)

			// Alice removes Bob by value.
			ms = commitAndDeliver(t, ms, 0, &CommitOptions{Removes: []uint32{ms[1].g.LeafIndex()}}, nil, nil, nil)
			if len(ms) != 3 {
				t.Fatalf("%d members after the Remove, want 3", len(ms))
			}
			// Dave proposes removing Carol; Alice commits it by reference.
			rm, err := ms[2].g.Propose(&Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: ms[1].g.LeafIndex()}}, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []int{0, 1} {
				if _, err := ms[k].g.Process(rm); err != nil {
					t.Fatal(err)
				}
			}
			ms = commitAndDeliver(t, ms, 0, nil, nil, nil, nil)
			if len(ms) != 2 {
				t.Fatalf("%d members, want 2", len(ms))
			}
			if got := fmt.Sprint(ms[0].g.Members()); got != fmt.Sprint(ms[1].g.Members()) {
				t.Fatalf("rosters differ: %s", got)
			}
		})
	}
}

// TestGroupRejectsLeaveStateUnchanged sends broken messages and checks that
// each is rejected with its requirement and that the state is byte-identical
// afterwards.
func TestGroupRejectsLeaveStateUnchanged(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	akp, apriv := newKP(t, s, "alice")
	ag, err := NewGroup([]byte("g"), akp, apriv, nil, testConfig("alice"))
	if err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := newKP(t, s, "bob")
	bob := &member{name: "bob"}
	ms := commitAndDeliver(t, []*member{{name: "alice", g: ag}}, 0, &CommitOptions{Adds: []*KeyPackage{bkp}}, []*member{bob}, []*KeyPackage{bkp}, []*KeyPackagePrivate{bpriv})
	alice, bobG := ms[0].g, ms[1].g

	type tc struct {
		name  string
		make  func(t *testing.T) *MLSMessage
		req   string
		class error
	}
	commitMsg := func(t *testing.T, opts *CommitOptions) *MLSMessage {
		c := alice.clone()
		pc, err := c.Commit(opts)
		if err != nil {
			t.Fatal(err)
		}
		return pc.Message
	}
	tests := []tc{
		{"commit for a future epoch", func(t *testing.T) *MLSMessage {
			m := commitMsg(t, &CommitOptions{PublicMessage: true})
			m.PublicMessage.Content.Epoch++
			return m
		}, "R-12.4.2-1", mlserr.ErrEpoch},
		{"commit with a bad membership tag", func(t *testing.T) *MLSMessage {
			m := commitMsg(t, &CommitOptions{PublicMessage: true})
			m.PublicMessage.MembershipTag[0] ^= 1
			return m
		}, "", mlserr.ErrInvalidMembershipTag},
		{"commit with a bad confirmation tag", func(t *testing.T) *MLSMessage {
			c := alice.clone()
			pc, err := c.Commit(&CommitOptions{PublicMessage: true})
			if err != nil {
				t.Fatal(err)
			}
			pm := pc.Message.PublicMessage
			pm.Auth.ConfirmationTag[0] ^= 1
			ac := pm.AuthenticatedContent()
			// Recompute the membership tag so only the confirmation tag is wrong.
			if pm2, err := reprotect(c, alice, ac); err == nil {
				pc.Message.PublicMessage = pm2
			} else {
				t.Fatal(err)
			}
			return pc.Message
		}, "R-12.4.2-23", mlserr.ErrInvalidConfirmationTag},
		{"commit that removes the committer", func(t *testing.T) *MLSMessage {
			return forgeCommit(t, alice, &Commit{Proposals: []ProposalOrRef{{Type: ProposalOrRefProposal, Proposal: &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 0}}}}})
		}, "R-12.2-5", mlserr.ErrInvalidProposal},
		{"commit without proposals and without path", func(t *testing.T) *MLSMessage {
			return forgeCommit(t, alice, &Commit{Proposals: []ProposalOrRef{}})
		}, "R-12.4.2-7", mlserr.ErrInvalidCommit},
		{"commit with an unknown reference", func(t *testing.T) *MLSMessage {
			return forgeCommit(t, alice, &Commit{Proposals: []ProposalOrRef{{Type: ProposalOrRefReference, Reference: make([]byte, 32)}}})
		}, "R-12.4.2-4", mlserr.ErrInvalidCommit},
		{"commit removing the same leaf twice", func(t *testing.T) *MLSMessage {
			rm := ProposalOrRef{Type: ProposalOrRefProposal, Proposal: &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 1}}}
			return forgeCommit(t, alice, &Commit{Proposals: []ProposalOrRef{rm, rm}})
		}, "R-12.2-6", mlserr.ErrInvalidProposal},
		{"commit adding a member already in the group", func(t *testing.T) *MLSMessage {
			return forgeCommit(t, alice, &Commit{Proposals: []ProposalOrRef{{Type: ProposalOrRefProposal, Proposal: &Proposal{ProposalType: ProposalTypeAdd, Add: &Add{KeyPackage: *bkp}}}}})
		}, "R-12.2-9", mlserr.ErrInvalidProposal},
		{"commit with an ExternalInit", func(t *testing.T) *MLSMessage {
			return forgeCommit(t, alice, &Commit{Proposals: []ProposalOrRef{{Type: ProposalOrRefProposal, Proposal: &Proposal{ProposalType: ProposalTypeExternalInit, ExternalInit: &ExternalInit{KEMOutput: []byte{1}}}}}})
		}, "R-12.2-14", mlserr.ErrInvalidProposal},
		{"application message with a flipped ciphertext bit", func(t *testing.T) *MLSMessage {
			c := alice.clone()
			m, err := c.SendApplication([]byte("x"), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			m.PrivateMessage.Ciphertext[len(m.PrivateMessage.Ciphertext)-1] ^= 1
			return m
		}, "", mlserr.ErrDecryption},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.make(t)
			before := state(t, bobG)
			_, err := bobG.Process(m)
			if err == nil || !errors.Is(err, tc.class) || (tc.req != "" && mlserr.RequirementOf(err) != tc.req) {
				t.Fatalf("err = %v, want %s / %v", err, tc.req, tc.class)
			}
			if !bytes.Equal(before, state(t, bobG)) {
				t.Fatal("the rejected message changed the state")
			}
		})
	}

	// A replayed application message is rejected, since its key was
	// consumed and deleted (R-9.2-3), and the state kept.
	m, err := alice.SendApplication([]byte("once"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bobG.Process(m); err != nil {
		t.Fatal(err)
	}
	before := state(t, bobG)
	if _, err := bobG.Process(m); !errors.Is(err, mlserr.ErrGeneration) {
		t.Fatalf("replay: err = %v, want ErrGeneration", err)
	}
	if !bytes.Equal(before, state(t, bobG)) {
		t.Fatal("the replay changed the state")
	}
}

// reprotect recomputes the PublicMessage of ac with g's membership key.
func reprotect(_ *Group, g *Group, ac *framingAC) (*framingPM, error) {
	return framing.ProtectPublic(g.suite, ac, g.secrets.MembershipKey, g.ctx)
}

type (
	framingAC = framing.AuthenticatedContent
	framingPM = framing.PublicMessage
)

// forgeCommit signs c as g's member (a correct signature and membership tag
// over an arbitrary Commit), with a confirmation tag of the right length.
func forgeCommit(t *testing.T, g *Group, c *Commit) *MLSMessage {
	t.Helper()
	cb, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ac, err := framing.Sign(g.suite, framing.WireFormatPublicMessage, &framing.FramedContent{
		GroupID: g.ctx.GroupID, Epoch: g.ctx.Epoch, Sender: framing.MemberSender(g.LeafIndex()),
		AuthenticatedData: []byte{}, ContentType: framing.ContentTypeCommit, Commit: cb,
	}, g.ctx, g.sigPriv)
	if err != nil {
		t.Fatal(err)
	}
	ac.Auth.ConfirmationTag = make([]byte, g.suite.Nh())
	pm, err := framing.ProtectPublic(g.suite, ac, g.secrets.MembershipKey, g.ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMLSMessage(pm)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestJoinRejects checks that a Welcome whose tree does not match its
// GroupInfo, or whose tree is missing, is rejected.
func TestJoinRejects(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	akp, apriv := newKP(t, s, "alice")
	ag, err := NewGroup([]byte("g"), akp, apriv, nil, testConfig("alice"))
	if err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := newKP(t, s, "bob")
	pc, err := ag.Commit(&CommitOptions{Adds: []*KeyPackage{bkp}, OmitRatchetTree: true})
	if err != nil {
		t.Fatal(err)
	}
	// No tree at all.
	if _, err := JoinGroup(pc.Welcome, bkp, bpriv, nil, testConfig("b")); mlserr.RequirementOf(err) != "R-12.4.3.1-1" {
		t.Fatalf("no tree: err = %v, want R-12.4.3.1-1", err)
	}
	// The tree of the previous epoch: the signer's key is there, the tree
	// hash is not the GroupInfo's.
	if _, err := JoinGroup(pc.Welcome, bkp, bpriv, ag.Tree(), testConfig("b")); !errors.Is(err, mlserr.ErrInvalidWelcome) && !errors.Is(err, mlserr.ErrInvalidTree) {
		t.Fatalf("stale tree: err = %v, want an invalid Welcome", err)
	}
	// The right tree works.
	if err := ag.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	bg, err := JoinGroup(pc.Welcome, bkp, bpriv, ag.Tree(), testConfig("b"))
	if err != nil {
		t.Fatal(err)
	}
	agree(t, []*member{{"alice", ag}, {"bob", bg}})
	// A tampered encrypted GroupInfo does not decrypt.
	wel := *pc.Welcome
	wel.EncryptedGroupInfo = bytes.Clone(wel.EncryptedGroupInfo)
	wel.EncryptedGroupInfo[0] ^= 1
	if _, err := JoinGroup(&wel, bkp, bpriv, ag.Tree(), testConfig("b")); err == nil {
		t.Fatal("tampered Welcome accepted")
	}
}

// TestJoinRefusesKnownGroupID checks that a joiner refuses a Welcome into a
// group whose group_id is that of a group it is already in (RFC 9420,
// Section 12.4.3, R-12.4.3-3), and joins when it is in other groups only.
func TestJoinRefusesKnownGroupID(t *testing.T) {
	s := mustSuite(t, testSuite)
	akp, apriv := newKP(t, s, "alice")
	alice, err := NewGroup([]byte("known id"), akp, apriv, nil, testConfig("alice"))
	if err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := newKP(t, s, "bob")
	pc := pskCommit(t, alice, &CommitOptions{Adds: []*KeyPackage{bkp}})
	var asked [][]byte
	in := func(ids ...string) func([]byte) bool {
		return func(id []byte) bool {
			asked = append(asked, id)
			for _, x := range ids {
				if x == string(id) {
					return true
				}
			}
			return false
		}
	}
	cfg := testConfig("bob")
	cfg.MemberOf = in("other", "known id")
	if _, err := JoinGroup(pc.Welcome, bkp, bpriv, nil, cfg); !errors.Is(err, mlserr.ErrInvalidWelcome) || mlserr.RequirementOf(err) != "R-12.4.3-3" {
		t.Fatalf("err = %v, want R-12.4.3-3", err)
	}
	cfg = testConfig("bob")
	cfg.MemberOf = in("other")
	bob, err := JoinGroup(pc.Welcome, bkp, bpriv, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	agree(t, []*member{{"alice", alice}, {"bob", bob}})
	if len(asked) != 2 || string(asked[0]) != "known id" {
		t.Fatalf("MemberOf was asked about %q", asked)
	}

	// The same for a new member joining by external Commit; a resync
	// (rejoining a group whose state was lost) is not refused.
	gi := exportGI(t, alice, GroupInfoOptions{ExternalPub: true, RatchetTree: true})
	ckp, cpriv := newKP(t, s, "carol")
	cfg = testConfig("carol")
	cfg.MemberOf = in("known id")
	if _, _, err := JoinExternal(gi, ckp, cpriv, nil, cfg); !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-12.4.3-3" {
		t.Fatalf("external join: err = %v, want R-12.4.3-3", err)
	}
	bkp2, bpriv2 := kpWithSeed(t, s, "bob", "bob resync")
	cfg = testConfig("bob again")
	cfg.MemberOf = in("known id")
	if _, _, err := JoinExternal(gi, bkp2, bpriv2, &ExternalJoinOptions{Resync: new(uint32(bob.LeafIndex()))}, cfg); err != nil {
		t.Fatalf("resync: %v", err)
	}
}
