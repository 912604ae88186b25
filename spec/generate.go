package spec

import (
	"fmt"
	"os"
)

// MergeRFC makes the rows of t those of the RFC: one requirement row per
// statement of ExtractStatements(secs) and one section row per section,
// in the RFC's order, with the IDs, keywords, numbers and titles of the
// RFC. The hand-written columns (Requirement, Status, Note) are kept from
// the rows of t with the same ID or number; a new statement gets an empty
// Requirement and the status "not yet". It returns a note for every row of
// t that the RFC does not have (and that is therefore dropped).
func (t *Tables) MergeRFC(secs []Section) []string {
	var notes []string
	oldReq := map[string]ReqRow{}
	for _, r := range t.Reqs {
		oldReq[r.ID] = r
	}
	var reqs []ReqRow
	for _, st := range ExtractStatements(secs) {
		r, ok := oldReq[st.ID]
		if !ok {
			r = ReqRow{Status: StatusNotYet}
			notes = append(notes, fmt.Sprintf("%s: new row; write its Requirement", st.ID))
		}
		delete(oldReq, st.ID)
		r.ID, r.Keyword = st.ID, st.Keyword
		reqs = append(reqs, r)
	}
	for _, r := range t.Reqs {
		if _, gone := oldReq[r.ID]; gone {
			notes = append(notes, fmt.Sprintf("%s: not a statement of the RFC; row dropped", r.ID))
		}
	}
	oldSec := map[string]SecRow{}
	for _, r := range t.Secs {
		oldSec[r.Number] = r
	}
	var rows []SecRow
	for _, s := range secs {
		r := oldSec[s.Number]
		delete(oldSec, s.Number)
		r.Number, r.Title = s.Number, s.Title
		rows = append(rows, r)
	}
	for _, r := range t.Secs {
		if _, gone := oldSec[r.Number]; gone {
			notes = append(notes, fmt.Sprintf("section %s: not a section of the RFC; row dropped", r.Number))
		}
	}
	t.Reqs, t.Secs = reqs, rows
	return notes
}

// Fill sets the generated columns of t from sc: Enforced in and Tests of
// every requirement, Files and Status of every section.
func (t *Tables) Fill(sc *Scan) {
	for i := range t.Reqs {
		r := &t.Reqs[i]
		// Files only, not lines: a reader finds the check by searching the
		// file for "[ID]", and the table does not go stale on every edit.
		r.Enforced = nil
		for _, l := range sc.Cites[r.ID] {
			if n := len(r.Enforced); n == 0 || r.Enforced[n-1] != l.File {
				r.Enforced = append(r.Enforced, l.File)
			}
		}
		r.Tests = append([]string(nil), sc.Tests[r.ID]...)
	}
	for i := range t.Secs {
		r := &t.Secs[i]
		r.Files = append([]string(nil), sc.SectionFiles[r.Number]...)
		r.Status = SectionNotYet
		if len(r.Files) > 0 {
			r.Status = SectionImplemented
		}
	}
}

// FixStatus sets the status of every row that contradicts the code: a
// "not yet" or "n/a" row the code cites becomes "enforced", an "enforced"
// row the code does not cite becomes "not yet". It returns the IDs changed.
// The generator does this only when asked (-fix-status): the status is
// meant to be a reviewed, hand-written judgment.
func (t *Tables) FixStatus(sc *Scan) []string {
	var changed []string
	for i := range t.Reqs {
		r := &t.Reqs[i]
		cited := len(sc.Cites[r.ID]) > 0
		switch {
		case cited && r.Status != StatusEnforced:
			r.Status = StatusEnforced
			changed = append(changed, r.ID)
		case !cited && r.Status == StatusEnforced:
			r.Status = StatusNotYet
			changed = append(changed, r.ID)
		}
	}
	return changed
}

// Render returns the text of requirements.md and sections.md.
func (t *Tables) Render() (req, sec []byte) {
	return RenderRequirements(t.Reqs), RenderSections(t.Secs)
}

// ReadRFC parses the RFC text at path.
func ReadRFC(path string) ([]Section, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseSections(f)
}
