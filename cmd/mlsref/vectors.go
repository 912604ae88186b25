package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/vectors"
)

func runVectors(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "verify":
		return vectorsVerify(args[1:], stdout, stderr)
	case "gen":
		return vectorsGen(args[1:], stdout, stderr)
	case "types":
		for _, k := range vectors.Kinds() {
			fmt.Fprintf(stdout, "%s\t%v\n", k.Name, k.Files)
		}
		return 0
	default:
		fmt.Fprintf(stderr, "mlsref vectors: unknown subcommand %q\n%s", args[0], usage)
		return 2
	}
}

// parseInterleaved parses flags that may appear before or after the
// positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func vectorsVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vectors verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	typ := fs.String("type", "", "vector type (default: inferred from each file name)")
	verbose := fs.Bool("v", false, "print every failure, not just the first ten per file")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	var kind *vectors.Kind
	if *typ != "" {
		k, ok := vectors.Lookup(*typ)
		if !ok {
			fmt.Fprintf(stderr, "mlsref: unknown vector type %q (see mlsref vectors types)\n", *typ)
			return 2
		}
		kind = k
	}
	// With no argument, every official file of a type mlsref implements is
	// verified; the others are listed as not implemented yet and do not
	// fail the run, since the caller did not name them.
	onlyKnown := len(files) == 0
	if onlyKnown {
		files = []string{vectors.DefaultDir()}
	}
	var paths []string
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			fmt.Fprintf(stderr, "mlsref: %v\n", err)
			return 1
		}
		if st.IsDir() {
			m, _ := filepath.Glob(filepath.Join(f, "*.json"))
			sort.Strings(m)
			if len(m) == 0 {
				fmt.Fprintf(stderr, "mlsref: no .json files in %s\n", f)
				return 1
			}
			paths = append(paths, m...)
		} else {
			paths = append(paths, f)
		}
	}
	code := 0
	for _, p := range paths {
		if _, ok := vectors.KindForFile(p); onlyKnown && !ok {
			fmt.Fprintf(stdout, "%s: not verified: mlsref has no verifier for this type yet\n", p)
			continue
		}
		rep, err := vectors.VerifyFile(p, kind)
		if err != nil {
			fmt.Fprintf(stdout, "%s: could not run: %v\n", p, err)
			code = 1
			continue
		}
		line := fmt.Sprintf("%s: %d passed, %d failed", p, rep.Passed, rep.Failed)
		if rep.Skipped > 0 {
			line += fmt.Sprintf(", %d could not run", rep.Skipped)
		}
		fmt.Fprintln(stdout, line)
		for i, f := range rep.Failures {
			if i == 10 && !*verbose {
				fmt.Fprintf(stdout, "    ... %d more (use -v)\n", len(rep.Failures)-10)
				break
			}
			fmt.Fprintf(stdout, "    %s\n", f)
		}
		if !rep.OK() {
			code = 1
		}
	}
	return code
}

func vectorsGen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vectors gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	suite := fs.String("suite", "1", "cipher suite number (1 to 7, decimal or 0x hex)")
	seed := fs.String("seed", "mlsref", "seed from which all randomness is drawn")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "mlsref vectors gen: need exactly one TYPE\n%s", usage)
		return 2
	}
	k, ok := vectors.Lookup(pos[0])
	if !ok {
		fmt.Fprintf(stderr, "mlsref: unknown vector type %q (see mlsref vectors types)\n", pos[0])
		return 2
	}
	n, err := strconv.ParseUint(*suite, 0, 16)
	if err != nil {
		fmt.Fprintf(stderr, "mlsref: bad --suite %q: %v\n", *suite, err)
		return 2
	}
	if k.Suites != nil {
		found := false
		for _, s := range k.Suites {
			found = found || uint64(s) == n
		}
		if !found {
			fmt.Fprintf(stderr, "mlsref: vector type %s does not support cipher suite %d (supported: %v)\n", k.Name, n, k.Suites)
			return 2
		}
	}
	v, err := k.Generate(uint16(n), seeded.New(*seed))
	if err != nil {
		fmt.Fprintf(stderr, "mlsref: generating %s: %v\n", k.Name, err)
		return 1
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "mlsref: encoding %s: %v\n", k.Name, err)
		return 1
	}
	stdout.Write(append(out, '\n'))
	return 0
}
