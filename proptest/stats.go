package proptest

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Stats counts what property runs did: operation sequences, steps
// (operations), checks (assertions that ref/group and the model agree) and
// how often each kind of operation and each outcome occurred. It is safe
// for concurrent use.
type Stats struct {
	mu        sync.Mutex
	sequences int64
	steps     int64
	checks    int64
	// largest is the largest number of members a group reached.
	largest int64
	kinds   map[string]int64
	events  map[string]int64
}

// NewStats returns empty counters.
func NewStats() *Stats {
	return &Stats{kinds: map[string]int64{}, events: map[string]int64{}}
}

func (s *Stats) sequence() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.sequences++
	s.mu.Unlock()
}

func (s *Stats) step(kind string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.steps++
	s.kinds[kind]++
	s.mu.Unlock()
}

func (s *Stats) check(n int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.checks += int64(n)
	s.mu.Unlock()
}

func (s *Stats) members(n int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.largest = max(s.largest, int64(n))
	s.mu.Unlock()
}

func (s *Stats) event(e string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.events[e]++
	s.mu.Unlock()
}

// Snapshot is a copy of the counters at one moment.
type Snapshot struct {
	Sequences, Steps, Checks int64
	// Largest is the largest number of members a group reached.
	Largest       int64
	Kinds, Events map[string]int64
}

// Snapshot returns a copy of the counters.
func (s *Stats) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Snapshot{Sequences: s.sequences, Steps: s.steps, Checks: s.checks, Largest: s.largest, Kinds: map[string]int64{}, Events: map[string]int64{}}
	for k, v := range s.kinds {
		out.Kinds[k] = v
	}
	for k, v := range s.events {
		out.Events[k] = v
	}
	return out
}

// Summary renders the counters in a few lines: totals, the operation kinds
// covered out of all kinds, and every outcome with its count.
func (sn Snapshot) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d sequences, %d steps, %d checks, groups of up to %d members, %d/%d operation kinds covered\n", sn.Sequences, sn.Steps, sn.Checks, sn.Largest, len(sn.Kinds), len(OperationKinds()))
	if missing := sn.Missing(); len(missing) > 0 {
		fmt.Fprintf(&b, "not covered: %s\n", strings.Join(missing, ", "))
	}
	keys := make([]string, 0, len(sn.Events))
	for k := range sn.Events {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-48s %d\n", k, sn.Events[k])
	}
	return b.String()
}

// Missing returns the operation kinds that never ran.
func (sn Snapshot) Missing() []string {
	var out []string
	for _, k := range OperationKinds() {
		if sn.Kinds[k] == 0 {
			out = append(out, k)
		}
	}
	return out
}
