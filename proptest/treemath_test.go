package proptest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/mlsref/mlsref/ref/treemath"
)

// treeNode is a tree of 2^K leaves and one of its nodes.
type treeNode struct {
	K int
	X treemath.NodeIndex
}

func (tn treeNode) n() uint32 { return 1 << tn.K }

// genTreeNode draws a tree of 1 to 2^20 leaves and a node of it.
func genTreeNode() gopter.Gen {
	return gen.IntRange(0, 20).FlatMap(func(k any) gopter.Gen {
		w := uint32(2<<k.(int)) - 1
		return gen.UInt32Range(0, w-1).Map(func(x uint32) treeNode { return treeNode{K: k.(int), X: treemath.NodeIndex(x)} })
	}, nil)
}

// laws checks the laws of the array representation (RFC 9420, Appendix C)
// at one node, and returns the first one broken.
func laws(tn treeNode) error {
	n, x := tn.n(), tn.X
	root, err := treemath.Root(n)
	if err != nil || root != treemath.NodeIndex(n-1) || treemath.Level(root) != tn.K {
		return fmt.Errorf("root of %d leaves is %d (%v)", n, root, err)
	}
	if w, _ := treemath.NodeWidth(n); w != 2*n-1 || !treemath.InTree(x, n) {
		return fmt.Errorf("width %d", w)
	}
	k := treemath.Level(x)
	// Leaves are the even nodes, and leaf i is node 2i.
	if l, ok := x.Leaf(); ok != (k == 0) || (ok && l.Node() != x) {
		return fmt.Errorf("leaf %d/%v of node %d at level %d", l, ok, x, k)
	}
	// The leaves under x are a contiguous range of 2^k leaves centred on x.
	lo, hi := x-(1<<k-1), x+(1<<k-1)
	if lo%2 != 0 || hi%2 != 0 || uint32(hi) >= 2*n-1 {
		return fmt.Errorf("the span of %d is [%d, %d]", x, lo, hi)
	}
	if k > 0 {
		l, _ := treemath.Left(x)
		r, _ := treemath.Right(x)
		if treemath.Level(l) != k-1 || treemath.Level(r) != k-1 || x-l != 1<<(k-1) || r-x != 1<<(k-1) {
			return fmt.Errorf("children of %d: %d, %d", x, l, r)
		}
		for _, c := range []treemath.NodeIndex{l, r} {
			if p, err := treemath.Parent(c, n); err != nil || p != x {
				return fmt.Errorf("parent of child %d of %d is %d (%v)", c, x, p, err)
			}
			if !treemath.IsAncestor(x, c) || treemath.IsAncestor(c, x) {
				return fmt.Errorf("ancestry of %d and its child %d", x, c)
			}
		}
		if s, _ := treemath.Sibling(l, n); s != r {
			return fmt.Errorf("sibling of %d is %d, not %d", l, s, r)
		}
	} else if _, err := treemath.Left(x); err == nil {
		return fmt.Errorf("leaf %d has a left child", x)
	}
	dp, err := treemath.DirectPath(x, n)
	if err != nil {
		return err
	}
	cp, err := treemath.Copath(x, n)
	if err != nil {
		return err
	}
	if len(dp) != tn.K-k || len(cp) != len(dp) {
		return fmt.Errorf("direct path %v and copath %v of %d", dp, cp, x)
	}
	if x == root {
		if _, err := treemath.Parent(x, n); err == nil {
			return fmt.Errorf("the root has a parent")
		}
		return nil
	}
	if dp[len(dp)-1] != root {
		return fmt.Errorf("direct path %v does not end at the root", dp)
	}
	prev := x
	for i, p := range dp {
		if q, _ := treemath.Parent(prev, n); q != p {
			return fmt.Errorf("direct path %v: %d is not the parent of %d", dp, p, prev)
		}
		s, _ := treemath.Sibling(prev, n)
		if cp[i] != s {
			return fmt.Errorf("copath %v: %d is not the sibling of %d", cp, cp[i], prev)
		}
		if ss, _ := treemath.Sibling(s, n); ss != prev {
			return fmt.Errorf("the sibling of the sibling of %d is %d", prev, ss)
		}
		if !treemath.IsAncestor(p, x) {
			return fmt.Errorf("%d on the direct path of %d is not its ancestor", p, x)
		}
		prev = p
	}
	// A node is an ancestor of x exactly when it is on x's direct path.
	for y := treemath.NodeIndex(0); y < treemath.NodeIndex(min(2*n-1, 64)); y++ {
		if treemath.IsAncestor(y, x) != slices.Contains(dp, y) {
			return fmt.Errorf("IsAncestor(%d, %d) disagrees with the direct path %v", y, x, dp)
		}
	}
	return nil
}

func TestTreeMathLaws(t *testing.T) {
	properties(t, 2000, func(ps *gopter.Properties) {
		ps.Property("Appendix C laws hold at every node", prop.ForAll(func(tn treeNode) (bool, error) {
			if err := laws(tn); err != nil {
				return false, err
			}
			return true, nil
		}, genTreeNode()))
		ps.Property("the common ancestor of two leaves is the lowest node on both direct paths", prop.ForAll(func(k int, a, b uint32) (bool, error) {
			n := uint32(1) << k
			la, lb := treemath.LeafIndex(a%n), treemath.LeafIndex(b%n)
			ca, err := treemath.CommonAncestor(la, lb)
			if err != nil {
				return false, err
			}
			if la == lb {
				return ca == la.Node(), nil
			}
			pa, _ := treemath.DirectPath(la.Node(), n)
			pb, _ := treemath.DirectPath(lb.Node(), n)
			for _, p := range pa {
				if slices.Contains(pb, p) {
					if p != ca {
						return false, fmt.Errorf("lowest common node %d, CommonAncestor %d", p, ca)
					}
					return true, nil
				}
			}
			return false, fmt.Errorf("no common node")
		}, gen.IntRange(1, 20), gen.UInt32(), gen.UInt32()))
	})
}
