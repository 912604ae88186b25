package vectors

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
)

// truncatingKinds are kinds whose values are free-form encodings (the
// messages vector only asks that each decodes and re-encodes to the same
// bytes), so a changed digit can give another valid encoding: for them a
// value is changed by dropping its last byte, which no strict decoder may
// accept.
var truncatingKinds = map[string]bool{"messages": true}

// TestGeneratedVectorsVerify checks, for every kind and every suite it
// supports, that generated output verifies, and that changing any single
// value in it makes verification fail. The second half is what makes the
// first meaningful: a verifier that checks nothing passes the first and
// fails the second.
func TestGeneratedVectorsVerify(t *testing.T) {
	for _, k := range Kinds() {
		suites := k.Suites
		if suites == nil {
			suites = []uint16{0}
		}
		for _, suite := range suites {
			t.Run(fmt.Sprintf("%s/suite-%d", k.Name, suite), func(t *testing.T) {
				v, err := k.Generate(suite, seeded.New(fmt.Sprintf("mutation-test-%s-%d", k.Name, suite)))
				if err != nil {
					t.Fatalf("Generate: %v", err)
				}
				data, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				rep := &Report{}
				if err := k.Verify(data, rep); err != nil {
					t.Fatalf("Verify of generated output: %v", err)
				}
				if !rep.OK() {
					t.Fatalf("generated output does not verify: %d passed, %d failed, %d skipped: %v", rep.Passed, rep.Failed, rep.Skipped, rep.Failures)
				}
				var doc any
				if err := json.Unmarshal(data, &doc); err != nil {
					t.Fatal(err)
				}
				for _, p := range onePerField(leafPaths(doc, "")) {
					mutated := mutateAt(doc, p, truncatingKinds[k.Name])
					mdata, err := json.Marshal(mutated)
					if err != nil {
						t.Fatal(err)
					}
					rep := &Report{}
					if err := k.Verify(mdata, rep); err != nil {
						continue // rejected as a whole: that is a failure too
					}
					if rep.OK() {
						t.Errorf("changing %s still verifies", p)
					}
				}
			})
		}
	}
}

// onePerField keeps, of all paths that differ only in array indices (the
// same field of different cases or list entries), the first and the last:
// every field is mutated at least once without verifying a large file
// hundreds of times.
func onePerField(paths []string) []string {
	digits := regexp.MustCompile(`/[0-9]+`)
	first, last := map[string]string{}, map[string]string{}
	var order []string
	for _, p := range paths {
		f := digits.ReplaceAllString(p, "/*")
		if _, ok := first[f]; !ok {
			first[f] = p
			order = append(order, f)
		}
		last[f] = p
	}
	var out []string
	for _, f := range order {
		out = append(out, first[f])
		if last[f] != first[f] {
			out = append(out, last[f])
		}
	}
	return out
}

// leafPaths lists the JSON paths of every scalar value in v, like
// "/3/leaves/0/key".
func leafPaths(v any, prefix string) []string {
	switch x := v.(type) {
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(x) {
			out = append(out, leafPaths(x[k], prefix+"/"+k)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range x {
			out = append(out, leafPaths(e, fmt.Sprintf("%s/%d", prefix, i))...)
		}
		return out
	default:
		return []string{prefix}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

// mutateAt returns a deep copy of v with the scalar at path changed.
func mutateAt(v any, path string, truncate bool) any {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if path == "" {
		parts = nil
	}
	return mutate(v, parts, truncate)
}

func mutate(v any, parts []string, truncate bool) any {
	if len(parts) == 1 && parts[0] == "cipher_suite" {
		// Moving to a neighbouring suite can land on one with the same
		// KDF and AEAD (1 and 2, 4 and 5), where psk_secret and
		// secret-tree outputs really are identical; a suite mlsref does not
		// know must still be noticed.
		if m, ok := v.(map[string]any); ok {
			out := make(map[string]any, len(m))
			for k, e := range m {
				out[k] = e
			}
			out["cipher_suite"] = float64(0xffff)
			return out
		}
	}
	if len(parts) == 0 {
		if str, ok := v.(string); ok && truncate && len(str) >= 2 && isHex(str) {
			return str[:len(str)-2]
		}
		return changed(v)
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		out[parts[0]] = mutate(x[parts[0]], parts[1:], truncate)
		return out
	case []any:
		out := append([]any{}, x...)
		var i int
		fmt.Sscan(parts[0], &i)
		out[i] = mutate(x[i], parts[1:], truncate)
		return out
	}
	panic("bad path")
}

// changed returns a different scalar of the same JSON type: a hex string
// with its last digit changed, or a plain string with a character
// appended, a number plus one, a flipped boolean, or 0 for null.
func changed(v any) any {
	switch x := v.(type) {
	case string:
		if x == "" {
			return "00"
		}
		last := x[len(x)-1]
		if isHex(x) {
			repl := byte('0')
			if last == '0' {
				repl = '1'
			}
			return x[:len(x)-1] + string(repl)
		}
		return x + "x"
	case float64:
		return x + 1
	case bool:
		return !x
	case nil:
		return 0.0
	}
	panic(fmt.Sprintf("unexpected JSON value %T", v))
}

func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}
