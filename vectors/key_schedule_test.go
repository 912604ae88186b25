package vectors

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
)

// ksVerifyOfficial verifies the official file name as kind, requiring every
// case to run and pass, and returns the number of cases.
func ksVerifyOfficial(t *testing.T, kind, name string) int {
	t.Helper()
	path := filepath.Join(DefaultDir(), name)
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
	k, ok := Lookup(kind)
	if !ok {
		t.Fatalf("%s is not registered", kind)
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
	return len(raw)
}

// ksVerifyGenerated generates kind for every suite it supports, checks that
// generation is reproducible from the seed and that the output verifies
// with every case passing.
func ksVerifyGenerated(t *testing.T, kind string) {
	t.Helper()
	k, ok := Lookup(kind)
	if !ok {
		t.Fatalf("%s is not registered", kind)
	}
	if len(k.Suites) != 7 {
		t.Fatalf("Suites = %v, want all seven", k.Suites)
	}
	for _, suite := range k.Suites {
		t.Run(fmt.Sprintf("suite-%d", suite), func(t *testing.T) {
			gen := func() []byte {
				v, err := k.Generate(suite, seeded.New(fmt.Sprintf("%s-%d", kind, suite)))
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
			if rep.Passed != len(raw) || len(raw) == 0 || rep.Failed != 0 || rep.Skipped != 0 {
				t.Fatalf("got %d passed, %d failed, %d skipped of %d: %v", rep.Passed, rep.Failed, rep.Skipped, len(raw), rep.Failures)
			}
		})
	}
}

func TestKeyScheduleOfficial(t *testing.T) {
	if n := ksVerifyOfficial(t, "key-schedule", "key-schedule.json"); n != 7 {
		t.Errorf("official file has %d cases, want one per suite (7)", n)
	}
}

func TestKeyScheduleGenerated(t *testing.T) { ksVerifyGenerated(t, "key-schedule") }
