package schedule

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

func TestPreSharedKeyIDEncoding(t *testing.T) {
	tests := []struct {
		name string
		id   PreSharedKeyID
		wire []byte
	}{
		{"external", PreSharedKeyID{PSKType: PSKTypeExternal, PSKID: []byte{0xa1, 0xa2}, PSKNonce: []byte{0xb1}},
			[]byte{0x01, 0x02, 0xa1, 0xa2, 0x01, 0xb1}},
		{"resumption", PreSharedKeyID{PSKType: PSKTypeResumption, Usage: UsageBranch, PSKGroupID: []byte{0xc1},
			PSKEpoch: 0x0102, PSKNonce: []byte{}},
			[]byte{0x02, 0x03, 0x01, 0xc1, 0, 0, 0, 0, 0, 0, 0x01, 0x02, 0x00}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.id.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := codec.Encode(&tc.id); !bytes.Equal(got, tc.wire) {
				t.Fatalf("encode = %x, want %x", got, tc.wire)
			}
			var back PreSharedKeyID
			if err := codec.Decode(tc.wire, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.id, back); diff != "" {
				t.Fatalf("decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPreSharedKeyIDRejects(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
	}{
		{"psktype reserved(0)", []byte{0x00, 0x00}},
		{"psktype 3", []byte{0x03, 0x00, 0x00}},
		{"psktype 255", []byte{0xff, 0x00}},
		{"usage reserved(0)", []byte{0x02, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00}},
		{"usage 4", []byte{0x02, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00}},
		{"truncated nonce", []byte{0x01, 0x00, 0x02, 0xaa}},
		{"trailing", []byte{0x01, 0x00, 0x00, 0x00}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var id PreSharedKeyID
			if err := codec.Decode(tc.wire, &id); !errors.Is(err, mlserr.ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
	bad := []PreSharedKeyID{
		{PSKType: 0},
		{PSKType: 3},
		{PSKType: PSKTypeResumption, Usage: 0},
		{PSKType: PSKTypeResumption, Usage: 4},
		{PSKType: PSKTypeResumption, Usage: UsageApplication, PSKID: []byte{1}},
		{PSKType: PSKTypeExternal, PSKEpoch: 1},
	}
	for _, id := range bad {
		if err := id.Validate(); !errors.Is(err, mlserr.ErrInvalidInput) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidInput", id, err)
		}
		if _, err := PSKSecret(suite1(t), []PSK{{ID: id, Secret: []byte{1}}}); !errors.Is(err, mlserr.ErrInvalidInput) {
			t.Errorf("PSKSecret with %+v = %v, want ErrInvalidInput", id, err)
		}
	}
}

// TestPSKSecret evaluates the chain of RFC 9420, Section 8.4 with the
// standard library's HKDF.
func TestPSKSecret(t *testing.T) {
	s := suite1(t)
	zero32 := make([]byte, 32)
	got, err := PSKSecret(s, nil)
	if err != nil || !bytes.Equal(got, zero32) {
		t.Fatalf("psk_secret of no PSKs = %x, %v; want 32 zero bytes", got, err)
	}
	psks := []PSK{
		{ID: PreSharedKeyID{PSKType: PSKTypeExternal, PSKID: []byte("id0"), PSKNonce: seq(32, 0)}, Secret: seq(32, 0x40)},
		{ID: PreSharedKeyID{PSKType: PSKTypeResumption, Usage: UsageReinit, PSKGroupID: []byte("g"), PSKEpoch: 9, PSKNonce: seq(32, 0x80)}, Secret: seq(32, 0x60)},
	}
	secret := zero32
	for i, p := range psks {
		label := append(codec.Encode(&psks[i].ID), 0, byte(i), 0, byte(len(psks)))
		extracted := refExtract(t, zero32, p.Secret)
		var input []byte
		if len(label) < 64 {
			input = refExpandWithLabel(t, extracted, "derived psk", label, 32)
		} else {
			input = refExpandLong(t, extracted, "derived psk", label, 32)
		}
		secret = refExtract(t, input, secret)
	}
	got, err = PSKSecret(s, psks)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("psk_secret = %x, %v; want %x", got, err, secret)
	}
	// Order matters (Section 8.4: the same PSKs in the same order).
	swapped, _ := PSKSecret(s, []PSK{psks[1], psks[0]})
	if bytes.Equal(swapped, got) {
		t.Fatal("psk_secret does not depend on the order of the PSKs")
	}
}
