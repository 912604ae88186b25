// Command mlsref is the command line of the mlsref reference implementation
// of RFC 9420 (Messaging Layer Security).
//
//	mlsref vectors verify [--type T] [FILE|DIR ...]
//	mlsref vectors gen TYPE [--suite N] [--seed S]
//	mlsref vectors types
//	mlsref demo [--members N] [--epochs E] [--suite S] [--seed SEED]
//	mlsref campaign prop [--duration D] [--seed N] [--workers W] [--dir DIR]
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage:
  mlsref vectors verify [--type T] [FILE|DIR ...]
        verify official or generated mlswg test vectors; prints one line per
        file, "FILE: N passed, M failed"; with no argument, every file of the
        official vector directory ($MLS_TEST_VECTORS, default
        ../shared/test-vectors); exits non-zero on any failure or on any
        case that could not run
  mlsref vectors gen TYPE [--suite N] [--seed S]
        write vectors of TYPE in the official JSON format to stdout
  mlsref vectors types
        list the vector types mlsref knows
  mlsref demo [--members N] [--epochs E] [--suite S] [--seed SEED]
        simulate a group of N clients (default 8) through E Commits
        (default 12): adds, updates, removes and re-adds, reordered
        application messages, a replay and a forged Commit that must be
        rejected; prints one row per epoch after checking that every member
        agrees; exits non-zero on any disagreement; the same seed gives the
        same table
  mlsref campaign prop [--duration D] [--seed N] [--batch B] [--workers W]
                       [--progress P] [--dir DIR] [--known]
        run the property campaign (package proptest: ref/group clients
        against the model) for D (default 1m), printing progress every P
        (steps, checks, operation kinds covered); a failure is shrunk,
        printed and saved as a rapid fail file in DIR (default
        proptest/testdata/rapid/TestGroupStateMachine, which go test
        replays); exits non-zero on a failure
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "vectors":
		return runVectors(args[1:], stdout, stderr)
	case "demo":
		return runDemo(args[1:], stdout, stderr)
	case "campaign":
		return runCampaign(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "mlsref: unknown command %q\n%s", args[0], usage)
		return 2
	}
}
