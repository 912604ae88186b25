package schedule

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/mlserr"
)

func sum256(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func TestTranscriptHashes(t *testing.T) {
	s := suite1(t)
	content := []byte{0xc0, 0xc1, 0xc2}
	sig := []byte{0x51, 0x52}
	in, err := ConfirmedTranscriptHashInput(1, content, sig)
	if err != nil {
		t.Fatal(err)
	}
	wantIn := []byte{0x00, 0x01, 0xc0, 0xc1, 0xc2, 0x02, 0x51, 0x52}
	if !bytes.Equal(in, wantIn) {
		t.Fatalf("ConfirmedTranscriptHashInput = %x, want %x", in, wantIn)
	}
	interimBefore := seq(32, 0x30)
	confirmed := ConfirmedTranscriptHash(s, interimBefore, in)
	if want := sum256(interimBefore, wantIn); !bytes.Equal(confirmed, want) {
		t.Fatalf("confirmed_transcript_hash = %x, want %x", confirmed, want)
	}
	// Epoch 0's interim hash is the empty string.
	if got, want := ConfirmedTranscriptHash(s, nil, in), sum256(wantIn); !bytes.Equal(got, want) {
		t.Fatalf("confirmed hash after empty interim = %x, want %x", got, want)
	}
	tag := seq(32, 0x90)
	interim, err := InterimTranscriptHash(s, confirmed, tag)
	if err != nil {
		t.Fatal(err)
	}
	if want := sum256(confirmed, []byte{32}, tag); !bytes.Equal(interim, want) {
		t.Fatalf("interim_transcript_hash = %x, want %x", interim, want)
	}
}

func TestConfirmationTag(t *testing.T) {
	s := suite1(t)
	key, cth := seq(32, 1), seq(32, 2)
	m := hmac.New(sha256.New, key)
	m.Write(cth)
	want := m.Sum(nil)
	tag := ConfirmationTag(s, key, cth)
	if !bytes.Equal(tag, want) {
		t.Fatalf("confirmation_tag = %x, want %x", tag, want)
	}
	if err := VerifyConfirmationTag(s, key, cth, want); err != nil {
		t.Fatalf("valid tag rejected: %v", err)
	}
	flipped := append([]byte{}, want...)
	flipped[31] ^= 1
	for name, bad := range map[string][]byte{
		"flipped bit": flipped,
		"truncated":   want[:31],
		"extended":    append(append([]byte{}, want...), 0),
		"empty":       nil,
	} {
		err := VerifyConfirmationTag(s, key, cth, bad)
		if !errors.Is(err, mlserr.ErrInvalidConfirmationTag) || mlserr.RequirementOf(err) != "R-12.4.2-23" {
			t.Errorf("%s: got %v, want ErrInvalidConfirmationTag [R-12.4.2-23]", name, err)
		}
	}
}
