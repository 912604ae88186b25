package ciphersuite_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// malformedSignatureKeys returns public keys of the right or a wrong length that
// are not valid keys for s: truncated, extended, empty, and for ECDSA a
// point off the curve and a compressed point.
func malformedSignatureKeys(s *ciphersuite.Suite, pub []byte) map[string][]byte {
	out := map[string][]byte{
		"empty":     nil,
		"truncated": pub[:len(pub)-1],
		"extended":  append(bytes.Clone(pub), 0),
	}
	if !isEdDSA(s) {
		off := bytes.Clone(pub)
		off[len(off)-1] ^= 1 // y no longer matches x
		out["point off the curve"] = off
		compressed := append([]byte{0x02 | pub[len(pub)-1]&1}, pub[1:1+(len(pub)-1)/2]...)
		out["compressed point"] = compressed
		out["all zero"] = make([]byte, len(pub))
	} else {
		// Not a point: y = 2^255 - 1 or 2^456 - 1 (above the field
		// prime), which decoding must reject. Ed448 encodings also
		// require the last byte's low 7 bits to be zero.
		ff := bytes.Repeat([]byte{0xff}, len(pub))
		ff[len(ff)-1] = 0x7f
		out["y above the field prime"] = ff
	}
	return out
}

// TestSignWithLabelBadInput checks that VerifyWithLabel returns
// ErrInvalidSignature, and never panics, for a wrong key, an altered
// signature, a signature of the wrong length, a DER signature with trailing
// bytes, a malformed public key, and a different label or content; and that
// malformed private keys are ErrMalformed.
func TestSignWithLabelBadInput(t *testing.T) {
	for _, id := range ciphersuite.All() {
		s := mustLookup(t, id)
		t.Run(s.String(), func(t *testing.T) {
			r := seededReader("sign bad input " + s.String())
			priv, pub, err := s.GenerateSignatureKeyPair(r)
			if err != nil {
				t.Fatal(err)
			}
			_, otherPub, err := s.GenerateSignatureKeyPair(r)
			if err != nil {
				t.Fatal(err)
			}
			label, content := ciphersuite.LabelGroupInfoTBS, []byte("group info")
			sig, err := s.SignWithLabel(priv, label, content)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.VerifyWithLabel(pub, label, content, sig); err != nil {
				t.Fatalf("good signature: %v", err)
			}
			if got, err := s.SignaturePublicKey(priv); err != nil || !bytes.Equal(got, pub) {
				t.Errorf("SignaturePublicKey = %x, %v; want %x", got, err, pub)
			}

			type verifyCase struct {
				name             string
				pub, content, sg []byte
				label            string
			}
			altered := bytes.Clone(sig)
			altered[len(altered)/2] ^= 1
			cases := []verifyCase{
				{"wrong key", otherPub, content, sig, label},
				{"altered signature", pub, content, altered, label},
				{"truncated signature", pub, content, sig[:len(sig)-1], label},
				{"extended signature", pub, content, append(bytes.Clone(sig), 0), label},
				{"empty signature", pub, content, nil, label},
				{"other label", pub, content, sig, ciphersuite.LabelKeyPackageTBS},
				{"other content", pub, []byte("group infp"), sig, label},
			}
			if !isEdDSA(s) {
				// The DER SEQUENCE followed by garbage, and the same with
				// the outer length adjusted to swallow it.
				cases = append(cases, verifyCase{"DER with trailing garbage", pub, content, append(bytes.Clone(sig), 0x00, 0x01), label})
				inner := append(bytes.Clone(sig), 0x00, 0x01)
				if inner[1] < 0x80 {
					inner[1] += 2
				} else {
					inner[2] += 2 // 0x81 form: P-521
				}
				cases = append(cases, verifyCase{"DER with garbage inside the SEQUENCE", pub, content, inner, label})
			}
			for name, k := range malformedSignatureKeys(s, pub) {
				cases = append(cases, verifyCase{"malformed public key: " + name, k, content, sig, label})
			}
			for _, tt := range cases {
				err := s.VerifyWithLabel(tt.pub, tt.label, tt.content, tt.sg)
				if !errors.Is(err, mlserr.ErrInvalidSignature) {
					t.Errorf("%s: VerifyWithLabel error = %v, want ErrInvalidSignature", tt.name, err)
				}
			}

			badPrivs := map[string][]byte{
				"empty":     nil,
				"truncated": priv[:len(priv)-2],
				"extended":  append(bytes.Clone(priv), 0),
			}
			if !isEdDSA(s) {
				badPrivs["zero scalar"] = make([]byte, len(priv))
				badPrivs["scalar above the group order"] = bytes.Repeat([]byte{0xff}, len(priv))
			}
			for name, k := range badPrivs {
				if _, err := s.SignWithLabel(k, label, content); !errors.Is(err, mlserr.ErrMalformed) {
					t.Errorf("%s private key: SignWithLabel error = %v, want ErrMalformed", name, err)
				}
				if _, err := s.SignaturePublicKey(k); !errors.Is(err, mlserr.ErrMalformed) {
					t.Errorf("%s private key: SignaturePublicKey error = %v, want ErrMalformed", name, err)
				}
			}
		})
	}
}

// TestP521ShortPrivateKeys checks that P-521 private keys of 65 bytes (a
// 66-byte key without its leading zero, as some official vectors hold them)
// are accepted for signing and HPKE, and mean the same key.
func TestP521ShortPrivateKeys(t *testing.T) {
	s := mustLookup(t, ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521)
	found := false
	for i := 0; i < 64 && !found; i++ {
		priv, pub, err := s.GenerateSignatureKeyPair(seededReader(fmt.Sprint("p521 ", i)))
		if err != nil {
			t.Fatal(err)
		}
		if priv[0] != 0 {
			continue
		}
		found = true
		short := priv[1:]
		if got, err := s.SignaturePublicKey(short); err != nil || !bytes.Equal(got, pub) {
			t.Errorf("SignaturePublicKey(65-byte key) = %x, %v; want %x", got, err, pub)
		}
		sigLong, err1 := s.SignWithLabel(priv, "x", nil)
		sigShort, err2 := s.SignWithLabel(short, "x", nil)
		if err1 != nil || err2 != nil || !bytes.Equal(sigLong, sigShort) {
			t.Errorf("65- and 66-byte keys sign differently: %v %v", err1, err2)
		}
	}
	if !found {
		t.Fatal("no P-521 signature key with a leading zero byte in 64 seeds")
	}
	found = false
	for i := 0; i < 64 && !found; i++ {
		priv, pub, err := s.GenerateKeyPair(seededReader(fmt.Sprint("p521 hpke ", i)))
		if err != nil {
			t.Fatal(err)
		}
		if priv[0] != 0 {
			continue
		}
		found = true
		short := priv[1:]
		if got, err := s.HPKEPublicKey(short); err != nil || !bytes.Equal(got, pub) {
			t.Errorf("HPKEPublicKey(65-byte key) = %x, %v; want %x", got, err, pub)
		}
		kemOutput, ct, err := s.EncryptWithLabel(pub, "x", nil, []byte("pt"), seededReader("enc"))
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := s.DecryptWithLabel(short, "x", nil, kemOutput, ct); err != nil || string(pt) != "pt" {
			t.Errorf("DecryptWithLabel with a 65-byte key = %q, %v", pt, err)
		}
	}
	if !found {
		t.Fatal("no P-521 HPKE key with a leading zero byte in 64 seeds")
	}
	// Other curves do not take short keys.
	p256 := mustLookup(t, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
	if _, err := p256.SignaturePublicKey(make([]byte, 31)); !errors.Is(err, mlserr.ErrMalformed) {
		t.Errorf("P-256 31-byte key: %v, want ErrMalformed", err)
	}
}
