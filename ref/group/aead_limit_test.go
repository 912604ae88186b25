package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// TestEpochAEADLimit checks the per-epoch bound on what a member encrypts
// (RFC 9420, Section 15.2, R-15.2-1): once Config.MaxEpochBlocks would be
// exceeded, application messages and private Commits are refused with the
// state unchanged, the count survives a save and restore, and a new epoch
// starts it again.
func TestEpochAEADLimit(t *testing.T) {
	ms := newTestGroupCfg(t, func(c *Config) { c.MaxEpochBlocks = 40 }, "alice", "bob")
	alice, bob := ms[0].g, ms[1].g
	sent := 0
	var err error
	for ; sent < 40; sent++ {
		var m *MLSMessage
		if m, err = alice.SendApplication(bytes.Repeat([]byte{'x'}, 30), nil, 0); err != nil {
			break
		}
		deliver(t, m, bob)
	}
	if sent == 0 || !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-15.2-1" {
		t.Fatalf("after %d messages: err = %v, want R-15.2-1", sent, err)
	}
	before := state(t, alice)
	if _, err := alice.SendApplication([]byte("x"), nil, 0); mlserr.RequirementOf(err) != "R-15.2-1" {
		t.Fatalf("err = %v, want R-15.2-1", err)
	}
	if _, err := alice.Commit(&CommitOptions{}); mlserr.RequirementOf(err) != "R-15.2-1" {
		t.Fatalf("private Commit: err = %v, want R-15.2-1", err)
	}
	if !bytes.Equal(before, state(t, alice)) {
		t.Fatal("a refused encryption changed the state")
	}
	restored, err := UnmarshalGroup(before, alice.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restored.SendApplication([]byte("x"), nil, 0); mlserr.RequirementOf(err) != "R-15.2-1" {
		t.Fatalf("restored: err = %v, want R-15.2-1", err)
	}
	// A public Commit moves the group on; the new epoch's keys start a
	// new count, for the committer and for bob, who sent nothing.
	pskCommit(t, alice, &CommitOptions{PublicMessage: true}, bob)
	for i := 0; i < sent; i++ {
		m, err := alice.SendApplication(bytes.Repeat([]byte{'x'}, 30), nil, 0)
		if err != nil {
			t.Fatalf("message %d of the new epoch: %v", i, err)
		}
		deliver(t, m, bob)
	}
}
