// Command modelcheck checks the formal models in proverif/ or tamarin/
// against their sidecar files (see package modelcheck); proverif/check and
// tamarin/check run it.
//
//	go run ./proverif/modelcheck/cmd/modelcheck -tool proverif [-record] [-run REGEXP]
//
// It runs the prover when it is installed (found on $PATH, or named by
// $PROVERIF / $TAMARIN_PROVER) and otherwise says so for every model and
// checks only what it can without it. It ends with "N passed, N failed, N
// skipped" and exits non-zero when any check failed.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"time"

	"github.com/mlsref/mlsref/proverif/modelcheck"
)

func main() {
	tool := flag.String("tool", "proverif", "proverif or tamarin")
	dir := flag.String("dir", "", "folder of the models (default: the tool's name)")
	timeout := flag.Duration("timeout", 20*time.Minute, "time limit of one ProVerif model or one Tamarin lemma")
	record := flag.Bool("record", false, "rewrite the times in the sidecars of the models whose results match")
	run := flag.String("run", "", "check only the models whose file name matches this regular expression")
	static := flag.Bool("static", false, "do not run the prover even if it is installed")
	flag.Parse()

	c := modelcheck.Config{Tool: *tool, Dir: *dir, Timeout: *timeout, Record: *record, Out: os.Stdout}
	if c.Dir == "" {
		c.Dir = *tool
	}
	exe, env := "proverif", "PROVERIF"
	c.Claims = []int{1, 2, 3, 4, 5, 6, 7}
	if *tool == "tamarin" {
		exe, env = "tamarin-prover", "TAMARIN_PROVER"
	} else {
		c.Lib = "mls.pvl"
	}
	if *static {
		c.Missing = "-static: " + exe + " NOT RUN"
	} else {
		if p := os.Getenv(env); p != "" {
			c.Prover = p
		} else if p, err := exec.LookPath(exe); err == nil {
			c.Prover = p
		}
	}
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			fmt.Fprintln(os.Stderr, "modelcheck:", err)
			os.Exit(2)
		}
		c.Filter = re
	}
	if c.Prover != "" {
		fmt.Printf("prover: %s\n", c.Prover)
	}
	n, err := modelcheck.Check(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "modelcheck:", err)
		os.Exit(2)
	}
	if n.Failed > 0 {
		os.Exit(1)
	}
}
