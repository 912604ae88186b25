package modelcheck

import (
	"fmt"
	"regexp"
	"strings"
)

// stripTamarinComments removes /* ... */ and // comments, keeping
// newlines, and fails on a block comment that is not closed.
func stripTamarinComments(src string) (string, error) {
	var b strings.Builder
	inStr := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inStr:
			b.WriteByte(c)
			if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
			b.WriteByte(c)
		case strings.HasPrefix(src[i:], "/*"):
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return "", fmt.Errorf("comment opened at byte %d is not closed", i)
			}
			b.WriteString(strings.Repeat("\n", strings.Count(src[i:i+2+j+2], "\n")))
			i += 2 + j + 1
		case strings.HasPrefix(src[i:], "//"):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				return b.String(), nil
			}
			i += j - 1
		default:
			b.WriteByte(c)
		}
	}
	if inStr {
		return "", fmt.Errorf("unterminated string")
	}
	return b.String(), nil
}

var (
	tamLemmaRe  = regexp.MustCompile(`(?m)^\s*lemma\s+([A-Za-z0-9_]+)\s*(\[[^\]]*\])?\s*:\s*(all-traces|exists-trace)?\s*"`)
	tamTheoryRe = regexp.MustCompile(`(?s)^\s*(#[^\n]*\n\s*)*theory\s+[A-Za-z0-9_]+\s+begin\b.*\bend\s*$`)
)

// TamarinLemmas returns the lemmas of a Tamarin theory in order, each with
// its name as Text. It also checks the theory's lexical shape: closed
// comments and strings, balanced brackets, "theory X begin ... end".
func TamarinLemmas(src string) ([]Query, error) {
	code, err := stripTamarinComments(src)
	if err != nil {
		return nil, err
	}
	if !tamTheoryRe.MatchString(code) {
		return nil, fmt.Errorf(`not of the form "theory NAME begin ... end"`)
	}
	// Brackets inside lemma formulas count too; the theory's rules use
	// [..], (..) and <..> (the last not checked: it is also "less than").
	if err := balanced(code); err != nil {
		return nil, err
	}
	var qs []Query
	for _, m := range tamLemmaRe.FindAllStringSubmatch(code, -1) {
		qs = append(qs, Query{Text: m[1], Reachability: m[3] == "exists-trace"})
	}
	return qs, nil
}

var tamSummaryRe = regexp.MustCompile(`^\s*([A-Za-z0-9_]+) \((all-traces|exists-trace)\): (verified|falsified|analysis incomplete)`)

// ParseTamarinSummary reads the "summary of summaries" of tamarin-prover's
// output: each lemma's name and its result (verified, falsified or
// analysis incomplete).
func ParseTamarinSummary(out string) (map[string]string, error) {
	i := strings.LastIndex(out, "summary of summaries:")
	if i < 0 {
		return nil, fmt.Errorf("no summary of summaries in the output")
	}
	res := map[string]string{}
	for _, line := range strings.Split(out[i:], "\n") {
		if m := tamSummaryRe.FindStringSubmatch(line); m != nil {
			res[m[1]] = m[3]
		}
	}
	return res, nil
}

// tamarinWellformedness reports whether tamarin-prover's output says that
// wellformedness checks failed.
func tamarinWellformedness(out string) bool {
	return strings.Contains(out, "wellformedness check failed") || strings.Contains(out, "WARNING: ")
}
