// Package fuzzutil holds what the fuzz targets of fuzz/ share: the check
// that an error is one mlsref promises for bad input, the byte-level
// mutations that move a valid encoding to a near-valid one, and a short
// description of how two serialized states differ.
package fuzzutil

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// Classes are the error classes of ref/mlserr.
var Classes = []error{
	mlserr.ErrMalformed, mlserr.ErrInvalidSignature, mlserr.ErrInvalidMembershipTag,
	mlserr.ErrInvalidConfirmationTag, mlserr.ErrDecryption, mlserr.ErrGeneration,
	mlserr.ErrEpoch, mlserr.ErrInvalidTree, mlserr.ErrInvalidCredential,
	mlserr.ErrInvalidProposal, mlserr.ErrInvalidCommit, mlserr.ErrInvalidWelcome,
	mlserr.ErrInvalidKeyPackage, mlserr.ErrUnsupported, mlserr.ErrInvalidInput,
}

// ErrorProblem returns what is wrong with err as an error for bad input,
// or "" when nothing is: it must be an *mlserr.Error of one of Classes
// that reads "mls: ...", and, when fromPeer, it must name the rule it
// enforces, by a requirement ID somewhere in its chain or by "RFC 9420"
// (a section) in its message.
func ErrorProblem(err error, fromPeer bool) string {
	var me *mlserr.Error
	if !errors.As(err, &me) {
		return fmt.Sprintf("error %q (%T) is not an *mlserr.Error", err, err)
	}
	known := false
	for _, c := range Classes {
		known = known || me.Class == c
	}
	if !known {
		return fmt.Sprintf("error %q has class %v, not one of mlserr's", err, me.Class)
	}
	if !errors.Is(err, me.Class) || !strings.HasPrefix(err.Error(), "mls: ") {
		return fmt.Sprintf("error %q does not read \"mls: \" or does not match its class", err)
	}
	if fromPeer && len(mlserr.Requirements(err)) == 0 && !strings.Contains(err.Error(), "RFC 9420") {
		return fmt.Sprintf("error %q names neither a requirement nor a section of RFC 9420", err)
	}
	return ""
}

// CheckError fails t when ErrorProblem finds something wrong with err,
// which what returned for input.
func CheckError(t testing.TB, what string, input []byte, err error, fromPeer bool) {
	t.Helper()
	if p := ErrorProblem(err, fromPeer); p != "" {
		t.Fatalf("%s: %s\ninput %x", what, p, input)
	}
}

// MaxOps bounds the operations of a mutation script, so that mutated
// inputs stay near the valid ones.
const MaxOps = 16

// Mutate returns a copy of b changed by script, read as up to MaxOps
// operations of four octets (op, position high, position low, value); the
// position is taken modulo the current length (plus one for an insertion):
//
//	op%4 == 0: xor the octet at position with value
//	op%4 == 1: insert value before position
//	op%4 == 2: delete the octet at position
//	op%4 == 3: set the octet at position to value
//
// A trailing partial operation is ignored. The result may equal b (a xor
// with 0, say); callers compare.
func Mutate(b, script []byte) []byte {
	out := append([]byte{}, b...)
	for i := 0; i+4 <= len(script) && i/4 < MaxOps; i += 4 {
		op, pos, v := script[i]%4, int(script[i+1])<<8|int(script[i+2]), script[i+3]
		if op == 1 {
			pos %= len(out) + 1
			out = append(out[:pos], append([]byte{v}, out[pos:]...)...)
			continue
		}
		if len(out) == 0 {
			continue
		}
		pos %= len(out)
		switch op {
		case 0:
			out[pos] ^= v
		case 2:
			out = append(out[:pos], out[pos+1:]...)
		case 3:
			out[pos] = v
		}
	}
	return out
}

// Op encodes one operation of a mutation script, for seeds.
func Op(op byte, pos int, v byte) []byte { return []byte{op, byte(pos >> 8), byte(pos), v} }

// Diff describes where the serialized states a and b first differ.
func Diff(a, b []byte) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n && len(a) == len(b) {
		return "identical"
	}
	lo, hi := max(i-8, 0), i+24
	return fmt.Sprintf("%d and %d bytes, first difference at offset %d:\n before %x\n after  %x", len(a), len(b), i, a[lo:min(hi, len(a))], b[lo:min(hi, len(b))])
}
