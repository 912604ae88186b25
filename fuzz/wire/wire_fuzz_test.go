package wire

import (
	"bytes"
	"testing"

	"github.com/mlsref/mlsref/fuzz/internal/fixture"
	"github.com/mlsref/mlsref/fuzz/internal/fuzzutil"
)

// FuzzDecode decodes data with the decoder kinds[kind % len(kinds)] (every
// struct of RFC 9420 that mlsref decodes from a peer, and mlsref's own
// serialized states). A decoder must not panic; when it fails, its error
// must satisfy fuzzutil.CheckError; when it succeeds, the value must encode again to
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
			fuzzutil.CheckError(t, kd.name, data, err, !kd.state)
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
