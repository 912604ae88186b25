package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Fake sources are assembled at run time so that the scan of this
// repository does not take them for real citations.
const (
	rfcRef = "RFC" + " 9420, "
	lb, rb = "[", "]"
)

// fakeTables is a small consistent map: two statements of Section 2.1 and
// two sections.
func fakeTables() *Tables {
	return &Tables{
		Reqs: []ReqRow{
			{ID: rid("2.1", 1), Keyword: "MUST", Requirement: "Reject the bad thing.", Status: StatusEnforced},
			{ID: rid("2.1", 2), Keyword: "SHOULD", Requirement: "Prefer the good thing.", Status: "n/a: application policy"},
			{ID: rid("C", 1), Keyword: "MAY", Requirement: "Use arrays.", Status: StatusNotYet},
		},
		Secs: []SecRow{
			{Number: "2", Title: "Terminology"},
			{Number: "2.1", Title: "Presentation Language", Note: "hand-written"},
			{Number: "C", Title: "Array-Based Trees"},
		},
	}
}

// fakeSources cites the first requirement in a non-test file, mentions it
// in a test, and cites sections in comments and in a string literal.
func fakeSources() map[string][]byte {
	return map[string][]byte{
		"ref/a/a.go": []byte("// Package a implements " + rfcRef + "Section\n// 2.1.\npackage a\n\nfunc f() error {\n\t// " + lb + rid("2.1", 1) + rb + "\n\treturn nil\n}\n"),
		"ref/a/a_test.go": []byte("package a\n\n// " + rfcRef + "Appendix C is cited by a test only.\nvar id = \"" +
			rid("2.1", 1) + "\"\n"),
		"ref/b/b.go": []byte("package b\n\nconst msg = \"(" + rfcRef + "Section 2)\"\n"),
	}
}

func TestScanFiles(t *testing.T) {
	sc := ScanFiles(fakeSources())
	if d := cmp.Diff(map[string][]Loc{rid("2.1", 1): {{"ref/a/a.go", 6}}}, sc.Cites); d != "" {
		t.Errorf("Cites (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string][]string{rid("2.1", 1): {"ref/a/a_test.go"}}, sc.Tests); d != "" {
		t.Errorf("Tests (-want +got):\n%s", d)
	}
	// Only comments of non-test files count for sections.md; a citation
	// may break across comment lines.
	if d := cmp.Diff(map[string][]string{"2.1": {"ref/a/a.go"}}, sc.SectionFiles); d != "" {
		t.Errorf("SectionFiles (-want +got):\n%s", d)
	}
	want := []Use{{Loc{"ref/a/a.go", 1}, "2.1"}, {Loc{"ref/a/a_test.go", 3}, "C"}, {Loc{"ref/b/b.go", 3}, "2"}}
	if d := cmp.Diff(want, sc.SectionCites); d != "" {
		t.Errorf("SectionCites (-want +got):\n%s", d)
	}
}

func TestSectionCitations(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{rfcRef + "Section 7.9.2.", []string{"7.9.2"}},
		{rfcRef + "Sections 12.2 and 12.3 say", []string{"12.2", "12.3"}},
		{rfcRef + "Section 5.1, 17.1)", []string{"5.1", "17.1"}},
		{rfcRef + "Sections 12.4, 13, and 14.", []string{"12.4", "13", "14"}},
		{rfcRef + "Section 7.3, 2 leaves", []string{"7.3"}},
		{rfcRef + "Appendix C and D", []string{"C", "D"}},
		{"RFC\n9420,\nSection\n8.4", []string{"8.4"}},
		{"RFC 9421, Section 8.4", nil},
		{rfcRef + "Section <n>", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, u := range sectionCites(piece{1, tc.in}) {
			got = append(got, u.Value)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("sectionCites(%q) (-want +got):\n%s", tc.in, d)
		}
	}
}

func TestChecksPass(t *testing.T) {
	tb := fakeTables()
	sc := ScanFiles(fakeSources())
	tb.Fill(sc)
	req, sec := tb.Render()
	for name, errs := range map[string][]error{
		"rows":     CheckRows(tb),
		"ids":      CheckIDs(tb, sc),
		"sections": CheckSectionCites(tb, sc),
		"stale":    CheckStale(tb, sc, req, sec),
		"status":   CheckStatus(tb, sc),
	} {
		for _, e := range errs {
			t.Errorf("%s: unexpected error on a consistent map: %v", name, e)
		}
	}
}

func TestCheckRowsFails(t *testing.T) {
	tests := map[string]func(*Tables){
		"empty requirement": func(tb *Tables) { tb.Reqs[0].Requirement = " " },
		"unknown status":    func(tb *Tables) { tb.Reqs[0].Status = "done" },
		"n/a without why":   func(tb *Tables) { tb.Reqs[1].Status = "n/a" },
		"bad keyword":       func(tb *Tables) { tb.Reqs[1].Keyword = "must" },
		"duplicate ID":      func(tb *Tables) { tb.Reqs[1].ID = tb.Reqs[0].ID },
		"malformed ID":      func(tb *Tables) { tb.Reqs[1].ID = "R-2.1" },
		"duplicate section": func(tb *Tables) { tb.Secs[1].Number = "2" },
		"empty title":       func(tb *Tables) { tb.Secs[1].Title = "" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			tb := fakeTables()
			mutate(tb)
			if errs := CheckRows(tb); len(errs) != 1 {
				t.Errorf("CheckRows = %v, want one error", errs)
			}
		})
	}
}

func TestCheckIDsFails(t *testing.T) {
	src := fakeSources()
	src["ref/a/a.go"] = append(src["ref/a/a.go"], []byte("// "+lb+rid("2.1", 9)+rb+"\n")...)
	src["ref/a/a_test.go"] = append(src["ref/a/a_test.go"], []byte("var x = \""+rid("9.9", 1)+"\"\n")...)
	errs := CheckIDs(fakeTables(), ScanFiles(src))
	if len(errs) != 2 {
		t.Fatalf("CheckIDs = %v, want 2 errors", errs)
	}
	for i, want := range []string{"ref/a/a.go:9", "ref/a/a_test.go:5"} {
		if !strings.Contains(errs[i].Error(), want) {
			t.Errorf("error %q does not name %s", errs[i], want)
		}
	}
}

func TestCheckSectionCitesFails(t *testing.T) {
	for _, bad := range []string{
		"// " + rfcRef + "Section 2.9\n",
		"// " + rfcRef + "Sections 2 and 2.1.7\n",
		"// " + rfcRef + "Appendix E\n",
		"var s = \"" + rfcRef + "Section 19\"\n",
	} {
		src := fakeSources()
		src["ref/c/c_test.go"] = []byte("package c\n\n" + bad)
		if errs := CheckSectionCites(fakeTables(), ScanFiles(src)); len(errs) != 1 {
			t.Errorf("CheckSectionCites(%q) = %v, want one error", bad, errs)
		}
	}
}

func TestCheckStaleFails(t *testing.T) {
	tb := fakeTables()
	sc := ScanFiles(fakeSources())
	tb.Fill(sc)
	req, sec := tb.Render()

	// Moving code within a file does not make the tables stale: they name
	// files, not lines.
	src := fakeSources()
	src["ref/a/a.go"] = []byte("\n" + string(src["ref/a/a.go"]))
	if errs := CheckStale(tb, ScanFiles(src), req, sec); len(errs) != 0 {
		t.Errorf("CheckStale after the code moved within a file = %v, want none", errs)
	}
	// The citation moved to another file.
	moved := fakeSources()
	moved["ref/a/moved.go"] = moved["ref/a/a.go"]
	delete(moved, "ref/a/a.go")
	if errs := CheckStale(tb, ScanFiles(moved), req, sec); len(errs) == 0 || !strings.Contains(errs[0].Error(), "go run ./spec/gen") {
		t.Errorf("CheckStale after the citation changed file = %v, want an error telling to run the generator", errs)
	}
	// A section lost its only citing file.
	delete(src, "ref/a/a.go")
	if errs := CheckStale(tb, ScanFiles(src), req, sec); len(errs) != 2 {
		t.Errorf("CheckStale after a file went = %v, want 2 errors", errs)
	}
	// Hand edits of a generated column.
	edited := strings.Replace(string(sec), "| ref/a/a.go |", "| ref/z.go |", 1)
	if edited == string(sec) {
		t.Fatal("test setup: no Files cell to edit")
	}
	if errs := CheckStale(tb, sc, req, []byte(edited)); len(errs) != 1 {
		t.Errorf("CheckStale of an edited sections.md = %v, want one error", errs)
	}
}

func TestCheckStatusFails(t *testing.T) {
	sc := ScanFiles(fakeSources())
	tests := map[string]func(*Tables){
		"enforced without citation": func(tb *Tables) { tb.Reqs[2].Status = StatusEnforced },
		"not yet but cited":         func(tb *Tables) { tb.Reqs[0].Status = StatusNotYet },
		"n/a but cited":             func(tb *Tables) { tb.Reqs[0].Status = "n/a: informative" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			tb := fakeTables()
			mutate(tb)
			if errs := CheckStatus(tb, sc); len(errs) != 1 {
				t.Errorf("CheckStatus = %v, want one error", errs)
			}
		})
	}
	// A citation in a test file does not make a requirement enforced.
	tb := fakeTables()
	src := fakeSources()
	src["ref/a/a_test.go"] = append(src["ref/a/a_test.go"], []byte("// "+lb+rid("C", 1)+rb+"\n")...)
	tb.Reqs[2].Status = StatusEnforced
	if errs := CheckStatus(tb, ScanFiles(src)); len(errs) != 1 {
		t.Errorf("CheckStatus with a test-only citation = %v, want one error", errs)
	}
}

func TestCheckFilesFails(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "ref", "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "ref", "a", "a.go"), []byte("package a\n\n// x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tb := fakeTables()
	tb.Reqs[0].Enforced = []string{"ref/a/a.go:3"}
	tb.Reqs[0].Tests = []string{"ref/a/a.go"}
	tb.Secs[1].Files = []string{"ref/a/a.go"}
	if errs := CheckFiles(root, tb); len(errs) != 0 {
		t.Fatalf("CheckFiles = %v, want none", errs)
	}
	tb.Reqs[0].Enforced = []string{"ref/a/a.go:4"}        // past the end
	tb.Reqs[1].Tests = []string{"ref/a/a_test.go"}        // missing
	tb.Secs[2].Files = []string{"ref/a/a.go", "ref/b.go"} // one missing
	if errs := CheckFiles(root, tb); len(errs) != 3 {
		t.Errorf("CheckFiles = %v, want 3 errors", errs)
	}
}

func TestCheckRFCFails(t *testing.T) {
	secs, err := ParseSections(strings.NewReader(miniRFC))
	if err != nil {
		t.Fatal(err)
	}
	good := &Tables{}
	good.MergeRFC(secs)
	for i := range good.Reqs {
		good.Reqs[i].Requirement, good.Reqs[i].Status = "paraphrase", StatusNotYet
	}
	if errs := CheckRFC(good, secs); len(errs) != 0 {
		t.Fatalf("CheckRFC of merged tables = %v, want none", errs)
	}
	tests := map[string]func(*Tables){
		"missing statement": func(tb *Tables) { tb.Reqs = tb.Reqs[:len(tb.Reqs)-1] },
		"extra statement": func(tb *Tables) {
			tb.Reqs = append(tb.Reqs, ReqRow{ID: rid("A", 2), Keyword: "MAY"})
		},
		"wrong keyword":     func(tb *Tables) { tb.Reqs[0].Keyword = "SHOULD" },
		"renumbered":        func(tb *Tables) { tb.Reqs[1].ID = rid("2", 7) },
		"wrong title":       func(tb *Tables) { tb.Secs[0].Title = "Intro" },
		"missing section":   func(tb *Tables) { tb.Secs = tb.Secs[1:] },
		"swapped sections":  func(tb *Tables) { tb.Secs[0], tb.Secs[3] = tb.Secs[3], tb.Secs[0] },
		"appendix renumber": func(tb *Tables) { tb.Secs[3].Number = "B" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			tb := good.Clone()
			mutate(tb)
			if errs := CheckRFC(tb, secs); len(errs) == 0 {
				t.Error("CheckRFC found nothing wrong")
			}
		})
	}
}

func TestCheckParaphrases(t *testing.T) {
	secs, err := ParseSections(strings.NewReader(miniRFC))
	if err != nil {
		t.Fatal(err)
	}
	tb := &Tables{}
	tb.MergeRFC(secs)
	for i := range tb.Reqs {
		tb.Reqs[i].Requirement = "Short paraphrase."
	}
	if errs := CheckParaphrases(tb, secs); len(errs) != 0 {
		t.Fatalf("CheckParaphrases = %v, want none", errs)
	}
	// Statement 5 of the mini RFC has eight words.
	tb.Reqs[4].Requirement = "check THE second thing, which spans two lines"
	if errs := CheckParaphrases(tb, secs); len(errs) != 1 {
		t.Errorf("CheckParaphrases of a copied sentence = %v, want one error", errs)
	}
}

func TestMergeRFC(t *testing.T) {
	secs, err := ParseSections(strings.NewReader(miniRFC))
	if err != nil {
		t.Fatal(err)
	}
	tb := &Tables{
		Reqs: []ReqRow{
			{ID: rid("2", 2), Keyword: "MUST", Requirement: "kept", Status: "n/a: kept"},
			{ID: rid("3", 1), Keyword: "MUST", Requirement: "dropped", Status: StatusNotYet},
		},
		Secs: []SecRow{{Number: "2.1", Title: "Old Title", Note: "kept note"}, {Number: "9", Title: "Gone"}},
	}
	notes := tb.MergeRFC(secs)
	if len(tb.Reqs) != 9 || len(tb.Secs) != 4 {
		t.Fatalf("merged %d statements and %d sections, want 9 and 4", len(tb.Reqs), len(tb.Secs))
	}
	if r := tb.Reqs[1]; r.ID != rid("2", 2) || r.Keyword != "SHOULD NOT" || r.Requirement != "kept" || r.Status != "n/a: kept" {
		t.Errorf("merged row %+v: want the RFC's ID and keyword with the hand-written columns kept", r)
	}
	if r := tb.Reqs[0]; r.Requirement != "" || r.Status != StatusNotYet {
		t.Errorf("new row %+v: want an empty paraphrase, not yet", r)
	}
	if s := tb.Secs[2]; s.Title != "Sub Rules" || s.Note != "kept note" {
		t.Errorf("merged section %+v: want the RFC's title and the note kept", s)
	}
	// 8 new statements, 1 dropped statement, 1 dropped section.
	if len(notes) != 10 {
		t.Errorf("MergeRFC notes = %q, want 10", notes)
	}
}

func TestRenderParseRoundTrip(t *testing.T) {
	tb := fakeTables()
	tb.Reqs[0].Requirement = "A pipe | in the text."
	tb.Fill(ScanFiles(fakeSources()))
	req, sec := tb.Render()
	reqs, err := ParseRequirements(req)
	if err != nil {
		t.Fatal(err)
	}
	secs, err := ParseSectionsTable(sec)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(tb, &Tables{Reqs: reqs, Secs: secs}); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if _, err := ParseRequirements([]byte("# no table here\n")); err == nil {
		t.Error("ParseRequirements accepted a file without a table")
	}
	if _, err := ParseRequirements([]byte("| ID | Keyword |\n|---|---|\n| x | y |\n")); err == nil {
		t.Error("ParseRequirements accepted rows with too few cells")
	}
}

func TestFixStatus(t *testing.T) {
	tb := fakeTables()
	tb.Reqs[0].Status = StatusNotYet
	tb.Reqs[2].Status = StatusEnforced
	changed := tb.FixStatus(ScanFiles(fakeSources()))
	if d := cmp.Diff([]string{rid("2.1", 1), rid("C", 1)}, changed); d != "" {
		t.Errorf("changed (-want +got):\n%s", d)
	}
	if tb.Reqs[0].Status != StatusEnforced || tb.Reqs[1].Status != "n/a: application policy" || tb.Reqs[2].Status != StatusNotYet {
		t.Errorf("statuses after FixStatus: %q %q %q", tb.Reqs[0].Status, tb.Reqs[1].Status, tb.Reqs[2].Status)
	}
}

func TestGoFilesWalk(t *testing.T) {
	root := t.TempDir() // not a git repository: GoFiles walks
	for _, f := range []string{"go.mod", "a.go", "ref/b.go", "ref/b_test.go", "ref/testdata/c.go", ".git/d.go", "_scratch/e.go", "README.md"} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("package x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := GoFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"a.go", "ref/b.go", "ref/b_test.go"}, got); d != "" {
		t.Errorf("GoFiles (-want +got):\n%s", d)
	}
}
