package schedule

import (
	"bytes"
	"math"
	"slices"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// secretTreeFormat is the version octet of the encoding below; it is
// mlsref's own, not part of RFC 9420.
const secretTreeFormat = 1

// MarshalBinary encodes the whole state of t deterministically: equal
// states give equal bytes, so a group state can be compared byte for byte
// before and after a rejected message (RFC 9420, Section 9.2 keeps what
// this state may hold). The layout, in the presentation language of
// Section 2.1, is mlsref's own:
//
//	struct {
//	    uint8 format = 1;
//	    CipherSuite cipher_suite;
//	    uint32 n_leaves;
//	    uint32 max_generation_gap;
//	    uint32 max_skipped_keys;
//	    NodeSecret nodes<V>;         /* increasing node index */
//	    LeafRatchets leaves<V>;      /* increasing leaf index */
//	} SecretTreeState;
//	struct { uint32 node; opaque secret<V>; } NodeSecret;
//	struct { uint32 leaf; Ratchet handshake; Ratchet application; } LeafRatchets;
//	struct {
//	    uint64 next_generation;      /* 2^32 once exhausted */
//	    optional<opaque secret<V>>;  /* absent once exhausted */
//	    SkippedKey skipped<V>;       /* increasing generation */
//	} Ratchet;
//	struct { uint32 generation; opaque key<V>; opaque nonce<V>; } SkippedKey;
func (t *SecretTree) MarshalBinary() ([]byte, error) {
	var w codec.Writer
	w.U8(secretTreeFormat)
	w.U16(uint16(t.suite.ID()))
	w.U32(t.nLeaves)
	w.U32(t.limits.MaxGenerationGap)
	w.U32(t.limits.MaxSkippedKeys)
	nodes := make([]treemath.NodeIndex, 0, len(t.nodes))
	for x := range t.nodes {
		nodes = append(nodes, x)
	}
	slices.Sort(nodes)
	w.Vector(func(w *codec.Writer) {
		for _, x := range nodes {
			w.U32(uint32(x))
			w.Opaque(t.nodes[x])
		}
	})
	leaves := make([]treemath.LeafIndex, 0, len(t.ratchets))
	for l := range t.ratchets {
		leaves = append(leaves, l)
	}
	slices.Sort(leaves)
	w.Vector(func(w *codec.Writer) {
		for _, l := range leaves {
			w.U32(uint32(l))
			for i := range t.ratchets[l] {
				r := &t.ratchets[l][i]
				w.U64(r.next)
				w.Optional(r.secret != nil, func(w *codec.Writer) { w.Opaque(r.secret) })
				gens := make([]uint32, 0, len(r.skipped))
				for g := range r.skipped {
					gens = append(gens, g)
				}
				slices.Sort(gens)
				w.Vector(func(w *codec.Writer) {
					for _, g := range gens {
						w.U32(g)
						w.Opaque(r.skipped[g].Key)
						w.Opaque(r.skipped[g].Nonce)
					}
				})
			}
		}
	})
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// Equal reports whether t and u hold the same state (RFC 9420, Section 9),
// that is whether their MarshalBinary encodings are equal.
func (t *SecretTree) Equal(u *SecretTree) bool {
	a, err1 := t.MarshalBinary()
	b, err2 := u.MarshalBinary()
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// UnmarshalSecretTree decodes a state written by MarshalBinary and checks
// it: a known cipher suite, secrets, keys and nonces of the suite's sizes,
// indices inside the tree, increasing order, skipped generations below
// their ratchet's position and within its limit, and stored node secrets
// and expanded leaves that together cover every leaf exactly once (RFC
// 9420, Section 9).
func UnmarshalSecretTree(data []byte) (*SecretTree, error) {
	r := codec.NewReader(data)
	if f := r.U8(); r.Err() == nil && f != secretTreeFormat {
		return nil, mlserr.New("", mlserr.ErrMalformed, "secret tree state format %d is not %d", f, secretTreeFormat)
	}
	id := ciphersuite.ID(r.U16())
	nLeaves := r.U32()
	limits := Limits{MaxGenerationGap: r.U32(), MaxSkippedKeys: r.U32()}
	if err := r.Err(); err != nil {
		return nil, err
	}
	suite, err := ciphersuite.Lookup(id)
	if err != nil {
		return nil, err
	}
	if err := checkLeafCount(nLeaves); err != nil {
		return nil, err
	}
	t := &SecretTree{
		suite:    suite,
		nLeaves:  nLeaves,
		limits:   limits,
		nodes:    map[treemath.NodeIndex][]byte{},
		ratchets: map[treemath.LeafIndex]*leafRatchets{},
	}
	bad := func(format string, args ...any) {
		r.Failf("", "secret tree state: "+format+" (RFC 9420, Section 9)", args...)
	}
	nh, nk, nn := suite.Nh(), suite.AEADKeySize(), suite.AEADNonceSize()
	type cover struct{ lo, hi uint64 }
	var covers []cover
	first, prev := true, uint64(0)
	r.Vector(func(r *codec.Reader) {
		x := treemath.NodeIndex(r.U32())
		s := r.OpaqueCopy()
		switch {
		case r.Err() != nil:
		case !first && uint64(x) <= prev:
			bad("node %d out of order", x)
		case !treemath.InTree(x, nLeaves):
			bad("node %d outside a tree of %d leaves", x, nLeaves)
		case len(s) != nh:
			bad("node %d secret of %d bytes, not %d", x, len(s), nh)
		default:
			t.nodes[x] = s
			half := uint64(1)<<treemath.Level(x) - 1
			covers = append(covers, cover{(uint64(x) - half) / 2, (uint64(x) + half) / 2})
		}
		first, prev = false, uint64(x)
	})
	first = true
	r.Vector(func(r *codec.Reader) {
		l := treemath.LeafIndex(r.U32())
		if r.Err() == nil && (uint32(l) >= nLeaves || (!first && uint64(l) <= prev)) {
			bad("leaf %d out of order or outside a tree of %d leaves", l, nLeaves)
			return
		}
		first, prev = false, uint64(l)
		var lr leafRatchets
		for i := range lr {
			h := &lr[i]
			h.next = r.U64()
			if r.Optional() {
				h.secret = r.OpaqueCopy()
			}
			gprev := int64(-1)
			r.Vector(func(r *codec.Reader) {
				g := r.U32()
				kn := KeyNonce{Generation: g, Key: r.OpaqueCopy(), Nonce: r.OpaqueCopy()}
				switch {
				case r.Err() != nil:
				case int64(g) <= gprev || uint64(g) >= h.next:
					bad("skipped generation %d of leaf %d out of order or not below %d", g, l, h.next)
				case len(kn.Key) != nk || len(kn.Nonce) != nn:
					bad("skipped key of leaf %d has the wrong size", l)
				default:
					if h.skipped == nil {
						h.skipped = map[uint32]KeyNonce{}
					}
					h.skipped[g] = kn
				}
				gprev = int64(g)
			})
			switch {
			case r.Err() != nil:
			case h.next > math.MaxUint32+1:
				bad("ratchet of leaf %d at generation %d beyond 2^32", l, h.next)
			case (h.secret == nil) != (h.next == math.MaxUint32+1):
				bad("ratchet of leaf %d at generation %d with a secret present=%v", l, h.next, h.secret != nil)
			case h.secret != nil && len(h.secret) != nh:
				bad("ratchet secret of leaf %d of %d bytes, not %d", l, len(h.secret), nh)
			case uint32(len(h.skipped)) > limits.MaxSkippedKeys:
				bad("leaf %d keeps %d skipped keys, more than the limit %d", l, len(h.skipped), limits.MaxSkippedKeys)
			}
		}
		if r.Err() == nil {
			t.ratchets[l] = &lr
			covers = append(covers, cover{uint64(l), uint64(l)})
		}
	})
	if err := r.Finish(); err != nil {
		return nil, err
	}
	slices.SortFunc(covers, func(a, b cover) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	next := uint64(0)
	for _, c := range covers {
		if c.lo != next {
			return nil, mlserr.New("", mlserr.ErrMalformed,
				"secret tree state: leaves from %d are covered twice or not at all (RFC 9420, Section 9)", min(c.lo, next))
		}
		next = c.hi + 1
	}
	if next != uint64(nLeaves) {
		return nil, mlserr.New("", mlserr.ErrMalformed,
			"secret tree state: leaves from %d have no secret (RFC 9420, Section 9)", next)
	}
	return t, nil
}
