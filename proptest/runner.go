package proptest

import (
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"pgregory.net/rapid"
)

// TestName is the name of the test that runs the group state machine:
// rapid replays the fail files kept under
// testdata/rapid/TestGroupStateMachine before every run, and a campaign
// saves its failures there.
const TestName = "TestGroupStateMachine"

// Result is the outcome of Run.
type Result struct {
	// Failed reports that a sequence falsified the property.
	Failed bool
	// Report is rapid's failure report: the error, the seed, and the log
	// of the shrunk failing sequence, operation by operation.
	Report string
	// FailFile is the fail file rapid wrote, relative to the working
	// directory, or "".
	FailFile string
}

// RunOptions say how many sequences Run checks and from which seed, or
// which fail file it replays.
type RunOptions struct {
	// Checks is the number of random sequences (rapid's -rapid.checks).
	Checks int
	// Seed is the seed of the first sequence; 0 draws a fresh one.
	Seed uint64
	// FailFile, when set, is replayed first (rapid's -rapid.failfile).
	FailFile string
}

// Run checks prop with rapid's engine outside `go test`, as rapid.Check
// does inside a test named name: it replays name's fail files under
// testdata/rapid (and o.FailFile) first, then o.Checks random sequences; a
// failing sequence is shrunk and saved as a new fail file. Run sets
// rapid's command-line flags for its duration, so calls are serialized.
func Run(name string, o RunOptions, prop func(*rapid.T)) (res Result) {
	runMu.Lock()
	defer runMu.Unlock()
	set := map[string]string{"rapid.checks": strconv.Itoa(o.Checks), "rapid.seed": strconv.FormatUint(o.Seed, 10), "rapid.failfile": o.FailFile}
	for k, v := range set {
		f := flag.Lookup(k)
		old := f.Value.String()
		if err := f.Value.Set(v); err != nil {
			panic(err)
		}
		defer f.Value.Set(old) //nolint:errcheck // restoring a value it held
	}
	tb := &runTB{name: name}
	defer func() {
		if r := recover(); r != nil && r != errFailNow {
			panic(r)
		}
		res = Result{Failed: tb.failed, Report: tb.out.String()}
		if m := failFileRe.FindStringSubmatch(res.Report); m != nil {
			res.FailFile = m[1]
		}
	}()
	rapid.Check(tb, prop)
	return
}

var (
	runMu      sync.Mutex
	failFileRe = regexp.MustCompile(`-rapid\.failfile="([^"]+)"`)
	errFailNow = new(int)
)

// runTB is the rapid.TB of Run: it records the output and the failure.
type runTB struct {
	name   string
	failed bool
	out    strings.Builder
}

func (t *runTB) Helper()                         {}
func (t *runTB) Name() string                    { return t.name }
func (t *runTB) Logf(format string, args ...any) { fmt.Fprintf(&t.out, format+"\n", args...) }
func (t *runTB) Log(args ...any)                 { fmt.Fprintln(&t.out, args...) }
func (t *runTB) Skipf(format string, args ...any) {
	t.Logf(format, args...)
	t.SkipNow()
}
func (t *runTB) Skip(args ...any) {
	t.Log(args...)
	t.SkipNow()
}
func (t *runTB) SkipNow() { panic(errFailNow) }
func (t *runTB) Errorf(format string, args ...any) {
	t.Logf(format, args...)
	t.failed = true
}
func (t *runTB) Error(args ...any) {
	t.Log(args...)
	t.failed = true
}
func (t *runTB) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	t.FailNow()
}
func (t *runTB) Fatal(args ...any) {
	t.Error(args...)
	t.FailNow()
}
func (t *runTB) FailNow() {
	t.failed = true
	panic(errFailNow)
}
func (t *runTB) Fail()        { t.failed = true }
func (t *runTB) Failed() bool { return t.failed }
