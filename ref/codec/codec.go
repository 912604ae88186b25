// Package codec implements the presentation language of RFC 9420, Section
// 2.1: fixed-width unsigned integers, vectors with the variable-size length
// header of Section 2.1.2, and optional<T> of Section 2.1.1.
//
// Encoding goes through a Writer, decoding through a Reader. A Reader keeps
// the first error it meets and turns every later read into a no-op, so a
// decoder reads like the struct it decodes and checks Err once. Decoding is
// strict: non-minimal lengths, the reserved 0b11 prefix, presence octets
// other than 0 and 1, truncation and trailing bytes are all rejected, so
// whatever decodes re-encodes to the same bytes.
package codec

import (
	"fmt"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// MaxVectorLength is the largest length a variable-size vector header can
// carry (RFC 9420, Section 2.1.2): 2^30 - 1.
const MaxVectorLength = 1<<30 - 1

// Marshaler is a wire struct that can encode itself.
type Marshaler interface {
	MarshalMLS(w *Writer)
}

// Unmarshaler is a wire struct that can decode itself from a Reader.
type Unmarshaler interface {
	UnmarshalMLS(r *Reader)
}

// Encode returns the encoding of m (RFC 9420, Section 2.1).
func Encode(m Marshaler) []byte {
	var w Writer
	m.MarshalMLS(&w)
	return w.Bytes()
}

// Decode decodes exactly all of b into u (RFC 9420, Section 2.1): trailing
// bytes are an error.
func Decode(b []byte, u Unmarshaler) error {
	r := NewReader(b)
	u.UnmarshalMLS(r)
	return r.Finish()
}

// Writer accumulates an encoding (RFC 9420, Section 2.1).
type Writer struct {
	buf []byte
	err error
}

// Bytes returns the encoding written so far.
func (w *Writer) Bytes() []byte { return w.buf }

// Err reports a vector that was too long to encode (RFC 9420, Section
// 2.1.2); Bytes is meaningless when it is set.
func (w *Writer) Err() error { return w.err }

// U8 writes a uint8.
func (w *Writer) U8(v uint8) { w.buf = append(w.buf, v) }

// U16 writes a uint16 in network byte order.
func (w *Writer) U16(v uint16) { w.buf = append(w.buf, byte(v>>8), byte(v)) }

// U32 writes a uint32 in network byte order.
func (w *Writer) U32(v uint32) {
	w.buf = append(w.buf, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// U64 writes a uint64 in network byte order.
func (w *Writer) U64(v uint64) {
	w.U32(uint32(v >> 32))
	w.U32(uint32(v))
}

// Raw writes b with no length header (a fixed-size opaque field).
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// Varint writes v as a variable-size length in its minimal encoding (RFC
// 9420, Section 2.1.2).
func (w *Writer) Varint(v uint64) {
	// [R-2.1.2-1]
	switch {
	case v < 1<<6:
		w.U8(uint8(v))
	case v < 1<<14:
		w.U16(uint16(v) | 0x4000)
	case v <= MaxVectorLength:
		w.U32(uint32(v) | 0x80000000)
	default:
		if w.err == nil {
			// [R-2.1.2-4]
			w.err = mlserr.New("R-2.1.2-4", mlserr.ErrInvalidInput, "vector of %d bytes exceeds the 2^30-1 limit of a variable-size length header", v)
		}
		w.U8(0)
	}
}

// Opaque writes opaque data<V>: a variable-size length then the bytes.
func (w *Writer) Opaque(b []byte) {
	w.Varint(uint64(len(b)))
	w.Raw(b)
}

// Vector writes a vector<V> whose elements f writes: the variable-size
// length of what f wrote, then those bytes.
func (w *Writer) Vector(f func(w *Writer)) {
	var sub Writer
	f(&sub)
	if sub.err != nil && w.err == nil {
		w.err = sub.err
	}
	w.Opaque(sub.buf)
}

// Optional writes optional<T> (RFC 9420, Section 2.1.1): a presence octet,
// then the value that f writes if present.
func (w *Writer) Optional(present bool, f func(w *Writer)) {
	if !present {
		w.U8(0)
		return
	}
	w.U8(1)
	f(w)
}

// Reader decodes an encoding (RFC 9420, Section 2.1). The first error is
// kept; reads after it return zero values.
type Reader struct {
	b   []byte
	off int // offset of b[0] in the outermost input, for error messages
	err error
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Empty reports whether every byte has been read.
func (r *Reader) Empty() bool { return len(r.b) == 0 }

// Len returns the number of bytes left.
func (r *Reader) Len() int { return len(r.b) }

// Fail records err as the Reader's error unless one is already recorded.
// Struct decoders use it to reject unknown enum values and broken rules.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

// Failf records a malformed-input error under requirement req ("" when the
// rule is the presentation language itself).
func (r *Reader) Failf(req, format string, args ...any) {
	r.Fail(mlserr.New(req, mlserr.ErrMalformed, "%s (at byte %d)", fmt.Sprintf(format, args...), r.off))
}

// Finish checks that no bytes are left and returns the Reader's error.
func (r *Reader) Finish() error {
	if r.err == nil && len(r.b) != 0 {
		r.Failf("", "%d trailing bytes after the encoded struct (RFC 9420, Section 2.1)", len(r.b))
	}
	return r.err
}

func (r *Reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.Failf("", "truncated %s: need %d bytes, have %d (RFC 9420, Section 2.1)", what, n, len(r.b))
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	r.off += n
	return out
}

// U8 reads a uint8.
func (r *Reader) U8() uint8 {
	b := r.take(1, "uint8")
	if b == nil {
		return 0
	}
	return b[0]
}

// U16 reads a uint16.
func (r *Reader) U16() uint16 {
	b := r.take(2, "uint16")
	if b == nil {
		return 0
	}
	return uint16(b[0])<<8 | uint16(b[1])
}

// U32 reads a uint32.
func (r *Reader) U32() uint32 {
	b := r.take(4, "uint32")
	if b == nil {
		return 0
	}
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// U64 reads a uint64.
func (r *Reader) U64() uint64 {
	hi := r.U32()
	lo := r.U32()
	return uint64(hi)<<32 | uint64(lo)
}

// Raw reads n bytes with no length header. The result aliases the input.
func (r *Reader) Raw(n int) []byte { return r.take(n, "fixed-size field") }

// Varint reads a variable-size length (RFC 9420, Section 2.1.2), rejecting
// the reserved prefix and non-minimal encodings.
func (r *Reader) Varint() uint64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.Failf("", "truncated variable-size length: no bytes left (RFC 9420, Section 2.1.2)")
		return 0
	}
	prefix := r.b[0] >> 6
	if prefix == 3 {
		// [R-2.1.2-3]
		r.Failf("R-2.1.2-3", "variable-size length header with the reserved prefix 0b11")
		return 0
	}
	n := 1 << prefix
	start := r.off
	b := r.take(n, "variable-size length")
	if b == nil {
		return 0
	}
	v := uint64(b[0] & 0x3f)
	for _, c := range b[1:] {
		v = v<<8 | uint64(c)
	}
	// [R-2.1.2-2]
	if prefix >= 1 && v < 1<<(8*(n/2)-2) {
		r.off = start
		r.Failf("R-2.1.2-2", "variable-size length %d is not minimally encoded in %d bytes", v, n)
		return 0
	}
	return v
}

// Opaque reads opaque data<V>. The result aliases the input; callers that
// keep it beyond the input's lifetime copy it.
func (r *Reader) Opaque() []byte {
	n := r.Varint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.Failf("R-2.1.2-4", "vector length %d exceeds the %d bytes left", n, len(r.b))
		return nil
	}
	return r.take(int(n), "vector")
}

// OpaqueCopy reads opaque data<V> into a fresh slice (never nil on success).
func (r *Reader) OpaqueCopy() []byte {
	b := r.Opaque()
	if r.err != nil {
		return nil
	}
	return append([]byte{}, b...)
}

// Vector reads a vector<V> and calls f for each element until the vector's
// bytes are used up. f reads one element from the sub-reader it is given;
// an element that runs past the vector's end is an error.
func (r *Reader) Vector(f func(r *Reader)) {
	body := r.Opaque()
	if r.err != nil {
		return
	}
	sub := &Reader{b: body, off: r.off - len(body)}
	for len(sub.b) > 0 && sub.err == nil {
		before := len(sub.b)
		f(sub)
		if sub.err == nil && len(sub.b) == before {
			sub.Failf("", "vector element decoder consumed no bytes")
		}
	}
	if sub.err != nil {
		r.Fail(sub.err)
	}
}

// Optional reads the presence octet of optional<T> (RFC 9420, Section
// 2.1.1) and reports whether a value follows.
func (r *Reader) Optional() bool {
	switch p := r.U8(); {
	case r.err != nil:
		return false
	case p == 0:
		return false
	case p == 1:
		return true
	default:
		// [R-2.1.1-1]
		r.off--
		r.Failf("R-2.1.1-1", "optional<T> presence octet is %d, not 0 or 1", p)
		return false
	}
}
