package group

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

const testSuite = ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519

// newTestGroupCfg is newTestGroup with cfg applied to every member.
func newTestGroupCfg(t *testing.T, cfg func(*Config), names ...string) []*member {
	t.Helper()
	ms := newTestGroup(t, testSuite, names...)
	for _, m := range ms {
		cfg(&m.g.cfg)
	}
	return ms
}

// advance has the member whose group is from send an empty Commit (with a
// path) that every other member of ms processes and from merges.
func advance(t *testing.T, ms []*member, from *Group) []*member {
	t.Helper()
	for i, m := range ms {
		if m.g == from {
			return commitAndDeliver(t, ms, i, nil, nil, nil, nil)
		}
	}
	t.Fatal("the committer is not a member")
	return nil
}

// send has ms[from] send n application messages of the current epoch.
func send(t *testing.T, g *Group, n int) []*MLSMessage {
	t.Helper()
	var out []*MLSMessage
	for i := range n {
		m, err := g.SendApplication(fmt.Appendf(nil, "message %d of epoch %d", i, g.Epoch()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// mustReject processes m on g, expects an error of class and requirement
// req ("" for any), and checks that g's state is byte-identical
// afterwards.
func mustReject(t *testing.T, g *Group, m *MLSMessage, req string, class error) {
	t.Helper()
	before := state(t, g)
	_, err := g.Process(m)
	if err == nil || !errors.Is(err, class) || (req != "" && mlserr.RequirementOf(err) != req) {
		t.Fatalf("err = %v (requirement %q), want %s / %v", err, mlserr.RequirementOf(err), req, class)
	}
	if !bytes.Equal(before, state(t, g)) {
		t.Fatal("the rejected message changed the state")
	}
}

// mustRead processes the application message m on g and checks its
// content and epoch.
func mustRead(t *testing.T, g *Group, m *MLSMessage, epoch uint64) {
	t.Helper()
	r, err := g.Process(m)
	if err != nil {
		t.Fatalf("reading a message of epoch %d in epoch %d: %v", epoch, g.Epoch(), err)
	}
	if r.Epoch != epoch || !bytes.HasSuffix(r.ApplicationData, fmt.Appendf(nil, "of epoch %d", epoch)) {
		t.Fatalf("read %q of epoch %d, want one of epoch %d", r.ApplicationData, r.Epoch, epoch)
	}
}

func pastEpochs(g *Group) []uint64 {
	var out []uint64
	for _, p := range g.past {
		out = append(out, p.ctx.Epoch)
	}
	return out
}

// TestLateApplicationMessages delivers application messages from past
// epochs: up to Config.MaxPastEpochs behind they decrypt (in any order),
// beyond it they are refused with R-15.3-1, and the oldest epoch is
// deleted as each new one begins (RFC 9420, Sections 9.2 and 15.3).
func TestLateApplicationMessages(t *testing.T) {
	for _, limit := range []int{0, 1, 2, 5, -1} {
		t.Run(fmt.Sprintf("MaxPastEpochs=%d", limit), func(t *testing.T) {
			kept := limit
			switch {
			case limit == 0:
				kept = DefaultMaxPastEpochs
			case limit < 0:
				kept = 0
			}
			ms := newTestGroupCfg(t, func(c *Config) { c.MaxPastEpochs = limit }, "alice", "bob", "carol")
			alice, bob, carol := ms[0].g, ms[1].g, ms[2].g
			first := alice.Epoch()
			// sent[e] holds two messages of Bob's sent in epoch e.
			sent := map[uint64][]*MLSMessage{}
			for range kept + 2 {
				sent[bob.Epoch()] = send(t, bob, 2)
				ms = advance(t, ms, carol)
			}
			now := alice.Epoch()
			var want []uint64
			for e := now - uint64(kept); e < now; e++ {
				want = append(want, e)
			}
			if got := pastEpochs(alice); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("past epochs kept %v, want %v", got, want)
			}
			for e := first; e < now; e++ {
				msgs := sent[e]
				if now-e > uint64(kept) {
					// [R-15.3-1] beyond the limit.
					mustReject(t, alice, msgs[0], "R-15.3-1", mlserr.ErrEpoch)
					continue
				}
				// Out of order within the old epoch, then a replay.
				mustRead(t, alice, msgs[1], e)
				mustRead(t, alice, msgs[0], e)
				mustReject(t, alice, msgs[1], "R-9.2-1", mlserr.ErrGeneration)
				// Carol reads the same late messages too.
				mustRead(t, carol, msgs[0], e)
			}
		})
	}
}

// TestPastEpochsSurviveRestore stores a member with past epochs, restores
// it, and checks that the restored copy decrypts a late message into the
// same state as the original.
func TestPastEpochsSurviveRestore(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob")
	alice, bob := ms[0].g, ms[1].g
	late := send(t, bob, 3)
	mustRead(t, alice, late[2], alice.Epoch())
	ms = advance(t, ms, alice)
	advance(t, ms, bob)
	if got := fmt.Sprint(pastEpochs(alice)); got != "[0 1 2]" {
		t.Fatalf("past epochs %s, want [0 1 2]", got)
	}
	restored := restore(t, alice, "alice restored")
	mustRead(t, alice, late[0], 1)
	mustRead(t, restored, late[0], 1)
	if !bytes.Equal(state(t, alice), state(t, restored)) {
		t.Fatal("the restored state decrypted the late message into another state")
	}
	mustReject(t, restored, late[2], "R-9.2-1", mlserr.ErrGeneration)
	mustReject(t, restored, late[0], "R-9.2-1", mlserr.ErrGeneration)
	mustRead(t, restored, late[1], 1)
}

// TestMergeKeepsGenerationsUsedAfterCommit checks that a message received
// between creating a Commit and merging it stays consumed in the past
// epoch the merge keeps: its replay is refused.
func TestMergeKeepsGenerationsUsedAfterCommit(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob")
	alice, bob := ms[0].g, ms[1].g
	pc, err := alice.Commit(&CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	m := send(t, bob, 1)[0]
	mustRead(t, alice, m, 1)
	if err := alice.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	mustReject(t, alice, m, "R-9.2-1", mlserr.ErrGeneration)
	deliver(t, pc.Message, bob)
	agree(t, []*member{{"alice", alice}, {"bob", bob}})
}

// TestHandshakeFromOtherEpochs delivers Commits and proposals of a past
// and of a future epoch: each is refused with its requirement and the
// state is unchanged (RFC 9420, Sections 12.1 and 12.4.2).
func TestHandshakeFromOtherEpochs(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob", "carol")
	alice, bob, carol := ms[0].g, ms[1].g, ms[2].g
	// A Commit and a proposal of the current epoch e that Alice never
	// sees in time.
	old, err := bob.clone().Commit(&CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	oldProp, err := bob.clone().ProposeUpdate(true)
	if err != nil {
		t.Fatal(err)
	}
	oldPrivProp, err := bob.clone().ProposeUpdate(false)
	if err != nil {
		t.Fatal(err)
	}
	// Carol moves the group to e+1 and Bob to e+2, but Alice only sees
	// the first Commit for now.
	pc1, err := carol.Commit(&CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, pc1.Message, alice, bob)
	if err := carol.MergePendingCommit(pc1); err != nil {
		t.Fatal(err)
	}
	pc2, err := bob.Commit(&CommitOptions{ForcePath: true, PublicMessage: true})
	if err != nil {
		t.Fatal(err)
	}
	pc3, err := bob.clone().Commit(&CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.MergePendingCommit(pc2); err != nil {
		t.Fatal(err)
	}
	deliver(t, pc2.Message, carol)
	futurePriv, err := bob.clone().Commit(&CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	futurePub, err := bob.clone().Commit(&CommitOptions{ForcePath: true, PublicMessage: true})
	if err != nil {
		t.Fatal(err)
	}
	futureProp, err := bob.clone().ProposeUpdate(true)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		m     *MLSMessage
		req   string
		class error
	}{
		{"a Commit of the past epoch (PrivateMessage)", old.Message, "R-12.4.2-1", mlserr.ErrEpoch},
		{"a proposal of the past epoch (PublicMessage)", oldProp, "R-12.1-1", mlserr.ErrEpoch},
		{"a proposal of the past epoch (PrivateMessage)", oldPrivProp, "R-12.1-1", mlserr.ErrEpoch},
		{"a Commit of the future epoch (PrivateMessage)", futurePriv.Message, "R-12.4.2-1", mlserr.ErrEpoch},
		{"a Commit of the future epoch (PublicMessage)", futurePub.Message, "R-12.4.2-1", mlserr.ErrEpoch},
		{"a proposal of the future epoch", futureProp, "R-12.1-1", mlserr.ErrEpoch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { mustReject(t, alice, tc.m, tc.req, tc.class) })
	}
	// A second Commit for the epoch Alice has already left (a fork that
	// lost) is refused once she has moved on.
	deliver(t, pc2.Message, alice)
	mustReject(t, alice, pc3.Message, "R-12.4.2-1", mlserr.ErrEpoch)
	agree(t, []*member{{"alice", alice}, {"bob", bob}, {"carol", carol}})
}

// TestOutOfOrderWithinEpoch delivers application messages out of order
// within an epoch under the secret tree's limits (RFC 9420, Section 15.3):
// reordering within the limits works, a generation too far ahead is
// refused (R-15.3-2), a generation whose key the skipped-keys limit
// deleted is refused (R-9.2-1), as is a replay.
func TestOutOfOrderWithinEpoch(t *testing.T) {
	ms := newTestGroupCfg(t, func(c *Config) {
		c.Limits = schedule.Limits{MaxGenerationGap: 3, MaxSkippedKeys: 2}
	}, "alice", "bob")
	alice, bob := ms[0].g, ms[1].g
	// The limits apply to the secret trees of epochs that begin after
	// they are set.
	ms = advance(t, ms, alice)
	e := alice.Epoch()
	m := send(t, bob, 10)
	// Generation 5 is 5 ahead of 0: beyond the gap of 3.
	mustReject(t, alice, m[5], "R-15.3-2", mlserr.ErrGeneration)
	// 3 is within; it keeps the keys of 1 and 2 (0 is deleted: at most 2).
	mustRead(t, alice, m[3], e)
	mustRead(t, alice, m[1], e)
	mustReject(t, alice, m[0], "R-9.2-1", mlserr.ErrGeneration)
	mustReject(t, alice, m[1], "R-9.2-1", mlserr.ErrGeneration)
	mustReject(t, alice, m[3], "R-9.2-1", mlserr.ErrGeneration)
	// 7 is 3 ahead of 4: within the gap. It keeps 5 and 6, and the key of
	// 2 goes: at most 2 skipped keys.
	mustRead(t, alice, m[7], e)
	mustReject(t, alice, m[2], "R-9.2-1", mlserr.ErrGeneration)
	mustReject(t, alice, m[4], "R-9.2-1", mlserr.ErrGeneration)
	mustRead(t, alice, m[6], e)
	mustRead(t, alice, m[5], e)
	mustRead(t, alice, m[9], e)
	mustRead(t, alice, m[8], e)
	// The same limits hold in a past epoch.
	late := send(t, bob, 6)
	advance(t, ms, bob)
	mustReject(t, alice, late[5], "R-15.3-2", mlserr.ErrGeneration)
	mustRead(t, alice, late[2], e)
	mustRead(t, alice, late[0], e)
	mustReject(t, alice, late[0], "R-9.2-1", mlserr.ErrGeneration)
}
