package tree_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// TestPrivateStateBinaryRoundTrip encodes the private state of every
// member of a TreeKEM group (leaf and parent keys) and checks that it
// decodes to a state with the same keys, consistent with the tree, that
// encodes to the same bytes.
func TestPrivateStateBinaryRoundTrip(t *testing.T) {
	for _, id := range []ciphersuite.ID{ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521} {
		t.Run(id.String(), func(t *testing.T) {
			g := newKEMGroup(t, id, "private state binary")
			g.commit(0, g.add(), g.add(), g.add(), g.add())
			g.commit(2)
			for leaf, ps := range g.priv {
				b, err := ps.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				got, err := tree.UnmarshalPrivateState(b)
				if err != nil {
					t.Fatalf("leaf %d: %v", leaf, err)
				}
				if got.Leaf() != leaf {
					t.Errorf("leaf %d decodes as leaf %d", leaf, got.Leaf())
				}
				if !equalNodes(got.Nodes(), ps.Nodes()) {
					t.Errorf("leaf %d: nodes %v, want %v", leaf, got.Nodes(), ps.Nodes())
				}
				for _, x := range ps.Nodes() {
					want, _ := ps.PrivateKey(x)
					if k, _ := got.PrivateKey(x); !bytes.Equal(k, want) {
						t.Errorf("leaf %d: key of node %d differs", leaf, x)
					}
				}
				if err := got.CheckConsistent(g.tree); err != nil {
					t.Errorf("leaf %d: the decoded state does not match the tree: %v", leaf, err)
				}
				again, err := got.MarshalBinary()
				if err != nil || !bytes.Equal(again, b) {
					t.Errorf("leaf %d: re-encoding differs (err %v)", leaf, err)
				}
			}
		})
	}
}

// TestPrivateStateBinaryRejects breaks the encoding one rule at a time.
func TestPrivateStateBinaryRejects(t *testing.T) {
	id := ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	g := newKEMGroup(t, id, "private state rejects")
	g.commit(0, g.add(), g.add(), g.add())
	ps := g.priv[1] // leaf 1 (node 2) holds node 1 and node 3's keys
	leafKey := ps.LeafKey()
	k1, ok1 := ps.PrivateKey(1)
	k3, ok3 := ps.PrivateKey(3)
	if !ok1 || !ok3 {
		t.Fatalf("leaf 1 holds %v, want nodes 1 and 3", ps.Nodes())
	}
	type key struct {
		node uint32
		priv []byte
	}
	enc := func(format uint8, suite uint16, leaf uint32, keys []key, trailing ...byte) []byte {
		var w codec.Writer
		w.U8(format)
		w.U16(suite)
		w.U32(leaf)
		w.Vector(func(w *codec.Writer) {
			for _, k := range keys {
				w.U32(k.node)
				w.Opaque(k.priv)
			}
		})
		return append(w.Bytes(), trailing...)
	}
	good := []key{{1, k1}, {2, leafKey}, {3, k3}}
	if _, err := tree.UnmarshalPrivateState(enc(1, uint16(id), 1, good)); err != nil {
		t.Fatalf("the well-formed encoding is rejected: %v", err)
	}
	tests := []struct {
		name  string
		data  []byte
		class error
	}{
		{"unknown format", enc(2, uint16(id), 1, good), mlserr.ErrMalformed},
		{"unknown suite", enc(1, 0x0B0B, 1, good), mlserr.ErrUnsupported},
		{"leaf beyond the limit", enc(1, uint16(id), tree.MaxLeaves, []key{{2 * tree.MaxLeaves, leafKey}}), mlserr.ErrMalformed},
		{"nodes out of order", enc(1, uint16(id), 1, []key{{2, leafKey}, {1, k1}, {3, k3}}), mlserr.ErrMalformed},
		{"a node twice", enc(1, uint16(id), 1, []key{{1, k1}, {1, k1}, {2, leafKey}}), mlserr.ErrMalformed},
		{"a node off the direct path", enc(1, uint16(id), 1, []key{{2, leafKey}, {5, k3}}), mlserr.ErrMalformed},
		{"another leaf's node", enc(1, uint16(id), 1, []key{{0, leafKey}, {2, leafKey}}), mlserr.ErrMalformed},
		{"a node beyond the limit", enc(1, uint16(id), 1, []key{{2, leafKey}, {2*tree.MaxLeaves - 1, k3}}), mlserr.ErrMalformed},
		{"no key for the leaf", enc(1, uint16(id), 1, []key{{1, k1}, {3, k3}}), mlserr.ErrMalformed},
		{"a malformed key", enc(1, uint16(id), 1, []key{{2, leafKey[:5]}}), mlserr.ErrMalformed},
		{"trailing bytes", enc(1, uint16(id), 1, good, 0), mlserr.ErrMalformed},
		{"truncated", enc(1, uint16(id), 1, good)[:20], mlserr.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tree.UnmarshalPrivateState(tc.data); !errors.Is(err, tc.class) {
				t.Fatalf("error %v, want %v", err, tc.class)
			}
		})
	}
}
