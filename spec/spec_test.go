package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMap keeps requirements.md and sections.md true to the code and, when
// its text is available, to the RFC.
func TestMap(t *testing.T) {
	root := RepoRoot()
	tables, err := ReadTables(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables.Reqs) == 0 || len(tables.Secs) == 0 {
		t.Fatalf("%s or %s has no rows: run `go run ./spec/gen`", RequirementsFile, SectionsFile)
	}
	sc, err := ScanRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	report := func(t *testing.T, errs []error) {
		t.Helper()
		for _, e := range errs {
			t.Error(e)
		}
	}
	t.Run("rows", func(t *testing.T) { report(t, CheckRows(tables)) })
	t.Run("ids", func(t *testing.T) { report(t, CheckIDs(tables, sc)) })
	t.Run("section-citations", func(t *testing.T) { report(t, CheckSectionCites(tables, sc)) })
	t.Run("up-to-date", func(t *testing.T) {
		req, err := os.ReadFile(filepath.Join(root, RequirementsFile))
		if err != nil {
			t.Fatal(err)
		}
		sec, err := os.ReadFile(filepath.Join(root, SectionsFile))
		if err != nil {
			t.Fatal(err)
		}
		report(t, CheckStale(tables, sc, req, sec))
	})
	t.Run("status", func(t *testing.T) { report(t, CheckStatus(tables, sc)) })
	t.Run("files", func(t *testing.T) { report(t, CheckFiles(root, tables)) })

	rfcSecs, rfcErr := ReadRFC(DefaultRFCPath())
	needRFC := func(t *testing.T) {
		t.Helper()
		if rfcErr == nil {
			return
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("RFC 9420 text not available (%v); set $MLS_RFC to rfc9420.txt", rfcErr)
		}
		t.Skipf("RFC 9420 text not available (%v); set $MLS_RFC to rfc9420.txt to compare the map with the RFC", rfcErr)
	}
	t.Run("rfc", func(t *testing.T) {
		needRFC(t)
		report(t, CheckRFC(tables, rfcSecs))
	})
	t.Run("paraphrases", func(t *testing.T) {
		needRFC(t)
		report(t, CheckParaphrases(tables, rfcSecs))
	})
}

// TestRFCCounts pins what ParseSections and ExtractStatements find in RFC
// 9420, on which the IDs cited by the code depend.
func TestRFCCounts(t *testing.T) {
	secs, err := ReadRFC(DefaultRFCPath())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("RFC 9420 text not available (%v); set $MLS_RFC to rfc9420.txt", err)
		}
		t.Skipf("RFC 9420 text not available (%v); set $MLS_RFC to rfc9420.txt", err)
	}
	if got, want := len(secs), 125; got != want {
		t.Errorf("RFC 9420 has %d sections, want %d", got, want)
	}
	if got, want := len(ExtractStatements(secs)), 302; got != want {
		t.Errorf("RFC 9420 has %d normative statements, want %d", got, want)
	}
}
