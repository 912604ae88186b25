package schedule

import (
	"fmt"
	"math"
	"slices"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// RatchetType selects one of the two hash ratchets rooted at each leaf of
// the secret tree (RFC 9420, Section 9): handshake for Proposal and
// Commit messages, application for application data.
type RatchetType uint8

// The two hash ratchets of a leaf (RFC 9420, Section 9).
const (
	HandshakeRatchet   RatchetType = 1
	ApplicationRatchet RatchetType = 2
)

// String names rt as RFC 9420, Section 9 does ("handshake",
// "application"), which is also the label that starts the ratchet.
func (rt RatchetType) String() string {
	switch rt {
	case HandshakeRatchet:
		return "handshake"
	case ApplicationRatchet:
		return "application"
	}
	return fmt.Sprintf("RatchetType(%d)", uint8(rt))
}

func (rt RatchetType) index() (int, error) {
	switch rt {
	case HandshakeRatchet:
		return 0, nil
	case ApplicationRatchet:
		return 1, nil
	}
	return 0, mlserr.New("", mlserr.ErrInvalidInput, "undefined ratchet type %d (RFC 9420, Section 9)", uint8(rt))
}

// KeyNonce is the key and nonce of one generation of a hash ratchet (RFC
// 9420, Section 9.1): ratchet_key_[N]_[j] and ratchet_nonce_[N]_[j] with
// j = Generation. The nonce is the one from the key schedule, before the
// reuse guard of Section 6.3.1 is applied.
type KeyNonce struct {
	Generation uint32
	Key        []byte
	Nonce      []byte
}

// Erase zeroes the key and nonce (RFC 9420, Section 9.2): call it once
// the message they protect has been encrypted or decrypted.
func (kn *KeyNonce) Erase() {
	zero(kn.Key)
	zero(kn.Nonce)
}

// Limits bound what a receiver does for out-of-order delivery (RFC 9420,
// Sections 9.2 and 15.3).
type Limits struct {
	// MaxGenerationGap is how far ahead of a ratchet's current position
	// (the next generation it has not derived past) a requested
	// generation may lie: generation g is accepted when g - next <=
	// MaxGenerationGap. It bounds the key derivations one message can
	// force (Section 15.3).
	MaxGenerationGap uint32
	// MaxSkippedKeys is how many keys of skipped generations each ratchet
	// keeps for messages that arrive late (Sections 9.2 and 15.3). When
	// more would be kept, those of the oldest generations are deleted.
	MaxSkippedKeys uint32
}

// DefaultLimits are the limits mlsref uses unless told otherwise (RFC
// 9420, Section 15.3): a message may skip at most 1000 generations, and
// each ratchet keeps at most 256 keys of skipped generations.
func DefaultLimits() Limits { return Limits{MaxGenerationGap: 1000, MaxSkippedKeys: 256} }

// SecretTree is the secret tree of an epoch (RFC 9420, Section 9) with
// the hash ratchets of its leaves (Section 9.1), kept on the deletion
// schedule of Section 9.2:
//
//   - node secrets are derived lazily, only along the path to a leaf
//     that is used: the first key of a leaf costs O(log n) derivations;
//   - a node secret is deleted as soon as its children's secrets exist,
//     and a leaf's secret as soon as its two ratchet roots exist;
//   - a ratchet secret is deleted when the ratchet moves past it;
//   - a consumed key and nonce are deleted; keys of skipped generations
//     are kept, within Limits, for out-of-order delivery.
//
// A sender takes keys with Next, which consumes them. A receiver calls
// Derive, which has no side effect, to obtain the key and nonce for the
// generation named by a message; only after the message has decrypted
// does it call Consume for that generation. A message that fails to
// decrypt thus leaves the tree exactly as it was (byte for byte, see
// MarshalBinary).
//
// A SecretTree is not safe for concurrent use.
type SecretTree struct {
	suite   *ciphersuite.Suite
	nLeaves uint32
	limits  Limits
	// nodes holds the secrets of the nodes that have been derived but not
	// yet expanded into their children. Together with the leaves in
	// ratchets they partition the leaves of the tree.
	nodes map[treemath.NodeIndex][]byte
	// ratchets holds the hash ratchets of the leaves whose node secret
	// has been expanded.
	ratchets map[treemath.LeafIndex]*leafRatchets
}

type leafRatchets [2]hashRatchet // handshake, application

// hashRatchet is one sender ratchet (RFC 9420, Section 9.1).
type hashRatchet struct {
	// next is the generation of secret: every generation below it has
	// been consumed or is in skipped. It reaches 2^32 when the ratchet is
	// exhausted, and secret is then nil.
	next    uint64
	secret  []byte
	skipped map[uint32]KeyNonce
}

// NewSecretTree returns the secret tree for a group of nLeaves leaves whose
// root secret is encryption_secret (RFC 9420, Section 9). nLeaves is the
// leaf count of the ratchet tree, a power of two (Section 4.1). The secret
// is copied; the caller deletes its own copy (Section 9.2), as
// EpochSecrets.NewSecretTree does.
func NewSecretTree(suite *ciphersuite.Suite, encryptionSecret []byte, nLeaves uint32, limits Limits) (*SecretTree, error) {
	if err := checkLen(suite, encryptionSecret, "encryption_secret"); err != nil {
		return nil, err
	}
	if err := checkLeafCount(nLeaves); err != nil {
		return nil, err
	}
	root, err := treemath.Root(nLeaves)
	if err != nil {
		return nil, err
	}
	return &SecretTree{
		suite:    suite,
		nLeaves:  nLeaves,
		limits:   limits,
		nodes:    map[treemath.NodeIndex][]byte{root: clone(encryptionSecret)},
		ratchets: map[treemath.LeafIndex]*leafRatchets{},
	}, nil
}

func checkLeafCount(n uint32) error {
	if n == 0 || n > treemath.MaxLeaves || n&(n-1) != 0 {
		return mlserr.New("", mlserr.ErrInvalidInput,
			"secret tree of %d leaves: the leaf count must be a power of two between 1 and 2^31 (RFC 9420, Sections 4.1 and 9)", n)
	}
	return nil
}

// NLeaves returns the number of leaves of t (RFC 9420, Section 9).
func (t *SecretTree) NLeaves() uint32 { return t.nLeaves }

// Limits returns the out-of-order limits of t (RFC 9420, Section 15.3).
func (t *SecretTree) Limits() Limits { return t.limits }

// Suite returns the cipher suite of t (RFC 9420, Section 9).
func (t *SecretTree) Suite() *ciphersuite.Suite { return t.suite }

// view returns the state of leaf's ratchet rt without changing t: the
// stored ratchet, or, for a leaf not yet expanded, a fresh ratchet at
// generation 0 whose secret the caller must zero (fresh is true).
func (t *SecretTree) view(leaf treemath.LeafIndex, rt RatchetType) (r *hashRatchet, fresh bool, err error) {
	i, err := rt.index()
	if err != nil {
		return nil, false, err
	}
	if uint32(leaf) >= t.nLeaves {
		return nil, false, mlserr.New("", mlserr.ErrInvalidInput,
			"leaf index %d is outside the secret tree of %d leaves (RFC 9420, Section 9)", leaf, t.nLeaves)
	}
	if lr, ok := t.ratchets[leaf]; ok {
		return &lr[i], false, nil
	}
	start, secret, err := t.ancestorSecret(leaf)
	if err != nil {
		return nil, false, err
	}
	s := clone(secret)
	for x := start; x != leaf.Node(); {
		child, right, err := towards(x, leaf)
		if err != nil {
			zero(s)
			return nil, false, err
		}
		ctx := []byte(ciphersuite.TreeContextLeft)
		if right {
			ctx = []byte(ciphersuite.TreeContextRight)
		}
		next := t.suite.ExpandWithLabel(s, ciphersuite.LabelTree, ctx, t.suite.Nh())
		zero(s)
		s, x = next, child
	}
	root := t.suite.ExpandWithLabel(s, ratchetLabel(rt), nil, t.suite.Nh())
	zero(s)
	return &hashRatchet{secret: root}, true, nil
}

// ancestorSecret finds the stored secret on the path from leaf up to the
// root: there is exactly one for a leaf that has not been expanded.
func (t *SecretTree) ancestorSecret(leaf treemath.LeafIndex) (treemath.NodeIndex, []byte, error) {
	x := leaf.Node()
	for {
		if s, ok := t.nodes[x]; ok {
			return x, s, nil
		}
		p, err := treemath.Parent(x, t.nLeaves)
		if err != nil {
			return 0, nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err,
				"secret tree holds no secret above leaf %d (RFC 9420, Section 9)", leaf)
		}
		x = p
	}
}

// towards returns the child of x on the way down to leaf, and whether it
// is the right child (RFC 9420, Appendix C).
func towards(x treemath.NodeIndex, leaf treemath.LeafIndex) (treemath.NodeIndex, bool, error) {
	if leaf.Node() < x {
		c, err := treemath.Left(x)
		return c, false, err
	}
	c, err := treemath.Right(x)
	return c, true, err
}

func ratchetLabel(rt RatchetType) string {
	if rt == HandshakeRatchet {
		return ciphersuite.LabelHandshake
	}
	return ciphersuite.LabelApplication
}

// expand derives the ratchets of leaf and deletes every node secret
// consumed on the way (RFC 9420, Sections 9 and 9.2): the secrets on the
// path from the stored ancestor down to the leaf are replaced by those of
// the path's siblings, and the leaf secret by its two ratchet roots.
func (t *SecretTree) expand(leaf treemath.LeafIndex) (*leafRatchets, error) {
	if lr, ok := t.ratchets[leaf]; ok {
		return lr, nil
	}
	start, s, err := t.ancestorSecret(leaf)
	if err != nil {
		return nil, err
	}
	// Compute everything before changing t, so that an error leaves t as
	// it was.
	type kept struct {
		node   treemath.NodeIndex
		secret []byte
	}
	var siblings []kept
	s = clone(s)
	for x := start; x != leaf.Node(); {
		l, err := treemath.Left(x)
		if err != nil {
			return nil, err
		}
		r, err := treemath.Right(x)
		if err != nil {
			return nil, err
		}
		ls := t.suite.ExpandWithLabel(s, ciphersuite.LabelTree, []byte(ciphersuite.TreeContextLeft), t.suite.Nh())
		rs := t.suite.ExpandWithLabel(s, ciphersuite.LabelTree, []byte(ciphersuite.TreeContextRight), t.suite.Nh())
		zero(s)
		if leaf.Node() < x {
			siblings = append(siblings, kept{r, rs})
			s, x = ls, l
		} else {
			siblings = append(siblings, kept{l, ls})
			s, x = rs, r
		}
	}
	lr := &leafRatchets{
		{secret: t.suite.ExpandWithLabel(s, ciphersuite.LabelHandshake, nil, t.suite.Nh())},
		{secret: t.suite.ExpandWithLabel(s, ciphersuite.LabelApplication, nil, t.suite.Nh())},
	}
	zero(s)
	// [R-9.2-5]
	zero(t.nodes[start])
	delete(t.nodes, start)
	for _, k := range siblings {
		t.nodes[k.node] = k.secret
	}
	t.ratchets[leaf] = lr
	return lr, nil
}

func (t *SecretTree) keyNonce(secret []byte, gen uint32) KeyNonce {
	return KeyNonce{
		Generation: gen,
		Key:        t.suite.DeriveTreeSecret(secret, ciphersuite.LabelKey, gen, t.suite.AEADKeySize()),
		Nonce:      t.suite.DeriveTreeSecret(secret, ciphersuite.LabelNonce, gen, t.suite.AEADNonceSize()),
	}
}

// check applies the receiver's rules to a request for generation gen of
// r (RFC 9420, Sections 9.2 and 15.3).
func (t *SecretTree) check(leaf treemath.LeafIndex, rt RatchetType, r *hashRatchet, gen uint32) error {
	if _, ok := r.skipped[gen]; ok {
		return nil
	}
	// [R-9.2-1]
	if uint64(gen) < r.next {
		return mlserr.New("R-9.2-1", mlserr.ErrGeneration,
			"generation %d of leaf %d's %v ratchet was already consumed or its key deleted (the ratchet is at generation %d)", gen, leaf, rt, r.next)
	}
	// [R-15.3-2]
	if uint64(gen)-r.next > uint64(t.limits.MaxGenerationGap) {
		return mlserr.New("R-15.3-2", mlserr.ErrGeneration,
			"generation %d of leaf %d's %v ratchet is %d steps ahead of generation %d, beyond the limit of %d", gen, leaf, rt, uint64(gen)-r.next, r.next, t.limits.MaxGenerationGap)
	}
	return nil
}

// Derive returns the key and nonce of generation gen of leaf's ratchet rt
// (RFC 9420, Section 9.1) without changing t. It fails with
// mlserr.ErrGeneration when gen was already consumed (or its key deleted)
// or lies more than Limits.MaxGenerationGap ahead, and with
// mlserr.ErrInvalidInput for a leaf outside the tree. After the message
// has been decrypted, call Consume(leaf, rt, gen).
func (t *SecretTree) Derive(leaf treemath.LeafIndex, rt RatchetType, gen uint32) (*KeyNonce, error) {
	r, fresh, err := t.view(leaf, rt)
	if err != nil {
		return nil, err
	}
	if fresh {
		defer zero(r.secret)
	}
	if err := t.check(leaf, rt, r, gen); err != nil {
		return nil, err
	}
	if kn, ok := r.skipped[gen]; ok {
		return &KeyNonce{Generation: gen, Key: clone(kn.Key), Nonce: clone(kn.Nonce)}, nil
	}
	s := clone(r.secret)
	for j := r.next; j < uint64(gen); j++ {
		next := t.suite.DeriveTreeSecret(s, ciphersuite.LabelSecret, uint32(j), t.suite.Nh())
		zero(s)
		s = next
	}
	kn := t.keyNonce(s, gen)
	zero(s)
	return &kn, nil
}

// Consume records that generation gen of leaf's ratchet rt has been used
// to decrypt a message (RFC 9420, Section 9.2): its key and nonce are
// deleted, the ratchet moves past gen, and the keys of generations it
// skips are kept (at most Limits.MaxSkippedKeys, the oldest deleted
// first) for messages that arrive out of order. It fails, leaving t
// unchanged, exactly when Derive would.
func (t *SecretTree) Consume(leaf treemath.LeafIndex, rt RatchetType, gen uint32) error {
	r, fresh, err := t.view(leaf, rt)
	if err != nil {
		return err
	}
	err = t.check(leaf, rt, r, gen)
	if fresh {
		zero(r.secret)
	}
	if err != nil {
		return err
	}
	lr, err := t.expand(leaf)
	if err != nil {
		return err
	}
	i, _ := rt.index()
	t.advance(&lr[i], gen)
	return nil
}

// Next returns the key and nonce of the next generation of leaf's ratchet
// rt and consumes it (RFC 9420, Sections 9.1 and 9.2): the sender's path.
// Each generation is handed out once, so no key/nonce pair encrypts two
// messages. The caller erases the key and nonce after use.
func (t *SecretTree) Next(leaf treemath.LeafIndex, rt RatchetType) (*KeyNonce, error) {
	r, fresh, err := t.view(leaf, rt)
	if err != nil {
		return nil, err
	}
	next := r.next
	if fresh {
		zero(r.secret)
	}
	// [R-9.1-1]
	if next > math.MaxUint32 {
		return nil, mlserr.New("R-9.1-1", mlserr.ErrGeneration,
			"leaf %d's %v ratchet has used all 2^32 generations", leaf, rt)
	}
	lr, err := t.expand(leaf)
	if err != nil {
		return nil, err
	}
	i, _ := rt.index()
	gen := uint32(next)
	kn := t.keyNonce(lr[i].secret, gen)
	t.advance(&lr[i], gen)
	return &kn, nil
}

// advance moves r past generation gen, which check has accepted.
func (t *SecretTree) advance(r *hashRatchet, gen uint32) {
	if kn, ok := r.skipped[gen]; ok {
		// [R-9.2-7]
		kn.Erase()
		delete(r.skipped, gen)
		return
	}
	s := r.secret
	for j := r.next; ; j++ {
		g := uint32(j)
		if g < gen {
			// Keep only the keys the limit allows: the newest ones.
			if uint64(gen)-j <= uint64(t.limits.MaxSkippedKeys) {
				if r.skipped == nil {
					r.skipped = map[uint32]KeyNonce{}
				}
				r.skipped[g] = t.keyNonce(s, g)
			}
		}
		var next []byte
		if g < math.MaxUint32 {
			next = t.suite.DeriveTreeSecret(s, ciphersuite.LabelSecret, g, t.suite.Nh())
		}
		// [R-9.2-6]
		zero(s)
		s = next
		if g == gen {
			break
		}
	}
	r.secret = s
	r.next = uint64(gen) + 1
	// [R-15.3-1]
	if n := len(r.skipped) - int(t.limits.MaxSkippedKeys); n > 0 {
		gens := make([]uint32, 0, len(r.skipped))
		for g := range r.skipped {
			gens = append(gens, g)
		}
		slices.Sort(gens)
		for _, g := range gens[:n] {
			kn := r.skipped[g]
			kn.Erase()
			delete(r.skipped, g)
		}
	}
	if len(r.skipped) == 0 {
		r.skipped = nil
	}
}

// Clone returns a deep copy of t (RFC 9420, Section 9), sharing no
// secret with it.
func (t *SecretTree) Clone() *SecretTree {
	c := &SecretTree{
		suite:    t.suite,
		nLeaves:  t.nLeaves,
		limits:   t.limits,
		nodes:    make(map[treemath.NodeIndex][]byte, len(t.nodes)),
		ratchets: make(map[treemath.LeafIndex]*leafRatchets, len(t.ratchets)),
	}
	for x, s := range t.nodes {
		c.nodes[x] = clone(s)
	}
	for l, lr := range t.ratchets {
		var nl leafRatchets
		for i := range lr {
			nl[i] = hashRatchet{next: lr[i].next, secret: clone(lr[i].secret)}
			if lr[i].skipped != nil {
				nl[i].skipped = make(map[uint32]KeyNonce, len(lr[i].skipped))
				for g, kn := range lr[i].skipped {
					nl[i].skipped[g] = KeyNonce{Generation: g, Key: clone(kn.Key), Nonce: clone(kn.Nonce)}
				}
			}
		}
		c.ratchets[l] = &nl
	}
	return c
}

// Erase zeroes every secret, key and nonce in t and empties it (RFC 9420,
// Section 9.2), for when its epoch is left behind. t is unusable after.
func (t *SecretTree) Erase() {
	for x, s := range t.nodes {
		zero(s)
		delete(t.nodes, x)
	}
	for l, lr := range t.ratchets {
		for i := range lr {
			zero(lr[i].secret)
			for _, kn := range lr[i].skipped {
				kn.Erase()
			}
		}
		delete(t.ratchets, l)
	}
	t.nLeaves = 0
}
