package tree

import (
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/treemath"
)

// ParentNode is the content of an intermediate node of the ratchet tree
// (RFC 9420, Section 7.1).
//
//	struct {
//	    HPKEPublicKey encryption_key;
//	    opaque parent_hash<V>;
//	    uint32 unmerged_leaves<V>;
//	} ParentNode;
type ParentNode struct {
	EncryptionKey  []byte
	ParentHash     []byte
	UnmergedLeaves []treemath.LeafIndex
}

// MarshalMLS encodes the parent node (RFC 9420, Section 7.1).
func (p *ParentNode) MarshalMLS(w *codec.Writer) {
	w.Opaque(p.EncryptionKey)
	w.Opaque(p.ParentHash)
	w.Vector(func(w *codec.Writer) {
		for _, l := range p.UnmergedLeaves {
			w.U32(uint32(l))
		}
	})
}

// UnmarshalMLS decodes a parent node (RFC 9420, Section 7.1). The order
// of unmerged_leaves is checked by tree validation, which can name the
// node.
func (p *ParentNode) UnmarshalMLS(r *codec.Reader) {
	*p = ParentNode{}
	p.EncryptionKey = r.OpaqueCopy()
	p.ParentHash = r.OpaqueCopy()
	p.UnmergedLeaves = []treemath.LeafIndex{}
	r.Vector(func(r *codec.Reader) {
		p.UnmergedLeaves = append(p.UnmergedLeaves, treemath.LeafIndex(r.U32()))
	})
}

// Clone returns a deep copy of p.
func (p *ParentNode) Clone() *ParentNode {
	return &ParentNode{
		EncryptionKey:  clone(p.EncryptionKey),
		ParentHash:     clone(p.ParentHash),
		UnmergedLeaves: clone(p.UnmergedLeaves),
	}
}

// NodeType says whether a node is a leaf or a parent (RFC 9420, Section
// 7.8 and 12.4.3.3).
//
//	enum {
//	    reserved(0),
//	    leaf(1),
//	    parent(2),
//	    (255)
//	} NodeType;
type NodeType uint8

// The node types of RFC 9420, Section 12.4.3.3.
const (
	NodeTypeLeaf   NodeType = 1
	NodeTypeParent NodeType = 2
)

// Node is a non-blank node of the ratchet tree (RFC 9420, Section
// 12.4.3.3): exactly one of Leaf and Parent is set.
//
//	struct {
//	    NodeType node_type;
//	    select (Node.node_type) {
//	        case leaf:   LeafNode leaf_node;
//	        case parent: ParentNode parent_node;
//	    };
//	} Node;
type Node struct {
	Leaf   *LeafNode
	Parent *ParentNode
}

// MarshalMLS encodes the node (RFC 9420, Section 12.4.3.3).
func (n *Node) MarshalMLS(w *codec.Writer) {
	if n.Leaf != nil {
		w.U8(uint8(NodeTypeLeaf))
		n.Leaf.MarshalMLS(w)
		return
	}
	w.U8(uint8(NodeTypeParent))
	n.Parent.MarshalMLS(w)
}

// UnmarshalMLS decodes a node (RFC 9420, Section 12.4.3.3).
func (n *Node) UnmarshalMLS(r *codec.Reader) {
	*n = Node{}
	switch t := NodeType(r.U8()); t {
	case NodeTypeLeaf:
		n.Leaf = new(LeafNode)
		n.Leaf.UnmarshalMLS(r)
	case NodeTypeParent:
		n.Parent = new(ParentNode)
		n.Parent.UnmarshalMLS(r)
	default:
		if r.Err() == nil {
			r.Failf("", "unknown node_type %d (RFC 9420, Section 12.4.3.3)", uint8(t))
		}
	}
}

// Clone returns a deep copy of n (nil for nil).
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	if n.Leaf != nil {
		return &Node{Leaf: n.Leaf.Clone()}
	}
	return &Node{Parent: n.Parent.Clone()}
}

// EncryptionKey returns the node's HPKE public key.
func (n *Node) EncryptionKey() []byte {
	if n.Leaf != nil {
		return n.Leaf.EncryptionKey
	}
	return n.Parent.EncryptionKey
}
