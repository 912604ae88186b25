package vectors

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
)

func TestMessageProtectionOfficial(t *testing.T) {
	if n := verifyOfficialAllPass(t, "message-protection", "message-protection.json"); n != 7 {
		t.Errorf("official file has %d cases, want 7 (one per suite)", n)
	}
}

func TestMessageProtectionGenerated(t *testing.T) {
	verifyGeneratedSuites(t, "message-protection")
}

// verifyGeneratedSuites generates kind name for every suite it supports,
// twice from the same seed, and checks that the output is reproducible and
// verifies with every case passing.
func verifyGeneratedSuites(t *testing.T, name string) {
	t.Helper()
	k, ok := Lookup(name)
	if !ok {
		t.Fatalf("%s is not registered", name)
	}
	if len(k.Suites) != 7 {
		t.Errorf("%s: Suites = %v, want all seven suites", name, k.Suites)
	}
	for _, suite := range k.Suites {
		t.Run(fmt.Sprintf("suite-%d", suite), func(t *testing.T) {
			gen := func() []byte {
				v, err := k.Generate(suite, seeded.New(fmt.Sprintf("%s-test-%d", name, suite)))
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
			rep := &Report{}
			if err := k.Verify(data, rep); err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures {
				t.Error(f)
			}
			if !rep.OK() || rep.Passed != 1 {
				t.Fatalf("got %d passed, %d failed, %d skipped; want 1 passed", rep.Passed, rep.Failed, rep.Skipped)
			}
		})
	}
}
