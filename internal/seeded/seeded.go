// Package seeded turns a seed string into a reproducible stream of bytes.
// mlsref takes all randomness from an injected io.Reader; with a Reader from
// this package every operation is reproducible byte for byte, which is what
// makes generated vectors and shrunk property failures replayable.
package seeded

import (
	"crypto/sha3"
	"io"
)

// New returns an endless deterministic stream derived from seed with
// SHAKE256. It must never be used where real secrecy is needed.
func New(seed string) io.Reader {
	h := sha3.NewSHAKE256()
	h.Write([]byte("mlsref seeded stream v1\x00"))
	h.Write([]byte(seed))
	return h
}
