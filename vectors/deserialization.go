package vectors

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/mlsref/mlsref/ref/codec"
)

// deserializationCase is one case of deserialization.json: a
// variable-size vector length header (RFC 9420, Section 2.1.2) and the
// length it carries.
type deserializationCase struct {
	VlbytesHeader HexBytes `json:"vlbytes_header"`
	Length        uint64   `json:"length"`
}

func init() {
	Register(&Kind{
		Name:     "deserialization",
		Files:    []string{"deserialization.json"},
		Verify:   verifyDeserialization,
		Generate: generateDeserialization,
	})
}

func verifyDeserialization(data []byte, rep *Report) error {
	cases, err := decodeCases[deserializationCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkDeserialization(c, &tc) })
	}
	return nil
}

// varintDecoder decodes exactly one variable-size length.
type varintDecoder struct{ v uint64 }

func (d *varintDecoder) UnmarshalMLS(r *codec.Reader) { d.v = r.Varint() }

// checkDeserialization checks both directions: the header, read strictly
// (minimal, no reserved prefix, no trailing bytes), gives length; and
// length encodes to exactly the header.
func checkDeserialization(c *Checker, tc *deserializationCase) {
	var d varintDecoder
	if c.NoErr("decoding vlbytes_header", codec.Decode(tc.VlbytesHeader, &d)) {
		Equal(c, "length (decoded from vlbytes_header)", d.v, tc.Length)
	}
	var w codec.Writer
	w.Varint(tc.Length)
	if c.NoErr("encoding length", w.Err()) {
		c.Bytes("vlbytes_header (encoded from length)", w.Bytes(), tc.VlbytesHeader)
	}
}

// generateDeserialization returns cases for the edges of every row of
// Table 1 of RFC 9420, Section 2.1.2, its three examples, and four values
// drawn from rand in each of the 1-, 2- and 4-byte ranges, every header
// encoded with ref/codec. suite is ignored.
func generateDeserialization(_ uint16, rand io.Reader) (any, error) {
	lengths := []uint64{
		0, 1, 37, 62, 63, // 1 byte
		64, 65, 15293, 16382, 16383, // 2 bytes
		16384, 16385, 494878333, codec.MaxVectorLength - 1, codec.MaxVectorLength, // 4 bytes
	}
	ranges := []struct{ lo, hi uint64 }{{0, 63}, {64, 16383}, {16384, codec.MaxVectorLength}}
	var b [4]byte
	for _, rg := range ranges {
		for range 4 {
			if _, err := io.ReadFull(rand, b[:]); err != nil {
				return nil, fmt.Errorf("deserialization: reading randomness: %w", err)
			}
			lengths = append(lengths, rg.lo+uint64(binary.BigEndian.Uint32(b[:]))%(rg.hi-rg.lo+1))
		}
	}
	cases := make([]deserializationCase, 0, len(lengths))
	for _, n := range lengths {
		var w codec.Writer
		w.Varint(n)
		if err := w.Err(); err != nil {
			return nil, err
		}
		cases = append(cases, deserializationCase{VlbytesHeader: w.Bytes(), Length: n})
	}
	return cases, nil
}
