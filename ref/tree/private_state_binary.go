package tree

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// privateStateFormat is the version octet of the encoding below; it is
// mlsref's own, not part of RFC 9420.
const privateStateFormat = 1

// MarshalBinary encodes p deterministically, so that a member's state can
// be stored and restored (RFC 9420, Sections 4 and 7.4 say what it holds).
// Equal states give equal bytes. The layout, in the presentation language
// of Section 2.1, is mlsref's own:
//
//	struct {
//	    uint8 format = 1;
//	    CipherSuite cipher_suite;
//	    uint32 leaf;
//	    NodeKey keys<V>;     /* increasing node index, the leaf's included */
//	} PrivateStateBinary;
//	struct { uint32 node; opaque priv<V>; } NodeKey;
//
// Only private keys are written; the public keys are derived again on
// decoding.
func (p *PrivateState) MarshalBinary() ([]byte, error) {
	var w codec.Writer
	w.U8(privateStateFormat)
	w.U16(uint16(p.suite.ID()))
	w.U32(uint32(p.leaf))
	w.Vector(func(w *codec.Writer) {
		for _, x := range p.Nodes() {
			w.U32(uint32(x))
			w.Opaque(p.keys[x].priv)
		}
	})
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// UnmarshalPrivateState decodes a state written by MarshalBinary and checks
// it strictly: a known cipher suite, a leaf index inside mlsref's limit,
// node indices in increasing order, each either the leaf's own node or a
// parent node on its direct path (the tree invariant of RFC 9420, Section
// 4), a key for the leaf itself, every private key well formed for the
// suite, and no trailing bytes. Whether the keys match a given tree is
// CheckConsistent's job.
func UnmarshalPrivateState(data []byte) (*PrivateState, error) {
	r := codec.NewReader(data)
	if f := r.U8(); r.Err() == nil && f != privateStateFormat {
		return nil, mlserr.New("", mlserr.ErrMalformed, "private state format %d is not %d", f, privateStateFormat)
	}
	id := ciphersuite.ID(r.U16())
	leaf := treemath.LeafIndex(r.U32())
	if err := r.Err(); err != nil {
		return nil, err
	}
	suite, err := ciphersuite.Lookup(id)
	if err != nil {
		return nil, err
	}
	if uint32(leaf) >= MaxLeaves {
		return nil, mlserr.New("", mlserr.ErrMalformed, "private state: leaf %d beyond mlsref's limit of %d leaves (tree.MaxLeaves)", leaf, MaxLeaves)
	}
	p := &PrivateState{leaf: leaf, keys: map[treemath.NodeIndex]nodeKey{}, suite: suite}
	first, prev := true, treemath.NodeIndex(0)
	r.Vector(func(r *codec.Reader) {
		x := treemath.NodeIndex(r.U32())
		priv := r.OpaqueCopy()
		if r.Err() != nil {
			return
		}
		switch {
		case uint32(x) >= 2*MaxLeaves-1:
			r.Failf("", "private state: node %d beyond mlsref's limit of %d leaves (tree.MaxLeaves)", x, MaxLeaves)
			return
		case !first && x <= prev:
			r.Failf("", "private state: node %d out of order (RFC 9420, Section 4)", x)
			return
		case x != leaf.Node() && !treemath.IsAncestor(x, leaf.Node()):
			r.Failf("", "private state: a key for node %d, which is not on the direct path of leaf %d (RFC 9420, Section 4)", x, leaf)
			return
		}
		first, prev = false, x
		if err := p.setKey(x, priv); err != nil {
			r.Fail(err)
		}
		clear(priv)
	})
	if err := r.Finish(); err != nil {
		p.Erase()
		return nil, err
	}
	if _, ok := p.keys[leaf.Node()]; !ok {
		return nil, mlserr.New("", mlserr.ErrMalformed, "private state: no key for the member's own leaf %d (RFC 9420, Section 4)", leaf)
	}
	return p, nil
}
