package spec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The checks below keep requirements.md and sections.md true to the RFC
// and to the code. Each returns every problem it finds, nil when there is
// none; spec_test.go runs them on the repository.

var (
	idRowRe  = regexp.MustCompile(`^` + idPattern + `$`)
	secRowRe = regexp.MustCompile(`^(?:` + secNum + `|[A-Z])$`)
)

// CheckRows checks the hand-written columns of t: well-formed and unique
// IDs and section numbers, a known keyword, a non-empty paraphrase and a
// status that is "enforced", "not yet" or "n/a: <why>".
func CheckRows(t *Tables) []error {
	var errs []error
	kw := map[string]bool{}
	for _, k := range keywords {
		kw[k] = true
	}
	seen := map[string]bool{}
	for _, r := range t.Reqs {
		switch {
		case !idRowRe.MatchString(r.ID):
			errs = append(errs, fmt.Errorf("%s: %q is not a requirement ID", RequirementsFile, r.ID))
		case seen[r.ID]:
			errs = append(errs, fmt.Errorf("%s: %s: duplicate row", RequirementsFile, r.ID))
		}
		seen[r.ID] = true
		if !kw[r.Keyword] {
			errs = append(errs, fmt.Errorf("%s: %s: %q is not a BCP 14 keyword", RequirementsFile, r.ID, r.Keyword))
		}
		if strings.TrimSpace(r.Requirement) == "" {
			errs = append(errs, fmt.Errorf("%s: %s: empty Requirement; paraphrase the statement", RequirementsFile, r.ID))
		}
		if statusClass(r.Status) == "" {
			errs = append(errs, fmt.Errorf("%s: %s: status %q is none of %q, %q, %q", RequirementsFile, r.ID, r.Status, StatusEnforced, StatusNotYet, StatusNA+": why"))
		}
	}
	seen = map[string]bool{}
	for _, r := range t.Secs {
		switch {
		case !secRowRe.MatchString(r.Number):
			errs = append(errs, fmt.Errorf("%s: %q is not a section number", SectionsFile, r.Number))
		case seen[r.Number]:
			errs = append(errs, fmt.Errorf("%s: section %s: duplicate row", SectionsFile, r.Number))
		}
		seen[r.Number] = true
		if r.Title == "" {
			errs = append(errs, fmt.Errorf("%s: section %s: empty title", SectionsFile, r.Number))
		}
	}
	return errs
}

// CheckIDs checks (a): every string of the form of a requirement ID in any
// Go file, whether cited as "[R-...]" in code or asserted in a test, is
// the ID of a row of requirements.md.
func CheckIDs(t *Tables, sc *Scan) []error {
	known := map[string]bool{}
	for _, r := range t.Reqs {
		known[r.ID] = true
	}
	var errs []error
	for _, u := range sc.IDs {
		if !known[u.Value] {
			errs = append(errs, fmt.Errorf("%s: %s is not a requirement ID of %s (list them with go run ./spec/rfcreqs)", u.Loc, u.Value, RequirementsFile))
		}
	}
	return errs
}

// CheckSectionCites checks (b): every "RFC 9420, Section <n>" and "RFC 9420,
// Appendix <letter>" in a comment or string literal of any Go file names a
// section of sections.md.
func CheckSectionCites(t *Tables, sc *Scan) []error {
	known := map[string]bool{}
	for _, r := range t.Secs {
		known[r.Number] = true
	}
	var errs []error
	for _, u := range sc.SectionCites {
		if !known[u.Value] {
			what := "Section"
			if u.Value[0] >= 'A' && u.Value[0] <= 'Z' {
				what = "Appendix"
			}
			errs = append(errs, fmt.Errorf("%s: RFC 9420 has no %s %s (see %s)", u.Loc, what, u.Value, SectionsFile))
		}
	}
	return errs
}

// CheckStale checks (c): the files req and sec, parsed into t, are what
// the generator writes now from t and the code scanned into sc.
func CheckStale(t *Tables, sc *Scan, req, sec []byte) []error {
	fresh := t.Clone()
	fresh.Fill(sc)
	wantReq, wantSec := fresh.Render()
	var errs []error
	if d := firstDiff(req, wantReq); d != "" {
		errs = append(errs, fmt.Errorf("%s is out of date (%s): run `go run ./spec/gen`", RequirementsFile, d))
	}
	if d := firstDiff(sec, wantSec); d != "" {
		errs = append(errs, fmt.Errorf("%s is out of date (%s): run `go run ./spec/gen`", SectionsFile, d))
	}
	return errs
}

// firstDiff describes the first line where got and want differ, or
// returns "" when they are equal.
func firstDiff(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("line %d is %q, want %q", i+1, gl, wl)
		}
	}
	return "differs"
}

// CheckStatus checks (d): a row is "enforced" exactly when a comment of
// the non-test code cites its ID.
func CheckStatus(t *Tables, sc *Scan) []error {
	var errs []error
	for _, r := range t.Reqs {
		cites := sc.Cites[r.ID]
		switch {
		case r.Status == StatusEnforced && len(cites) == 0:
			errs = append(errs, fmt.Errorf("%s: %s is %q but no comment of the code cites [%s]", RequirementsFile, r.ID, r.Status, r.ID))
		case r.Status != StatusEnforced && len(cites) > 0:
			errs = append(errs, fmt.Errorf("%s: %s is %q but %s cites [%s]; make it %q", RequirementsFile, r.ID, r.Status, cites[0], r.ID, StatusEnforced))
		}
	}
	return errs
}

// CheckFiles checks (e): every file the tables name exists under root, and
// every "file:line" names a line the file has.
func CheckFiles(root string, t *Tables) []error {
	var errs []error
	lines := map[string]int{} // -1: missing
	count := func(f string) int {
		n, ok := lines[f]
		if !ok {
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
			if err != nil {
				n = -1
			} else {
				n = bytes.Count(b, []byte("\n"))
				if len(b) > 0 && b[len(b)-1] != '\n' {
					n++
				}
			}
			lines[f] = n
		}
		return n
	}
	check := func(where, ref string) {
		f, line := ref, 0
		if i := strings.LastIndexByte(ref, ':'); i >= 0 {
			if n, err := strconv.Atoi(ref[i+1:]); err == nil {
				f, line = ref[:i], n
			}
		}
		switch n := count(f); {
		case n < 0:
			errs = append(errs, fmt.Errorf("%s: %s names %s, which does not exist", where, ref, f))
		case line > n || line < 0:
			errs = append(errs, fmt.Errorf("%s: %s names line %d of %s, which has %d lines", where, ref, line, f, n))
		}
	}
	for _, r := range t.Reqs {
		for _, e := range r.Enforced {
			check(RequirementsFile+": "+r.ID, e)
		}
		for _, e := range r.Tests {
			check(RequirementsFile+": "+r.ID, e)
		}
	}
	for _, r := range t.Secs {
		for _, e := range r.Files {
			check(SectionsFile+": section "+r.Number, e)
		}
	}
	return errs
}

// CheckRFC checks (f): the rows of t are exactly the sections of the RFC
// (numbers and titles, in order) and its statements (IDs and keywords, in
// order) as ParseSections and ExtractStatements find them.
func CheckRFC(t *Tables, secs []Section) []error {
	var errs []error
	for i := 0; i < len(secs) || i < len(t.Secs); i++ {
		switch {
		case i >= len(t.Secs):
			errs = append(errs, fmt.Errorf("%s: missing section %s %q (row %d)", SectionsFile, secs[i].Number, secs[i].Title, i+1))
		case i >= len(secs):
			errs = append(errs, fmt.Errorf("%s: section %s %q is not in the RFC (row %d)", SectionsFile, t.Secs[i].Number, t.Secs[i].Title, i+1))
		case secs[i].Number != t.Secs[i].Number || secs[i].Title != t.Secs[i].Title:
			errs = append(errs, fmt.Errorf("%s: row %d is section %s %q, the RFC has %s %q", SectionsFile, i+1, t.Secs[i].Number, t.Secs[i].Title, secs[i].Number, secs[i].Title))
		}
	}
	stmts := ExtractStatements(secs)
	for i := 0; i < len(stmts) || i < len(t.Reqs); i++ {
		switch {
		case i >= len(t.Reqs):
			errs = append(errs, fmt.Errorf("%s: missing %s %s (row %d)", RequirementsFile, stmts[i].ID, stmts[i].Keyword, i+1))
		case i >= len(stmts):
			errs = append(errs, fmt.Errorf("%s: %s is not a statement of the RFC (row %d)", RequirementsFile, t.Reqs[i].ID, i+1))
		case stmts[i].ID != t.Reqs[i].ID || stmts[i].Keyword != t.Reqs[i].Keyword:
			errs = append(errs, fmt.Errorf("%s: row %d is %s %s, the RFC has %s %s", RequirementsFile, i+1, t.Reqs[i].ID, t.Reqs[i].Keyword, stmts[i].ID, stmts[i].Keyword))
		}
	}
	return errs
}

// MaxQuoteWords is the longest run of consecutive words a paraphrase in
// requirements.md may share with the RFC's sentence: the project
// paraphrases the RFC and quotes at most a few words.
const MaxQuoteWords = 6

// CheckParaphrases checks that no Requirement of t copies its RFC
// statement: each may share at most MaxQuoteWords consecutive words with
// it (case and punctuation ignored).
func CheckParaphrases(t *Tables, secs []Section) []error {
	text := map[string]string{}
	for _, st := range ExtractStatements(secs) {
		text[st.ID] = st.Text
	}
	var errs []error
	for _, r := range t.Reqs {
		s, ok := text[r.ID]
		if !ok {
			continue
		}
		if n, run := commonRun(words(r.Requirement), words(s)); n > MaxQuoteWords {
			errs = append(errs, fmt.Errorf("%s: %s copies %d words of the RFC (%q); paraphrase it", RequirementsFile, r.ID, n, run))
		}
	}
	return errs
}

var wordRe = regexp.MustCompile(`[A-Za-z0-9_.]+`)

func words(s string) []string {
	w := wordRe.FindAllString(strings.ToLower(s), -1)
	for i := range w {
		w[i] = strings.Trim(w[i], ".")
	}
	return w
}

// commonRun returns the length and the words of the longest run of
// consecutive words that a and b share.
func commonRun(a, b []string) (int, string) {
	best, end := 0, 0
	prev := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] && a[i-1] != "" {
				cur[j] = prev[j-1] + 1
				if cur[j] > best {
					best, end = cur[j], i
				}
			}
		}
		prev = cur
	}
	return best, strings.Join(a[end-best:end], " ")
}
