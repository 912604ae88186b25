package vectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
)

// TestTreeOperationsOfficial verifies the official tree-operations.json:
// every case must run and pass.
func TestTreeOperationsOfficial(t *testing.T) {
	path := filepath.Join(DefaultDir(), "tree-operations.json")
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
	k, ok := Lookup("tree-operations")
	if !ok {
		t.Fatal("tree-operations is not registered")
	}
	rep := &Report{}
	if err := k.Verify(data, rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Failures {
		t.Error(f)
	}
	if rep.Passed != len(raw) || rep.Failed != 0 || rep.Skipped != 0 {
		t.Fatalf("got %d passed, %d failed, %d skipped; want %d passed", rep.Passed, rep.Failed, rep.Skipped, len(raw))
	}
}

// TestTreeOperationsGenerated checks that generated output for every suite
// verifies, and that generation is reproducible from the seed.
func TestTreeOperationsGenerated(t *testing.T) {
	k, _ := Lookup("tree-operations")
	if len(k.Suites) != 7 {
		t.Fatalf("Suites = %v, want all seven", k.Suites)
	}
	for _, suite := range k.Suites {
		t.Run(fmt.Sprintf("suite-%d", suite), func(t *testing.T) {
			t.Parallel()
			gen := func() []byte {
				v, err := k.Generate(suite, seeded.New(fmt.Sprintf("tree-operations-%d", suite)))
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
			if !bytes.Equal(gen(), data) {
				t.Errorf("generation is not reproducible from its seed")
			}
			var raw []json.RawMessage
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			rep := &Report{}
			if err := k.Verify(data, rep); err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures {
				t.Error(f)
			}
			if rep.Passed != len(raw) || rep.Failed != 0 || rep.Skipped != 0 {
				t.Fatalf("got %d passed, %d failed, %d skipped of %d", rep.Passed, rep.Failed, rep.Skipped, len(raw))
			}
		})
	}
}
