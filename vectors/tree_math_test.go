package vectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
)

// verifyOfficialAllPass verifies the official file of kind name and
// requires every case to pass; it returns the number of cases. It fails
// when the file is missing and $CI is set, and skips otherwise.
func verifyOfficialAllPass(t *testing.T, name, file string) int {
	t.Helper()
	path := filepath.Join(DefaultDir(), file)
	data, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("official vectors missing in CI: %v", err)
		}
		t.Skipf("official vectors not found (%v); set MLS_TEST_VECTORS to the mlswg test-vectors directory", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	k, ok := Lookup(name)
	if !ok {
		t.Fatalf("%s is not registered", name)
	}
	rep := &Report{}
	if err := k.Verify(data, rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Failures {
		t.Error(f)
	}
	if rep.Passed != len(raw) || rep.Failed != 0 || rep.Skipped != 0 || len(raw) == 0 {
		t.Fatalf("got %d passed, %d failed, %d skipped; want %d passed", rep.Passed, rep.Failed, rep.Skipped, len(raw))
	}
	return len(raw)
}

// generateAndVerify generates kind name from seed twice, checks that the
// output is reproducible and that it verifies with every case passing, and
// returns it.
func generateAndVerify(t *testing.T, name, seed string) []byte {
	t.Helper()
	k, ok := Lookup(name)
	if !ok {
		t.Fatalf("%s is not registered", name)
	}
	if k.Suites != nil {
		t.Fatalf("%s: Suites = %v, want nil (no cipher suite)", name, k.Suites)
	}
	gen := func() []byte {
		v, err := k.Generate(0, seeded.New(seed))
		if err != nil {
			t.Fatalf("Generate: %v", err)
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	data := gen()
	if string(gen()) != string(data) {
		t.Error("generation is not reproducible from its seed")
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	rep := &Report{}
	if err := k.Verify(data, rep); err != nil {
		t.Fatal(err)
	}
	if rep.Passed != len(raw) || rep.Failed != 0 || rep.Skipped != 0 {
		t.Fatalf("got %d passed, %d failed, %d skipped of %d: %v", rep.Passed, rep.Failed, rep.Skipped, len(raw), rep.Failures)
	}
	return data
}

func TestTreeMathOfficial(t *testing.T) {
	n := verifyOfficialAllPass(t, "tree-math", "tree-math.json")
	t.Logf("%d official cases pass", n)
}

func TestTreeMathGenerated(t *testing.T) {
	data := generateAndVerify(t, "tree-math", "tree-math")
	var cases []treeMathCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 14 {
		t.Fatalf("%d cases, want 14", len(cases))
	}
	for i, tc := range cases {
		if i < 10 && tc.NLeaves != uint32(i+1) {
			t.Errorf("case %d: n_leaves %d, want %d", i, tc.NLeaves, i+1)
		}
		if i >= 10 && (tc.NLeaves < 11 || tc.NLeaves > 1000) {
			t.Errorf("case %d: n_leaves %d not in 11..1000", i, tc.NLeaves)
		}
	}
}

// TestTreeMathHandWritten verifies a tree of three leaves written out by
// hand (not a power of two: relatives beyond the width of 5 are null) and
// checks that single wrong values are caught.
func TestTreeMathHandWritten(t *testing.T) {
	const good = `{"n_leaves":3,"n_nodes":5,"root":3,
		"left":[null,0,null,1,null],
		"right":[null,2,null,null,null],
		"parent":[1,3,1,null,null],
		"sibling":[2,null,0,null,null]}`
	k, _ := Lookup("tree-math")
	tests := []struct {
		name, json string
		ok         bool
	}{
		{"good", good, true},
		{"wrong n_nodes", `{"n_leaves":3,"n_nodes":7,"root":3,"left":[null,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"wrong root", `{"n_leaves":3,"n_nodes":5,"root":1,"left":[null,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"right of root beyond width", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[null,0,null,1,null],"right":[null,2,null,5,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"parent of last leaf beyond width", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[null,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,5],"sibling":[2,null,0,null,null]}`, false},
		{"sibling of root", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[null,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,3,null]}`, false},
		{"left of leaf", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[0,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"missing entry", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[null,0,null,1],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"no leaves", `{"n_leaves":0,"n_nodes":0,"root":0,"left":[],"right":[],"parent":[],"sibling":[]}`, false},
		{"too many leaves", `{"n_leaves":4294967295,"n_nodes":0,"root":0,"left":[],"right":[],"parent":[],"sibling":[]}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{}
			if err := k.Verify([]byte("["+tc.json+"]"), rep); err != nil {
				t.Fatal(err)
			}
			if rep.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v: %v", rep.OK(), tc.ok, rep.Failures)
			}
		})
	}
}
