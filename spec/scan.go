package spec

import (
	"bytes"
	"fmt"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Loc is a place in a Go file of the repository.
type Loc struct {
	File string // slash-separated, relative to the repository root
	Line int
}

func (l Loc) String() string { return fmt.Sprintf("%s:%d", l.File, l.Line) }

// Use is one occurrence of a requirement ID or a section citation.
type Use struct {
	Loc
	Value string // the ID ("R-7.3-4") or the section ("7.3", "C")
}

// Scan is what the Go files of the repository say about the RFC.
type Scan struct {
	// Cites maps a requirement ID to every "[R-...]" in a comment of a
	// non-test file, sorted by file and line.
	Cites map[string][]Loc
	// Tests maps a requirement ID to the sorted test files that mention it.
	Tests map[string][]string
	// IDs is every string of the form of a requirement ID anywhere in any
	// Go file (comments, literals, code), whether or not it exists.
	IDs []Use
	// SectionFiles maps a section number to the sorted non-test files whose
	// comments cite it as "RFC 9420, Section <n>" or "RFC 9420, Appendix <letter>".
	SectionFiles map[string][]string
	// SectionCites is every such citation in a comment or string literal
	// of any Go file, test files included.
	SectionCites []Use
}

var (
	// idPattern is the form of a requirement ID (see the package comment).
	idPattern = `R-(?:[0-9]+(?:\.[0-9]+)*|[A-D])-[0-9]+`
	idRe      = regexp.MustCompile(`\b` + idPattern + `\b`)
	citeRe    = regexp.MustCompile(`\[(` + idPattern + `)\]`)
	// sectionCiteRe matches the head of a citation: "RFC 9420, Section
	// <n>", "RFC 9420, Sections <n>", "RFC 9420, Appendix <letter>", where
	// whitespace may include the line breaks of a comment. Further numbers
	// of a list ("Sections <n> and <m>", "Section <n>, <m>") are read by
	// moreSecRe and moreAppRe.
	secNum        = `[0-9]+(?:\.[0-9]+)*`
	sectionCiteRe = regexp.MustCompile(`RFC\s+9420,\s+(?:Sections?\s+(` + secNum + `)|(?:Appendix|Appendices)\s+([A-Z]))\b`)
	moreSecRe     = regexp.MustCompile(`^(?:,\s*|,?\s+(?:and|or)\s+)(` + secNum + `)\b`)
	moreAppRe     = regexp.MustCompile(`^(?:,\s*|,?\s+(?:and|or)\s+)([A-Z])\b`)
)

// RepoRoot returns the directory holding go.mod, found by walking up from
// the working directory.
func RepoRoot() string { return repoRoot() }

// GoFiles lists the Go files of the repository at root, slash-separated and
// relative to root, sorted. It asks git for the files it tracks (so that
// the tables describe what a clone holds, not a work in progress), and
// walks the tree when git is not available. Files the go tool ignores
// (under testdata or a directory whose name starts with "." or "_") and
// files that no longer exist are left out.
func GoFiles(root string) ([]string, error) {
	var files []string
	cmd := exec.Command("git", "ls-files", "-z", "--", "*.go")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
	} else {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != root && ignoredDir(d.Name()) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(p, ".go") {
				rel, err := filepath.Rel(root, p)
				if err != nil {
					return err
				}
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f] || !strings.HasSuffix(f, ".go") || ignored(f) {
			continue
		}
		seen[f] = true
		if st, err := os.Stat(filepath.Join(root, filepath.FromSlash(f))); err != nil || !st.Mode().IsRegular() {
			continue
		}
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

// ignored reports whether the go tool ignores the file f.
func ignored(f string) bool {
	for _, p := range strings.Split(path.Dir(f), "/") {
		if p != "." && ignoredDir(p) {
			return true
		}
	}
	return false
}

func ignoredDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// ScanRepo reads every Go file of the repository at root and scans it.
func ScanRepo(root string) (*Scan, error) {
	files, err := GoFiles(root)
	if err != nil {
		return nil, err
	}
	src := make(map[string][]byte, len(files))
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		src[f] = b
	}
	return ScanFiles(src), nil
}

// ScanFiles scans the given Go files (path -> source). Paths ending in
// _test.go are test files.
func ScanFiles(src map[string][]byte) *Scan {
	s := &Scan{Cites: map[string][]Loc{}, Tests: map[string][]string{}, SectionFiles: map[string][]string{}}
	names := make([]string, 0, len(src))
	for f := range src {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		s.scanFile(f, src[f])
	}
	for id, locs := range s.Cites {
		sort.Slice(locs, func(i, j int) bool {
			if locs[i].File != locs[j].File {
				return locs[i].File < locs[j].File
			}
			return locs[i].Line < locs[j].Line
		})
		s.Cites[id] = locs
	}
	return s
}

// piece is a comment group or a string literal of a Go file.
type piece struct {
	line int    // line of the piece's first character
	text string // comment markers removed, line breaks kept
}

func (s *Scan) scanFile(name string, src []byte) {
	isTest := strings.HasSuffix(name, "_test.go")
	lineOf := func(off int) int { return 1 + bytes.Count(src[:off], []byte("\n")) }

	// Every ID-shaped string anywhere, and the test files that mention one.
	mentioned := map[string]bool{}
	for _, m := range idRe.FindAllIndex(src, -1) {
		id := string(src[m[0]:m[1]])
		s.IDs = append(s.IDs, Use{Loc{name, lineOf(m[0])}, id})
		if isTest && !mentioned[id] {
			mentioned[id] = true
			s.Tests[id] = append(s.Tests[id], name)
		}
	}

	comments, literals := tokens(src)
	if !isTest {
		for _, c := range comments {
			for _, m := range citeRe.FindAllStringSubmatchIndex(c.text, -1) {
				id := c.text[m[2]:m[3]]
				l := c.line + strings.Count(c.text[:m[0]], "\n")
				s.Cites[id] = append(s.Cites[id], Loc{name, l})
			}
		}
	}
	cited := map[string]bool{}
	for i, ps := range [][]piece{comments, literals} {
		for _, p := range ps {
			for _, u := range sectionCites(p) {
				u.File = name
				s.SectionCites = append(s.SectionCites, u)
				if i == 0 && !isTest && !cited[u.Value] {
					cited[u.Value] = true
					s.SectionFiles[u.Value] = append(s.SectionFiles[u.Value], name)
				}
			}
		}
	}
}

// sectionCites returns the section citations in p, with their lines.
func sectionCites(p piece) []Use {
	var out []Use
	for _, m := range sectionCiteRe.FindAllStringSubmatchIndex(p.text, -1) {
		line := p.line + strings.Count(p.text[:m[0]], "\n")
		more := moreSecRe
		v := ""
		if m[2] >= 0 {
			v = p.text[m[2]:m[3]]
		} else {
			v, more = p.text[m[4]:m[5]], moreAppRe
		}
		out = append(out, Use{Loc{Line: line}, v})
		rest := p.text[m[1]:]
		for {
			mm := more.FindStringSubmatchIndex(rest)
			if mm == nil {
				break
			}
			n, after := rest[mm[2]:mm[3]], rest[mm[1]:]
			// "Section 7.3, 2 leaves" does not cite Section 2: a list item
			// without a dot must end the sentence or the parenthesis.
			if !strings.Contains(n, ".") && !endsList(after) {
				break
			}
			out = append(out, Use{Loc{Line: line}, n})
			rest = after
		}
	}
	return out
}

// endsList reports whether s, the text after a cited section number, ends
// or continues a list of sections.
func endsList(s string) bool {
	if s == "" {
		return true
	}
	switch s[0] {
	case ')', ';', ':', ',', ']':
		return true
	case '.':
		return len(s) == 1 || s[1] == ' ' || s[1] == '\n'
	}
	t := strings.TrimLeft(s, " \t\n")
	return t == "" || strings.HasPrefix(t, "and ") || strings.HasPrefix(t, "or ")
}

// tokens returns the comment groups (adjacent line comments joined) and
// the string literals of a Go source file. It tolerates files that do not
// compile.
func tokens(src []byte) (comments, literals []piece) {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var sc scanner.Scanner
	sc.Init(file, src, func(token.Position, string) {}, scanner.ScanComments)
	lastEnd := -10
	for {
		pos, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		line := file.Line(pos)
		switch tok {
		case token.COMMENT:
			text := stripComment(lit)
			if n := len(comments); n > 0 && line == lastEnd+1 {
				comments[n-1].text += "\n" + text
			} else {
				comments = append(comments, piece{line, text})
			}
			lastEnd = line + strings.Count(lit, "\n")
		case token.STRING:
			if s, err := strconv.Unquote(lit); err == nil {
				literals = append(literals, piece{line, s})
			}
		}
	}
	return comments, literals
}

// stripComment removes the comment markers of a // or /* */ comment,
// keeping its line breaks.
func stripComment(c string) string {
	if strings.HasPrefix(c, "//") {
		return c[2:]
	}
	c = strings.TrimSuffix(strings.TrimPrefix(c, "/*"), "*/")
	lines := strings.Split(c, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, " \t*")
	}
	return strings.Join(lines, "\n")
}
