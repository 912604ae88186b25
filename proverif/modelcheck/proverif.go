package modelcheck

import (
	"fmt"
	"regexp"
	"strings"
)

// Query is one query of a model, or one lemma of a theory.
type Query struct {
	Text string
	// Reachability is true for a query that asks whether something can
	// happen: a ProVerif query made only of event and attacker facts (no
	// "==>"), or a Tamarin exists-trace lemma.
	Reachability bool
}

// stripPVComments removes the (* ... *) comments of ProVerif source,
// keeping newlines, and fails on a comment that is not closed.
func stripPVComments(src string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(src, "(*")
		if i < 0 {
			b.WriteString(src)
			break
		}
		b.WriteString(src[:i])
		j := strings.Index(src[i+2:], "*)")
		if j < 0 {
			return "", fmt.Errorf("comment opened at byte %d is not closed", i)
		}
		b.WriteString(strings.Repeat("\n", strings.Count(src[i:i+2+j+2], "\n")))
		src = src[i+2+j+2:]
	}
	return b.String(), nil
}

var (
	pvQueryRe    = regexp.MustCompile(`(?m)(^|[^A-Za-z0-9_'])query\b`)
	pvBindingsRe = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_']*\s*:\s*[A-Za-z_][A-Za-z0-9_']*(\s*,\s*[A-Za-z_][A-Za-z0-9_']*\s*:\s*[A-Za-z_][A-Za-z0-9_']*)*\s*;`)
	pvFactRe     = regexp.MustCompile(`^(event|attacker)\s*\(`)
	pvUnsupRe    = regexp.MustCompile(`(?m)(^|[^A-Za-z0-9_'])(noninterf|weaksecret|secret|lemma|axiom|restriction|equivalence)\b`)
)

// ProVerifQueries returns the queries of a ProVerif model in the order
// ProVerif reports them: each "query" declaration, after its variable
// bindings, holds one or more queries separated by ';'. It also checks the
// lexical shape ProVerif needs: closed comments and balanced brackets.
func ProVerifQueries(src string) ([]Query, error) {
	code, err := stripPVComments(src)
	if err != nil {
		return nil, err
	}
	if err := balanced(code); err != nil {
		return nil, err
	}
	if m := pvUnsupRe.FindStringSubmatch(code); m != nil {
		return nil, fmt.Errorf("declaration %q is not supported by the checker (only \"query\")", m[2])
	}
	var qs []Query
	for _, loc := range pvQueryRe.FindAllStringIndex(code, -1) {
		start := loc[1]
		end := strings.Index(code[start:], ".")
		if end < 0 {
			return nil, fmt.Errorf("query at byte %d has no final '.'", loc[0])
		}
		body := code[start : start+end]
		if m := pvBindingsRe.FindStringIndex(body); m != nil {
			body = body[m[1]:]
		}
		for _, q := range splitTop(body, ';') {
			q = strings.Join(strings.Fields(q), " ")
			if q == "" {
				return nil, fmt.Errorf("empty query in %q", body)
			}
			qs = append(qs, Query{Text: q, Reachability: pvReachability(q)})
		}
	}
	return qs, nil
}

// pvReachability reports whether q is a conjunction of event and attacker
// facts with no implication.
func pvReachability(q string) bool {
	if strings.Contains(q, "==>") || strings.Contains(q, "inj-event") {
		return false
	}
	for _, f := range splitTopStr(q, "&&") {
		if !pvFactRe.MatchString(strings.TrimSpace(f)) {
			return false
		}
	}
	return true
}

// balanced checks that (), [] and {} pair up.
func balanced(code string) error {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	line := 1
	for _, r := range code {
		switch r {
		case '\n':
			line++
		case '(', '[', '{':
			stack = append(stack, r)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				return fmt.Errorf("line %d: unbalanced %q", line, r)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("%d unclosed bracket(s) at the end", len(stack))
	}
	return nil
}

// splitTop splits s at sep where no bracket is open.
func splitTop(s string, sep rune) []string {
	var parts []string
	depth, last := 0, 0
	for i, r := range s {
		switch r {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case sep:
			if depth == 0 {
				parts = append(parts, s[last:i])
				last = i + 1
			}
		}
	}
	return append(parts, s[last:])
}

// splitTopStr splits s at sep where no parenthesis is open.
func splitTopStr(s, sep string) []string {
	var parts []string
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		default:
			if depth == 0 && strings.HasPrefix(s[i:], sep) {
				parts = append(parts, s[last:i])
				last = i + len(sep)
			}
		}
	}
	return append(parts, s[last:])
}

var pvSummaryRe = regexp.MustCompile(`^Query (.*) (is true|is false|cannot be proved)\.$`)

// ParseProVerifSummary reads the results of ProVerif's "Verification
// summary" from its output, in the order of the model's queries.
func ParseProVerifSummary(out string) ([]string, error) {
	i := strings.LastIndex(out, "Verification summary:")
	if i < 0 {
		return nil, fmt.Errorf("no verification summary in the output")
	}
	var res []string
	for _, line := range strings.Split(out[i:], "\n") {
		m := pvSummaryRe.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		res = append(res, strings.TrimPrefix(m[2], "is "))
	}
	return res, nil
}
