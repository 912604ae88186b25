// Package proptest holds the property tests of mlsref: a pgregory.net/rapid
// state machine that drives a population of real ref/group clients and the
// crypto-free model of package model side by side, and
// github.com/leanovate/gopter properties of the wire encodings (RFC 9420,
// Section 2.1), the tree arithmetic (RFC 9420, Appendix C) and the secret
// tree's window for reordered messages (RFC 9420, Sections 9.2 and 15.3).
//
// # The state machine
//
// Property runs one random sequence of operations on one group: Adds by
// value and by reference (with the tree in the Welcome or out of band),
// Removes, Updates, empty Commits and Commits of proposals from several
// members; application messages delivered in order, out of order and
// twice; Commits delivered to some members before others; and invalid
// operations: a removed member committing, adding a member twice, replaying
// a message, a Commit for a past epoch, a forged signature, membership tag
// or ciphertext, a KeyPackage that is expired or of another cipher suite,
// joining with the wrong tree. For every operation the model says what
// RFC 9420 requires (a model.Verdict) and ref/group must agree: both accept,
// or both reject and the model names the reason ref/group gives (its
// requirement ID and error class). A rejected operation must leave the
// client's serialized state (MarshalBinary) byte for byte unchanged.
//
// After every step, every client's epoch, leaf and membership match its
// view in the model; all members of an epoch agree on the epoch
// authenticator, tree hash, GroupContext and an exported secret; and the
// ratchet tree of every epoch has the model's shape: which client holds
// which leaf, which nodes are blank, and the unmerged leaves. Removed
// clients keep receiving application messages and must refuse them.
//
// # Failures and regressions
//
// A failing sequence is shrunk by rapid, printed operation by operation
// with its seed, and saved under testdata/rapid/TestGroupStateMachine,
// from where every later run of the test replays it first. Operations are
// drawn by their index in an append-only list, so saved cases keep their
// meaning when operations are added. Cases that expose a known
// disagreement not yet fixed in ref/group go to testdata/known and are
// replayed by TestKnownIssues with the exposing operations enabled
// (Config.KnownIssues; none is open at present); gopter failures print a
// seed to add to gopterSeeds.
//
// Run runs the property outside `go test`, which is what
// `mlsref campaign prop` does for a given duration.
package proptest
