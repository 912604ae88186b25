// Command gen rewrites spec/requirements.md and spec/sections.md, the map
// from RFC 9420 to the code (see package spec and spec/README.md).
//
//	go run ./spec/gen [-rfc PATH] [-fix-status]
//
// It keeps the hand-written columns (Requirement, Status, Note) of the
// existing files and regenerates the others from the Go files of the
// repository: where each requirement ID is cited as "[R-...]" in a comment
// of the code, which tests mention it, which files cite each section as
// "RFC 9420, Section <n>". When the RFC text is available the rows are also
// brought in line with its sections and statements; without it the rows of
// the existing files are kept as they are.
//
// With -fix-status, a row the code cites becomes "enforced" and an
// "enforced" row the code does not cite becomes "not yet".
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlsref/mlsref/spec"
)

func main() {
	rfc := flag.String("rfc", spec.DefaultRFCPath(), "path to rfc9420.txt")
	fix := flag.Bool("fix-status", false, "set the status of rows that contradict the code")
	flag.Parse()
	if err := run(*rfc, *fix); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(rfcPath string, fix bool) error {
	root := spec.RepoRoot()
	t, err := spec.ReadTables(root)
	if err != nil {
		return err
	}
	if secs, err := spec.ReadRFC(rfcPath); err != nil {
		fmt.Fprintf(os.Stderr, "gen: RFC text not available (%v); keeping the rows of the existing files\n", err)
	} else {
		for _, n := range t.MergeRFC(secs) {
			fmt.Fprintln(os.Stderr, "gen:", n)
		}
	}
	sc, err := spec.ScanRepo(root)
	if err != nil {
		return err
	}
	if fix {
		for _, id := range t.FixStatus(sc) {
			fmt.Fprintln(os.Stderr, "gen: status changed:", id)
		}
	}
	t.Fill(sc)
	req, sec := t.Render()
	for _, f := range []struct {
		name string
		b    []byte
	}{{spec.RequirementsFile, req}, {spec.SectionsFile, sec}} {
		p := filepath.Join(root, filepath.FromSlash(f.name))
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, f.b) {
			continue
		}
		if err := os.WriteFile(p, f.b, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "gen: wrote", f.name)
	}
	// Problems the generator cannot fix are reported, not fatal.
	for _, e := range append(append(spec.CheckRows(t), spec.CheckIDs(t, sc)...), append(spec.CheckSectionCites(t, sc), spec.CheckStatus(t, sc)...)...) {
		fmt.Fprintln(os.Stderr, "gen: warning:", e)
	}
	return nil
}
