package model

import (
	"errors"
	"slices"
	"strings"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// Violation is one rule of RFC 9420 that an operation breaks (RFC 9420,
// Sections 6, 12 and 15): the requirement ID of the statement when it has
// one ("" when the rule has no keyworded statement and Section names it),
// the mlserr class a rejection belongs to, and a short explanation.
type Violation struct {
	Req     string
	Class   error
	Section string
	Why     string
}

func (v Violation) String() string {
	s := v.Why
	if v.Req != "" {
		s = "[" + v.Req + "] " + s
	} else if v.Section != "" {
		s += " (Section " + v.Section + ")"
	}
	return s
}

// Verdict is what RFC 9420 requires of one operation (RFC 9420, Sections
// 12 to 15): accept it when Violations is empty, otherwise reject it for
// any one of the violations (a client may check the rules in any order).
type Verdict struct {
	Violations []Violation
}

// Accept reports whether the operation must be accepted (RFC 9420,
// Section 12).
func (v Verdict) Accept() bool { return len(v.Violations) == 0 }

func (v Verdict) String() string {
	if v.Accept() {
		return "accept"
	}
	parts := make([]string, len(v.Violations))
	for i, x := range v.Violations {
		parts[i] = x.String()
	}
	return "reject: " + strings.Join(parts, "; ")
}

// Explains reports whether err is a rejection for one of v's violations
// (RFC 9420, Section 12): err belongs to the violation's class and, when
// the violation names a requirement, that requirement is in err's chain
// of mlserr errors.
func (v Verdict) Explains(err error) bool {
	if err == nil {
		return false
	}
	reqs := mlserr.Requirements(err)
	for _, x := range v.Violations {
		if x.Class != nil && !errors.Is(err, x.Class) {
			continue
		}
		if x.Req != "" && !slices.Contains(reqs, x.Req) {
			continue
		}
		return true
	}
	return false
}

func (v *Verdict) add(req string, class error, section, why string) {
	v.Violations = append(v.Violations, Violation{Req: req, Class: class, Section: section, Why: why})
}
