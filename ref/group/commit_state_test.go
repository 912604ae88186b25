package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// TestCommitLeavesStateUnchanged checks that creating a Commit does not
// move the committer's state (RFC 9420, Section 14, R-14-3): as a
// PublicMessage the state is byte for byte the same; as a PrivateMessage
// only a handshake generation is used, and the epoch, tree, secrets and
// pending proposals stay. A competing Commit is then processed normally
// and the stale PendingCommit can no longer be merged.
func TestCommitLeavesStateUnchanged(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob", "carol")
	alice, bob, carol := ms[0].g, ms[1].g, ms[2].g
	m, err := carol.ProposeUpdate(true)
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, m, alice, bob)
	dkp, _ := newKP(t, alice.Suite(), "dave")

	before := state(t, alice)
	if _, err := alice.Commit(&CommitOptions{PublicMessage: true, Adds: []*KeyPackage{dkp}, Removes: []uint32{1}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, state(t, alice)) {
		t.Fatal("creating a public Commit changed the state")
	}

	epoch, th, auth, members, pending := alice.Epoch(), alice.TreeHash(), alice.EpochAuthenticator(), alice.Members(), len(alice.pending)
	stale, err := alice.Commit(&CommitOptions{Adds: []*KeyPackage{dkp}, Removes: []uint32{1}})
	if err != nil {
		t.Fatal(err)
	}
	if alice.Epoch() != epoch || !bytes.Equal(alice.TreeHash(), th) || !bytes.Equal(alice.EpochAuthenticator(), auth) || len(alice.Members()) != len(members) || len(alice.pending) != pending {
		t.Fatal("creating a private Commit moved the state")
	}

	// bob's Commit wins: alice processes it from her unchanged state.
	pc := pskCommit(t, bob, &CommitOptions{}, alice, carol)
	if pc == nil || alice.Epoch() != epoch+1 {
		t.Fatalf("alice is in epoch %d after bob's Commit", alice.Epoch())
	}
	if err := alice.MergePendingCommit(stale); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Fatalf("merging the stale Commit: err = %v, want ErrInvalidInput", err)
	}
}

// TestHandshakeAppliedBeforeApplicationData checks that a handshake
// message's change is applied before application data is encrypted again
// (RFC 9420, Section 15.2, R-15.2-2): with a proposal pending the member
// refuses to send (the state unchanged), and after the Commit that covers
// it, application messages are encrypted in the new epoch.
func TestHandshakeAppliedBeforeApplicationData(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob")
	alice, bob := ms[0].g, ms[1].g
	m, err := bob.ProposeUpdate(false)
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, m, alice)
	before := state(t, alice)
	if _, err := alice.SendApplication([]byte("too early"), nil, 0); mlserr.RequirementOf(err) != "R-12.4-1" {
		t.Fatalf("err = %v, want R-12.4-1", err)
	}
	if !bytes.Equal(before, state(t, alice)) {
		t.Fatal("the refused send changed the state")
	}
	epoch := alice.Epoch()
	pskCommit(t, alice, &CommitOptions{}, bob)
	for _, g := range []*Group{alice, bob} {
		app, err := g.SendApplication([]byte("after"), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if app.PrivateMessage.Epoch != epoch+1 {
			t.Fatalf("application message of epoch %d, want %d", app.PrivateMessage.Epoch, epoch+1)
		}
	}
}
