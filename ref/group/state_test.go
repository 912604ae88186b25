package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// newTestGroup builds a group of the named members in suite id, alice
// first, each added by the previous commit of alice.
func newTestGroup(t *testing.T, id ciphersuite.ID, names ...string) []*member {
	t.Helper()
	s := mustSuite(t, id)
	akp, apriv := newKP(t, s, names[0])
	ag, err := NewGroup([]byte("group "+names[0]), akp, apriv, nil, testConfig(names[0]))
	if err != nil {
		t.Fatal(err)
	}
	ms := []*member{{name: names[0], g: ag}}
	var kps []*KeyPackage
	var privs []*KeyPackagePrivate
	var joiners []*member
	for _, n := range names[1:] {
		kp, priv := newKP(t, s, n)
		kps, privs, joiners = append(kps, kp), append(privs, priv), append(joiners, &member{name: n})
	}
	if len(joiners) > 0 {
		ms = commitAndDeliver(t, ms, 0, &CommitOptions{Adds: kps}, joiners, kps, privs)
	}
	return ms
}

// restore encodes g and decodes it again with a fresh Config, checking
// that the decoded state encodes to the same bytes.
func restore(t *testing.T, g *Group, seed string) *Group {
	t.Helper()
	b := state(t, g)
	r, err := UnmarshalGroup(b, testConfig(seed))
	if err != nil {
		t.Fatalf("UnmarshalGroup: %v", err)
	}
	if !bytes.Equal(state(t, r), b) {
		t.Fatal("Marshal -> Unmarshal -> Marshal is not the identity")
	}
	return r
}

// deliver marshals m and has every group in gs process a decoded copy,
// returning what each received.
func deliver(t *testing.T, m *MLSMessage, gs ...*Group) []*Received {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var out []*Received
	for i, g := range gs {
		msg, err := DecodeMLSMessage(b)
		if err != nil {
			t.Fatal(err)
		}
		r, err := g.Process(msg)
		if err != nil {
			t.Fatalf("group %d processes the message: %v", i, err)
		}
		out = append(out, r)
	}
	return out
}

// TestGroupStateRoundTrip restores members' states, one with a pending
// Update of its own and received proposals, and checks that the restored
// state encodes identically and behaves exactly like the original: it
// processes the next Commit and the next application message into the
// same state, and can itself commit and send.
func TestGroupStateRoundTrip(t *testing.T) {
	for _, id := range []ciphersuite.ID{ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256, ciphersuite.MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448} {
		t.Run(id.String(), func(t *testing.T) {
			ms := newTestGroup(t, id, "alice", "bob", "carol", "dave")
			alice, bob, carol, dave := ms[0].g, ms[1].g, ms[2].g, ms[3].g
			// A path-carrying commit so that the states hold parent keys.
			ms = commitAndDeliver(t, ms, 2, &CommitOptions{ForcePath: true}, nil, nil, nil)
			// Application traffic, so that the secret trees are in use.
			for i, m := range ms {
				msg, err := m.g.SendApplication([]byte("hi"), nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				var others []*Group
				for k, o := range ms {
					if k != i {
						others = append(others, o.g)
					}
				}
				deliver(t, msg, others...)
			}

			// Bob proposes an Update (keeping its new leaf key), Dave a
			// Remove; all receive both.
			up, err := bob.ProposeUpdate(false)
			if err != nil {
				t.Fatal(err)
			}
			deliver(t, up, alice, carol, dave)
			rm, err := dave.Propose(&Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: carol.LeafIndex()}}, true)
			if err != nil {
				t.Fatal(err)
			}
			deliver(t, rm, alice, bob, carol)
			bobR := restore(t, bob, "bob restored")
			aliceR := restore(t, alice, "alice restored")

			// Alice commits both proposals; bob and its restored copy
			// process the Commit into the same state, using the pending
			// Update's leaf key.
			pc, err := alice.Commit(nil)
			if err != nil {
				t.Fatal(err)
			}
			deliver(t, pc.Message, bob, bobR, dave)
			if r := deliver(t, pc.Message, carol); !r[0].Removed {
				t.Fatal("carol is not removed")
			}
			if err := alice.MergePendingCommit(pc); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(state(t, bob), state(t, bobR)) {
				t.Fatal("the restored bob processed the Commit into another state")
			}
			agree(t, []*member{{"alice", alice}, {"bob", bob}, {"bob restored", bobR}, {"dave", dave}})

			// The next application message decrypts identically.
			msg, err := dave.SendApplication([]byte("after"), []byte("ad"), 3)
			if err != nil {
				t.Fatal(err)
			}
			got := deliver(t, msg, bob, bobR)
			if string(got[0].ApplicationData) != "after" || string(got[1].ApplicationData) != "after" {
				t.Fatalf("read %q and %q", got[0].ApplicationData, got[1].ApplicationData)
			}
			if !bytes.Equal(state(t, bob), state(t, bobR)) {
				t.Fatal("the restored bob decrypted into another state")
			}

			// The restored alice of the previous epoch is stale: the
			// Commit of its own epoch is not its own to process.
			if _, err := aliceR.Process(pc.Message); err == nil {
				t.Fatal("the restored alice processed its own Commit")
			}
			// The restored bob commits, and everyone follows.
			pc2, err := bobR.Commit(&CommitOptions{ForcePath: true})
			if err != nil {
				t.Fatal(err)
			}
			deliver(t, pc2.Message, alice, dave)
			if err := bobR.MergePendingCommit(pc2); err != nil {
				t.Fatal(err)
			}
			agree(t, []*member{{"alice", alice}, {"bob restored", bobR}, {"dave", dave}})
		})
	}
}

// TestPendingCommitRoundTrip stores a pending Commit with its Welcome,
// restores it, and merges the restored one: the committer reaches the same
// state as with the original, and the Welcome still works.
func TestPendingCommitRoundTrip(t *testing.T) {
	ms := newTestGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "alice", "bob")
	alice, bob := ms[0].g, ms[1].g
	s := alice.Suite()
	ckp, cpriv := newKP(t, s, "carol")
	pc, err := alice.Commit(&CommitOptions{Adds: []*KeyPackage{ckp}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := pc.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	pcR, err := UnmarshalPendingCommit(b, testConfig("alice restored"))
	if err != nil {
		t.Fatal(err)
	}
	if b2, err := pcR.MarshalBinary(); err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("PendingCommit Marshal -> Unmarshal -> Marshal is not the identity (err %v)", err)
	}
	aliceR := restore(t, alice, "alice restored")
	if err := alice.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	if err := aliceR.MergePendingCommit(pcR); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(state(t, alice), state(t, aliceR)) {
		t.Fatal("merging the restored pending Commit gives another state")
	}
	deliver(t, pcR.Message, bob)
	carol, err := JoinGroup(pcR.Welcome, ckp, cpriv, nil, testConfig("carol"))
	if err != nil {
		t.Fatal(err)
	}
	agree(t, []*member{{"alice", aliceR}, {"bob", bob}, {"carol", carol}})
	// A pending Commit of another epoch is refused.
	if err := aliceR.MergePendingCommit(pcR); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Fatalf("merging a stale pending Commit: %v", err)
	}
	// Truncations and a trailing byte are refused.
	for _, n := range []int{0, 1, 9, len(b) / 2, len(b) - 1} {
		if _, err := UnmarshalPendingCommit(b[:n], testConfig("x")); !errors.Is(err, mlserr.ErrMalformed) {
			t.Errorf("truncated to %d: %v", n, err)
		}
	}
	if _, err := UnmarshalPendingCommit(append(bytes.Clone(b), 0), testConfig("x")); !errors.Is(err, mlserr.ErrMalformed) {
		t.Errorf("trailing byte: %v", err)
	}
}

// TestUnmarshalGroupRejects breaks one consistency rule at a time in an
// otherwise valid state and checks that the state is refused; every
// truncation of a valid state is refused too.
func TestUnmarshalGroupRejects(t *testing.T) {
	ms := newTestGroup(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "alice", "bob", "carol")
	bob := ms[1].g
	advance(t, ms, ms[0].g) // so that bob keeps a past epoch
	if _, err := bob.ProposeUpdate(true); err != nil {
		t.Fatal(err)
	}
	up, err := ms[2].g.ProposeUpdate(false)
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, up, bob)
	good := state(t, bob)
	if _, err := UnmarshalGroup(good, testConfig("x")); err != nil {
		t.Fatalf("the valid state is refused: %v", err)
	}
	s := bob.suite
	other := ms[2].g // carol: another leaf, other keys
	tests := []struct {
		name   string
		mutate func(g *Group)
		class  error
	}{
		{"a tree hash that is not the tree's", func(g *Group) { g.ctx.TreeHash = make([]byte, s.Nh()) }, mlserr.ErrMalformed},
		{"another member's private state", func(g *Group) { g.priv = other.priv.Clone() }, mlserr.ErrMalformed},
		{"a private leaf key that is not the leaf's", func(g *Group) {
			priv, _, err := s.GenerateKeyPair(seeded.New("k"))
			if err != nil {
				t.Fatal(err)
			}
			if err := g.priv.SetLeafKey(priv); err != nil {
				t.Fatal(err)
			}
		}, mlserr.ErrInvalidTree},
		{"another member's signature key", func(g *Group) { g.sigPriv = bytes.Clone(other.sigPriv) }, mlserr.ErrMalformed},
		{"a short exporter secret", func(g *Group) { g.secrets.ExporterSecret = g.secrets.ExporterSecret[:5] }, mlserr.ErrMalformed},
		{"no init secret", func(g *Group) { g.secrets.InitSecret = nil }, mlserr.ErrMalformed},
		{"a secret tree of another width", func(g *Group) {
			st, err := schedule.NewSecretTree(s, make([]byte, s.Nh()), 2*g.tree.NumLeaves(), schedule.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			g.secretTree = st
		}, mlserr.ErrMalformed},
		{"a short interim transcript hash", func(g *Group) { g.interim = g.interim[1:] }, mlserr.ErrMalformed},
		{"a short proposal reference", func(g *Group) { g.pending[0].ref = g.pending[0].ref[1:] }, mlserr.ErrMalformed},
		{"a proposal from a blank leaf", func(g *Group) { g.pending[1].sender = framing.MemberSender(7) }, mlserr.ErrMalformed},
		{"a leaf key on another member's Update", func(g *Group) { g.pending[1].leafPriv = bytes.Clone(g.pending[0].leafPriv) }, mlserr.ErrMalformed},
		{"a resumption_psk of the current epoch", func(g *Group) {
			g.resumption = append(g.resumption.clone(), resumptionPSK{epoch: g.ctx.Epoch, secret: make([]byte, s.Nh())})
		}, mlserr.ErrMalformed},
		{"a short resumption_psk", func(g *Group) {
			g.resumption = append(resumptionPSKs{{epoch: 0, secret: make([]byte, 3)}}, g.resumption.clone()...)
		}, mlserr.ErrMalformed},
		{"a past epoch that is not earlier", func(g *Group) { g.past[0].ctx.Epoch = g.ctx.Epoch }, mlserr.ErrMalformed},
		{"a past epoch of another group", func(g *Group) { g.past[0].ctx.GroupID = []byte("another group") }, mlserr.ErrMalformed},
		{"a short past sender_data_secret", func(g *Group) { g.past[0].senderDataSecret = make([]byte, 4) }, mlserr.ErrMalformed},
		{"past signature keys beyond the secret tree's width", func(g *Group) {
			g.past[0].signatureKeys = append(append([][]byte{}, g.past[0].signatureKeys...), make([][]byte, 8)...)
			g.past[0].signatureKeys[9] = []byte{1}
		}, mlserr.ErrMalformed},
		{"a leaf key that is not the Update's", func(g *Group) { g.pending[0].leafPriv = bytes.Clone(g.priv.LeafKey()) }, mlserr.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := bob.clone()
			tc.mutate(g)
			b, err := g.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			_, err = UnmarshalGroup(b, testConfig("x"))
			if err == nil || (tc.class != nil && !errors.Is(err, tc.class)) {
				t.Fatalf("error %v, want %v", err, tc.class)
			}
		})
	}
	// Byte edits: the format (the previous one, without sent_blocks, and
	// an unknown one), the reinit presence octet (before the 8 octets of
	// sent_blocks), a trailing byte.
	presence := bytes.Clone(good)
	presence[len(presence)-9] = 2
	edits := map[string][]byte{
		"format 1":          append([]byte{1}, good[1:]...),
		"format 3":          append([]byte{3}, good[1:]...),
		"reinit presence 2": presence,
		"trailing byte":     append(bytes.Clone(good), 0),
	}
	for name, b := range edits {
		if _, err := UnmarshalGroup(b, testConfig("x")); !errors.Is(err, mlserr.ErrMalformed) {
			t.Errorf("%s: error %v, want ErrMalformed", name, err)
		}
	}
	// Every proper prefix is refused (sampled every 7 octets to stay fast).
	for n := 0; n < len(good); n += 7 {
		if _, err := UnmarshalGroup(good[:n], testConfig("x")); err == nil {
			t.Fatalf("the state truncated to %d of %d octets is accepted", n, len(good))
		}
	}
	// UnmarshalBinary on error leaves the group as it was.
	g := bob.clone()
	if err := g.UnmarshalBinary(good[:10]); err == nil || !bytes.Equal(state(t, g), good) {
		t.Fatalf("a failed UnmarshalBinary: err %v, state changed %v", err, !bytes.Equal(state(t, g), good))
	}
	if err := g.UnmarshalBinary(good); err != nil {
		t.Fatal(err)
	}
}
