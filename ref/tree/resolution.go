package tree

import (
	"github.com/mlsref/mlsref/ref/treemath"
)

// Resolution returns the resolution of node x (RFC 9420, Section 4.1.1):
// a non-blank node followed by its unmerged leaves; nothing for a blank
// leaf; for a blank intermediate node, the resolution of its left child
// followed by that of its right child. Leaves in exclude (the leaves added
// by the Commit being created or processed, Section 7.6) are left out.
// The walk is iterative, so a deep tree cannot exhaust the stack.
func (t *RatchetTree) Resolution(x treemath.NodeIndex, exclude map[treemath.LeafIndex]bool) []treemath.NodeIndex {
	var out []treemath.NodeIndex
	stack := []treemath.NodeIndex{x}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		node := t.Node(n)
		switch {
		case node != nil:
			if !treemath.IsLeaf(n) || !exclude[treemath.LeafIndex(n/2)] {
				out = append(out, n)
			}
			if node.Parent != nil {
				for _, l := range node.Parent.UnmergedLeaves {
					if !exclude[l] {
						out = append(out, treemath.NodeIndex(2*uint64(l)))
					}
				}
			}
		case treemath.IsLeaf(n):
		default:
			l, errL := treemath.Left(n)
			r, errR := treemath.Right(n)
			if errL != nil || errR != nil {
				continue
			}
			// Right is pushed first so that left is resolved first.
			stack = append(stack, r, l)
		}
	}
	return out
}

// FilteredDirectPath returns the filtered direct path of leaf (RFC 9420,
// Section 4.1.2): its direct path without the nodes whose child on the
// leaf's copath has an empty resolution, counting unmerged leaves. Each
// entry is paired with that copath child.
func (t *RatchetTree) FilteredDirectPath(leaf treemath.LeafIndex) (path, copath []treemath.NodeIndex, err error) {
	x := treemath.NodeIndex(2 * uint64(leaf))
	dp, err := treemath.DirectPath(x, t.NumLeaves())
	if err != nil {
		return nil, nil, err
	}
	cp, err := treemath.Copath(x, t.NumLeaves())
	if err != nil {
		return nil, nil, err
	}
	for i := range dp {
		if t.hasNonEmptyResolution(cp[i]) {
			path = append(path, dp[i])
			copath = append(copath, cp[i])
		}
	}
	return path, copath, nil
}

// hasNonEmptyResolution reports whether Resolution(x) would be non-empty,
// without building it.
func (t *RatchetTree) hasNonEmptyResolution(x treemath.NodeIndex) bool {
	stack := []treemath.NodeIndex{x}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if t.Node(n) != nil {
			return true
		}
		if treemath.IsLeaf(n) {
			continue
		}
		l, errL := treemath.Left(n)
		r, errR := treemath.Right(n)
		if errL == nil && errR == nil {
			stack = append(stack, r, l)
		}
	}
	return false
}
