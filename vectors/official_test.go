package vectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// officialData reads an official vector file from DefaultDir. When it is
// missing the test fails under CI and is skipped, with a message, elsewhere.
func officialData(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(DefaultDir(), name))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("official vectors missing in CI: %v", err)
		}
		t.Skipf("official vectors not found (%v); set MLS_TEST_VECTORS to the mlswg test-vectors directory", err)
	}
	return data
}

// TestOfficialVectors verifies every official file of every implemented
// type: every case must run and pass. The official vectors are the ground
// truth the rest of mlsref is judged by.
func TestOfficialVectors(t *testing.T) {
	for _, k := range Kinds() {
		for _, file := range k.Files {
			t.Run(file, func(t *testing.T) {
				data := officialData(t, file)
				var cases []json.RawMessage
				if err := json.Unmarshal(data, &cases); err != nil {
					t.Fatal(err)
				}
				rep := &Report{}
				if err := k.Verify(data, rep); err != nil {
					t.Fatal(err)
				}
				for _, f := range rep.Failures {
					t.Error(f)
				}
				if rep.Passed != len(cases) || rep.Failed != 0 || rep.Skipped != 0 {
					t.Fatalf("%d passed, %d failed, %d could not run; want all %d passed", rep.Passed, rep.Failed, rep.Skipped, len(cases))
				}
			})
		}
	}
}
