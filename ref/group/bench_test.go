package group_test

// Benchmarks of the operations whose cost RFC 9420 bounds by the size of
// the group: creating a KeyPackage (Section 10, constant), creating and
// processing a Commit with a path (Sections 7.6 and 12.4, about log n in a
// full tree), and joining from a Welcome (Section 12.4.3.1, about n: the
// joiner validates every leaf of the tree). Run them with
//
//	go test -bench . -run '^$' ./ref/group
//
// How a group of n members with every leaf filled is built without
// minutes of setup (benchFixture): every client gets a KeyPackage; the
// creator A (leaf 0) adds n-2 of them in one Commit; of the joiners only
// those the benchmarks need join from its Welcome and keep a state: the
// receiver R (leaf 1) and the fillers, the leaves 2, 4, 8, ..., n/2. Each
// filler then sends an empty Commit, whose path fills its direct path, and
// in particular the root of the subtree that is A's copath node at its
// level. A adds the last client X (leaf n-1), which joins and commits an
// empty Commit too, so that no parent node on A's copath keeps X as an
// unmerged leaf. Afterwards every node of A's copath resolves to a single
// node (TestBenchFixtureIsFull checks it), so a Commit of A encrypts one
// path secret per level, as in a full tree. The other n-2-log(n) members
// never join: they would only process the same messages. Setup costs a
// KeyPackage per member and about log n tree validations: a few seconds
// for 1024 members.
//
// A Commit created by A and processed by R is the worst case for a
// receiver: R is A's sibling, so it decrypts the path secret of the lowest
// node and derives the key pairs of the whole path.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/group"
)

var benchSizes = []int{16, 128, 1024}

var benchNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func benchClock() time.Time { return benchNow }

func benchSuite(tb testing.TB) *ciphersuite.Suite {
	tb.Helper()
	s, err := ciphersuite.Lookup(ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func benchConfig(seed string) group.Config {
	return group.Config{Rand: seeded.New(seed), Now: benchClock}
}

// benchFixture is a group of n members with every leaf filled and every
// node of A's copath resolving to one node; see the comment at the top.
type benchFixture struct {
	n int
	a *group.Group // leaf 0, the committer
	r *group.Group // leaf 1, the receiver
	// welcome adds x, the client at leaf n-1, to the group of n-1
	// members: joining from it is the join benchmark.
	welcome *group.Welcome
	xKP     *group.KeyPackage
	xPriv   *group.KeyPackagePrivate
}

var (
	benchMu       sync.Mutex
	benchFixtures = map[int]*benchFixture{}
)

// fixture returns the shared fixture of n members, building it once.
func fixture(tb testing.TB, n int) *benchFixture {
	tb.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if f, ok := benchFixtures[n]; ok {
		return f
	}
	f := buildFixture(tb, n)
	benchFixtures[n] = f
	return f
}

func buildFixture(tb testing.TB, n int) *benchFixture {
	tb.Helper()
	s := benchSuite(tb)
	kps := make([]*group.KeyPackage, n)
	privs := make([]*group.KeyPackagePrivate, n)
	for i := range n {
		var err error
		kps[i], privs[i], err = group.NewKeyPackage(s, &group.KeyPackageParams{
			Credential: credential.NewBasic(fmt.Appendf(nil, "member %d", i)), Now: benchClock,
		}, seeded.New(fmt.Sprintf("bench kp %d/%d", n, i)))
		if err != nil {
			tb.Fatal(err)
		}
	}
	a, err := group.NewGroup([]byte("bench"), kps[0], privs[0], nil, benchConfig("bench A"))
	if err != nil {
		tb.Fatal(err)
	}
	// One Commit adds the clients of leaves 1 to n-2.
	pc, err := a.Commit(&group.CommitOptions{Adds: kps[1 : n-1]})
	if err != nil {
		tb.Fatal(err)
	}
	if err := a.MergePendingCommit(pc); err != nil {
		tb.Fatal(err)
	}
	join := func(w *group.Welcome, i int) *group.Group {
		g, err := group.JoinGroup(w, kps[i], privs[i], nil, benchConfig(fmt.Sprintf("bench %d", i)))
		if err != nil {
			tb.Fatalf("leaf %d joins: %v", i, err)
		}
		if g.LeafIndex() != uint32(i) {
			tb.Fatalf("client %d joined at leaf %d", i, g.LeafIndex())
		}
		return g
	}
	f := &benchFixture{n: n, a: a, r: join(pc.Welcome, 1)}
	var fillers []*group.Group
	for i := 2; i < n-1; i *= 2 {
		fillers = append(fillers, join(pc.Welcome, i))
	}
	// live are the states kept current: A, R and the fillers still to
	// commit.
	commit := func(from *group.Group, opts *group.CommitOptions, live []*group.Group) *group.PendingCommit {
		pc, err := from.Commit(opts)
		if err != nil {
			tb.Fatal(err)
		}
		for _, g := range live {
			if g == from {
				continue
			}
			if _, err := g.Process(pc.Message); err != nil {
				tb.Fatalf("leaf %d processes the Commit of leaf %d: %v", g.LeafIndex(), from.LeafIndex(), err)
			}
		}
		if err := from.MergePendingCommit(pc); err != nil {
			tb.Fatal(err)
		}
		return pc
	}
	for k, fl := range fillers {
		live := append([]*group.Group{f.a, f.r}, fillers[k:]...)
		commit(fl, nil, live)
	}
	// A adds X at leaf n-1; X's empty Commit clears X from the unmerged
	// leaves of the parents on its direct path.
	f.xKP, f.xPriv = kps[n-1], privs[n-1]
	pc = commit(f.a, &group.CommitOptions{Adds: []*group.KeyPackage{f.xKP}}, []*group.Group{f.a, f.r})
	f.welcome = pc.Welcome
	x := join(f.welcome, n-1)
	commit(x, nil, []*group.Group{f.a, f.r, x})
	return f
}

// TestBenchFixtureIsFull checks the fixture the benchmarks rely on: n
// leaves filled, A and R agreeing, and every node of A's copath resolving
// to a single node, as in a full tree.
func TestBenchFixtureIsFull(t *testing.T) {
	const n = 16
	f := buildFixture(t, n)
	tr := f.a.Tree()
	if got := len(f.a.Members()); got != n || tr.NumLeaves() != n {
		t.Fatalf("%d members in %d leaves, want %d", got, tr.NumLeaves(), n)
	}
	if string(f.a.EpochAuthenticator()) != string(f.r.EpochAuthenticator()) || string(f.a.TreeHash()) != string(f.r.TreeHash()) {
		t.Fatal("A and R disagree")
	}
	_, copath, err := tr.FilteredDirectPath(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(copath) != 4 {
		t.Fatalf("A's filtered copath has %d nodes, want log2(%d) = 4", len(copath), n)
	}
	for _, x := range copath {
		if res := tr.Resolution(x, nil); len(res) != 1 || res[0] != x {
			t.Errorf("copath node %d resolves to %v, want itself", x, res)
		}
	}
	// X's Welcome joins a group whose every leaf is filled.
	g, err := group.JoinGroup(f.welcome, f.xKP, f.xPriv, nil, benchConfig("x"))
	if err != nil {
		t.Fatal(err)
	}
	if g.LeafIndex() != n-1 || len(g.Members()) != n {
		t.Fatalf("X joined at leaf %d of %d members", g.LeafIndex(), len(g.Members()))
	}
}

// BenchmarkKeyPackageCreate creates a KeyPackage: three key pairs and two
// signatures (RFC 9420, Section 10). Its cost does not depend on any group.
func BenchmarkKeyPackageCreate(b *testing.B) {
	s := benchSuite(b)
	rand := seeded.New("bench kp")
	params := &group.KeyPackageParams{Credential: credential.NewBasic([]byte("alice")), Now: benchClock}
	for b.Loop() {
		if _, _, err := group.NewKeyPackage(s, params, rand); err != nil {
			b.Fatal(err)
		}
	}
}

// publicCommit sends the benchmarked Commits as PublicMessages: a
// PrivateMessage Commit that is created and never merged would use up a
// handshake generation per iteration, and the receiver of the next one
// would find it too far ahead (RFC 9420, Section 15.3).
var publicCommit = &group.CommitOptions{PublicMessage: true}

// BenchmarkCommitCreate has A create an empty Commit, whose path covers
// its whole direct path (RFC 9420, Section 12.4.1). The Commit is not
// merged, so every iteration starts from the same epoch.
func BenchmarkCommitCreate(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			f := fixture(b, n)
			for b.Loop() {
				if _, err := f.a.Commit(publicCommit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCommitProcess has R process an empty Commit of A (RFC 9420,
// Section 12.4.2). Each iteration is one epoch: A creates and merges the
// Commit with the timer stopped, R processes it with the timer running.
func BenchmarkCommitProcess(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			f := fixture(b, n)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				pc, err := f.a.Commit(publicCommit)
				if err != nil {
					b.Fatal(err)
				}
				if err := f.a.MergePendingCommit(pc); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := f.r.Process(pc.Message); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJoin has X join a group of n members from its Welcome (RFC
// 9420, Section 12.4.3.1), the ratchet tree in the GroupInfo: the joiner
// decrypts its GroupSecrets and the GroupInfo, and validates the whole
// tree, n leaf signatures and the parent hashes, before using it.
func BenchmarkJoin(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			f := fixture(b, n)
			for b.Loop() {
				if _, err := group.JoinGroup(f.welcome, f.xKP, f.xPriv, nil, benchConfig("x")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
