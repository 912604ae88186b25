package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// TestCommitReportsLeftOut checks PendingCommit.LeftOut (RFC 9420,
// Section 12.4, R-12.4-3): bob receives proposals, then commits; every
// pending proposal his Commit does not cover is reported, in the order
// received, with its ProposalRef, its sender and an error naming the rule
// it would break in the list, and the proposals the Commit covers are not
// reported. The expected rules come from Section 12.2 and 12.4.2, not from
// the code under test.
func TestCommitReportsLeftOut(t *testing.T) {
	f := newRejectFixture(t)
	s := f.alice.suite
	unknown := ExternalPSKID([]byte("unknown"))
	unknown.PSKNonce = bytes.Repeat([]byte{9}, s.Nh())
	remove := func(leaf uint32) *Proposal {
		return &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: leaf}}
	}
	psk := &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: &PreSharedKey{PSK: unknown}}
	reinit := &Proposal{ProposalType: ProposalTypeReInit, ReInit: &ReInit{GroupID: []byte("new"), Version: MLS10, CipherSuite: s.ID(), Extensions: extension.List{}}}

	// A step has bob receive (or, for his own Update, send) one proposal
	// and returns its ProposalRef.
	type step struct {
		from string
		p    *Proposal // nil: an Update of from's
	}
	members := map[string]*Group{"alice": f.alice, "bob": f.bob, "carol": f.carol, "dave": f.dave}
	for _, tc := range []struct {
		name  string
		steps []step
		opts  CommitOptions
		// covered are the steps the Commit covers, in order; leftOut
		// maps the others to the rule reported.
		covered []int
		leftOut map[int]string
	}{
		{name: "a Remove of the committer", steps: []step{{"alice", remove(1)}}, leftOut: map[int]string{0: "R-12.2-5"}},
		{name: "a PSK the committer does not hold", steps: []step{{"carol", psk}}, leftOut: map[int]string{0: "R-12.4.2-5"}},
		{name: "the committer's own Update", steps: []step{{"bob", nil}}, leftOut: map[int]string{0: "R-12.2-4"}},
		{name: "an Update of a leaf a Remove applies to", steps: []step{{"alice", remove(3)}, {"dave", nil}}, covered: []int{0}, leftOut: map[int]string{1: "R-12.2-6"}},
		{name: "two Removes of one leaf", steps: []step{{"alice", remove(3)}, {"carol", remove(3)}}, covered: []int{0}, leftOut: map[int]string{1: "R-12.2-6"}},
		{name: "a pending Remove of a leaf removed by value", steps: []step{{"alice", remove(3)}}, opts: CommitOptions{Removes: []uint32{3}}, leftOut: map[int]string{0: "R-12.2-6"}},
		{name: "two Updates of one leaf", steps: []step{{"carol", nil}, {"carol", nil}}, covered: []int{1}, leftOut: map[int]string{0: "R-12.2-6"}},
		{name: "a ReInit with other proposals", steps: []step{{"alice", reinit}, {"carol", remove(3)}}, covered: []int{1}, leftOut: map[int]string{0: "R-12.2-12"}},
		{name: "all together", steps: []step{
			{"alice", remove(1)}, {"carol", remove(2)}, {"carol", psk}, {"dave", nil}, {"bob", nil}, {"alice", reinit}, {"dave", remove(2)},
		}, covered: []int{1, 3}, leftOut: map[int]string{0: "R-12.2-5", 2: "R-12.4.2-5", 4: "R-12.2-4", 5: "R-12.2-12", 6: "R-12.2-6"}},
		{name: "nothing left out", steps: []step{{"alice", remove(3)}, {"carol", nil}}, covered: []int{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bob := f.bob.clone()
			refs := make([][]byte, len(tc.steps))
			senders := make([]framing.Sender, len(tc.steps))
			for i, st := range tc.steps {
				senders[i] = framing.MemberSender(members[st.from].LeafIndex())
				if st.from == "bob" {
					if _, err := bob.ProposeUpdate(true); err != nil {
						t.Fatal(err)
					}
					refs[i] = lastRef(bob)
					continue
				}
				var m *MLSMessage
				var err error
				if st.p == nil {
					m, err = members[st.from].clone().ProposeUpdate(true)
				} else {
					m, err = members[st.from].clone().sendProposal(st.p, true, nil)
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				rcv, err := bob.Process(m)
				if err != nil {
					t.Fatalf("step %d refused on receipt: %v", i, err)
				}
				if !bytes.Equal(rcv.ProposalRef, lastRef(bob)) {
					t.Fatalf("step %d: Received.ProposalRef %x, pending under %x", i, rcv.ProposalRef, lastRef(bob))
				}
				refs[i] = rcv.ProposalRef
			}
			pending := bob.PendingProposalRefs()
			if len(pending) != len(refs) {
				t.Fatalf("%d proposals pending, want %d", len(pending), len(refs))
			}
			for i := range refs {
				if !bytes.Equal(pending[i], refs[i]) {
					t.Fatalf("pending proposal %d is %x, want %x", i, pending[i], refs[i])
				}
			}
			opts := tc.opts
			opts.PublicMessage = true
			before := state(t, bob)
			pc, err := bob.clone().Commit(&opts)
			if err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if !bytes.Equal(before, state(t, bob)) {
				t.Fatal("Commit on a copy changed the state")
			}
			c, err := DecodeCommit(pc.Message.PublicMessage.Content.Commit)
			if err != nil {
				t.Fatal(err)
			}
			var gotRefs [][]byte
			for _, p := range c.Proposals {
				if p.Type == ProposalOrRefReference {
					gotRefs = append(gotRefs, p.Reference)
				}
			}
			var wantRefs [][]byte
			for _, i := range tc.covered {
				wantRefs = append(wantRefs, refs[i])
			}
			if len(gotRefs) != len(wantRefs) {
				t.Fatalf("the Commit covers %d proposals by reference, want %d", len(gotRefs), len(wantRefs))
			}
			for i := range wantRefs {
				if !bytes.Equal(gotRefs[i], wantRefs[i]) {
					t.Fatalf("the Commit's reference %d is %x, want %x", i, gotRefs[i], wantRefs[i])
				}
			}
			var want []int
			for i := range tc.steps {
				if _, ok := tc.leftOut[i]; ok {
					want = append(want, i)
				}
			}
			if len(pc.LeftOut) != len(want) {
				t.Fatalf("LeftOut has %d proposals, want %d: %v", len(pc.LeftOut), len(want), pc.LeftOut)
			}
			for k, i := range want {
				lo := pc.LeftOut[k]
				if !bytes.Equal(lo.Ref, refs[i]) {
					t.Fatalf("LeftOut[%d] is %x, want step %d's %x", k, lo.Ref, i, refs[i])
				}
				if lo.Sender != senders[i] {
					t.Fatalf("LeftOut[%d]: sender %v, want %v", k, lo.Sender, senders[i])
				}
				if lo.Proposal == nil || (tc.steps[i].p != nil && lo.Proposal.ProposalType != tc.steps[i].p.ProposalType) {
					t.Fatalf("LeftOut[%d]: proposal %v", k, lo.Proposal)
				}
				if got := mlserr.RequirementOf(lo.Err); got != tc.leftOut[i] {
					t.Fatalf("LeftOut[%d] (step %d): %v, want %s", k, i, lo.Err, tc.leftOut[i])
				}
				var me *mlserr.Error
				if !errors.As(lo.Err, &me) {
					t.Fatalf("LeftOut[%d]: %v is not an mlserr error", k, lo.Err)
				}
			}
			// The Commit merges: what it covers is a valid list.
			if err := bob.MergePendingCommit(pc); err != nil {
				t.Fatalf("MergePendingCommit: %v", err)
			}
		})
	}
}

// TestCommitRemoveOutsideTreeNamesRule checks that a Commit covering a
// Remove of a leaf outside the tree is refused under R-12.2-3 with the
// broken rule of Section 12.1.3, R-12.1.3-1, in the error's chain, the same
// rule a receiver names when it refuses such a proposal on its own.
func TestCommitRemoveOutsideTreeNamesRule(t *testing.T) {
	f := newRejectFixture(t)
	bob := f.bob.clone()
	before := state(t, bob)
	_, err := bob.Process(forgeCommit(t, f.alice, &Commit{Proposals: byValue(&Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 9}})}))
	wantReqs(t, err, mlserr.ErrInvalidProposal, "R-12.2-3", "R-12.1.3-1")
	if !bytes.Equal(before, state(t, bob)) {
		t.Fatal("the refused Commit changed the state")
	}
}
