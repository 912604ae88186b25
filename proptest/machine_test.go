package proptest

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// defaultChecks is the number of sequences TestGroupStateMachine runs
// unless -rapid.checks says otherwise (about 30 s on two cores).
const defaultChecks = 250

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "rapid.checks" })
	if _, ok := os.LookupEnv("RAPID_CHECKS"); !ok && !explicit {
		if err := flag.Set("rapid.checks", strconv.Itoa(defaultChecks)); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// TestGroupStateMachine runs random operation sequences on ref/group and
// the model side by side (see Property). rapid first replays the failures
// kept under testdata/rapid/TestGroupStateMachine, then runs -rapid.checks
// sequences (250 by default) of about -rapid.steps operations each; a
// failure prints its seed and the shrunk sequence, and is saved as a new
// fail file there.
func TestGroupStateMachine(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Stats = NewStats()
	cfg.KnownIssues = *knownIssues
	rapid.Check(t, Property(cfg))
	sn := cfg.Stats.Snapshot()
	t.Log(sn.Summary())
	checks := flag.Lookup("rapid.checks").Value.String()
	if checks == strconv.Itoa(defaultChecks) && !testing.Short() {
		if sn.Sequences < defaultChecks {
			t.Errorf("%d sequences ran, want at least %d", sn.Sequences, defaultChecks)
		}
		if sn.Largest < 16 {
			t.Errorf("the largest group had %d members, want at least 16", sn.Largest)
		}
		if missing := sn.Missing(); len(missing) > 0 {
			t.Errorf("operation kinds never run: %v", missing)
		}
	}
}

// TestKnownIssues replays the cases under testdata/known, each a
// disagreement between ref/group and the model that is not fixed yet,
// with the operations that expose them enabled. A case that no longer
// fails is reported: move it to testdata/rapid/TestGroupStateMachine,
// where it guards against a regression.
func TestKnownIssues(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "known", "*.fail"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Log("no open known issue under testdata/known")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".fail"), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.KnownIssues = true
			res := Run("known-issue", RunOptions{FailFile: f}, Property(cfg))
			if res.Failed {
				first, _, _ := strings.Cut(res.Report, "\n")
				t.Logf("still failing: %s", first)
				return
			}
			t.Logf("%s no longer fails: the issue seems fixed; move the case to testdata/rapid/%s", f, TestName)
		})
	}
}

var knownIssues = flag.Bool("proptest.known", false, "enable the operations that expose known issues (see testdata/known)")
