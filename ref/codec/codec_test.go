package codec

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlsref/mlsref/ref/mlserr"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// decodeFunc adapts a function to Unmarshaler.
type decodeFunc func(r *Reader)

func (f decodeFunc) UnmarshalMLS(r *Reader) { f(r) }

// encodeFunc adapts a function to Marshaler.
type encodeFunc func(w *Writer)

func (f encodeFunc) MarshalMLS(w *Writer) { f(w) }

// TestVarintKnownValues decodes and encodes the examples of RFC 9420,
// Section 2.1.2 and the edges of each row of its Table 1, with the
// expected bytes written out by hand.
func TestVarintKnownValues(t *testing.T) {
	tests := []struct {
		name string
		enc  string
		v    uint64
	}{
		{"RFC example 4 bytes", "9d7f3e7d", 494878333},
		{"RFC example 2 bytes", "7bbd", 15293},
		{"RFC example 1 byte", "25", 37},
		{"zero", "00", 0},
		{"one", "01", 1},
		{"63 largest 1-byte", "3f", 63},
		{"64 smallest 2-byte", "4040", 64},
		{"16383 largest 2-byte", "7fff", 16383},
		{"16384 smallest 4-byte", "80004000", 16384},
		{"2^30-1 largest", "bfffffff", 1<<30 - 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := unhex(t, tc.enc)
			var got uint64
			if err := Decode(enc, decodeFunc(func(r *Reader) { got = r.Varint() })); err != nil {
				t.Fatalf("decode %s: %v", tc.enc, err)
			}
			if got != tc.v {
				t.Errorf("decode %s = %d, want %d", tc.enc, got, tc.v)
			}
			var w Writer
			w.Varint(tc.v)
			if w.Err() != nil {
				t.Fatalf("encode %d: %v", tc.v, w.Err())
			}
			if !bytes.Equal(w.Bytes(), enc) {
				t.Errorf("encode %d = %x, want %s", tc.v, w.Bytes(), tc.enc)
			}
		})
	}
}

// TestVectorLengthBoundaries encodes opaque vectors whose lengths sit at
// the edges of Table 1 of RFC 9420, Section 2.1.2 and decodes them back.
func TestVectorLengthBoundaries(t *testing.T) {
	tests := []struct {
		n      int
		header string
	}{
		{0, "00"}, {63, "3f"}, {64, "4040"}, {16383, "7fff"}, {16384, "80004000"}, {100000, "800186a0"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			body := bytes.Repeat([]byte{0xa5}, tc.n)
			var w Writer
			w.Opaque(body)
			want := append(unhex(t, tc.header), body...)
			if w.Err() != nil || !bytes.Equal(w.Bytes(), want) {
				t.Fatalf("Opaque(%d bytes): err %v, header %x, want header %s", tc.n, w.Err(), w.Bytes()[:min(4, len(w.Bytes()))], tc.header)
			}
			var got []byte
			if err := Decode(want, decodeFunc(func(r *Reader) { got = r.OpaqueCopy() })); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, body) {
				t.Errorf("decoded %d bytes, want %d", len(got), tc.n)
			}
		})
	}
	// The largest header, 2^30-1, is accepted as a header; the body it
	// announces is then missing.
	t.Run("2^30-1", func(t *testing.T) {
		var got []byte
		err := Decode(unhex(t, "bfffffff 0102"), decodeFunc(func(r *Reader) { got = r.Opaque() }))
		if !errors.Is(err, mlserr.ErrMalformed) {
			t.Fatalf("got %d bytes, err %v; want ErrMalformed", len(got), err)
		}
	})
}

// TestVarintTooLarge checks that lengths above 2^30-1 cannot be encoded and
// that the error names R-2.1.2-4 (RFC 9420, Section 2.1.2).
func TestVarintTooLarge(t *testing.T) {
	for _, v := range []uint64{1 << 30, 1<<30 + 1, 1 << 32, 1 << 62, math.MaxUint64} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			var w Writer
			w.Varint(v)
			err := w.Err()
			if !errors.Is(err, mlserr.ErrInvalidInput) || mlserr.RequirementOf(err) != "R-2.1.2-4" {
				t.Fatalf("Varint(%d): err %v; want ErrInvalidInput R-2.1.2-4", v, err)
			}
		})
	}
	// An error inside a nested vector reaches the outer Writer.
	var w Writer
	w.Vector(func(w *Writer) { w.Varint(1 << 30) })
	if mlserr.RequirementOf(w.Err()) != "R-2.1.2-4" {
		t.Errorf("nested Varint(2^30): outer err %v; want R-2.1.2-4", w.Err())
	}
	// The first error is kept.
	w = Writer{}
	w.Varint(1 << 31)
	first := w.Err()
	w.Varint(1 << 40)
	if w.Err() != first {
		t.Errorf("Writer error changed from %v to %v", first, w.Err())
	}
}

// TestBadInput decodes every class of bad input and checks the error's
// class and requirement ID.
func TestBadInput(t *testing.T) {
	u8 := func(r *Reader) { r.U8() }
	u16 := func(r *Reader) { r.U16() }
	u32 := func(r *Reader) { r.U32() }
	u64 := func(r *Reader) { r.U64() }
	varint := func(r *Reader) { r.Varint() }
	opaque := func(r *Reader) { r.Opaque() }
	optional := func(r *Reader) {
		if r.Optional() {
			r.U8()
		}
	}
	vecU16 := func(r *Reader) { r.Vector(func(r *Reader) { r.U16() }) }
	tests := []struct {
		name string
		in   string
		dec  func(r *Reader)
		req  string // expected requirement ID, "" for the presentation language itself
	}{
		{"uint8 empty", "", u8, ""},
		{"uint16 empty", "", u16, ""},
		{"uint16 1 byte", "01", u16, ""},
		{"uint32 empty", "", u32, ""},
		{"uint32 3 bytes", "010203", u32, ""},
		{"uint64 empty", "", u64, ""},
		{"uint64 4 bytes", "01020304", u64, ""},
		{"uint64 7 bytes", "01020304050607", u64, ""},
		{"varint empty", "", varint, ""},
		{"varint 2-byte truncated", "40", varint, ""},
		{"varint 4-byte truncated to 1", "80", varint, ""},
		{"varint 4-byte truncated to 3", "800040", varint, ""},
		// [R-2.1.2-3]
		{"prefix 0b11 single byte", "c0", varint, "R-2.1.2-3"},
		{"prefix 0b11 all ones", "ffffffffffffffff", varint, "R-2.1.2-3"},
		{"prefix 0b11 in opaque", "c000000000000005 0102030405", opaque, "R-2.1.2-3"},
		{"prefix 0b11 in vector", "c1 0001", vecU16, "R-2.1.2-3"},
		// [R-2.1.2-2]
		{"non-minimal 2-byte 0", "4000", varint, "R-2.1.2-2"},
		{"non-minimal 2-byte 37", "4025", varint, "R-2.1.2-2"},
		{"non-minimal 2-byte 63", "403f", varint, "R-2.1.2-2"},
		{"non-minimal 4-byte 0", "80000000", varint, "R-2.1.2-2"},
		{"non-minimal 4-byte 63", "8000003f", varint, "R-2.1.2-2"},
		{"non-minimal 4-byte 64", "80000040", varint, "R-2.1.2-2"},
		{"non-minimal 4-byte 16383", "80003fff", varint, "R-2.1.2-2"},
		{"non-minimal header of opaque", "4001 aa", opaque, "R-2.1.2-2"},
		// [R-2.1.1-1]
		{"presence octet 2", "02 00", optional, "R-2.1.1-1"},
		{"presence octet 0xff", "ff 00", optional, "R-2.1.1-1"},
		{"presence octet 0x80", "80", optional, "R-2.1.1-1"},
		{"presence octet missing", "", optional, ""},
		{"optional value missing", "01", optional, ""},
		// A header announcing more bytes than are left is the overflow
		// that Section 2.1.2 asks to report clearly.
		// [R-2.1.2-4]
		{"vector body truncated", "05 01020304", opaque, "R-2.1.2-4"},
		{"vector body absent", "01", opaque, "R-2.1.2-4"},
		{"vector 2-byte length truncated body", "4040 00", opaque, "R-2.1.2-4"},
		{"vector 4-byte length truncated body", "80004000 00", vecU16, "R-2.1.2-4"},
		{"vector element past vector end", "03 0001 02 03", vecU16, ""},
		{"vector element past vector end, nothing after", "01 00", vecU16, ""},
		{"vector element consumes nothing", "01 00", func(r *Reader) { r.Vector(func(*Reader) {}) }, ""},
		{"trailing byte", "00 00", u8, ""},
		{"trailing bytes after vector", "01 aa bb", opaque, ""},
		{"trailing bytes after varint", "4040 00", varint, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Decode(unhex(t, tc.in), decodeFunc(tc.dec))
			if !errors.Is(err, mlserr.ErrMalformed) {
				t.Fatalf("Decode(%s): err %v; want ErrMalformed", tc.in, err)
			}
			if got := mlserr.RequirementOf(err); got != tc.req {
				t.Errorf("Decode(%s): requirement %q, want %q (err %v)", tc.in, got, tc.req, err)
			}
			if !strings.HasPrefix(err.Error(), "mls: ") {
				t.Errorf("error %q does not start with \"mls: \"", err)
			}
		})
	}
}

// TestStickyError checks that after the first error every read returns a
// zero value and the first error is kept.
func TestStickyError(t *testing.T) {
	r := NewReader(unhex(t, "c0 01 02 03 04 05 06 07 08"))
	if v := r.Varint(); v != 0 || r.Err() == nil {
		t.Fatalf("Varint = %d, err %v", v, r.Err())
	}
	first := r.Err()
	got := []uint64{uint64(r.U8()), uint64(r.U16()), uint64(r.U32()), r.U64(), r.Varint()}
	if diff := cmp.Diff([]uint64{0, 0, 0, 0, 0}, got); diff != "" {
		t.Errorf("reads after an error (-want +got):\n%s", diff)
	}
	if r.Opaque() != nil || r.OpaqueCopy() != nil || r.Raw(1) != nil || r.Optional() {
		t.Error("reads after an error returned data")
	}
	called := false
	r.Vector(func(*Reader) { called = true })
	if called {
		t.Error("Vector called its element decoder after an error")
	}
	r.Failf("R-2.1.1-1", "later")
	if r.Err() != first || r.Finish() != first {
		t.Errorf("error changed from %v to %v", first, r.Err())
	}
}

// TestFixedWidth checks the network byte order of the fixed-width integers
// against hand-written bytes.
func TestFixedWidth(t *testing.T) {
	in := unhex(t, "01 0203 04050607 08090a0b0c0d0e0f")
	var a uint8
	var b uint16
	var c uint32
	var d uint64
	if err := Decode(in, decodeFunc(func(r *Reader) { a, b, c, d = r.U8(), r.U16(), r.U32(), r.U64() })); err != nil {
		t.Fatal(err)
	}
	if a != 1 || b != 0x0203 || c != 0x04050607 || d != 0x08090a0b0c0d0e0f {
		t.Errorf("got %x %x %x %x", a, b, c, d)
	}
	out := Encode(encodeFunc(func(w *Writer) { w.U8(a); w.U16(b); w.U32(c); w.U64(d) }))
	if !bytes.Equal(out, in) {
		t.Errorf("encode = %x, want %x", out, in)
	}
}

// sample is a struct using every construct of RFC 9420, Section 2.1:
//
//	struct {
//	    uint8 a; uint16 b; uint32 c; uint64 d;
//	    opaque data<V>;
//	    uint16 list<V>;
//	    optional<uint32> opt;
//	    opaque nested<V><V>;
//	} Sample;
type sample struct {
	A      uint8
	B      uint16
	C      uint32
	D      uint64
	Data   []byte
	List   []uint16
	Opt    *uint32
	Nested [][]byte
}

func (s *sample) MarshalMLS(w *Writer) {
	w.U8(s.A)
	w.U16(s.B)
	w.U32(s.C)
	w.U64(s.D)
	w.Opaque(s.Data)
	w.Vector(func(w *Writer) {
		for _, v := range s.List {
			w.U16(v)
		}
	})
	w.Optional(s.Opt != nil, func(w *Writer) { w.U32(*s.Opt) })
	w.Vector(func(w *Writer) {
		for _, v := range s.Nested {
			w.Opaque(v)
		}
	})
}

func (s *sample) UnmarshalMLS(r *Reader) {
	s.A, s.B, s.C, s.D = r.U8(), r.U16(), r.U32(), r.U64()
	s.Data = r.OpaqueCopy()
	r.Vector(func(r *Reader) { s.List = append(s.List, r.U16()) })
	if r.Optional() {
		v := r.U32()
		s.Opt = &v
	}
	r.Vector(func(r *Reader) { s.Nested = append(s.Nested, r.OpaqueCopy()) })
}

func randomSample(rng *rand.Rand) *sample {
	randBytes := func() []byte {
		// Lengths cluster around the varint boundaries.
		sizes := []int{0, 1, 62, 63, 64, 65, 200}
		n := sizes[rng.IntN(len(sizes))] + rng.IntN(3)
		if rng.IntN(20) == 0 {
			n = 16382 + rng.IntN(4)
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	s := &sample{A: uint8(rng.Uint32()), B: uint16(rng.Uint32()), C: rng.Uint32(), D: rng.Uint64(), Data: randBytes()}
	for range rng.IntN(40) {
		s.List = append(s.List, uint16(rng.Uint32()))
	}
	if rng.IntN(2) == 0 {
		v := rng.Uint32()
		s.Opt = &v
	}
	for range rng.IntN(4) {
		s.Nested = append(s.Nested, randBytes())
	}
	return s
}

// TestRoundTrip checks both directions of the property of Section 2.1
// that strict decoding buys: a value survives encode then decode, and
// whatever bytes decode re-encode to exactly those bytes. The second half
// feeds mutated encodings (flipped, dropped and inserted bytes), most of
// which must fail, and checks every one that decodes.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	decoded := 0
	for i := range 300 {
		s := randomSample(rng)
		enc := Encode(s)
		var got sample
		if err := Decode(enc, &got); err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		if diff := cmp.Diff(s, &got, cmp.Comparer(bytes.Equal)); diff != "" {
			t.Fatalf("sample %d (-want +got):\n%s", i, diff)
		}
		for range 20 {
			m := bytes.Clone(enc)
			switch p := rng.IntN(len(m)); rng.IntN(3) {
			case 0:
				m[p] ^= byte(1 << rng.IntN(8))
			case 1:
				m = append(m[:p], m[p+1:]...)
			default:
				m = append(m[:p], append([]byte{byte(rng.Uint32())}, m[p:]...)...)
			}
			var d sample
			if err := Decode(m, &d); err != nil {
				if !errors.Is(err, mlserr.ErrMalformed) {
					t.Fatalf("mutant of sample %d: error %v is not ErrMalformed", i, err)
				}
				continue
			}
			decoded++
			if re := Encode(&d); !bytes.Equal(re, m) {
				t.Fatalf("mutant of sample %d decodes but re-encodes differently:\n in  %x\n out %x", i, m, re)
			}
		}
	}
	t.Logf("%d mutants decoded and re-encoded identically", decoded)
}

// TestVarintAllTwoByteInputs decodes every two-byte input as one
// variable-size length and checks the outcome the table of RFC 9420,
// Section 2.1.2 prescribes for it.
func TestVarintAllTwoByteInputs(t *testing.T) {
	for i := range 1 << 16 {
		in := []byte{byte(i >> 8), byte(i)}
		var v uint64
		err := Decode(in, decodeFunc(func(r *Reader) { v = r.Varint() }))
		value := uint64(i & 0x3fff)
		var wantReq string
		wantOK := false
		switch in[0] >> 6 {
		case 0: // one-byte length, one trailing byte
		case 1:
			wantOK = value >= 64
			if !wantOK {
				wantReq = "R-2.1.2-2"
			}
		case 2: // four-byte length, truncated
		case 3:
			wantReq = "R-2.1.2-3"
		}
		switch {
		case wantOK && (err != nil || v != value):
			t.Fatalf("%x: got %d, %v; want %d", in, v, err, value)
		case !wantOK && (!errors.Is(err, mlserr.ErrMalformed) || mlserr.RequirementOf(err) != wantReq):
			t.Fatalf("%x: got %d, %v; want ErrMalformed with requirement %q", in, v, err, wantReq)
		case wantOK:
			var w Writer
			w.Varint(v)
			if !bytes.Equal(w.Bytes(), in) {
				t.Fatalf("%x decodes to %d, which encodes to %x", in, v, w.Bytes())
			}
		}
	}
}
