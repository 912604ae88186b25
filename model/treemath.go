package model

// The array representation of a complete binary tree (RFC 9420, Appendix
// C): leaf i is node 2i, a parent node has an odd index, and the level of a
// node is the number of trailing one bits of its index. The model's trees
// always have a power-of-two number of leaves (RFC 9420, Section 7.7), so
// every node below the root has a parent inside the tree.

// level returns the level of node x (RFC 9420, Appendix C): 0 for a leaf.
func level(x uint32) int {
	k := 0
	for x&1 == 1 {
		x >>= 1
		k++
	}
	return k
}

// leafNode returns the node index of leaf i (RFC 9420, Appendix C).
func leafNode(i uint32) uint32 { return 2 * i }

// nodeLeaf returns the leaf index of the leaf node x (RFC 9420, Appendix C).
func nodeLeaf(x uint32) uint32 { return x / 2 }

// rootOf returns the root of a tree of n leaves, n a power of two (RFC
// 9420, Appendix C).
func rootOf(n uint32) uint32 { return n - 1 }

// parentOf returns the parent of x in a complete tree (RFC 9420, Appendix
// C): set the bit of x's level and clear the one above it.
func parentOf(x uint32) uint32 {
	k := level(x)
	return (x | 1<<k) &^ (1 << (k + 1))
}

// leftOf and rightOf return the children of the parent node x (RFC 9420,
// Appendix C).
func leftOf(x uint32) uint32  { return x ^ 1<<(level(x)-1) }
func rightOf(x uint32) uint32 { return x ^ 3<<(level(x)-1) }

// siblingOf returns the other child of x's parent (RFC 9420, Section 4.1.2).
func siblingOf(x uint32) uint32 {
	p := parentOf(x)
	if x < p {
		return rightOf(p)
	}
	return leftOf(p)
}

// directPath returns the direct path of x in a tree of n leaves, from x's
// parent up to the root (RFC 9420, Section 4.1.2); empty for the root.
func directPath(x, n uint32) []uint32 {
	var out []uint32
	for r := rootOf(n); x != r; {
		x = parentOf(x)
		out = append(out, x)
	}
	return out
}
