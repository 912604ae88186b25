package tree

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// LeafNodeHashInput is the tree-hash input of a leaf (RFC 9420, Section
// 7.8). LeafNode is nil for a blank leaf.
//
//	struct {
//	    uint32 leaf_index;
//	    optional<LeafNode> leaf_node;
//	} LeafNodeHashInput;
type LeafNodeHashInput struct {
	LeafIndex treemath.LeafIndex
	LeafNode  *LeafNode
}

// MarshalMLS encodes the input (RFC 9420, Section 7.8).
func (in *LeafNodeHashInput) MarshalMLS(w *codec.Writer) {
	w.U32(uint32(in.LeafIndex))
	// [R-7.8-1]
	w.Optional(in.LeafNode != nil, func(w *codec.Writer) { in.LeafNode.MarshalMLS(w) })
}

// ParentNodeHashInput is the tree-hash input of an intermediate node (RFC
// 9420, Section 7.8). ParentNode is nil for a blank node.
//
//	struct {
//	    optional<ParentNode> parent_node;
//	    opaque left_hash<V>;
//	    opaque right_hash<V>;
//	} ParentNodeHashInput;
type ParentNodeHashInput struct {
	ParentNode *ParentNode
	LeftHash   []byte
	RightHash  []byte
}

// MarshalMLS encodes the input (RFC 9420, Section 7.8).
func (in *ParentNodeHashInput) MarshalMLS(w *codec.Writer) {
	// [R-7.8-1]
	w.Optional(in.ParentNode != nil, func(w *codec.Writer) { in.ParentNode.MarshalMLS(w) })
	w.Opaque(in.LeftHash)
	w.Opaque(in.RightHash)
}

// TreeHashInput is what a node's tree hash is the hash of (RFC 9420,
// Section 7.8): exactly one of LeafNode and ParentNode is set, and the
// node_type follows from which.
//
//	struct {
//	  NodeType node_type;
//	  select (TreeHashInput.node_type) {
//	    case leaf:   LeafNodeHashInput leaf_node;
//	    case parent: ParentNodeHashInput parent_node;
//	  };
//	} TreeHashInput;
type TreeHashInput struct {
	LeafNode   *LeafNodeHashInput
	ParentNode *ParentNodeHashInput
}

// MarshalMLS encodes the input (RFC 9420, Section 7.8).
func (in *TreeHashInput) MarshalMLS(w *codec.Writer) {
	if in.LeafNode != nil {
		w.U8(uint8(NodeTypeLeaf))
		in.LeafNode.MarshalMLS(w)
		return
	}
	w.U8(uint8(NodeTypeParent))
	in.ParentNode.MarshalMLS(w)
}

// hashInput hashes the encoding of in with the suite's hash.
func hashInput(cs *ciphersuite.Suite, in codec.Marshaler) ([]byte, error) {
	var w codec.Writer
	in.MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return cs.Hash(w.Bytes()), nil
}

// TreeHash returns the tree hash of the subtree rooted at node x (RFC
// 9420, Section 7.8). Hashes are cached per node: after a change, only the
// changed nodes and their ancestors are hashed again.
func (t *RatchetTree) TreeHash(cs *ciphersuite.Suite, x treemath.NodeIndex) ([]byte, error) {
	if uint64(x) >= uint64(len(t.nodes)) {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "node %d is outside a tree of width %d (RFC 9420, Section 7.8)", x, len(t.nodes))
	}
	h, err := t.treeHash(cs, x)
	if err != nil {
		return nil, err
	}
	return clone(h), nil
}

// RootTreeHash returns the tree hash of the whole tree, that of its root
// (RFC 9420, Section 7.8): the tree_hash of the GroupContext.
func (t *RatchetTree) RootTreeHash(cs *ciphersuite.Suite) ([]byte, error) {
	if len(t.nodes) == 0 {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "an empty tree has no tree hash (RFC 9420, Section 7.8)")
	}
	return t.TreeHash(cs, t.Root())
}

// treeHash returns the (shared, read-only) cached tree hash of x, filling
// the cache on the way. The recursion is as deep as the tree, at most 21
// levels for MaxLeaves leaves.
func (t *RatchetTree) treeHash(cs *ciphersuite.Suite, x treemath.NodeIndex) ([]byte, error) {
	if t.hashes == nil || t.hashSuite != cs.ID() || len(t.hashes) != len(t.nodes) {
		t.hashes = make([][]byte, len(t.nodes))
		t.hashSuite = cs.ID()
	}
	if h := t.hashes[x]; h != nil {
		return h, nil
	}
	var in TreeHashInput
	if treemath.IsLeaf(x) {
		in.LeafNode = &LeafNodeHashInput{LeafIndex: treemath.LeafIndex(x / 2)}
		if n := t.nodes[x]; n != nil {
			in.LeafNode.LeafNode = n.Leaf
		}
	} else {
		l, r, err := t.children(x)
		if err != nil {
			return nil, err
		}
		lh, err := t.treeHash(cs, l)
		if err != nil {
			return nil, err
		}
		rh, err := t.treeHash(cs, r)
		if err != nil {
			return nil, err
		}
		in.ParentNode = &ParentNodeHashInput{LeftHash: lh, RightHash: rh}
		if n := t.nodes[x]; n != nil {
			in.ParentNode.ParentNode = n.Parent
		}
	}
	h, err := hashInput(cs, &in)
	if err != nil {
		return nil, err
	}
	t.hashes[x] = h
	return h, nil
}

// children returns the two children of the intermediate node x, both of
// which lie inside the tree since its leaf count is a power of two.
func (t *RatchetTree) children(x treemath.NodeIndex) (l, r treemath.NodeIndex, err error) {
	l, err = treemath.Left(x)
	if err == nil {
		r, err = treemath.Right(x)
	}
	if err == nil && uint64(r) >= uint64(len(t.nodes)) {
		err = treemath.ErrOutsideTree
	}
	return l, r, err
}
