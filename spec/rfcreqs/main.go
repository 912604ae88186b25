// Command rfcreqs lists the sections or the normative statements of RFC 9420
// with the requirement IDs mlsref uses for them (see package spec).
//
//	go run ./spec/rfcreqs [-rfc PATH] [-sections] [SECTION...]
//
// With SECTION arguments only statements of those sections (and their
// subsections) are printed.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/mlsref/mlsref/spec"
)

func main() {
	rfc := flag.String("rfc", spec.DefaultRFCPath(), "path to rfc9420.txt")
	secOnly := flag.Bool("sections", false, "list sections instead of statements")
	flag.Parse()
	f, err := os.Open(*rfc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rfcreqs:", err)
		os.Exit(1)
	}
	defer f.Close()
	secs, err := spec.ParseSections(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rfcreqs:", err)
		os.Exit(1)
	}
	want := func(sec string) bool {
		if flag.NArg() == 0 {
			return true
		}
		for _, a := range flag.Args() {
			if sec == a || strings.HasPrefix(sec, a+".") {
				return true
			}
		}
		return false
	}
	if *secOnly {
		for _, s := range secs {
			if want(s.Number) {
				fmt.Printf("%s\t%s\n", s.Number, s.Title)
			}
		}
		return
	}
	for _, st := range spec.ExtractStatements(secs) {
		if want(st.Section) {
			fmt.Printf("%s\t%s\t%s\n", st.ID, st.Keyword, st.Text)
		}
	}
}
