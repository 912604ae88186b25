package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/mlsref/mlsref/proptest"
)

// campaignProperty builds the property a campaign checks; tests replace
// it.
var campaignProperty = proptest.Property

// runCampaign runs `mlsref campaign prop`: the group state machine of
// package proptest, checked against the model for a given duration, with
// progress lines and any failure saved as a replayable rapid fail file.
func runCampaign(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "prop" {
		fmt.Fprintf(stderr, "mlsref campaign: want \"prop\"\n%s", usage)
		return 2
	}
	fs := flag.NewFlagSet("campaign prop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", time.Minute, "how long to run")
	seed := fs.Uint64("seed", 0, "seed of the first sequence (0: a fresh one per batch); a seed runs one worker")
	batch := fs.Int("batch", 4, "sequences per rapid run (the campaign may overrun its duration by one batch)")
	workers := fs.Int("workers", runtime.NumCPU(), "concurrent runs")
	progress := fs.Duration("progress", 10*time.Second, "interval between progress lines")
	dir := fs.String("dir", "", "where to save failures (default proptest/testdata/rapid/"+proptest.TestName+" when ./proptest exists, else ./mlsref-failures)")
	known := fs.Bool("known", false, "also run the operations that expose known issues (proptest/testdata/known)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() != 0 || *duration <= 0 || *batch <= 0 || *workers <= 0 || *progress <= 0 {
		fmt.Fprintf(stderr, "mlsref campaign prop: bad arguments\n%s", usage)
		return 2
	}
	if *dir == "" {
		*dir = "mlsref-failures"
		if st, err := os.Stat("proptest"); err == nil && st.IsDir() {
			*dir = filepath.Join("proptest", "testdata", "rapid", proptest.TestName)
		}
	}
	if *seed != 0 {
		*workers = 1
	}

	cfg := proptest.DefaultConfig()
	cfg.Stats = proptest.NewStats()
	cfg.KnownIssues = *known
	prop := campaignProperty(cfg)
	kinds := len(proptest.OperationKinds())
	fmt.Fprintf(stdout, "campaign prop: %v, %d workers, %d sequences per batch, %d operation kinds, failures to %s\n", *duration, *workers, *batch, kinds, *dir)

	start := time.Now()
	deadline := start.Add(*duration)
	var (
		mu      sync.Mutex
		failure *proptest.Result
		wg      sync.WaitGroup
	)
	stop := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failure != nil || time.Now().After(deadline)
	}
	restore := proptest.SetRapidFlags(proptest.RunOptions{Checks: *batch})
	defer restore()
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := uint64(0); !stop(); i++ {
				var res proptest.Result
				if *seed != 0 {
					res = proptest.Run(proptest.TestName, proptest.RunOptions{Checks: *batch, Seed: *seed + i*uint64(*batch)}, prop)
				} else {
					res = proptest.Check(proptest.TestName, prop)
				}
				if res.Failed {
					mu.Lock()
					if failure == nil {
						failure = &res
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(*progress)
	defer tick.Stop()
	line := func() {
		sn := cfg.Stats.Snapshot()
		fmt.Fprintf(stdout, "[%v] %d sequences, %d steps, %d checks, %d/%d operation kinds, groups up to %d members\n",
			time.Since(start).Round(time.Second), sn.Sequences, sn.Steps, sn.Checks, len(sn.Kinds), kinds, sn.Largest)
	}
wait:
	for {
		select {
		case <-done:
			break wait
		case <-tick.C:
			line()
		}
	}
	line()
	sn := cfg.Stats.Snapshot()
	if failure == nil {
		fmt.Fprintf(stdout, "campaign prop: clean after %v\n%s", time.Since(start).Round(time.Second), sn.Summary())
		return 0
	}
	fmt.Fprintf(stdout, "campaign prop: FAILED after %v\n%s\n", time.Since(start).Round(time.Second), failure.Report)
	if failure.FailFile == "" {
		fmt.Fprintln(stderr, "mlsref campaign prop: rapid saved no fail file")
		return 1
	}
	saved, err := keepFailFile(failure.FailFile, *dir)
	if err != nil {
		fmt.Fprintf(stderr, "mlsref campaign prop: %v (the case is in %s)\n", err, failure.FailFile)
		return 1
	}
	fmt.Fprintf(stdout, "saved the shrunk case as %s\nreplay it with: go test ./proptest -run '^%s$' -rapid.failfile=%q\n", saved, proptest.TestName, relToProptest(saved))
	if strings.HasPrefix(filepath.ToSlash(saved), "proptest/testdata/rapid/"+proptest.TestName+"/") {
		fmt.Fprintln(stdout, "every `go test ./proptest` replays it from now on")
	}
	return 1
}

// keepFailFile moves the fail file rapid wrote (relative to the working
// directory) into dir, removing the directories rapid created if they are
// left empty, and returns the new path.
func keepFailFile(src, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if abs(src) == abs(dst) {
		return dst, nil
	}
	if err := os.Rename(src, dst); err != nil {
		b, rerr := os.ReadFile(src)
		if rerr != nil {
			return "", errors.Join(err, rerr)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return "", err
		}
		_ = os.Remove(src)
	}
	for d := filepath.Dir(src); d != "." && d != string(filepath.Separator); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
	return dst, nil
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// relToProptest returns p relative to the proptest package directory when
// it lies under it, since `go test ./proptest` runs there.
func relToProptest(p string) string {
	if rest, ok := strings.CutPrefix(filepath.ToSlash(p), "proptest/"); ok {
		return rest
	}
	return abs(p)
}
