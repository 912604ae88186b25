package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/mlsref/mlsref/fuzz/internal/fixture"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// classes are the error classes of ref/mlserr.
var classes = []error{
	mlserr.ErrMalformed, mlserr.ErrInvalidSignature, mlserr.ErrInvalidMembershipTag,
	mlserr.ErrInvalidConfirmationTag, mlserr.ErrDecryption, mlserr.ErrGeneration,
	mlserr.ErrEpoch, mlserr.ErrInvalidTree, mlserr.ErrInvalidCredential,
	mlserr.ErrInvalidProposal, mlserr.ErrInvalidCommit, mlserr.ErrInvalidWelcome,
	mlserr.ErrInvalidKeyPackage, mlserr.ErrUnsupported, mlserr.ErrInvalidInput,
}

// CheckError fails t unless err is what mlsref promises for bad input: an
// *mlserr.Error of one of the classes, reading "mls: ...", and, when
// fromPeer, naming the rule it enforces: a requirement ID, or the RFC
// section in its message.
func checkError(t *testing.T, what string, data []byte, err error, fromPeer bool) {
	t.Helper()
	var me *mlserr.Error
	if !errors.As(err, &me) {
		t.Fatalf("%s: %x: error %v (%T) is not an *mlserr.Error", what, data, err, err)
	}
	known := false
	for _, c := range classes {
		known = known || me.Class == c
	}
	if !known {
		t.Fatalf("%s: %x: error %v has class %v, not one of mlserr's", what, data, err, me.Class)
	}
	if !errors.Is(err, me.Class) || !strings.HasPrefix(err.Error(), "mls: ") {
		t.Fatalf("%s: %x: error %q does not read mls: or does not match its class", what, data, err)
	}
	if fromPeer && len(mlserr.Requirements(err)) == 0 && !strings.Contains(err.Error(), "RFC 9420") {
		t.Fatalf("%s: %x: error %q names neither a requirement nor a section of RFC 9420", what, data, err)
	}
}

// FuzzDecode decodes data with the decoder kinds[kind % len(kinds)] (every
// struct of RFC 9420 that mlsref decodes from a peer, and mlsref's own
// serialized states). A decoder must not panic; when it fails, its error
// must satisfy checkError; when it succeeds, the value must encode again to
// exactly data (decoding is canonical, RFC 9420, Section 2.1 and
// DESIGN.md), and must not alias data: overwriting the input after
// decoding must not change the re-encoding.
func FuzzDecode(f *testing.F) {
	fx, err := fixture.New()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range append(fixtureSeeds(f, fx), vectorSeeds(f)...) {
		f.Add(kindIndex(s.kind), s.data)
	}
	f.Fuzz(func(t *testing.T, k uint8, data []byte) {
		kd := kinds[int(k)%len(kinds)]
		in := bytes.Clone(data)
		enc, err := kd.decode(in)
		if err != nil {
			checkError(t, kd.name, data, err, !kd.state)
			return
		}
		for i := range in {
			in[i] ^= 0xa5
		}
		out, err := enc()
		if err != nil {
			t.Fatalf("%s: %x decodes but does not encode again: %v", kd.name, data, err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("%s: decodes but encodes again differently:\n in  %x\n out %x", kd.name, data, out)
		}
	})
}

// TestSeedsCoverEveryKind checks that the fixture alone (without the
// official vectors) seeds every decoder with a valid encoding, so a fresh
// clone fuzzes every kind from a valid starting point.
func TestSeedsCoverEveryKind(t *testing.T) {
	fx, err := fixture.New()
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, s := range fixtureSeeds(t, fx) {
		k := kinds[kindIndex(s.kind)]
		if _, err := k.decode(s.data); err != nil {
			t.Errorf("seed of %s does not decode: %v", s.kind, err)
		}
		n[s.kind]++
	}
	for _, k := range kinds {
		if n[k.name] == 0 {
			t.Errorf("no seed for %s", k.name)
		}
	}
}
