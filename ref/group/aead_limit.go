package group

import (
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// DefaultMaxEpochBlocks is the default of Config.MaxEpochBlocks (RFC 9420,
// Section 15.2): 2^36 blocks of 16 octets, about 1 TiB per member and
// epoch. It is the confidentiality limit of AES-GCM under a single key at
// an attacker advantage of 2^-57 in CFRG-AEAD-LIMITS (blocks plus messages
// at most 2^36), which is also within the limits of ChaCha20-Poly1305. It
// is conservative for MLS, which encrypts every message under a key and
// nonce of its own from the secret tree (Section 9).
const DefaultMaxEpochBlocks uint64 = 1 << 36

func (c *Config) maxEpochBlocks() uint64 {
	if c.MaxEpochBlocks == 0 {
		return DefaultMaxEpochBlocks
	}
	return c.MaxEpochBlocks
}

// aeadBlocks is what encrypting a PrivateMessageContent of n octets adds to
// the epoch's count: its blocks of 16 octets and one for the message.
func aeadBlocks(n int) uint64 {
	return (uint64(n)+15)/16 + 1
}

// reserveBlocks checks that encrypting ac as a PrivateMessage with padding
// keeps this member within the epoch's AEAD limit (RFC 9420, Section
// 15.2), and returns the count that sending it leads to; the caller
// records it once the message is built.
func (g *Group) reserveBlocks(ac *framing.AuthenticatedContent, padding int) (uint64, error) {
	n, err := framing.PrivateContentSize(ac, padding)
	if err != nil {
		return 0, err
	}
	total := g.sentBlocks + aeadBlocks(n)
	// [R-15.2-1] [R-6.3.1-7]
	if total > g.cfg.maxEpochBlocks() || total < g.sentBlocks {
		return 0, mlserr.New("R-15.2-1", mlserr.ErrInvalidInput, "encrypting %d more octets would exceed the %d AEAD blocks this member may encrypt in epoch %d: commit first", n, g.cfg.maxEpochBlocks(), g.ctx.Epoch)
	}
	return total, nil
}
