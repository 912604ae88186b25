package vectors

import (
	"fmt"
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/schedule"
)

// pskSecretCase is one case of psk_secret.json: psk_secret computed from a
// list of external PSKs (RFC 9420, Section 8.4).
type pskSecretCase struct {
	CipherSuite uint16         `json:"cipher_suite"`
	PSKs        []pskSecretPSK `json:"psks"`
	PSKSecret   HexBytes       `json:"psk_secret"`
}

type pskSecretPSK struct {
	PSKID    HexBytes `json:"psk_id"`
	PSK      HexBytes `json:"psk"`
	PSKNonce HexBytes `json:"psk_nonce"`
}

func init() {
	Register(&Kind{
		Name:     "psk_secret",
		Files:    []string{"psk_secret.json"},
		Verify:   verifyPSKSecret,
		Generate: generatePSKSecret,
		Suites:   ksSuites(),
	})
}

func verifyPSKSecret(data []byte, rep *Report) error {
	cases, err := decodeCases[pskSecretCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) {
			s, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
			if err != nil {
				c.Skip("%v", err)
				return
			}
			got, err := schedule.PSKSecret(s, pskSecretInputs(tc.PSKs))
			if c.NoErr("PSKSecret", err) {
				c.Bytes("psk_secret", got, tc.PSKSecret)
			}
		})
	}
	return nil
}

// pskSecretInputs turns the vector's PSKs into external PSKs, as
// test-vectors.md prescribes.
func pskSecretInputs(in []pskSecretPSK) []schedule.PSK {
	out := make([]schedule.PSK, len(in))
	for i, p := range in {
		out[i] = schedule.PSK{
			ID:     schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: p.PSKID, PSKNonce: p.PSKNonce},
			Secret: p.PSK,
		}
	}
	return out
}

// generatePSKSecret returns cases with 0, 1, 2, 3 and 5 PSKs for suite,
// every input drawn from rand, psk_secret computed with ref/schedule.
func generatePSKSecret(suite uint16, rand io.Reader) (any, error) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	g := &ksRand{r: rand}
	nh := s.Nh()
	var out []pskSecretCase
	for _, n := range []int{0, 1, 2, 3, 5} {
		tc := pskSecretCase{CipherSuite: suite, PSKs: []pskSecretPSK{}}
		for i := 0; i < n; i++ {
			tc.PSKs = append(tc.PSKs, pskSecretPSK{PSKID: g.bytes(nh), PSK: g.bytes(nh), PSKNonce: g.bytes(nh)})
		}
		if g.err != nil {
			return nil, fmt.Errorf("psk_secret: reading randomness: %w", g.err)
		}
		if tc.PSKSecret, err = schedule.PSKSecret(s, pskSecretInputs(tc.PSKs)); err != nil {
			return nil, err
		}
		out = append(out, tc)
	}
	return out, nil
}
