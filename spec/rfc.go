// Package spec maps RFC 9420 to the code of mlsref: every section of the
// RFC, every normative statement in it under a stable requirement ID, where
// the code enforces it and which tests exercise it.
//
// Requirement IDs have the form R-<section>-<n>: the n-th sentence of that
// section (counted from 1, in document order) that carries a BCP 14 keyword
// in upper case (MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT, SHOULD, SHOULD
// NOT, RECOMMENDED, NOT RECOMMENDED, MAY, OPTIONAL). Because the numbering is
// derived from the fixed text of the RFC by ExtractStatements, an ID never
// changes meaning.
package spec

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Section is one numbered section or appendix of RFC 9420.
type Section struct {
	Number string // "7.9.2" or "C" for an appendix
	Title  string
	Body   []string // the section's own lines, without those of its subsections
}

// Statement is one normative sentence of RFC 9420.
type Statement struct {
	ID      string // R-<section>-<n>
	Section string
	Keyword string // the strongest BCP 14 keyword in the sentence
	Text    string // the sentence, whitespace collapsed
}

var (
	headingRe  = regexp.MustCompile(`^(\d+(?:\.\d+)*)\.  +(\S.*)$`)
	appendixRe = regexp.MustCompile(`^Appendix ([A-Z])\.  +(\S.*)$`)
	// Keywords in decreasing strength; the first one found names the statement.
	keywords  = []string{"MUST NOT", "MUST", "REQUIRED", "SHALL NOT", "SHALL", "SHOULD NOT", "NOT RECOMMENDED", "SHOULD", "RECOMMENDED", "MAY", "OPTIONAL"}
	keywordRe = regexp.MustCompile(`\b(MUST|REQUIRED|SHALL|SHOULD|RECOMMENDED|MAY|OPTIONAL)\b`)
)

// ParseSections splits the text of RFC 9420 into its sections. Text before
// Section 1 (front matter, table of contents) is dropped; so is everything
// after the last appendix's heading that is not a section (there is none).
func ParseSections(r io.Reader) ([]Section, error) {
	var out []Section
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\f")
		if m := headingRe.FindStringSubmatch(line); m != nil {
			out = append(out, Section{Number: m[1], Title: m[2]})
			continue
		}
		if m := appendixRe.FindStringSubmatch(line); m != nil {
			out = append(out, Section{Number: m[1], Title: m[2]})
			continue
		}
		if len(out) > 0 {
			out[len(out)-1].Body = append(out[len(out)-1].Body, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 || out[0].Number != "1" {
		return nil, fmt.Errorf("spec: text does not look like RFC 9420: no Section 1 heading")
	}
	return out, nil
}

// block is a paragraph or one list item of a section's prose.
type block struct {
	depth int    // -1 for a paragraph, 0 for a top-level list item, 1 for nested
	text  string // lines joined, whitespace collapsed
}

var itemRe = regexp.MustCompile(`^( *)([*o-]|\d+\.)( +)(\S.*)$`)

// blocks splits a section body into paragraphs and list items, dropping
// figures: lines indented deeper than prose that neither start nor continue
// a list item (presentation-language structs, tables, diagrams, pseudocode).
func blocks(body []string) []block {
	var out []block
	var cur []string
	depth, col := -1, 3
	flush := func() {
		if len(cur) > 0 {
			out = append(out, block{depth: depth, text: strings.Join(strings.Fields(strings.Join(cur, " ")), " ")})
			cur = nil
		}
	}
	for _, l := range body {
		t := strings.TrimSpace(l)
		if t == "" {
			flush()
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if m := itemRe.FindStringSubmatch(l); m != nil && indent >= 3 && indent <= 12 {
			flush()
			depth = (indent - 3) / 3
			col = len(m[1]) + len(m[2]) + len(m[3])
			cur = []string{m[4]}
			continue
		}
		if len(cur) > 0 && indent == col {
			cur = append(cur, t)
			continue
		}
		if indent == 3 {
			flush()
			depth, col = -1, 3
			cur = []string{t}
			continue
		}
		flush() // a figure line
	}
	flush()
	return out
}

// sentences splits a paragraph into sentences: a sentence ends at '.', '!'
// or '?' (possibly followed by closing quotes or brackets) when a space and
// then an upper-case letter, '(' or a list bullet follow, unless the stop
// closes an abbreviation. The split is simple and deterministic on purpose:
// requirement IDs depend on it, so it must never change.
func sentences(p string) []string {
	p = strings.Join(strings.Fields(p), " ")
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		if c := p[i]; c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(p) && strings.IndexByte("\"')]", p[j]) >= 0 {
			j++
		}
		if j+1 >= len(p) || p[j] != ' ' {
			continue
		}
		if n := p[j+1]; !(n >= 'A' && n <= 'Z') && n != '(' && n != '*' {
			continue
		}
		if b := p[:i]; strings.HasSuffix(b, "e.g") || strings.HasSuffix(b, "i.e") || strings.HasSuffix(b, "et al") {
			continue
		}
		out = append(out, p[start:j])
		start = j + 1
	}
	if start < len(p) {
		out = append(out, p[start:])
	}
	return out
}

// boilerplate is the one sentence of Section 2 that names the keywords
// without using them.
const boilerplate = `The key words "MUST"`

var (
	leadInRe = regexp.MustCompile(`(?i)\b(must|verif|check|invalid|valid|reject|steps)`)
)

// ExtractStatements returns every normative statement of the RFC, numbered
// per section. A statement is (a) a sentence carrying a BCP 14 keyword, or
// (b) a list item of a list introduced by a normative lead-in (a sentence
// ending in ':' that carries a keyword or speaks of verifying, checking,
// validity or rejection). For (b) the item's first sentence is the
// statement and any later sentence of it with a keyword is one of its own.
func ExtractStatements(secs []Section) []Statement {
	var out []Statement
	for _, s := range secs {
		n := 0
		add := func(kw, text string) {
			n++
			if k := strongest(text); k != "" {
				kw = k
			}
			out = append(out, Statement{ID: fmt.Sprintf("R-%s-%d", s.Number, n), Section: s.Number, Keyword: kw, Text: text})
		}
		// leadIn[d] is the normative keyword a list at depth d inherits,
		// or "" if the list is not introduced by a normative lead-in.
		leadIn := map[int]string{}
		for _, b := range blocks(s.Body) {
			sents := sentences(b.text)
			inherited := ""
			if b.depth >= 0 {
				inherited = leadIn[b.depth]
			}
			for i, sent := range sents {
				switch {
				case strings.HasPrefix(sent, boilerplate):
				case i == 0 && inherited != "":
					add(inherited, sent)
				case keywordRe.MatchString(sent):
					add("", sent)
				}
			}
			// This block's last sentence may introduce the list below it.
			for d := b.depth + 1; d < 4; d++ {
				delete(leadIn, d)
			}
			if last := sents[len(sents)-1]; strings.HasSuffix(last, ":") && leadInRe.MatchString(last) {
				kw := strongest(last)
				if kw == "" {
					kw = "MUST"
				}
				leadIn[b.depth+1] = kw
			}
		}
	}
	return out
}

// strongest returns the strongest BCP 14 keyword in s, or "".
func strongest(s string) string {
	for _, k := range keywords {
		if regexp.MustCompile(`\b` + k + `\b`).MatchString(s) {
			return k
		}
	}
	return ""
}

// DefaultRFCPath is where the RFC text is read from: $MLS_RFC if set, else
// ../shared/rfc9420.txt relative to the repository root. It is never copied
// into the repository.
func DefaultRFCPath() string {
	if p := os.Getenv("MLS_RFC"); p != "" {
		return p
	}
	return filepath.Join(repoRoot(), "..", "shared", "rfc9420.txt")
}

// repoRoot walks up from the working directory to the directory holding
// go.mod.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
