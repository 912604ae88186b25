// Package group holds the native Go fuzz targets of the state transitions
// of ref/group (RFC 9420, Sections 11, 12 and 15): Process fed arbitrary
// bytes and near-valid mutations of real messages, JoinGroup fed mutated
// Welcomes, JoinExternal fed mutated GroupInfos, and UnmarshalGroup fed
// mutated states. They start from the deterministic group of
// fuzz/internal/fixture and check that nothing panics, that every error is
// an mlserr error, that a rejected input leaves the group byte for byte as
// it was, and that whatever is accepted is what the valid input gives. See
// fuzz/README.md.
//
//	go test ./fuzz/group -run '^$' -fuzz FuzzProcessMutated -fuzztime 60s
package group
