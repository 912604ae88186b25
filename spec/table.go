package spec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The two map files, relative to the repository root.
const (
	RequirementsFile = "spec/requirements.md"
	SectionsFile     = "spec/sections.md"
)

// Status values of a requirement row. A row's status is written by hand:
// StatusEnforced when a check in the code carries the requirement's ID,
// StatusNotYet when it ought to but does not yet, and "n/a: <why>" when the
// statement is informative, addressed to the application, or not something
// a receiver can check.
const (
	StatusEnforced = "enforced"
	StatusNotYet   = "not yet"
	StatusNA       = "n/a"
)

// Section status values of sections.md (generated).
const (
	SectionImplemented = "implemented in part or whole"
	SectionNotYet      = "not yet"
)

// ReqRow is one row of requirements.md: one normative statement.
type ReqRow struct {
	ID          string   // R-<section>-<n>, from ExtractStatements
	Keyword     string   // the statement's strongest BCP 14 keyword
	Requirement string   // hand-written paraphrase
	Status      string   // hand-written: enforced, not yet, or "n/a: why"
	Enforced    []string // generated: "path:line" of every code citation
	Tests       []string // generated: test files that mention the ID
}

// SecRow is one row of sections.md: one section or appendix of the RFC.
type SecRow struct {
	Number string   // "7.9.2", or "C" for Appendix C
	Title  string   // the section's title
	Files  []string // generated: non-test files whose comments cite it
	Status string   // generated: SectionImplemented or SectionNotYet
	Note   string   // hand-written, optional
}

// Tables is the content of requirements.md and sections.md.
type Tables struct {
	Reqs []ReqRow
	Secs []SecRow
}

// Clone returns a deep copy of t.
func (t *Tables) Clone() *Tables {
	c := &Tables{Reqs: append([]ReqRow(nil), t.Reqs...), Secs: append([]SecRow(nil), t.Secs...)}
	for i := range c.Reqs {
		c.Reqs[i].Enforced = append([]string(nil), c.Reqs[i].Enforced...)
		c.Reqs[i].Tests = append([]string(nil), c.Reqs[i].Tests...)
	}
	for i := range c.Secs {
		c.Secs[i].Files = append([]string(nil), c.Secs[i].Files...)
	}
	return c
}

var (
	reqHeader = []string{"ID", "Keyword", "Requirement", "Status", "Enforced in", "Tests"}
	secHeader = []string{"Section", "Title", "Files", "Status", "Note"}
)

// ReadTables reads and parses the two map files under root. A missing
// file yields an empty table, so that the generator can create it.
func ReadTables(root string) (*Tables, error) {
	t := &Tables{}
	req, err := os.ReadFile(filepath.Join(root, RequirementsFile))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if t.Reqs, err = ParseRequirements(req); err != nil {
		return nil, err
	}
	sec, err := os.ReadFile(filepath.Join(root, SectionsFile))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if t.Secs, err = ParseSectionsTable(sec); err != nil {
		return nil, err
	}
	return t, nil
}

// ParseRequirements parses the table of requirements.md.
func ParseRequirements(md []byte) ([]ReqRow, error) {
	rows, err := parseTable(md, RequirementsFile, reqHeader)
	if err != nil {
		return nil, err
	}
	out := make([]ReqRow, 0, len(rows))
	for _, c := range rows {
		out = append(out, ReqRow{ID: c[0], Keyword: c[1], Requirement: c[2], Status: c[3], Enforced: splitList(c[4]), Tests: splitList(c[5])})
	}
	return out, nil
}

// ParseSectionsTable parses the table of sections.md.
func ParseSectionsTable(md []byte) ([]SecRow, error) {
	rows, err := parseTable(md, SectionsFile, secHeader)
	if err != nil {
		return nil, err
	}
	out := make([]SecRow, 0, len(rows))
	for _, c := range rows {
		out = append(out, SecRow{Number: c[0], Title: c[1], Files: splitList(c[2]), Status: c[3], Note: c[4]})
	}
	return out, nil
}

// parseTable returns the cells of the rows of the first markdown table in
// md whose header is header. The Note column of sections.md may be absent.
func parseTable(md []byte, name string, header []string) ([][]string, error) {
	var out [][]string
	inTable := false
	for i, line := range strings.Split(string(md), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		cells := splitRow(line)
		if !inTable {
			if len(cells) < len(header)-1 || cells[0] != header[0] {
				return nil, fmt.Errorf("%s:%d: table header %q, want %q", name, i+1, line, "| "+strings.Join(header, " | ")+" |")
			}
			inTable = true
			continue
		}
		if isSeparator(cells) {
			continue
		}
		for len(cells) < len(header) {
			cells = append(cells, "")
		}
		if len(cells) != len(header) {
			return nil, fmt.Errorf("%s:%d: row has %d cells, want %d", name, i+1, len(cells), len(header))
		}
		out = append(out, cells)
	}
	if len(md) > 0 && !inTable {
		return nil, fmt.Errorf("%s: no table found", name)
	}
	return out, nil
}

// splitRow splits "| a | b \| c |" into ["a", "b | c"].
func splitRow(line string) []string {
	line = strings.TrimPrefix(line, "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		cells = append(cells, rest)
	}
	return cells
}

func isSeparator(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ", ")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}

func writeRow(b *bytes.Buffer, cells ...string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" ")
		b.WriteString(cell(c))
		b.WriteString(" |")
	}
	b.WriteString("\n")
}

// RenderRequirements returns the text of requirements.md for rows.
func RenderRequirements(rows []ReqRow) []byte {
	var b bytes.Buffer
	counts := map[string]int{}
	for _, r := range rows {
		counts[statusClass(r.Status)]++
	}
	b.WriteString("# RFC 9420: normative statements\n\n")
	b.WriteString("One row per normative statement of RFC 9420, in the order of the RFC, under the\n")
	b.WriteString("requirement IDs of spec/rfc.go (see README.md). The Requirement and Status columns\n")
	b.WriteString("are written by hand; Enforced in and Tests are generated by `go run ./spec/gen`.\n")
	b.WriteString("Requirement paraphrases the RFC: read the RFC for the normative text.\n\n")
	fmt.Fprintf(&b, "%d statements: %d enforced, %d not yet, %d n/a.\n\n",
		len(rows), counts[StatusEnforced], counts[StatusNotYet], counts[StatusNA])
	writeRow(&b, reqHeader...)
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rows {
		writeRow(&b, r.ID, r.Keyword, r.Requirement, r.Status, strings.Join(r.Enforced, ", "), strings.Join(r.Tests, ", "))
	}
	return b.Bytes()
}

// RenderSections returns the text of sections.md for rows.
func RenderSections(rows []SecRow) []byte {
	var b bytes.Buffer
	n := 0
	for _, r := range rows {
		if r.Status == SectionImplemented {
			n++
		}
	}
	b.WriteString("# RFC 9420: sections\n\n")
	b.WriteString("One row per section and appendix of RFC 9420. Files lists every non-test Go file\n")
	b.WriteString("whose comments cite the section as `RFC 9420, Section 7.9.2` (`RFC 9420, Appendix C`);\n")
	b.WriteString("Files and Status are generated by `go run ./spec/gen`, Note is written by hand.\n\n")
	fmt.Fprintf(&b, "%d sections: %d cited by the code, %d not yet.\n\n", len(rows), n, len(rows)-n)
	writeRow(&b, secHeader...)
	b.WriteString("|---|---|---|---|---|\n")
	for _, r := range rows {
		writeRow(&b, r.Number, r.Title, strings.Join(r.Files, ", "), r.Status, r.Note)
	}
	return b.Bytes()
}

// statusClass maps a status to StatusEnforced, StatusNotYet or StatusNA,
// or "" if it is none of them.
func statusClass(s string) string {
	switch {
	case s == StatusEnforced, s == StatusNotYet:
		return s
	case strings.HasPrefix(s, StatusNA+":") && strings.TrimSpace(strings.TrimPrefix(s, StatusNA+":")) != "":
		return StatusNA
	}
	return ""
}
