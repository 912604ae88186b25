package vectors

import (
	"fmt"
	"io"
	"math"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/treemath"
)

// secretTreeCase is one case of secret-tree.json: the sender data key and
// nonce of RFC 9420, Section 6.3.2, and keys and nonces of the hash
// ratchets of every leaf of a secret tree (Sections 9 and 9.1).
type secretTreeCase struct {
	CipherSuite      uint16         `json:"cipher_suite"`
	SenderData       stSenderData   `json:"sender_data"`
	EncryptionSecret HexBytes       `json:"encryption_secret"`
	Leaves           [][]stRatchets `json:"leaves"`
}

type stSenderData struct {
	SenderDataSecret HexBytes `json:"sender_data_secret"`
	Ciphertext       HexBytes `json:"ciphertext"`
	Key              HexBytes `json:"key"`
	Nonce            HexBytes `json:"nonce"`
}

type stRatchets struct {
	Generation       uint32   `json:"generation"`
	HandshakeKey     HexBytes `json:"handshake_key"`
	HandshakeNonce   HexBytes `json:"handshake_nonce"`
	ApplicationKey   HexBytes `json:"application_key"`
	ApplicationNonce HexBytes `json:"application_nonce"`
}

func init() {
	Register(&Kind{
		Name:     "secret-tree",
		Files:    []string{"secret-tree.json"},
		Verify:   verifySecretTree,
		Generate: generateSecretTree,
		Suites:   ksSuites(),
	})
}

// stLimits lets a verifier reach any generation a vector names and keep
// every skipped key, whatever order the generations come in.
var stLimits = schedule.Limits{MaxGenerationGap: math.MaxUint32, MaxSkippedKeys: math.MaxUint32}

func verifySecretTree(data []byte, rep *Report) error {
	cases, err := decodeCases[secretTreeCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkSecretTree(c, &tc) })
	}
	return nil
}

func checkSecretTree(c *Checker, tc *secretTreeCase) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("%v", err)
		return
	}
	sd := tc.SenderData
	key, nonce := schedule.SenderDataKeyNonce(s, sd.SenderDataSecret, sd.Ciphertext)
	c.Bytes("sender_data.key", key, sd.Key)
	c.Bytes("sender_data.nonce", nonce, sd.Nonce)

	tree, err := schedule.NewSecretTree(s, tc.EncryptionSecret, uint32(len(tc.Leaves)), stLimits)
	if !c.NoErr("NewSecretTree(encryption_secret, len(leaves))", err) {
		return
	}
	for i, gens := range tc.Leaves {
		leaf := treemath.LeafIndex(i)
		for j, g := range gens {
			f := func(name string) string { return fmt.Sprintf("leaves[%d][%d].%s", i, j, name) }
			// Derive the key, then consume it as a receiver would after a
			// successful decryption, so later entries exercise the ratchet
			// state the deletion schedule leaves behind.
			for _, r := range []struct {
				rt         schedule.RatchetType
				key, nonce HexBytes
				name       string
			}{
				{schedule.HandshakeRatchet, g.HandshakeKey, g.HandshakeNonce, "handshake"},
				{schedule.ApplicationRatchet, g.ApplicationKey, g.ApplicationNonce, "application"},
			} {
				kn, err := tree.Derive(leaf, r.rt, g.Generation)
				if !c.NoErr(f(r.name+" Derive"), err) {
					continue
				}
				c.Bytes(f(r.name+"_key"), kn.Key, r.key)
				c.Bytes(f(r.name+"_nonce"), kn.Nonce, r.nonce)
				c.NoErr(f(r.name+" Consume"), tree.Consume(leaf, r.rt, g.Generation))
			}
		}
	}
}

// generateSecretTree returns cases of 1, 2 and 8 leaves for suite, each
// leaf with generations 0, 1, 5 and 15, every input drawn from rand and
// every output computed with ref/schedule; a sender takes the keys with
// Next, so generation is checked against the receiver's path.
func generateSecretTree(suite uint16, rand io.Reader) (any, error) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	g := &ksRand{r: rand}
	nh := s.Nh()
	var out []secretTreeCase
	for ci, nLeaves := range []uint32{1, 2, 8} {
		tc := secretTreeCase{
			CipherSuite: suite,
			SenderData: stSenderData{
				SenderDataSecret: g.bytes(nh),
				// Ciphertexts of at most KDF.Nh bytes, so that every byte is
				// in the sample and a changed byte shows; one is shorter
				// than KDF.Nh to cover that case of the sample. (The
				// official file covers longer ones.)
				Ciphertext: g.bytes([]int{nh, nh / 2, nh - 1}[ci]),
			},
			EncryptionSecret: g.bytes(nh),
		}
		if g.err != nil {
			return nil, fmt.Errorf("secret-tree: reading randomness: %w", g.err)
		}
		tc.SenderData.Key, tc.SenderData.Nonce = schedule.SenderDataKeyNonce(s, tc.SenderData.SenderDataSecret, tc.SenderData.Ciphertext)
		tree, err := schedule.NewSecretTree(s, tc.EncryptionSecret, nLeaves, stLimits)
		if err != nil {
			return nil, err
		}
		for l := uint32(0); l < nLeaves; l++ {
			var gens []stRatchets
			for _, gen := range []uint32{0, 1, 5, 15} {
				e := stRatchets{Generation: gen}
				for _, p := range []struct {
					rt         schedule.RatchetType
					key, nonce *HexBytes
				}{
					{schedule.HandshakeRatchet, &e.HandshakeKey, &e.HandshakeNonce},
					{schedule.ApplicationRatchet, &e.ApplicationKey, &e.ApplicationNonce},
				} {
					var kn *schedule.KeyNonce
					for {
						if kn, err = tree.Next(treemath.LeafIndex(l), p.rt); err != nil {
							return nil, err
						}
						if kn.Generation == gen {
							break
						}
					}
					*p.key, *p.nonce = kn.Key, kn.Nonce
				}
				gens = append(gens, e)
			}
			tc.Leaves = append(tc.Leaves, gens)
		}
		out = append(out, tc)
	}
	return out, nil
}
