package vectors

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
)

var update = flag.Bool("update", false, "rewrite testdata/generated from the generators")

// generatedDir holds mlsref's own generated vectors, committed so that a
// fresh clone without the official vectors still tests something real.
// They are a regression net, not proof: the official vectors are the
// ground truth.
const generatedDir = "testdata/generated"

// generatedSeed is the seed every committed file was generated with.
const generatedSeed = "mlsref testdata v1"

func generatedName(k *Kind, suite uint16) string {
	if k.Suites == nil {
		return k.Name + ".json"
	}
	return fmt.Sprintf("%s-suite-%d.json", k.Name, suite)
}

// TestCommittedGeneratedVectors verifies every committed generated file,
// and checks that generating it again from its seed gives the same bytes,
// so that any change in what mlsref computes shows up as a diff. Run with
// -update to rewrite the files after an intended change.
func TestCommittedGeneratedVectors(t *testing.T) {
	for _, k := range Kinds() {
		suites := k.Suites
		if suites == nil {
			suites = []uint16{0}
		}
		for _, suite := range suites {
			name := generatedName(k, suite)
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(generatedDir, name)
				v, err := k.Generate(suite, seeded.New(generatedSeed))
				if err != nil {
					t.Fatal(err)
				}
				fresh, err := json.MarshalIndent(v, "", " ")
				if err != nil {
					t.Fatal(err)
				}
				fresh = append(fresh, '\n')
				if *update {
					if err := os.MkdirAll(generatedDir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, fresh, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				committed, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./vectors -run TestCommittedGeneratedVectors -update)", err)
				}
				rep := &Report{}
				if err := k.Verify(committed, rep); err != nil {
					t.Fatal(err)
				}
				if !rep.OK() {
					t.Fatalf("committed %s does not verify: %d passed, %d failed, %d skipped: %v", path, rep.Passed, rep.Failed, rep.Skipped, rep.Failures)
				}
				if !bytes.Equal(committed, fresh) {
					t.Fatalf("generating %s again from its seed gives other bytes: the generator or the code under it changed (if intended, rerun with -update)", path)
				}
			})
		}
	}
}
