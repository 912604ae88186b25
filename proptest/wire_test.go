package proptest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// gopterSeeds are seeds of past gopter failures, replayed on every run
// before a fresh seed (none so far).
var gopterSeeds = []int64{}

// properties runs the gopter properties that add registers, once with a
// fresh seed (printed on failure) and once per seed of gopterSeeds.
func properties(t *testing.T, tests int, add func(p *gopter.Properties)) {
	t.Helper()
	params := []*gopter.TestParameters{gopter.DefaultTestParameters()}
	for _, s := range gopterSeeds {
		params = append(params, gopter.DefaultTestParametersWithSeed(s))
	}
	for _, p := range params {
		p.MinSuccessfulTests = tests
		ps := gopter.NewProperties(p)
		add(ps)
		ps.TestingRun(t)
	}
}

// wireValue is one generated wire struct and a fresh value to decode it
// into.
type wireValue struct {
	name  string
	v     codec.Marshaler
	fresh func() codec.Unmarshaler
}

func (w wireValue) String() string { return fmt.Sprintf("%s %x", w.name, codec.Encode(w.v)) }

// genWire is a gopter generator of the wire structs of kind.
func genWire(kind string) gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		g := wgen{r: p.Rng}
		var w wireValue
		switch kind {
		case "KeyPackage":
			w = wireValue{kind, g.keyPackage(), func() codec.Unmarshaler { return new(group.KeyPackage) }}
		case "LeafNode":
			ln := g.leafNode()
			w = wireValue{kind, &ln, func() codec.Unmarshaler { return new(tree.LeafNode) }}
		case "Add", "Update", "Remove", "PreSharedKey", "ReInit", "ExternalInit", "GroupContextExtensions":
			kinds := map[string]int{"Add": 1, "Update": 2, "Remove": 3, "PreSharedKey": 4, "ReInit": 5, "ExternalInit": 6, "GroupContextExtensions": 7}
			w = wireValue{kind, g.proposal(kinds[kind]), func() codec.Unmarshaler { return new(group.Proposal) }}
		case "Commit":
			w = wireValue{kind, g.commit(), func() codec.Unmarshaler { return new(group.Commit) }}
		case "UpdatePath":
			w = wireValue{kind, g.updatePath(), func() codec.Unmarshaler { return new(tree.UpdatePath) }}
		case "GroupContext":
			w = wireValue{kind, g.groupContext(), func() codec.Unmarshaler { return new(schedule.GroupContext) }}
		case "PreSharedKeyID":
			id := g.pskID()
			w = wireValue{kind, &id, func() codec.Unmarshaler { return new(schedule.PreSharedKeyID) }}
		case "Welcome":
			w = wireValue{kind, g.welcome(), func() codec.Unmarshaler { return new(group.Welcome) }}
		case "GroupInfo":
			w = wireValue{kind, g.groupInfo(), func() codec.Unmarshaler { return new(group.GroupInfo) }}
		case "GroupSecrets":
			w = wireValue{kind, g.groupSecrets(), func() codec.Unmarshaler { return new(group.GroupSecrets) }}
		case "MLSMessage":
			w = wireValue{kind, g.mlsMessage(), func() codec.Unmarshaler { return new(group.MLSMessage) }}
		case "RatchetTree":
			w = wireValue{kind, g.ratchetTree(), func() codec.Unmarshaler { return new(tree.RatchetTree) }}
		default:
			panic("unknown kind " + kind)
		}
		return gopter.NewGenResult(w, gopter.NoShrinker)
	}
}

// wireKinds are the structs whose encodings round-trip.
var wireKinds = []string{
	"KeyPackage", "LeafNode", "Add", "Update", "Remove", "PreSharedKey", "ReInit", "ExternalInit", "GroupContextExtensions",
	"Commit", "UpdatePath", "GroupContext", "PreSharedKeyID", "Welcome", "GroupInfo", "GroupSecrets", "MLSMessage", "RatchetTree",
}

// roundTrip decodes the encoding of w.v, compares the result with w.v
// (structurally, or by its encoding for types with unexported fields) and
// re-encodes it to the same bytes (RFC 9420, Section 2.1; DESIGN: whatever
// decodes re-encodes to the same bytes).
func roundTrip(w wireValue) (bool, string) {
	b := codec.Encode(w.v)
	u := w.fresh()
	if err := codec.Decode(b, u); err != nil {
		return false, fmt.Sprintf("decode: %v", err)
	}
	b2 := codec.Encode(u.(codec.Marshaler))
	if !bytes.Equal(b, b2) {
		return false, fmt.Sprintf("re-encoding differs:\n%x\n%x", b, b2)
	}
	if _, ok := w.v.(*tree.RatchetTree); ok {
		return true, ""
	}
	if d := cmp.Diff(w.v, u, cmpopts.EquateEmpty()); d != "" {
		return false, "decoded value differs (-generated +decoded):\n" + d
	}
	return true, ""
}

func TestWireRoundTrip(t *testing.T) {
	properties(t, 100, func(ps *gopter.Properties) {
		for _, kind := range wireKinds {
			ps.Property(kind+" decodes to itself and re-encodes to the same bytes", prop.ForAll(func(w wireValue) (bool, error) {
				ok, why := roundTrip(w)
				if !ok {
					return false, fmt.Errorf("%s", why)
				}
				return true, nil
			}, genWire(kind)))
		}
	})
}

// TestWireTruncation checks that no proper prefix of an encoding decodes
// (RFC 9420, Section 2.1: a decoder consumes exactly the struct).
func TestWireTruncation(t *testing.T) {
	properties(t, 30, func(ps *gopter.Properties) {
		for _, kind := range wireKinds {
			ps.Property(kind+" rejects every truncation and a trailing octet", prop.ForAll(func(w wireValue) (bool, error) {
				b := codec.Encode(w.v)
				for n := 0; n < len(b); n++ {
					if codec.Decode(b[:n], w.fresh()) == nil {
						return false, fmt.Errorf("the first %d of %d octets decode", n, len(b))
					}
				}
				if codec.Decode(append(bytes.Clone(b), 0), w.fresh()) == nil {
					return false, fmt.Errorf("a trailing octet is accepted")
				}
				return true, nil
			}, genWire(kind)))
		}
	})
}
