package spec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rid builds a requirement ID. Tests never write an ID as one literal:
// the scan of the repository would take it for a citation of a real
// requirement (or an unknown one).
func rid(sec string, n int) string { return fmt.Sprintf("R-%s-%d", sec, n) }

// miniRFC is a hand-made text in the layout of RFC 9420: front matter and
// a table of contents to drop, prose at indent 3, lists, a figure,
// subsections and an appendix.
const miniRFC = `Internet Engineering Task Force (IETF)                  A. Author
Request for Comments: 9999                                   Example

              A Small Protocol

Abstract

   This text MUST NOT become a statement: it precedes Section 1.

Table of Contents

   1.  Introduction
   2.  Rules
     2.1.  Sub Rules
   Appendix A.  Example

1.  Introduction

   This section is informative.  Nothing here binds anyone.

2.  Rules

   The key words "MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT",
   "SHOULD", "SHOULD NOT", "RECOMMENDED", "NOT RECOMMENDED", "MAY", and
   "OPTIONAL" in this document are to be interpreted as described in
   BCP 14.

   A receiver MUST reject a bad thing.  This sentence is plain.  A
   sender SHOULD NOT do that, e.g. ever.  Peers MAY do so, but they
   must be careful.

   struct {
       uint8 x; /* The value MUST be ignored: this is a figure. */
   } Thing;

   A client verifies each message as follows:

   *  Check the first thing.  A second sentence without keyword.

   *  Check the second thing, which spans
      two lines.  It MUST be done.

      -  A nested item of a list without normative lead-in.

   The following fields are listed:

   *  alpha

   *  beta

2.1.  Sub Rules

   Values MUST NOT be reused.  Clients MAY skip this but MUST log it.

Appendix A.  Example

   An implementation MAY use this example.
`

func TestParseSections(t *testing.T) {
	secs, err := ParseSections(strings.NewReader(miniRFC))
	if err != nil {
		t.Fatal(err)
	}
	type sec struct{ Number, Title string }
	var got []sec
	for _, s := range secs {
		got = append(got, sec{s.Number, s.Title})
	}
	want := []sec{{"1", "Introduction"}, {"2", "Rules"}, {"2.1", "Sub Rules"}, {"A", "Example"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sections (-want +got):\n%s", d)
	}
	// A section's body stops at its first subsection.
	for _, l := range secs[1].Body {
		if strings.Contains(l, "reused") {
			t.Errorf("Section 2's body holds a line of Section 2.1: %q", l)
		}
	}
	if _, err := ParseSections(strings.NewReader("Abstract\n\n   text\n")); err == nil {
		t.Error("ParseSections accepted a text without Section 1")
	}
}

func TestExtractStatements(t *testing.T) {
	secs, err := ParseSections(strings.NewReader(miniRFC))
	if err != nil {
		t.Fatal(err)
	}
	want := []Statement{
		{rid("2", 1), "2", "MUST", "A receiver MUST reject a bad thing."},
		{rid("2", 2), "2", "SHOULD NOT", "A sender SHOULD NOT do that, e.g. ever."},
		{rid("2", 3), "2", "MAY", "Peers MAY do so, but they must be careful."},
		// Items of a list introduced by a normative lead-in: the first
		// sentence of each item inherits MUST; later sentences count only
		// with a keyword of their own.
		{rid("2", 4), "2", "MUST", "Check the first thing."},
		{rid("2", 5), "2", "MUST", "Check the second thing, which spans two lines."},
		{rid("2", 6), "2", "MUST", "It MUST be done."},
		// Numbering restarts in each section; the strongest keyword wins.
		{rid("2.1", 1), "2.1", "MUST NOT", "Values MUST NOT be reused."},
		{rid("2.1", 2), "2.1", "MUST", "Clients MAY skip this but MUST log it."},
		{rid("A", 1), "A", "MAY", "An implementation MAY use this example."},
	}
	if d := cmp.Diff(want, ExtractStatements(secs)); d != "" {
		t.Errorf("statements (-want +got):\n%s", d)
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"One.  Two.", []string{"One.", "Two."}},
		{"Use it, e.g. Here.  Then i.e. More.", []string{"Use it, e.g. Here.", "Then i.e. More."}},
		{`He said "stop." Then (later) went.`, []string{`He said "stop."`, "Then (later) went."}},
		{"Version 1.2 is fine. next is lower.", []string{"Version 1.2 is fine. next is lower."}},
		{"Ends with a list: * item", []string{"Ends with a list: * item"}},
	}
	for _, tc := range tests {
		if d := cmp.Diff(tc.want, sentences(tc.in)); d != "" {
			t.Errorf("sentences(%q) (-want +got):\n%s", tc.in, d)
		}
	}
}
