package model

import (
	"fmt"
	"slices"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// Limits are the receiver's policy for delayed and reordered messages that
// RFC 9420, Section 15.3 leaves to the application: how far ahead of a
// ratchet a message may lie, how many keys of skipped generations each
// ratchet keeps, and how many past epochs a member keeps for late
// application messages.
type Limits struct {
	MaxGenerationGap uint32
	MaxSkippedKeys   uint32
	PastEpochs       int
}

// Window is a receiver's view of one sender ratchet of an epoch's secret
// tree (RFC 9420, Sections 9.1, 9.2 and 15.3): every generation below Next
// has been consumed or skipped, and Kept holds the skipped generations whose
// keys are still kept.
type Window struct {
	Next uint64
	Kept []uint32 // increasing
}

// Judge says whether a message of generation gen can be decrypted (RFC
// 9420, Sections 9.2 and 15.3): a generation whose key is kept can; one
// below Next was consumed or its key deleted; one more than
// lim.MaxGenerationGap ahead of Next is refused.
func (w *Window) Judge(gen uint32, lim Limits) Verdict {
	var v Verdict
	switch {
	case slices.Contains(w.Kept, gen):
	case uint64(gen) < w.Next:
		v.add("R-9.2-1", mlserr.ErrGeneration, "9.2", fmt.Sprintf("generation %d was consumed or its key deleted (the ratchet is at %d)", gen, w.Next))
	case uint64(gen)-w.Next > uint64(lim.MaxGenerationGap):
		v.add("R-15.3-2", mlserr.ErrGeneration, "15.3", fmt.Sprintf("generation %d is more than %d ahead of %d", gen, lim.MaxGenerationGap, w.Next))
	}
	return v
}

// Consume records that generation gen, which Judge accepts, decrypted a
// message (RFC 9420, Sections 9.2 and 15.3): its key is deleted, the
// generations it skips are kept, and only the lim.MaxSkippedKeys newest
// kept keys survive.
func (w *Window) Consume(gen uint32, lim Limits) {
	if k := slices.Index(w.Kept, gen); k >= 0 {
		w.Kept = slices.Delete(w.Kept, k, k+1)
		return
	}
	for j := w.Next; j < uint64(gen); j++ {
		w.Kept = append(w.Kept, uint32(j))
	}
	w.Next = uint64(gen) + 1
	if n := len(w.Kept) - int(lim.MaxSkippedKeys); n > 0 {
		w.Kept = slices.Delete(w.Kept, 0, n)
	}
}
