// Package modelcheck checks the formal models of mlsref (ProVerif models in
// proverif/, Tamarin theories in tamarin/) against their sidecar files,
// which record the expected outcome of every query or lemma.
//
// A sidecar sits next to its model, named after it with ".expected"
// appended (secrecy.pv.expected). It is a line format; '#' starts a
// comment:
//
//	kind correct            # or: broken
//	claim 1                 # the claims of issue 7 the model backs (1 to 7)
//	base secrecy.pv         # broken variants only: the model it breaks
//	sanity 1                # the reachability sanity queries, by index
//	prover ProVerif 2.05    # the prover the results were recorded with
//	1 false 10.3 # B reads A's message of epoch 2
//	2 true 9.1   # epoch secrets
//
// Each result line is "<index> <result> <seconds>": the index of the query
// (ProVerif) or lemma (Tamarin) in the order of the model, counted from 1;
// the expected result (ProVerif: true, false, cannot be proved; Tamarin:
// verified, falsified); and the wall time it took when recorded.
package modelcheck

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Sidecar is a parsed sidecar file.
type Sidecar struct {
	Kind    string // "correct" or "broken"
	Claims  []int
	Base    string // the model a broken variant breaks
	Sanity  []int
	Prover  string
	Results []Expected
	// lines keeps the file's lines so that Record can rewrite the times.
	lines []string
	// resultLine maps a result index to its line in lines.
	resultLine map[int]int
}

// Expected is one result line of a sidecar.
type Expected struct {
	Index   int
	Result  string
	Seconds float64
	Note    string
}

var resultLineRe = regexp.MustCompile(`^(\d+)\s+(.+?)\s+(\d+(?:\.\d+)?)$`)

// ParseSidecar parses the text of a sidecar for a model of the given tool
// ("proverif" or "tamarin"); results must be ones that tool reports.
func ParseSidecar(data []byte, tool string) (*Sidecar, error) {
	s := &Sidecar{resultLine: map[int]int{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		s.lines = append(s.lines, line)
		body, note, _ := strings.Cut(line, "#")
		body = strings.TrimSpace(body)
		if body == "" {
			continue
		}
		key, rest, _ := strings.Cut(body, " ")
		rest = strings.TrimSpace(rest)
		switch key {
		case "kind":
			if rest != "correct" && rest != "broken" {
				return nil, fmt.Errorf("line %d: kind %q is neither correct nor broken", n, rest)
			}
			if s.Kind != "" {
				return nil, fmt.Errorf("line %d: second kind line", n)
			}
			s.Kind = rest
		case "claim":
			for _, f := range strings.Fields(rest) {
				c, err := strconv.Atoi(f)
				if err != nil || c < 1 || c > 7 {
					return nil, fmt.Errorf("line %d: claim %q is not a number from 1 to 7", n, f)
				}
				s.Claims = append(s.Claims, c)
			}
		case "base":
			s.Base = rest
		case "sanity":
			for _, f := range strings.Fields(rest) {
				i, err := strconv.Atoi(f)
				if err != nil || i < 1 {
					return nil, fmt.Errorf("line %d: sanity index %q is not a positive number", n, f)
				}
				s.Sanity = append(s.Sanity, i)
			}
		case "prover":
			s.Prover = rest
		default:
			m := resultLineRe.FindStringSubmatch(body)
			if m == nil {
				return nil, fmt.Errorf("line %d: %q is neither a header (kind, claim, base, sanity, prover) nor \"<index> <result> <seconds>\"", n, body)
			}
			idx, _ := strconv.Atoi(m[1])
			if want := len(s.Results) + 1; idx != want {
				return nil, fmt.Errorf("line %d: result index %d, want %d (indices count from 1 in order)", n, idx, want)
			}
			res := strings.Join(strings.Fields(m[2]), " ")
			if !validResult(tool, res) {
				return nil, fmt.Errorf("line %d: %q is not a %s result (%s)", n, res, tool, strings.Join(results[tool], ", "))
			}
			secs, _ := strconv.ParseFloat(m[3], 64)
			s.resultLine[idx] = len(s.lines) - 1
			s.Results = append(s.Results, Expected{Index: idx, Result: res, Seconds: secs, Note: strings.TrimSpace(note)})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	switch {
	case s.Kind == "":
		return nil, fmt.Errorf("no kind line")
	case len(s.Claims) == 0:
		return nil, fmt.Errorf("no claim line")
	case len(s.Sanity) == 0:
		return nil, fmt.Errorf("no sanity line: every model needs a reachability sanity query")
	case len(s.Results) == 0:
		return nil, fmt.Errorf("no result lines")
	case s.Kind == "broken" && s.Base == "":
		return nil, fmt.Errorf("a broken variant needs a base line naming the model it breaks")
	case s.Kind == "correct" && s.Base != "":
		return nil, fmt.Errorf("a correct model has no base line")
	}
	for _, i := range s.Sanity {
		if i > len(s.Results) {
			return nil, fmt.Errorf("sanity index %d, but only %d results", i, len(s.Results))
		}
	}
	return s, nil
}

// ReadSidecar reads and parses the sidecar file at path.
func ReadSidecar(path, tool string) (*Sidecar, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSidecar(data, tool)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// results lists the results each tool reports, as a sidecar spells them.
var results = map[string][]string{
	"proverif": {"true", "false", "cannot be proved"},
	"tamarin":  {"verified", "falsified"},
}

// failure is the result that shows an attack: a broken variant expects it
// at least once, and a sanity query expects it for proverif (a trace to the
// event exists), while a Tamarin sanity lemma is an exists-trace lemma that
// is verified.
var failure = map[string]string{"proverif": "false", "tamarin": "falsified"}
var sanityResult = map[string]string{"proverif": "false", "tamarin": "verified"}

func validResult(tool, r string) bool {
	for _, x := range results[tool] {
		if r == x {
			return true
		}
	}
	return false
}

// Record rewrites the seconds of each result line with secs (indexed from
// 1 like the results) and returns the new file text; every other byte of
// the file stays as it was.
func (s *Sidecar) Record(secs map[int]float64) []byte {
	lines := append([]string(nil), s.lines...)
	for idx, li := range s.resultLine {
		t, ok := secs[idx]
		if !ok {
			continue
		}
		line := lines[li]
		body, note, hasNote := strings.Cut(line, "#")
		m := resultLineRe.FindStringSubmatch(strings.TrimSpace(body))
		if m == nil {
			continue
		}
		nb := fmt.Sprintf("%s %s %.1f", m[1], strings.Join(strings.Fields(m[2]), " "), t)
		if hasNote {
			pad := len(strings.TrimRight(body, " ")) + 1
			if len(nb)+1 > pad {
				pad = len(nb) + 1
			}
			nb = fmt.Sprintf("%-*s#%s", pad, nb, note)
		}
		lines[li] = nb
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}
