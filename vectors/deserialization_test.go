package vectors

import (
	"testing"
)

// TestDeserializationHandWritten checks hand-written cases: good ones must
// pass, and headers that are non-minimal, reserved, trailing or that do
// not match the length must fail.
func TestDeserializationHandWritten(t *testing.T) {
	k, _ := Lookup("deserialization")
	tests := []struct {
		name, json string
		ok         bool
	}{
		{"RFC example 1 byte", `{"vlbytes_header":"25","length":37}`, true},
		{"RFC example 2 bytes", `{"vlbytes_header":"7bbd","length":15293}`, true},
		{"RFC example 4 bytes", `{"vlbytes_header":"9d7f3e7d","length":494878333}`, true},
		{"wrong length", `{"vlbytes_header":"25","length":38}`, false},
		{"non-minimal header", `{"vlbytes_header":"4025","length":37}`, false},
		{"non-minimal 4-byte header", `{"vlbytes_header":"80003fff","length":16383}`, false},
		{"reserved prefix", `{"vlbytes_header":"c0000000","length":0}`, false},
		{"trailing byte", `{"vlbytes_header":"2500","length":37}`, false},
		{"truncated header", `{"vlbytes_header":"7b","length":15293}`, false},
		{"too long to encode", `{"vlbytes_header":"c0000000","length":1073741824}`, false},
		{"empty header", `{"vlbytes_header":"","length":0}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{}
			if err := k.Verify([]byte("["+tc.json+"]"), rep); err != nil {
				t.Fatal(err)
			}
			if rep.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v: %v", rep.OK(), tc.ok, rep.Failures)
			}
		})
	}
}
