// Package vectors reads, verifies and generates the JSON test vectors of
// the mlswg (mlswg/mls-implementations, test-vectors.md).
//
// Each vector type is a Kind registered under its official name. Verify
// runs every case of a file and records, per case, which expected values
// did not match; Generate produces cases in the same JSON format from a
// cipher suite and a seed.
package vectors

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kind is one vector type of test-vectors.md.
type Kind struct {
	// Name is the type's name, e.g. "tree-math".
	Name string
	// Files are the base names of the official files of this type.
	Files []string
	// Verify checks every case in data and records the outcome in rep.
	// It returns an error only when data cannot be read as this type.
	Verify func(data []byte, rep *Report) error
	// Generate returns cases of this type for suite (ignored by types that
	// have no cipher suite), drawing all randomness from rand. The result
	// is marshalled with encoding/json as the official JSON format.
	Generate func(suite uint16, rand io.Reader) (any, error)
	// Suites lists the cipher suites Generate supports; nil means the type
	// has no cipher suite.
	Suites []uint16
}

var kinds = map[string]*Kind{}

// Register adds k to the set of known kinds. It is called from init
// functions of this package.
func Register(k *Kind) {
	if _, dup := kinds[k.Name]; dup {
		panic("vectors: duplicate kind " + k.Name)
	}
	kinds[k.Name] = k
}

// Lookup returns the kind named name.
func Lookup(name string) (*Kind, bool) {
	k, ok := kinds[name]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func Kinds() []*Kind {
	out := make([]*Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// KindForFile infers a kind from an official file name such as
// "tree-math.json".
func KindForFile(path string) (*Kind, bool) {
	base := filepath.Base(path)
	for _, k := range kinds {
		for _, f := range k.Files {
			if f == base {
				return k, true
			}
		}
	}
	name := strings.TrimSuffix(base, filepath.Ext(base))
	return Lookup(name)
}

// OfficialTypes are the sixteen vector types of the mlswg test vectors, by
// the base name of their official file.
var OfficialTypes = []string{
	"tree-math", "crypto-basics", "secret-tree", "message-protection",
	"key-schedule", "psk_secret", "transcript-hashes", "welcome",
	"tree-operations", "tree-validation", "treekem", "messages",
	"passive-client-welcome", "passive-client-handling-commit",
	"passive-client-random", "deserialization",
}

// Report counts the cases of one file.
type Report struct {
	Passed, Failed, Skipped int
	// Failures describes each failure, "case N: ...".
	Failures []string
}

// OK reports whether every case ran and passed.
func (r *Report) OK() bool { return r.Failed == 0 && r.Skipped == 0 && r.Passed > 0 }

// Case runs check as case number i and counts it. check records mismatches
// on the Checker it is given; a case with none passes.
func (r *Report) Case(i int, check func(c *Checker)) {
	c := &Checker{index: i}
	func() {
		defer func() {
			if p := recover(); p != nil {
				c.Failf("panic: %v", p)
			}
		}()
		check(c)
	}()
	switch {
	case c.skipped != "":
		r.Skipped++
		r.Failures = append(r.Failures, fmt.Sprintf("case %d: could not run: %s", i, c.skipped))
	case len(c.failures) > 0:
		r.Failed++
		for _, f := range c.failures {
			r.Failures = append(r.Failures, fmt.Sprintf("case %d: %s", i, f))
		}
	default:
		r.Passed++
	}
}

// Checker records the mismatches of one case.
type Checker struct {
	index    int
	failures []string
	skipped  string
}

// Failf records a failure.
func (c *Checker) Failf(format string, args ...any) {
	c.failures = append(c.failures, fmt.Sprintf(format, args...))
}

// Skip records that the case could not be run; a skipped case counts
// against the file like a failure.
func (c *Checker) Skip(format string, args ...any) { c.skipped = fmt.Sprintf(format, args...) }

// Failed reports whether a failure has been recorded.
func (c *Checker) Failed() bool { return len(c.failures) > 0 }

// Bytes compares a computed value with the expected one.
func (c *Checker) Bytes(field string, got, want []byte) {
	if !bytes.Equal(got, want) {
		c.Failf("%s: got %x, want %x", field, got, want)
	}
}

// NoErr records err, if any, as a failure of the named step. It reports
// whether err was nil.
func (c *Checker) NoErr(step string, err error) bool {
	if err != nil {
		c.Failf("%s: %v", step, err)
		return false
	}
	return true
}

// Equal compares two comparable values.
func Equal[T comparable](c *Checker, field string, got, want T) {
	if got != want {
		c.Failf("%s: got %v, want %v", field, got, want)
	}
}

// VerifyFile reads path and verifies it as kind k (inferred from the file
// name when k is nil).
func VerifyFile(path string, k *Kind) (*Report, error) {
	if k == nil {
		var ok bool
		if k, ok = KindForFile(path); !ok {
			name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
			for _, t := range OfficialTypes {
				if t == name {
					return nil, fmt.Errorf("mlsref has no verifier for vector type %s yet", name)
				}
			}
			return nil, fmt.Errorf("cannot infer the vector type of %s; pass --type", path)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	if err := k.Verify(data, rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// HexBytes is a byte string written as lower-case hex in JSON.
type HexBytes []byte

// MarshalJSON implements json.Marshaler.
func (h HexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

// UnmarshalJSON implements json.Unmarshaler.
func (h *HexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	*h = d
	return nil
}

// decodeCases reads data as a JSON array of T, rejecting unknown fields so
// that a misspelt field cannot go unchecked.
func decodeCases[T any](data []byte) ([]T, error) {
	var out []T
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// DefaultDir is where the official vectors are read from: $MLS_TEST_VECTORS,
// or ../shared/test-vectors next to the repository.
func DefaultDir() string {
	if d := os.Getenv("MLS_TEST_VECTORS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "test-vectors")
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "test-vectors")
		}
		if filepath.Dir(d) == d {
			return filepath.Join("..", "shared", "test-vectors")
		}
	}
}
