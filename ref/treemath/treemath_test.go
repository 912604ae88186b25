package treemath

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// model is a link-based tree (RFC 9420, Appendix D) built without any of
// the index arithmetic under test: the perfect tree enclosing n leaves is
// assembled by pairing subtrees level by level and then numbered by an
// in-order walk. Nodes numbered at or beyond the width 2n-1 are outside the
// tree with n leaves.
type model struct {
	n, width           int
	parent, left, rght map[int]int
	level              map[int]int
	root               int
}

func newModel(n int) *model {
	type node struct {
		l, r *node
		id   int
		lvl  int
	}
	var row []*node
	size := 1
	for size < n {
		size *= 2
	}
	for range size {
		row = append(row, &node{})
	}
	for len(row) > 1 {
		var next []*node
		for i := 0; i < len(row); i += 2 {
			next = append(next, &node{l: row[i], r: row[i+1], lvl: row[i].lvl + 1})
		}
		row = next
	}
	// In-order numbering with an explicit stack.
	m := &model{n: n, width: 2*n - 1, parent: map[int]int{}, left: map[int]int{}, rght: map[int]int{}, level: map[int]int{}}
	var stack []*node
	cur, id := row[0], 0
	for cur != nil || len(stack) > 0 {
		for cur != nil {
			stack = append(stack, cur)
			cur = cur.l
		}
		cur = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		cur.id = id
		id++
		cur = cur.r
	}
	m.root = row[0].id
	stack = []*node{row[0]}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		m.level[x.id] = x.lvl
		if x.l != nil {
			m.left[x.id], m.rght[x.id] = x.l.id, x.r.id
			m.parent[x.l.id], m.parent[x.r.id] = x.id, x.id
			stack = append(stack, x.l, x.r)
		}
	}
	return m
}

func (m *model) in(x int) bool { return x < m.width }

// get returns rel[x] if it exists and lies in the tree.
func (m *model) get(rel map[int]int, x int) (int, bool) {
	v, ok := rel[x]
	return v, ok && m.in(v)
}

// path walks parent links from x to the root; okD (okC) is false if a node
// of the direct path (copath) lies outside the tree.
func (m *model) path(x int) (d, co []NodeIndex, okD, okC bool) {
	d, co = []NodeIndex{}, []NodeIndex{}
	okD, okC = true, true
	for x != m.root {
		p := m.parent[x]
		s := m.left[p]
		if s == x {
			s = m.rght[p]
		}
		okD, okC = okD && m.in(p), okC && m.in(s)
		d, co = append(d, NodeIndex(p)), append(co, NodeIndex(s))
		x = p
	}
	return d, co, okD, okC
}

func wantOK(t *testing.T, what string, got NodeIndex, err error, want int) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: unexpected error %v, want %d", what, err, want)
	} else if int(got) != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

func wantErr(t *testing.T, what string, got NodeIndex, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s = %d, want an error", what, got)
	} else if !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("%s: error %v is not of class ErrInvalidInput", what, err)
	}
}

// TestAgainstModel compares every function with the link-based model for
// every node of trees of 1 to 70 leaves and a few larger powers of two.
func TestAgainstModel(t *testing.T) {
	var sizes []int
	for n := 1; n <= 70; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 128, 256, 1000, 1024)
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			m := newModel(n)
			N := uint32(n)
			w, err := NodeWidth(N)
			if err != nil || int(w) != m.width {
				t.Fatalf("NodeWidth(%d) = %d, %v; want %d", n, w, err, m.width)
			}
			r, err := Root(N)
			wantOK(t, "Root", r, err, m.root)
			for xi := 0; xi < m.width+4; xi++ {
				x := NodeIndex(xi)
				if got, want := Level(x), m.level[xi]; m.in(xi) && got != want {
					t.Errorf("Level(%d) = %d, want %d", xi, got, want)
				}
				if got, want := IsLeaf(x), xi%2 == 0; got != want {
					t.Errorf("IsLeaf(%d) = %v", xi, got)
				}
				if got := InTree(x, N); got != m.in(xi) {
					t.Errorf("InTree(%d, %d) = %v", xi, n, got)
				}
				if !m.in(xi) {
					for name, f := range map[string]func(NodeIndex, uint32) (NodeIndex, error){"Parent": Parent, "Sibling": Sibling} {
						v, err := f(x, N)
						if !errors.Is(err, ErrNodeOutOfRange) {
							t.Errorf("%s(%d, %d) = %d, %v; want ErrNodeOutOfRange", name, xi, n, v, err)
						}
					}
					if _, err := DirectPath(x, N); !errors.Is(err, ErrNodeOutOfRange) {
						t.Errorf("DirectPath(%d, %d): %v; want ErrNodeOutOfRange", xi, n, err)
					}
					if _, err := Copath(x, N); !errors.Is(err, ErrNodeOutOfRange) {
						t.Errorf("Copath(%d, %d): %v; want ErrNodeOutOfRange", xi, n, err)
					}
					continue
				}
				name := func(f string) string { return fmt.Sprintf("%s(%d, n=%d)", f, xi, n) }
				// Left and Right know no tree size: compare with the
				// enclosing perfect tree.
				l, err := Left(x)
				if want, ok := m.left[xi]; ok {
					wantOK(t, name("Left"), l, err, want)
				} else {
					wantErr(t, name("Left"), l, err)
				}
				rr, err := Right(x)
				if want, ok := m.rght[xi]; ok {
					wantOK(t, name("Right"), rr, err, want)
				} else {
					wantErr(t, name("Right"), rr, err)
				}
				p, err := Parent(x, N)
				if want, ok := m.get(m.parent, xi); ok {
					wantOK(t, name("Parent"), p, err, want)
				} else {
					wantErr(t, name("Parent"), p, err)
				}
				s, err := Sibling(x, N)
				wantS, okS := -1, false
				if pp, ok := m.parent[xi]; ok {
					wantS = m.left[pp]
					if wantS == xi {
						wantS = m.rght[pp]
					}
					okS = m.in(wantS)
				}
				if okS {
					wantOK(t, name("Sibling"), s, err, wantS)
				} else {
					wantErr(t, name("Sibling"), s, err)
				}
				d, co, okD, okC := m.path(xi)
				for _, pc := range []struct {
					f    func(NodeIndex, uint32) ([]NodeIndex, error)
					name string
					want []NodeIndex
					ok   bool
				}{{DirectPath, "DirectPath", d, okD}, {Copath, "Copath", co, okC}} {
					got, err := pc.f(x, N)
					switch {
					case !pc.ok && !errors.Is(err, ErrOutsideTree):
						t.Errorf("%s = %v, %v; want ErrOutsideTree", name(pc.name), got, err)
					case pc.ok && err != nil:
						t.Errorf("%s: %v", name(pc.name), err)
					case pc.ok:
						if diff := cmp.Diff(pc.want, got, cmpopts.EquateEmpty()); diff != "" {
							t.Errorf("%s (-want +got):\n%s", name(pc.name), diff)
						}
					}
				}
				// IsAncestor against the model's parent chain.
				anc := map[int]bool{}
				for y := xi; y != m.root; {
					y = m.parent[y]
					anc[y] = true
				}
				for a := 0; a < m.width; a++ {
					if got := IsAncestor(NodeIndex(a), x); got != anc[a] {
						t.Errorf("IsAncestor(%d, %d) = %v, want %v", a, xi, got, anc[a])
					}
				}
			}
			// CommonAncestor: lowest node on both parent chains.
			for a := 0; a < n; a++ {
				chainA := map[int]bool{2 * a: true}
				for y := 2 * a; y != m.root; {
					y = m.parent[y]
					chainA[y] = true
				}
				for b := 0; b < n; b += 1 + n/16 {
					want := 2 * b
					for !chainA[want] {
						want = m.parent[want]
					}
					got, err := CommonAncestor(LeafIndex(a), LeafIndex(b))
					wantOK(t, fmt.Sprintf("CommonAncestor(%d, %d)", a, b), got, err, want)
				}
			}
		})
	}
}

// TestEightLeaves checks the tree of Figure 32 of RFC 9420, Appendix C by
// hand.
func TestEightLeaves(t *testing.T) {
	const n = 8
	tests := []struct {
		x                  NodeIndex
		level              int
		left, right        int // -1: none
		parent, sibling    int // -1: none
		directPath, copath []NodeIndex
	}{
		{0, 0, -1, -1, 1, 2, []NodeIndex{1, 3, 7}, []NodeIndex{2, 5, 11}},
		{5, 1, 4, 6, 3, 1, []NodeIndex{3, 7}, []NodeIndex{1, 11}},
		{7, 3, 3, 11, -1, -1, []NodeIndex{}, []NodeIndex{}},
		{11, 2, 9, 13, 7, 3, []NodeIndex{7}, []NodeIndex{3}},
		{14, 0, -1, -1, 13, 12, []NodeIndex{13, 11, 7}, []NodeIndex{12, 9, 3}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.x), func(t *testing.T) {
			if got := Level(tc.x); got != tc.level {
				t.Errorf("Level = %d, want %d", got, tc.level)
			}
			check := func(what string, f func() (NodeIndex, error), want int) {
				got, err := f()
				if want < 0 {
					wantErr(t, what, got, err)
				} else {
					wantOK(t, what, got, err, want)
				}
			}
			check("Left", func() (NodeIndex, error) { return Left(tc.x) }, tc.left)
			check("Right", func() (NodeIndex, error) { return Right(tc.x) }, tc.right)
			check("Parent", func() (NodeIndex, error) { return Parent(tc.x, n) }, tc.parent)
			check("Sibling", func() (NodeIndex, error) { return Sibling(tc.x, n) }, tc.sibling)
			d, err := DirectPath(tc.x, n)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.directPath, d, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("DirectPath (-want +got):\n%s", diff)
			}
			c, err := Copath(tc.x, n)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.copath, c, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Copath (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRoot checks Root and NodeWidth at hand-computed sizes, including the
// non-powers of two (whose root is that of the enclosing perfect tree) and
// the largest supported tree.
func TestRoot(t *testing.T) {
	tests := []struct {
		n     uint32
		width uint32
		root  NodeIndex
	}{
		{1, 1, 0}, {2, 3, 1}, {3, 5, 3}, {4, 7, 3}, {5, 9, 7}, {8, 15, 7},
		{9, 17, 15}, {1000, 1999, 1023}, {1 << 30, 1<<31 - 1, 1<<30 - 1},
		{1<<30 + 1, 1<<31 + 1, 1<<31 - 1}, {MaxLeaves, 1<<32 - 1, 1<<31 - 1},
	}
	for _, tc := range tests {
		w, err := NodeWidth(tc.n)
		if err != nil || w != tc.width {
			t.Errorf("NodeWidth(%d) = %d, %v; want %d", tc.n, w, err, tc.width)
		}
		r, err := Root(tc.n)
		wantOK(t, fmt.Sprintf("Root(%d)", tc.n), r, err, int(tc.root))
	}
	if w, err := NodeWidth(0); w != 0 || err != nil {
		t.Errorf("NodeWidth(0) = %d, %v; want 0, nil", w, err)
	}
}

// TestLargestTree walks the right edge of a tree of 2^31 leaves, where node
// indices reach 2^32-2, to show nothing overflows.
func TestLargestTree(t *testing.T) {
	const n = MaxLeaves
	last := LeafIndex(n - 1).Node()
	if last != 1<<32-2 {
		t.Fatalf("last leaf node = %d", last)
	}
	// On the right edge, the node at level k is 2^32-1-2^k.
	var wantD, wantC []NodeIndex
	for k := 1; k <= 31; k++ {
		wantD = append(wantD, NodeIndex(1<<32-1-(1<<k)))
		wantC = append(wantC, NodeIndex(1<<32-1-(1<<k)-(1<<k)))
	}
	// The sibling at level k-1 is the left child of the level-k node:
	// 2^32-1-2^k - 2^(k-1).
	for i := range wantC {
		k := i + 1
		wantC[i] = NodeIndex(1<<32 - 1 - (1 << k) - (1 << (k - 1)))
	}
	d, err := DirectPath(last, n)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantD, d); diff != "" {
		t.Errorf("DirectPath (-want +got):\n%s", diff)
	}
	c, err := Copath(last, n)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantC, c); diff != "" {
		t.Errorf("Copath (-want +got):\n%s", diff)
	}
	r, err := Right(1<<31 - 1)
	wantOK(t, "Right(root)", r, err, 1<<31-1+1<<30)
	s, err := Sibling(1<<31-1+1<<30, n)
	wantOK(t, "Sibling(right of root)", s, err, 1<<30-1)
	a, err := CommonAncestor(0, n-1)
	wantOK(t, "CommonAncestor(0, last)", a, err, 1<<31-1)
}

// TestBadInput checks that every out-of-range input gives its error.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		f    func() (NodeIndex, error)
		want error
	}{
		{"Root(0)", func() (NodeIndex, error) { return Root(0) }, ErrNoLeaves},
		{"Root(2^31+1)", func() (NodeIndex, error) { return Root(MaxLeaves + 1) }, ErrTooManyLeaves},
		{"Root(2^32-1)", func() (NodeIndex, error) { return Root(1<<32 - 1) }, ErrTooManyLeaves},
		{"NodeWidth(2^31+1)", func() (NodeIndex, error) { w, err := NodeWidth(MaxLeaves + 1); return NodeIndex(w), err }, ErrTooManyLeaves},
		{"Left(leaf)", func() (NodeIndex, error) { return Left(6) }, ErrLeafHasNoChildren},
		{"Right(leaf)", func() (NodeIndex, error) { return Right(0) }, ErrLeafHasNoChildren},
		{"Left(NoNode)", func() (NodeIndex, error) { return Left(NoNode) }, ErrNodeOutOfRange},
		{"Right(NoNode)", func() (NodeIndex, error) { return Right(NoNode) }, ErrNodeOutOfRange},
		{"Parent(root)", func() (NodeIndex, error) { return Parent(7, 8) }, ErrRootHasNoParent},
		{"Parent(only leaf)", func() (NodeIndex, error) { return Parent(0, 1) }, ErrRootHasNoParent},
		{"Sibling(root)", func() (NodeIndex, error) { return Sibling(3, 4) }, ErrRootHasNoParent},
		{"Parent(beyond width)", func() (NodeIndex, error) { return Parent(7, 4) }, ErrNodeOutOfRange},
		{"Sibling(beyond width)", func() (NodeIndex, error) { return Sibling(15, 8) }, ErrNodeOutOfRange},
		{"Parent(n=0)", func() (NodeIndex, error) { return Parent(0, 0) }, ErrNoLeaves},
		{"Sibling(n=2^31+1)", func() (NodeIndex, error) { return Sibling(0, MaxLeaves+1) }, ErrTooManyLeaves},
		{"Parent(NoNode, 2^31)", func() (NodeIndex, error) { return Parent(NoNode, MaxLeaves) }, ErrNodeOutOfRange},
		{"Parent(last leaf of 3)", func() (NodeIndex, error) { return Parent(4, 3) }, ErrOutsideTree},
		{"Sibling(last leaf of 5)", func() (NodeIndex, error) { return Sibling(8, 5) }, ErrOutsideTree},
		{"Sibling(left of root of 5)", func() (NodeIndex, error) { return Sibling(3, 5) }, ErrOutsideTree},
		{"CommonAncestor(2^31, 0)", func() (NodeIndex, error) { return CommonAncestor(MaxLeaves, 0) }, ErrTooManyLeaves},
		{"DirectPath(n=0)", func() (NodeIndex, error) { _, err := DirectPath(0, 0); return 0, err }, ErrNoLeaves},
		{"Copath(beyond width)", func() (NodeIndex, error) { _, err := Copath(9, 5); return 0, err }, ErrNodeOutOfRange},
		{"Copath(last leaf of 3)", func() (NodeIndex, error) { _, err := Copath(4, 3); return 0, err }, ErrOutsideTree},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.f()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %d, %v; want %v", got, err, tc.want)
			}
			if !errors.Is(err, mlserr.ErrInvalidInput) {
				t.Errorf("%v is not of class ErrInvalidInput", err)
			}
		})
	}
	if got := LeafIndex(MaxLeaves).Node(); got != NoNode {
		t.Errorf("LeafIndex(2^31).Node() = %d, want NoNode", got)
	}
	if got := LeafIndex(1<<32 - 1).Node(); got != NoNode {
		t.Errorf("LeafIndex(2^32-1).Node() = %d, want NoNode", got)
	}
	if _, ok := NodeIndex(3).Leaf(); ok {
		t.Error("NodeIndex(3).Leaf() reported a leaf")
	}
	if l, ok := NodeIndex(10).Leaf(); !ok || l != 5 {
		t.Errorf("NodeIndex(10).Leaf() = %d, %v", l, ok)
	}
	if IsAncestor(NoNode, 0) || IsAncestor(3, 3) || IsAncestor(1, 3) || IsAncestor(1, 4) {
		t.Error("IsAncestor accepted a non-ancestor")
	}
	if InTree(0, 0) || InTree(0, MaxLeaves+1) || InTree(NoNode, MaxLeaves) {
		t.Error("InTree accepted a node outside every tree")
	}
}

// TestAllocations checks the promise that only DirectPath and Copath
// allocate, once each.
func TestAllocations(t *testing.T) {
	const n = 1 << 20
	x := LeafIndex(12345).Node()
	sink := NodeIndex(0)
	zero := map[string]func(){
		"Root":           func() { r, _ := Root(n); sink += r },
		"Left":           func() { r, _ := Left(1023); sink += r },
		"Right":          func() { r, _ := Right(1023); sink += r },
		"Parent":         func() { r, _ := Parent(x, n); sink += r },
		"Sibling":        func() { r, _ := Sibling(x, n); sink += r },
		"Parent(root)":   func() { r, _ := Parent(1<<20-1, n); sink += r },
		"CommonAncestor": func() { r, _ := CommonAncestor(3, 99999); sink += r },
	}
	for name, f := range zero {
		if a := testing.AllocsPerRun(100, f); a != 0 {
			t.Errorf("%s: %v allocations", name, a)
		}
	}
	for name, f := range map[string]func(NodeIndex, uint32) ([]NodeIndex, error){"DirectPath": DirectPath, "Copath": Copath} {
		var got []NodeIndex
		if a := testing.AllocsPerRun(100, func() { got, _ = f(x, n) }); a != 1 {
			t.Errorf("%s: %v allocations, want 1", name, a)
		}
		if len(got) != 20 || cap(got) != 20 {
			t.Errorf("%s: len %d cap %d, want 20", name, len(got), cap(got))
		}
	}
	_ = sink
}

func BenchmarkDirectPath(b *testing.B) {
	for i := range b.N {
		_, _ = DirectPath(LeafIndex(i&(1<<20-1)).Node(), 1<<20)
	}
}
