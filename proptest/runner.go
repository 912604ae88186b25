package proptest

import (
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

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
// rapid's command-line flags for its duration, so calls are serialized,
// and must not overlap with Check.
func Run(name string, o RunOptions, prop func(*rapid.T)) Result {
	runMu.Lock()
	defer runMu.Unlock()
	restore := SetRapidFlags(o)
	defer restore()
	return Check(name, prop)
}

// SetRapidFlags sets rapid's command-line flags to o and returns a
// function that restores them.
func SetRapidFlags(o RunOptions) (restore func()) {
	set := map[string]string{"rapid.checks": strconv.Itoa(o.Checks), "rapid.seed": strconv.FormatUint(o.Seed, 10), "rapid.failfile": o.FailFile}
	var undo []func()
	for k, v := range set {
		f := flag.Lookup(k)
		old := f.Value.String()
		if err := f.Value.Set(v); err != nil {
			panic(err)
		}
		undo = append(undo, func() { _ = f.Value.Set(old) })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

// Check checks prop as rapid.Check does inside a test named name, with
// rapid's flags as they are (see SetRapidFlags). Calls may run
// concurrently: each draws its own seed when the flags name none.
func Check(name string, prop func(*rapid.T)) (res Result) {
	// rapid consults testing.Short, which needs the testing flags,
	// registered and parsed; outside a test they keep their defaults.
	initTesting.Do(func() {
		if flag.Lookup("test.short") == nil {
			testing.Init()
		}
		if !flag.Parsed() {
			_ = flag.CommandLine.Parse(nil)
		}
	})
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
	initTesting sync.Once
	runMu       sync.Mutex
	failFileRe  = regexp.MustCompile(`-rapid\.failfile="([^"]+)"`)
	errFailNow  = new(int)
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
