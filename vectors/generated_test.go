package vectors

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
)

// maxMutations bounds how many single-value mutations are tried per
// generated file; when a file has more values, an evenly spread subset is
// tried (always including the first and last).
const maxMutations = 400

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
				paths := leafPaths(doc, "")
				for _, i := range spread(len(paths), maxMutations) {
					p := paths[i]
					mutated := mutateAt(doc, p)
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

// spread returns up to max indices out of n, evenly spread.
func spread(n, max int) []int {
	var out []int
	if n <= max {
		for i := 0; i < n; i++ {
			out = append(out, i)
		}
		return out
	}
	for i := 0; i < max; i++ {
		out = append(out, i*(n-1)/(max-1))
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
func mutateAt(v any, path string) any {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if path == "" {
		parts = nil
	}
	return mutate(v, parts)
}

func mutate(v any, parts []string) any {
	if len(parts) == 0 {
		return changed(v)
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		out[parts[0]] = mutate(x[parts[0]], parts[1:])
		return out
	case []any:
		out := append([]any{}, x...)
		var i int
		fmt.Sscan(parts[0], &i)
		out[i] = mutate(x[i], parts[1:])
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
