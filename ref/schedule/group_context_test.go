package schedule

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
)

func TestGroupContextEncoding(t *testing.T) {
	gc := &GroupContext{
		Version:                 MLS10,
		CipherSuite:             3,
		GroupID:                 []byte{0xaa, 0xbb},
		Epoch:                   0x0102030405060708,
		TreeHash:                []byte{0x01},
		ConfirmedTranscriptHash: []byte{},
		Extensions:              extension.List{{ExtensionType: extension.ExternalSenders, ExtensionData: []byte{0x09}}},
	}
	want := []byte{
		0x00, 0x01, // version mls10
		0x00, 0x03, // cipher_suite
		0x02, 0xaa, 0xbb, // group_id<V>
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // epoch
		0x01, 0x01, // tree_hash<V>
		0x00,                         // confirmed_transcript_hash<V>
		0x04, 0x00, 0x05, 0x01, 0x09, // extensions<V>
	}
	got, err := gc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Marshal = %x, want %x", got, want)
	}
	back, err := UnmarshalGroupContext(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(gc, back); diff != "" {
		t.Fatalf("decode mismatch (-want +got):\n%s", diff)
	}
	c := gc.Clone()
	c.GroupID[0] = 0
	c.Extensions[0].ExtensionData[0] = 0
	if gc.GroupID[0] != 0xaa || gc.Extensions[0].ExtensionData[0] != 0x09 {
		t.Fatal("Clone shares memory with the original")
	}
}

func TestGroupContextRejects(t *testing.T) {
	valid := []byte{0x00, 0x01, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00}
	if _, err := UnmarshalGroupContext(valid); err != nil {
		t.Fatalf("valid GroupContext rejected: %v", err)
	}
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, valid...)) }
	tests := []struct {
		name string
		in   []byte
		req  string
	}{
		{"reserved version 0", mod(func(b []byte) []byte { b[1] = 0; return b }), ""},
		{"unknown version 2", mod(func(b []byte) []byte { b[1] = 2; return b }), ""},
		{"unknown version 0x0101", mod(func(b []byte) []byte { b[0] = 1; return b }), ""},
		{"trailing byte", mod(func(b []byte) []byte { return append(b, 0) }), ""},
		{"truncated", valid[:len(valid)-1], ""},
		{"duplicate extension", mod(func(b []byte) []byte {
			return append(b[:len(b)-1], 0x06, 0x00, 0x02, 0x00, 0x00, 0x02, 0x00)
		}), "R-13.4-5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := UnmarshalGroupContext(tc.in)
			if !errors.Is(err, mlserr.ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
			if got := mlserr.RequirementOf(err); got != tc.req {
				t.Fatalf("requirement %q, want %q", got, tc.req)
			}
		})
	}
	// The reader stops at the bad version: nothing after it is read.
	var gc GroupContext
	r := codec.NewReader(mod(func(b []byte) []byte { b[1] = 7; return b }))
	gc.UnmarshalMLS(r)
	if r.Err() == nil || gc.GroupID != nil {
		t.Fatalf("decoding went on after a bad version: %+v", gc)
	}
}
