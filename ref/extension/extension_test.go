package extension

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

func TestListRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		list List
		wire []byte
	}{
		{"empty", List{}, []byte{0x00}},
		{"one", List{{ExtensionType: ExternalPub, ExtensionData: []byte{0xaa, 0xbb}}},
			[]byte{0x05, 0x00, 0x04, 0x02, 0xaa, 0xbb}},
		{"unknown and grease types kept", List{
			{ExtensionType: 0xff00, ExtensionData: []byte{}},
			{ExtensionType: 0x0a0a, ExtensionData: []byte{1}},
		}, []byte{0x07, 0xff, 0x00, 0x00, 0x0a, 0x0a, 0x01, 0x01}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := codec.Encode(tc.list)
			if !bytes.Equal(got, tc.wire) {
				t.Fatalf("encode: got %x, want %x", got, tc.wire)
			}
			var back List
			if err := codec.Decode(tc.wire, &back); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tc.list, back); diff != "" {
				t.Fatalf("decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListRejects(t *testing.T) {
	tests := []struct {
		name  string
		wire  []byte
		req   string
		class error
	}{
		{"duplicate type", []byte{0x06, 0x00, 0x02, 0x00, 0x00, 0x02, 0x00}, "R-13.4-5", mlserr.ErrMalformed},
		{"element runs past vector", []byte{0x03, 0x00, 0x02, 0x01}, "R-2.1.2-4", mlserr.ErrMalformed},
		{"truncated", []byte{0x05, 0x00, 0x01}, "R-2.1.2-4", mlserr.ErrMalformed},
		{"trailing", []byte{0x00, 0x00}, "", mlserr.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l List
			err := codec.Decode(tc.wire, &l)
			if !errors.Is(err, tc.class) {
				t.Fatalf("got %v, want class %v", err, tc.class)
			}
			if got := mlserr.RequirementOf(err); got != tc.req {
				t.Fatalf("requirement %q, want %q (%v)", got, tc.req, err)
			}
		})
	}
}

func TestValidateAndFind(t *testing.T) {
	l := List{{ExtensionType: ApplicationID, ExtensionData: []byte("a")}, {ExtensionType: RatchetTree}}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if e, ok := l.Find(ApplicationID); !ok || string(e.ExtensionData) != "a" {
		t.Fatalf("Find(application_id) = %v, %v", e, ok)
	}
	if l.Has(ExternalSenders) {
		t.Fatal("Has(external_senders) on a list without it")
	}
	if diff := cmp.Diff([]ExtensionType{ApplicationID, RatchetTree}, l.Types()); diff != "" {
		t.Fatal(diff)
	}
	bad := append(l.Clone(), Extension{ExtensionType: ApplicationID})
	if err := bad.Validate(); mlserr.RequirementOf(err) != "R-13.4-5" {
		t.Fatalf("duplicate not rejected: %v", err)
	}
	c := l.Clone()
	c[0].ExtensionData[0] = 'b'
	if l[0].ExtensionData[0] != 'a' {
		t.Fatal("Clone shares extension_data")
	}
}

func TestGREASEAndNames(t *testing.T) {
	grease := map[int]bool{0x0a0a: true, 0x1a1a: true, 0x2a2a: true, 0x3a3a: true, 0x4a4a: true,
		0x5a5a: true, 0x6a6a: true, 0x7a7a: true, 0x8a8a: true, 0x9a9a: true, 0xaaaa: true,
		0xbaba: true, 0xcaca: true, 0xdada: true, 0xeaea: true}
	for v := 0; v <= 0xffff; v++ {
		if got := IsGREASE(uint16(v)); got != grease[v] {
			t.Fatalf("IsGREASE(0x%04x) = %v", v, got)
		}
	}
	names := map[ExtensionType]string{ApplicationID: "application_id", RatchetTree: "ratchet_tree",
		RequiredCapabilities: "required_capabilities", ExternalPub: "external_pub", ExternalSenders: "external_senders"}
	for ty, n := range names {
		if ty.String() != n || !ty.IsDefault() {
			t.Errorf("%d: String %q IsDefault %v", ty, ty.String(), ty.IsDefault())
		}
	}
	if ExtensionType(6).IsDefault() || Reserved.IsDefault() {
		t.Error("IsDefault wrong outside 1..5")
	}
}
