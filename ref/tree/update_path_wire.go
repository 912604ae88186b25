package tree

import (
	"github.com/mlsref/mlsref/ref/codec"
)

// The wire structs of RFC 9420, Section 7.6. Creating and processing an
// UpdatePath (TreeKEM) is in update_path.go; this file only encodes and
// decodes.

// HPKECiphertext is the output of EncryptWithLabel (RFC 9420, Section 7.6;
// also used by EncryptedGroupSecrets in Section 12.4.3.1).
//
//	struct {
//	    opaque kem_output<V>;
//	    opaque ciphertext<V>;
//	} HPKECiphertext;
type HPKECiphertext struct {
	KEMOutput  []byte
	Ciphertext []byte
}

// MarshalMLS encodes c (RFC 9420, Section 7.6).
func (c *HPKECiphertext) MarshalMLS(w *codec.Writer) {
	w.Opaque(c.KEMOutput)
	w.Opaque(c.Ciphertext)
}

// UnmarshalMLS decodes c (RFC 9420, Section 7.6).
func (c *HPKECiphertext) UnmarshalMLS(r *codec.Reader) {
	c.KEMOutput = r.OpaqueCopy()
	c.Ciphertext = r.OpaqueCopy()
}

// Clone returns a deep copy of c (RFC 9420, Section 7.6).
func (c *HPKECiphertext) Clone() HPKECiphertext {
	return HPKECiphertext{KEMOutput: clone(c.KEMOutput), Ciphertext: clone(c.Ciphertext)}
}

// UpdatePathNode carries the new public key of one node of the sender's
// filtered direct path and its path secret, encrypted to each node of the
// resolution of the matching copath node (RFC 9420, Section 7.6).
//
//	struct {
//	    HPKEPublicKey encryption_key;
//	    HPKECiphertext encrypted_path_secret<V>;
//	} UpdatePathNode;
type UpdatePathNode struct {
	EncryptionKey       []byte
	EncryptedPathSecret []HPKECiphertext
}

// MarshalMLS encodes n (RFC 9420, Section 7.6).
func (n *UpdatePathNode) MarshalMLS(w *codec.Writer) {
	w.Opaque(n.EncryptionKey)
	w.Vector(func(w *codec.Writer) {
		for i := range n.EncryptedPathSecret {
			n.EncryptedPathSecret[i].MarshalMLS(w)
		}
	})
}

// UnmarshalMLS decodes n (RFC 9420, Section 7.6). EncryptedPathSecret is
// never nil after a successful decode. Whether its length matches the
// resolution of the copath node (R-7.6-2) depends on the tree and is
// checked when the path is processed.
func (n *UpdatePathNode) UnmarshalMLS(r *codec.Reader) {
	*n = UpdatePathNode{}
	n.EncryptionKey = r.OpaqueCopy()
	n.EncryptedPathSecret = []HPKECiphertext{}
	r.Vector(func(r *codec.Reader) {
		var c HPKECiphertext
		c.UnmarshalMLS(r)
		n.EncryptedPathSecret = append(n.EncryptedPathSecret, c)
	})
}

// Clone returns a deep copy of n (RFC 9420, Section 7.6).
func (n *UpdatePathNode) Clone() UpdatePathNode {
	c := UpdatePathNode{EncryptionKey: clone(n.EncryptionKey)}
	if n.EncryptedPathSecret != nil {
		c.EncryptedPathSecret = make([]HPKECiphertext, len(n.EncryptedPathSecret))
		for i := range n.EncryptedPathSecret {
			c.EncryptedPathSecret[i] = n.EncryptedPathSecret[i].Clone()
		}
	}
	return c
}

// UpdatePath is the sender's new leaf and the new keys of its filtered
// direct path, in the order of that path, carried in a Commit (RFC 9420,
// Section 7.6).
//
//	struct {
//	    LeafNode leaf_node;
//	    UpdatePathNode nodes<V>;
//	} UpdatePath;
type UpdatePath struct {
	LeafNode LeafNode
	Nodes    []UpdatePathNode
}

// MarshalMLS encodes p (RFC 9420, Section 7.6).
func (p *UpdatePath) MarshalMLS(w *codec.Writer) {
	p.LeafNode.MarshalMLS(w)
	w.Vector(func(w *codec.Writer) {
		for i := range p.Nodes {
			p.Nodes[i].MarshalMLS(w)
		}
	})
}

// UnmarshalMLS decodes p (RFC 9420, Section 7.6). Nodes is never nil after
// a successful decode.
func (p *UpdatePath) UnmarshalMLS(r *codec.Reader) {
	*p = UpdatePath{}
	p.LeafNode.UnmarshalMLS(r)
	p.Nodes = []UpdatePathNode{}
	r.Vector(func(r *codec.Reader) {
		var n UpdatePathNode
		n.UnmarshalMLS(r)
		p.Nodes = append(p.Nodes, n)
	})
}

// Clone returns a deep copy of p (RFC 9420, Section 7.6).
func (p *UpdatePath) Clone() *UpdatePath {
	c := &UpdatePath{LeafNode: *p.LeafNode.Clone()}
	if p.Nodes != nil {
		c.Nodes = make([]UpdatePathNode, len(p.Nodes))
		for i := range p.Nodes {
			c.Nodes[i] = p.Nodes[i].Clone()
		}
	}
	return c
}
