package vectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
)

// TestMessagesOfficial verifies the official messages.json: every case must
// run and pass.
func TestMessagesOfficial(t *testing.T) {
	path := filepath.Join(DefaultDir(), "messages.json")
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
	k, ok := Lookup("messages")
	if !ok {
		t.Fatal("messages is not registered")
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
	if len(raw) != 300 {
		t.Errorf("official file has %d cases, want 300", len(raw))
	}
}

// TestMessagesGenerated checks that generated output (one case per suite)
// verifies and is reproducible from its seed.
func TestMessagesGenerated(t *testing.T) {
	k, _ := Lookup("messages")
	if k.Suites != nil {
		t.Fatalf("Suites = %v, want nil: messages.json has no cipher suite", k.Suites)
	}
	gen := func() []byte {
		v, err := k.Generate(0, seeded.New("messages"))
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
	if again := gen(); string(again) != string(data) {
		t.Errorf("generation is not reproducible from its seed")
	}
	rep := &Report{}
	if err := k.Verify(data, rep); err != nil {
		t.Fatal(err)
	}
	if rep.Passed != 7 || rep.Failed != 0 || rep.Skipped != 0 {
		t.Fatalf("got %d passed, %d failed, %d skipped: %v", rep.Passed, rep.Failed, rep.Skipped, rep.Failures)
	}
}
