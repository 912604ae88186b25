package vectors

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
)

// cryptoBasicsCase is one case of crypto-basics.json: the labeled
// constructions of RFC 9420, Sections 5.1.2, 5.1.3, 5.2, 8 and 9.1, for one
// cipher suite.
type cryptoBasicsCase struct {
	CipherSuite      uint16             `json:"cipher_suite"`
	RefHash          cbRefHash          `json:"ref_hash"`
	ExpandWithLabel  cbExpandWithLabel  `json:"expand_with_label"`
	DeriveSecret     cbDeriveSecret     `json:"derive_secret"`
	DeriveTreeSecret cbDeriveTreeSecret `json:"derive_tree_secret"`
	SignWithLabel    cbSignWithLabel    `json:"sign_with_label"`
	EncryptWithLabel cbEncryptWithLabel `json:"encrypt_with_label"`
}

type cbRefHash struct {
	Label string   `json:"label"`
	Value HexBytes `json:"value"`
	Out   HexBytes `json:"out"`
}

type cbExpandWithLabel struct {
	Secret  HexBytes `json:"secret"`
	Label   string   `json:"label"`
	Context HexBytes `json:"context"`
	Length  uint16   `json:"length"`
	Out     HexBytes `json:"out"`
}

type cbDeriveSecret struct {
	Secret HexBytes `json:"secret"`
	Label  string   `json:"label"`
	Out    HexBytes `json:"out"`
}

type cbDeriveTreeSecret struct {
	Secret     HexBytes `json:"secret"`
	Label      string   `json:"label"`
	Generation uint32   `json:"generation"`
	Length     uint16   `json:"length"`
	Out        HexBytes `json:"out"`
}

type cbSignWithLabel struct {
	Priv      HexBytes `json:"priv"`
	Pub       HexBytes `json:"pub"`
	Content   HexBytes `json:"content"`
	Label     string   `json:"label"`
	Signature HexBytes `json:"signature"`
}

type cbEncryptWithLabel struct {
	Priv       HexBytes `json:"priv"`
	Pub        HexBytes `json:"pub"`
	Label      string   `json:"label"`
	Context    HexBytes `json:"context"`
	Plaintext  HexBytes `json:"plaintext"`
	KEMOutput  HexBytes `json:"kem_output"`
	Ciphertext HexBytes `json:"ciphertext"`
}

func init() {
	var all []uint16
	for _, id := range ciphersuite.All() {
		all = append(all, uint16(id))
	}
	Register(&Kind{
		Name:     "crypto-basics",
		Files:    []string{"crypto-basics.json"},
		Verify:   verifyCryptoBasics,
		Generate: generateCryptoBasics,
		Suites:   all,
	})
}

func verifyCryptoBasics(data []byte, rep *Report) error {
	cases, err := decodeCases[cryptoBasicsCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkCryptoBasics(c, &tc) })
	}
	return nil
}

func checkCryptoBasics(c *Checker, tc *cryptoBasicsCase) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("%v", err)
		return
	}

	rh := tc.RefHash
	c.Bytes("ref_hash.out", s.RefHash(rh.Label, rh.Value), rh.Out)

	ewl := tc.ExpandWithLabel
	c.Bytes("expand_with_label.out", s.ExpandWithLabel(ewl.Secret, ewl.Label, ewl.Context, int(ewl.Length)), ewl.Out)

	ds := tc.DeriveSecret
	c.Bytes("derive_secret.out", s.DeriveSecret(ds.Secret, ds.Label), ds.Out)

	dts := tc.DeriveTreeSecret
	c.Bytes("derive_tree_secret.out", s.DeriveTreeSecret(dts.Secret, dts.Label, dts.Generation, int(dts.Length)), dts.Out)

	checkSignWithLabel(c, s, &tc.SignWithLabel)
	checkEncryptWithLabel(c, s, &tc.EncryptWithLabel)
}

// The TLS SignatureScheme values of the EdDSA schemes (RFC 8446, Section
// 4.2.3), whose signatures are deterministic.
const (
	tlsEd25519 = 0x0807
	tlsEd448   = 0x0808
)

// checkSignWithLabel verifies the given signature, checks that pub belongs
// to priv, and that a fresh signature by priv verifies (and, EdDSA being
// deterministic, equals the given one).
func checkSignWithLabel(c *Checker, s *ciphersuite.Suite, v *cbSignWithLabel) {
	c.NoErr("sign_with_label: VerifyWithLabel(pub, label, content, signature)",
		s.VerifyWithLabel(v.Pub, v.Label, v.Content, v.Signature))
	if pub, err := s.SignaturePublicKey(v.Priv); c.NoErr("sign_with_label: public key of priv", err) {
		c.Bytes("sign_with_label.pub (from priv)", pub, v.Pub)
	}
	sig, err := s.SignWithLabel(v.Priv, v.Label, v.Content)
	if !c.NoErr("sign_with_label: SignWithLabel(priv, label, content)", err) {
		return
	}
	c.NoErr("sign_with_label: VerifyWithLabel(pub, label, content, SignWithLabel(priv, label, content))",
		s.VerifyWithLabel(v.Pub, v.Label, v.Content, sig))
	switch s.SignatureScheme() {
	case tlsEd25519, tlsEd448:
		c.Bytes("sign_with_label.signature (EdDSA is deterministic)", sig, v.Signature)
	}
}

// checkEncryptWithLabel decrypts the given ciphertext, checks that pub
// belongs to priv, and runs an encryption round trip.
func checkEncryptWithLabel(c *Checker, s *ciphersuite.Suite, v *cbEncryptWithLabel) {
	if pub, err := s.HPKEPublicKey(v.Priv); c.NoErr("encrypt_with_label: public key of priv", err) {
		c.Bytes("encrypt_with_label.pub (from priv)", pub, v.Pub)
	}
	if pt, err := s.DecryptWithLabel(v.Priv, v.Label, v.Context, v.KEMOutput, v.Ciphertext); c.NoErr("encrypt_with_label: DecryptWithLabel(priv, label, context, kem_output, ciphertext)", err) {
		c.Bytes("encrypt_with_label.plaintext", pt, v.Plaintext)
	}
	kemOutput, ct, err := s.EncryptWithLabel(v.Pub, v.Label, v.Context, v.Plaintext, seeded.New("crypto-basics verify round trip"))
	if !c.NoErr("encrypt_with_label: EncryptWithLabel(pub, label, context, plaintext)", err) {
		return
	}
	if pt, err := s.DecryptWithLabel(v.Priv, v.Label, v.Context, kemOutput, ct); c.NoErr("encrypt_with_label: round trip DecryptWithLabel", err) {
		c.Bytes("encrypt_with_label: round trip plaintext", pt, v.Plaintext)
	}
}

// generateCryptoBasics returns one case for suite, every input drawn from
// rand and every output computed with ref/ciphersuite.
func generateCryptoBasics(suite uint16, rand io.Reader) (any, error) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	g := &cbGen{rand: rand}
	nh := s.Nh()
	tc := cryptoBasicsCase{CipherSuite: suite}

	tc.RefHash = cbRefHash{Label: "RefHash", Value: g.bytes(nh)}
	tc.RefHash.Out = s.RefHash(tc.RefHash.Label, tc.RefHash.Value)

	ewl := cbExpandWithLabel{Secret: g.bytes(nh), Label: "ExpandWithLabel", Context: g.bytes(nh), Length: g.length(2 * nh)}
	ewl.Out = s.ExpandWithLabel(ewl.Secret, ewl.Label, ewl.Context, int(ewl.Length))
	tc.ExpandWithLabel = ewl

	ds := cbDeriveSecret{Secret: g.bytes(nh), Label: "DeriveSecret"}
	ds.Out = s.DeriveSecret(ds.Secret, ds.Label)
	tc.DeriveSecret = ds

	dts := cbDeriveTreeSecret{Secret: g.bytes(nh), Label: "DeriveTreeSecret", Generation: g.uint32(), Length: g.length(2 * nh)}
	dts.Out = s.DeriveTreeSecret(dts.Secret, dts.Label, dts.Generation, int(dts.Length))
	tc.DeriveTreeSecret = dts

	swl := cbSignWithLabel{Label: "SignWithLabel"}
	swl.Priv, swl.Pub, err = s.GenerateSignatureKeyPair(rand)
	if err != nil {
		return nil, err
	}
	swl.Content = g.bytes(nh)
	if swl.Signature, err = s.SignWithLabel(swl.Priv, swl.Label, swl.Content); err != nil {
		return nil, err
	}
	tc.SignWithLabel = swl

	e := cbEncryptWithLabel{Label: "EncryptWithLabel"}
	if e.Priv, e.Pub, err = s.GenerateKeyPair(rand); err != nil {
		return nil, err
	}
	e.Context, e.Plaintext = g.bytes(nh), g.bytes(nh)
	if e.KEMOutput, e.Ciphertext, err = s.EncryptWithLabel(e.Pub, e.Label, e.Context, e.Plaintext, rand); err != nil {
		return nil, err
	}
	tc.EncryptWithLabel = e

	if g.err != nil {
		return nil, fmt.Errorf("crypto-basics: reading randomness: %w", g.err)
	}
	return []cryptoBasicsCase{tc}, nil
}

// cbGen draws generator inputs from a reader, keeping the first error.
type cbGen struct {
	rand io.Reader
	err  error
}

func (g *cbGen) bytes(n int) HexBytes {
	b := make([]byte, n)
	if _, err := io.ReadFull(g.rand, b); err != nil && g.err == nil {
		g.err = err
	}
	return b
}

func (g *cbGen) uint32() uint32 { return binary.BigEndian.Uint32(g.bytes(4)) }

// length draws a length in [1, max].
func (g *cbGen) length(max int) uint16 { return uint16(1 + int(g.uint32()%uint32(max))) }
