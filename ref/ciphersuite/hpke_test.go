package ciphersuite_test

import (
	"bytes"
	stdhpke "crypto/hpke"
	"errors"
	"testing"

	circlhpke "github.com/cloudflare/circl/hpke"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// stdKEM returns the standard library's implementation of the suite's KEM,
// an implementation independent of circl, or nil for X448, which the
// standard library lacks.
func stdKEM(t *testing.T, s *ciphersuite.Suite) stdhpke.KEM {
	t.Helper()
	if s.KEMID() == 0x21 {
		return nil
	}
	k, err := stdhpke.NewKEM(s.KEMID())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// encryptContext encodes EncryptContext by hand for short label and
// context (one-byte vector headers), independently of ref/codec.
func encryptContext(t *testing.T, label string, context []byte) []byte {
	t.Helper()
	full := "MLS 1.0 " + label
	if len(full) > 63 || len(context) > 63 {
		t.Fatal("test helper only encodes short vectors")
	}
	b := append([]byte{byte(len(full))}, full...)
	b = append(b, byte(len(context)))
	return append(b, context...)
}

// TestDeriveKeyPairCrossCheck compares DeriveKeyPair with the standard
// library's crypto/hpke (X25519, P-256, P-384, P-521) and with circl (X448,
// whose DeriveKeyPair only takes Nsk-byte seeds), for seeds of the lengths
// MLS uses (KDF.Nh, which is not Nsk for X448 and P-521) and others.
func TestDeriveKeyPairCrossCheck(t *testing.T) {
	for _, id := range ciphersuite.All() {
		s := mustLookup(t, id)
		t.Run(s.String(), func(t *testing.T) {
			std := stdKEM(t, s)
			nsk := len(mustGenerate(t, s))
			for _, n := range []int{nsk, s.Nh(), 32, 64, 100} {
				ikm := bytes.Repeat([]byte{byte(n)}, n)
				priv, pub, err := s.DeriveKeyPair(ikm)
				if err != nil {
					t.Fatalf("DeriveKeyPair(%d bytes): %v", n, err)
				}
				if got, err := s.HPKEPublicKey(priv); err != nil || !bytes.Equal(got, pub) {
					t.Errorf("HPKEPublicKey(derived priv) = %x, %v; want %x", got, err, pub)
				}
				if std != nil {
					sk, err := std.DeriveKeyPair(ikm)
					if err != nil {
						t.Fatalf("crypto/hpke DeriveKeyPair(%d bytes): %v", n, err)
					}
					if want := sk.PublicKey().Bytes(); !bytes.Equal(pub, want) {
						t.Errorf("ikm of %d bytes: public key %x, crypto/hpke %x", n, pub, want)
					}
					if s.KEMID() != 0x20 { // crypto/hpke clamps X25519 private keys
						if want, _ := sk.Bytes(); !bytes.Equal(priv, want) {
							t.Errorf("ikm of %d bytes: private key %x, crypto/hpke %x", n, priv, want)
						}
					}
				} else if n == nsk {
					wantPub, wantPriv := circlhpke.KEM(s.KEMID()).Scheme().DeriveKeyPair(ikm)
					wp, _ := wantPub.MarshalBinary()
					wk, _ := wantPriv.MarshalBinary()
					if !bytes.Equal(pub, wp) || !bytes.Equal(priv, wk) {
						t.Errorf("ikm of %d bytes: key pair %x/%x, circl %x/%x", n, priv, pub, wk, wp)
					}
				}
			}
		})
	}
}

func mustGenerate(t *testing.T, s *ciphersuite.Suite) []byte {
	t.Helper()
	priv, _, err := s.GenerateKeyPair(seededReader("nsk"))
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// TestHPKEInterop checks EncryptWithLabel and DecryptWithLabel against the
// standard library's HPKE (all KEMs but X448) in both directions, with the
// EncryptContext encoded by hand, and the HPKE exporter of Section 8.3.
func TestHPKEInterop(t *testing.T) {
	for _, id := range ciphersuite.All() {
		s := mustLookup(t, id)
		std := stdKEM(t, s)
		if std == nil {
			continue
		}
		t.Run(s.String(), func(t *testing.T) {
			kdf, err := stdhpke.NewKDF(s.KDFID())
			if err != nil {
				t.Fatal(err)
			}
			aead, err := stdhpke.NewAEAD(s.AEADID())
			if err != nil {
				t.Fatal(err)
			}
			priv, pub, err := s.GenerateKeyPair(seededReader("interop"))
			if err != nil {
				t.Fatal(err)
			}
			sk, err := std.NewPrivateKey(priv)
			if err != nil {
				t.Fatal(err)
			}
			pk, err := std.NewPublicKey(pub)
			if err != nil {
				t.Fatal(err)
			}
			label, context, pt := ciphersuite.LabelWelcomeEncryption, []byte("encrypted group info"), []byte("group secrets")
			info := encryptContext(t, label, context)

			kemOutput, ct, err := s.EncryptWithLabel(pub, label, context, pt, seededReader("interop enc"))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := stdhpke.Open(sk, kdf, aead, info, append(bytes.Clone(kemOutput), ct...)); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("crypto/hpke Open of EncryptWithLabel output = %q, %v", got, err)
			}

			sealed, err := stdhpke.Seal(pk, kdf, aead, info, pt)
			if err != nil {
				t.Fatal(err)
			}
			n := len(pub) // Nenc = Npk for DHKEM
			if got, err := s.DecryptWithLabel(priv, label, context, sealed[:n], sealed[n:]); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("DecryptWithLabel of crypto/hpke Seal output = %q, %v", got, err)
			}

			enc, exported, err := s.HPKEExportSender(pub, nil, []byte(ciphersuite.LabelExternalInitSecret), s.Nh(), seededReader("interop export"))
			if err != nil {
				t.Fatal(err)
			}
			r, err := stdhpke.NewRecipient(enc, sk, kdf, aead, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want, err := r.Export(ciphersuite.LabelExternalInitSecret, s.Nh()); err != nil || !bytes.Equal(exported, want) {
				t.Errorf("HPKEExportSender = %x, crypto/hpke export %x (%v)", exported, want, err)
			}
		})
	}
}

// malformedHPKEKeys returns HPKE public keys (or KEM outputs) that no
// DeserializePublicKey accepts, or that give an all-zero DH output.
func malformedHPKEKeys(s *ciphersuite.Suite, pub []byte) map[string][]byte {
	out := map[string][]byte{
		"empty":     nil,
		"truncated": pub[:len(pub)-1],
		"extended":  append(bytes.Clone(pub), 0),
	}
	switch s.KEMID() {
	case 0x20, 0x21: // X25519, X448: the zero point has order 1
		out["low-order point"] = make([]byte, len(pub))
	default:
		off := bytes.Clone(pub)
		off[len(off)-1] ^= 1
		out["point off the curve"] = off
		out["all zero"] = make([]byte, len(pub))
		out["compressed point"] = append([]byte{0x02}, pub[1:1+(len(pub)-1)/2]...)
	}
	return out
}

// TestEncryptWithLabelBadInput checks that malformed public keys, private
// keys, KEM outputs and ciphertexts give mlserr errors of the documented
// classes, never a panic.
func TestEncryptWithLabelBadInput(t *testing.T) {
	for _, id := range ciphersuite.All() {
		s := mustLookup(t, id)
		t.Run(s.String(), func(t *testing.T) {
			r := seededReader("hpke bad input")
			priv, pub, err := s.GenerateKeyPair(r)
			if err != nil {
				t.Fatal(err)
			}
			otherPriv, _, err := s.GenerateKeyPair(r)
			if err != nil {
				t.Fatal(err)
			}
			label, context, pt := ciphersuite.LabelUpdatePathNode, []byte("group context"), []byte("path secret")
			kemOutput, ct, err := s.EncryptWithLabel(pub, label, context, pt, r)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.DecryptWithLabel(priv, label, context, kemOutput, ct); err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("round trip: %q, %v", got, err)
			}

			for name, k := range malformedHPKEKeys(s, pub) {
				if _, _, err := s.EncryptWithLabel(k, label, context, pt, r); !errors.Is(err, mlserr.ErrMalformed) {
					t.Errorf("malformed public key (%s): EncryptWithLabel error = %v, want ErrMalformed", name, err)
				}
				if _, _, err := s.HPKEExportSender(k, nil, nil, 32, r); !errors.Is(err, mlserr.ErrMalformed) {
					t.Errorf("malformed public key (%s): HPKEExportSender error = %v, want ErrMalformed", name, err)
				}
			}

			alteredTag := bytes.Clone(ct)
			alteredTag[len(alteredTag)-1] ^= 1
			type decryptCase struct {
				name                      string
				priv, kemOutput, ct, ctxt []byte
				label                     string
			}
			cases := []decryptCase{
				{"wrong key", otherPriv, kemOutput, ct, context, label},
				{"altered tag", priv, kemOutput, alteredTag, context, label},
				{"short ciphertext", priv, kemOutput, ct[:15], context, label},
				{"empty ciphertext", priv, kemOutput, nil, context, label},
				{"other label", priv, kemOutput, ct, context, ciphersuite.LabelWelcomeEncryption},
				{"other context", priv, kemOutput, ct, []byte("group contexu"), label},
			}
			for name, k := range malformedHPKEKeys(s, kemOutput) {
				cases = append(cases, decryptCase{"malformed kem_output: " + name, priv, k, ct, context, label})
			}
			for _, tt := range cases {
				if _, err := s.DecryptWithLabel(tt.priv, tt.label, tt.ctxt, tt.kemOutput, tt.ct); !errors.Is(err, mlserr.ErrDecryption) {
					t.Errorf("%s: DecryptWithLabel error = %v, want ErrDecryption", tt.name, err)
				}
			}
			if _, err := s.HPKEExportReceiver(priv, kemOutput[:len(kemOutput)-1], nil, nil, 32); !errors.Is(err, mlserr.ErrDecryption) {
				t.Errorf("truncated kem_output: HPKEExportReceiver error = %v, want ErrDecryption", err)
			}

			badPrivs := map[string][]byte{
				"empty":     nil,
				"truncated": priv[:len(priv)-2],
				"extended":  append(bytes.Clone(priv), 0),
			}
			if s.KEMID() != 0x20 && s.KEMID() != 0x21 {
				badPrivs["zero scalar"] = make([]byte, len(priv))
				badPrivs["scalar above the group order"] = bytes.Repeat([]byte{0xff}, len(priv))
			}
			for name, k := range badPrivs {
				if _, err := s.DecryptWithLabel(k, label, context, kemOutput, ct); !errors.Is(err, mlserr.ErrMalformed) {
					t.Errorf("%s private key: DecryptWithLabel error = %v, want ErrMalformed", name, err)
				}
				if _, err := s.HPKEPublicKey(k); !errors.Is(err, mlserr.ErrMalformed) {
					t.Errorf("%s private key: HPKEPublicKey error = %v, want ErrMalformed", name, err)
				}
			}

			for _, n := range []int{-1, 255*s.Nh() + 1} {
				if _, _, err := s.HPKEExportSender(pub, nil, nil, n, r); !errors.Is(err, mlserr.ErrInvalidInput) {
					t.Errorf("export length %d: %v, want ErrInvalidInput", n, err)
				}
			}
			if _, _, err := s.EncryptWithLabel(pub, label, context, pt, bytes.NewReader(nil)); !errors.Is(err, mlserr.ErrInvalidInput) {
				t.Errorf("empty random source: EncryptWithLabel error = %v, want ErrInvalidInput", err)
			}
			if _, _, err := s.GenerateKeyPair(bytes.NewReader(nil)); !errors.Is(err, mlserr.ErrInvalidInput) {
				t.Errorf("empty random source: GenerateKeyPair error = %v, want ErrInvalidInput", err)
			}
			if _, _, err := s.GenerateSignatureKeyPair(bytes.NewReader(nil)); !errors.Is(err, mlserr.ErrInvalidInput) {
				t.Errorf("empty random source: GenerateSignatureKeyPair error = %v, want ErrInvalidInput", err)
			}
		})
	}
}
