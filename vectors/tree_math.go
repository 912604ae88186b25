package vectors

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/mlsref/mlsref/ref/treemath"
)

// treeMathCase is one case of tree-math.json: the relations of RFC 9420,
// Appendix C for every node of a tree with n_leaves leaves. An entry is
// null where the relation is undefined: the children of a leaf, the parent
// and sibling of the root, and (for leaf counts that are not a power of
// two, which the official file does not hold) any relative that lies
// beyond the tree's width.
type treeMathCase struct {
	NLeaves uint32    `json:"n_leaves"`
	NNodes  uint32    `json:"n_nodes"`
	Root    uint32    `json:"root"`
	Left    []*uint32 `json:"left"`
	Right   []*uint32 `json:"right"`
	Parent  []*uint32 `json:"parent"`
	Sibling []*uint32 `json:"sibling"`
}

func init() {
	Register(&Kind{
		Name:     "tree-math",
		Files:    []string{"tree-math.json"},
		Verify:   verifyTreeMath,
		Generate: generateTreeMath,
	})
}

func verifyTreeMath(data []byte, rep *Report) error {
	cases, err := decodeCases[treeMathCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkTreeMath(c, &tc) })
	}
	return nil
}

// treeMathRelations are the four per-node relations of the file, each
// computed with ref/treemath for node x of a tree with n leaves; nil where
// it is undefined.
var treeMathRelations = []struct {
	field string
	slot  func(tc *treeMathCase) *[]*uint32
	f     func(x treemath.NodeIndex, n uint32) (treemath.NodeIndex, error)
}{
	{"left", func(tc *treeMathCase) *[]*uint32 { return &tc.Left }, func(x treemath.NodeIndex, _ uint32) (treemath.NodeIndex, error) { return treemath.Left(x) }},
	{"right", func(tc *treeMathCase) *[]*uint32 { return &tc.Right }, func(x treemath.NodeIndex, _ uint32) (treemath.NodeIndex, error) { return treemath.Right(x) }},
	{"parent", func(tc *treeMathCase) *[]*uint32 { return &tc.Parent }, treemath.Parent},
	{"sibling", func(tc *treeMathCase) *[]*uint32 { return &tc.Sibling }, treemath.Sibling},
}

// treeMathRelative returns f(x, n) as a JSON optional: nil when f fails or
// its result is not a node of the tree with n leaves.
func treeMathRelative(f func(treemath.NodeIndex, uint32) (treemath.NodeIndex, error), x treemath.NodeIndex, n uint32) *uint32 {
	y, err := f(x, n)
	if err != nil || !treemath.InTree(y, n) {
		return nil
	}
	v := uint32(y)
	return &v
}

func checkTreeMath(c *Checker, tc *treeMathCase) {
	width, err := treemath.NodeWidth(tc.NLeaves)
	if !c.NoErr("n_nodes", err) {
		return
	}
	Equal(c, "n_nodes", tc.NNodes, width)
	root, err := treemath.Root(tc.NLeaves)
	if c.NoErr("root", err) {
		Equal(c, "root", tc.Root, uint32(root))
	}
	for _, rel := range treeMathRelations {
		got := *rel.slot(tc)
		if uint64(len(got)) != uint64(width) {
			c.Failf("%s: %d entries, want one per node (%d)", rel.field, len(got), width)
		}
		for i, v := range got {
			want := treeMathRelative(rel.f, treemath.NodeIndex(i), tc.NLeaves)
			if !equalOptU32(v, want) {
				c.Failf("%s[%d]: got %s, want %s", rel.field, i, fmtOptU32(v), fmtOptU32(want))
			}
		}
	}
}

func equalOptU32(a, b *uint32) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func fmtOptU32(v *uint32) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(*v)
}

// generateTreeMath returns one case for each leaf count 1 to 10 and four
// more drawn from rand between 11 and 1000, every value computed with
// ref/treemath. suite is ignored: tree-math has no cipher suite.
func generateTreeMath(_ uint16, rand io.Reader) (any, error) {
	counts := []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	var b [4]byte
	for range 4 {
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return nil, fmt.Errorf("tree-math: reading randomness: %w", err)
		}
		counts = append(counts, 11+binary.BigEndian.Uint32(b[:])%990)
	}
	cases := make([]treeMathCase, 0, len(counts))
	for _, n := range counts {
		width, err := treemath.NodeWidth(n)
		if err != nil {
			return nil, err
		}
		root, err := treemath.Root(n)
		if err != nil {
			return nil, err
		}
		tc := treeMathCase{NLeaves: n, NNodes: width, Root: uint32(root)}
		for _, rel := range treeMathRelations {
			out := make([]*uint32, width)
			for x := range width {
				out[x] = treeMathRelative(rel.f, treemath.NodeIndex(x), n)
			}
			*rel.slot(&tc) = out
		}
		cases = append(cases, tc)
	}
	return cases, nil
}
