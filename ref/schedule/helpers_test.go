package schedule

import (
	"crypto/hkdf"
	"crypto/sha256"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
)

// suite1 returns MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
func suite1(t *testing.T) *ciphersuite.Suite {
	t.Helper()
	s, err := ciphersuite.Lookup(ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// refExpandWithLabel is ExpandWithLabel for SHA-256 written from RFC 9420,
// Section 8 with the standard library only, so that tests do not take
// expected values from the code under test.
func refExpandWithLabel(t *testing.T, secret []byte, label string, context []byte, length int) []byte {
	t.Helper()
	l := "MLS 1.0 " + label
	info := []byte{byte(length >> 8), byte(length)}
	info = append(info, byte(len(l)))
	info = append(info, l...)
	if len(context) >= 64 {
		t.Fatal("refExpandWithLabel: context too long for a one-byte varint")
	}
	info = append(info, byte(len(context)))
	info = append(info, context...)
	return hkdfExpandSHA256(t, secret, info, length)
}

func hkdfExpandSHA256(t *testing.T, secret, info []byte, length int) []byte {
	t.Helper()
	out, err := hkdf.Expand(sha256.New, secret, string(info), length)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func refExtract(t *testing.T, salt, ikm []byte) []byte {
	t.Helper()
	out, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}
