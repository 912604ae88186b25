package tree

import (
	"crypto/subtle"
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// The path secret chain of RFC 9420, Section 7.4 (Figure 14):
//
//	leaf_secret ---- "node" --> leaf_node_secret --> leaf_priv, leaf_pub
//	     |
//	   "path"
//	     v
//	path_secret[0] - "node" --> node_secret[0] ----> node_priv[0], node_pub[0]
//	     |
//	    ...
//	path_secret[n] - "path" --> commit_secret (Section 12.4.1)
//
// Every step is DeriveSecret with the label on the arrow; key pairs come
// from the KEM's DeriveKeyPair, so a path secret alone determines its
// node's key pair.

// NextPathSecret returns path_secret[n+1] = DeriveSecret(path_secret[n],
// "path") (RFC 9420, Section 7.4). Applied to the last path secret of an
// UpdatePath it yields the commit_secret (RFC 9420, Section 12.4.1).
func NextPathSecret(cs *ciphersuite.Suite, pathSecret []byte) []byte {
	return cs.DeriveSecret(pathSecret, ciphersuite.LabelPath)
}

// NodeKeyPair derives the HPKE key pair of a node from its path secret
// (RFC 9420, Section 7.4): node_secret = DeriveSecret(path_secret, "node"),
// then (node_priv, node_pub) = KEM.DeriveKeyPair(node_secret). The node
// secret is an intermediate value and is not returned.
func NodeKeyPair(cs *ciphersuite.Suite, pathSecret []byte) (priv, pub []byte, err error) {
	nodeSecret := cs.DeriveSecret(pathSecret, ciphersuite.LabelNode)
	defer clear(nodeSecret)
	return cs.DeriveKeyPair(nodeSecret)
}

// PathSecrets derives the path secrets of a filtered direct path of n
// nodes from the leaf secret, and the commit secret after them (RFC 9420,
// Sections 7.4 and 12.4.1): path_secret[0] = DeriveSecret(leaf_secret,
// "path"), path_secret[i] = DeriveSecret(path_secret[i-1], "path"), and
// commit_secret = DeriveSecret(path_secret[n-1], "path"). When n is 0 (the
// committer is alone in the tree, or every copath subtree is blank) the
// commit secret is derived from the leaf secret directly.
func PathSecrets(cs *ciphersuite.Suite, leafSecret []byte, n int) (pathSecrets [][]byte, commitSecret []byte) {
	cur := leafSecret
	for range n {
		cur = NextPathSecret(cs, cur)
		pathSecrets = append(pathSecrets, cur)
	}
	return pathSecrets, NextPathSecret(cs, cur)
}

// NewLeafSecret draws a fresh leaf secret of KDF.Nh bytes from rand (RFC
// 9420, Section 7.4: the first secret of the chain "is sampled at
// random").
func NewLeafSecret(cs *ciphersuite.Suite, rand io.Reader) ([]byte, error) {
	s := make([]byte, cs.Nh())
	if _, err := io.ReadFull(rand, s); err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot read randomness for a leaf secret (RFC 9420, Section 7.4)")
	}
	return s, nil
}

// equalKeys compares two public keys. Public keys are not secret; the
// constant-time comparison costs nothing and keeps the habit.
func equalKeys(a, b []byte) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1
}
