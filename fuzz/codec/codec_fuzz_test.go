package codec

import (
	"bytes"
	"errors"
	"testing"

	mls "github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

type decodeFunc func(r *mls.Reader)

func (f decodeFunc) UnmarshalMLS(r *mls.Reader) { f(r) }

// FuzzVarint decodes data as variable-size lengths (RFC 9420, Section
// 2.1.2) until it fails or runs out, and encodes v. Every length that
// decodes must re-encode to the bytes it came from; every v up to 2^30-1
// must encode and decode back to itself, and every larger v must fail to
// encode with R-2.1.2-4.
func FuzzVarint(f *testing.F) {
	for _, s := range []string{"", "\x00", "\x25", "\x3f", "\x40\x40", "\x7b\xbd", "\x9d\x7f\x3e\x7d", "\xbf\xff\xff\xff", "\xc0", "\x40\x3f", "\x80\x00\x3f\xff", "\x80\x00\x40"} {
		f.Add([]byte(s), uint64(len(s))*1000003)
	}
	f.Add([]byte{}, uint64(1<<30))
	f.Fuzz(func(t *testing.T, data []byte, v uint64) {
		r := mls.NewReader(data)
		for !r.Empty() {
			before := r.Len()
			n := r.Varint()
			if r.Err() != nil {
				if !errors.Is(r.Err(), mlserr.ErrMalformed) {
					t.Fatalf("%x: error %v is not ErrMalformed", data, r.Err())
				}
				break
			}
			if n > mls.MaxVectorLength {
				t.Fatalf("%x: decoded %d > 2^30-1", data, n)
			}
			in := data[len(data)-before : len(data)-r.Len()]
			var w mls.Writer
			w.Varint(n)
			if w.Err() != nil || !bytes.Equal(w.Bytes(), in) {
				t.Fatalf("%x decodes to %d, which encodes to %x (err %v)", in, n, w.Bytes(), w.Err())
			}
		}

		var w mls.Writer
		w.Varint(v)
		if v > mls.MaxVectorLength {
			if mlserr.RequirementOf(w.Err()) != "R-2.1.2-4" {
				t.Fatalf("Varint(%d): err %v, want R-2.1.2-4", v, w.Err())
			}
			return
		}
		var got uint64
		if err := mls.Decode(w.Bytes(), decodeFunc(func(r *mls.Reader) { got = r.Varint() })); err != nil || got != v {
			t.Fatalf("Varint(%d) = %x, which decodes to %d, %v", v, w.Bytes(), got, err)
		}
	})
}

// node is a generic value of the presentation language, for the fuzzer to
// decode from any bytes with the grammar
//
//	struct {
//	    uint8 tag;
//	    select (tag % 4) {
//	        case 0: opaque data<V>;
//	        case 1: Node children<V>;
//	        case 2: optional<Node> child;
//	        case 3: uint16 a; uint32 b; uint64 c;
//	    };
//	} Node;
//
// so that vectors nest inside vectors and optional values inside both.
type node struct {
	tag      uint8
	data     []byte
	children []*node
	child    *node
	a        uint16
	b        uint32
	c        uint64
}

// maxDepth bounds the nesting, as every decoder of mlsref bounds it.
const maxDepth = 64

func decodeNode(r *mls.Reader, depth int) *node {
	if depth > maxDepth {
		r.Failf("", "nesting deeper than %d", maxDepth)
		return nil
	}
	n := &node{tag: r.U8()}
	switch n.tag % 4 {
	case 0:
		n.data = r.Opaque()
	case 1:
		r.Vector(func(r *mls.Reader) { n.children = append(n.children, decodeNode(r, depth+1)) })
	case 2:
		if r.Optional() {
			n.child = decodeNode(r, depth+1)
		}
	case 3:
		n.a, n.b, n.c = r.U16(), r.U32(), r.U64()
	}
	return n
}

func encodeNode(w *mls.Writer, n *node) {
	w.U8(n.tag)
	switch n.tag % 4 {
	case 0:
		w.Opaque(n.data)
	case 1:
		w.Vector(func(w *mls.Writer) {
			for _, c := range n.children {
				encodeNode(w, c)
			}
		})
	case 2:
		w.Optional(n.child != nil, func(w *mls.Writer) { encodeNode(w, n.child) })
	case 3:
		w.U16(n.a)
		w.U32(n.b)
		w.U64(n.c)
	}
}

// FuzzVector decodes data strictly as one node and checks that it never
// panics, that failures are ErrMalformed, and that a node that decodes
// re-encodes to exactly data (RFC 9420, Section 2.1).
func FuzzVector(f *testing.F) {
	for _, s := range []string{
		"\x00\x00",                 // empty opaque
		"\x00\x03abc",              // opaque
		"\x01\x04\x00\x00\x00\x01", // two nodes in a vector
		"\x01\x0a\x02\x01\x00\x01a\x03\x00\x00\x00\x00", // vector with an optional
		"\x02\x00",             // absent optional
		"\x02\x02\x00",         // bad presence octet
		"\x01\x40\x02\x00\x00", // non-minimal length
		"\x01\xc0\x00",         // reserved prefix
		"\x01\x02\x03\x00",     // element past vector end
		"\x03\x00\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x03",
		"\x00\x00\x00", // trailing byte
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var n *node
		err := mls.Decode(data, decodeFunc(func(r *mls.Reader) { n = decodeNode(r, 0) }))
		if err != nil {
			if !errors.Is(err, mlserr.ErrMalformed) {
				t.Fatalf("%x: error %v is not ErrMalformed", data, err)
			}
			return
		}
		var w mls.Writer
		encodeNode(&w, n)
		if w.Err() != nil || !bytes.Equal(w.Bytes(), data) {
			t.Fatalf("decodes but re-encodes differently (err %v):\n in  %x\n out %x", w.Err(), data, w.Bytes())
		}
	})
}
