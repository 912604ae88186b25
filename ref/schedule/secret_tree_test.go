package schedule

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

func u32(g uint32) []byte { return []byte{byte(g >> 24), byte(g >> 16), byte(g >> 8), byte(g)} }

func newTree(t *testing.T, n uint32, limits Limits) *SecretTree {
	t.Helper()
	tree, err := NewSecretTree(suite1(t), seq(32, 0xe0), n, limits)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func state(t *testing.T, tree *SecretTree) []byte {
	t.Helper()
	b, err := tree.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSecretTreeReference follows Figures 25 and 26 and Section 9.1 by hand
// for leaf 2 of a four-leaf tree: root 3, then its right child 5, then 5's
// left child 4.
func TestSecretTreeReference(t *testing.T) {
	enc := seq(32, 0xe0)
	n5 := refExpandWithLabel(t, enc, "tree", []byte("right"), 32)
	n4 := refExpandWithLabel(t, n5, "tree", []byte("left"), 32)
	for _, rt := range []RatchetType{HandshakeRatchet, ApplicationRatchet} {
		secret := refExpandWithLabel(t, n4, rt.String(), nil, 32)
		recv := newTree(t, 4, DefaultLimits())
		send := newTree(t, 4, DefaultLimits())
		for g := uint32(0); g < 4; g++ {
			wantKey := refExpandWithLabel(t, secret, "key", u32(g), 16)
			wantNonce := refExpandWithLabel(t, secret, "nonce", u32(g), 12)
			kn, err := recv.Derive(2, rt, g)
			if err != nil {
				t.Fatal(err)
			}
			if kn.Generation != g || !bytes.Equal(kn.Key, wantKey) || !bytes.Equal(kn.Nonce, wantNonce) {
				t.Fatalf("%v gen %d: Derive = %x/%x, want %x/%x", rt, g, kn.Key, kn.Nonce, wantKey, wantNonce)
			}
			if err := recv.Consume(2, rt, g); err != nil {
				t.Fatal(err)
			}
			sn, err := send.Next(2, rt)
			if err != nil {
				t.Fatal(err)
			}
			if sn.Generation != g || !bytes.Equal(sn.Key, wantKey) || !bytes.Equal(sn.Nonce, wantNonce) {
				t.Fatalf("%v gen %d: Next = %d %x/%x", rt, g, sn.Generation, sn.Key, sn.Nonce)
			}
			secret = refExpandWithLabel(t, secret, "secret", u32(g), 32)
		}
	}
}

// TestSecretTreeLazyAndDeletion checks that using one leaf of a 1024-leaf
// tree derives only along its path (Section 9), deletes the path's node
// secrets (Section 9.2) and keeps exactly the path's siblings.
func TestSecretTreeLazyAndDeletion(t *testing.T) {
	tree := newTree(t, 1024, DefaultLimits())
	const leaf = treemath.LeafIndex(5)
	if _, err := tree.Derive(leaf, ApplicationRatchet, 0); err != nil {
		t.Fatal(err)
	}
	if len(tree.nodes) != 1 || len(tree.ratchets) != 0 {
		t.Fatal("Derive changed the tree")
	}
	if err := tree.Consume(leaf, ApplicationRatchet, 0); err != nil {
		t.Fatal(err)
	}
	copath, err := treemath.Copath(leaf.Node(), 1024)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.nodes) != len(copath) || len(copath) != 10 {
		t.Fatalf("tree keeps %d node secrets, want the %d of the copath", len(tree.nodes), len(copath))
	}
	for _, x := range copath {
		if _, ok := tree.nodes[x]; !ok {
			t.Errorf("copath node %d has no secret", x)
		}
	}
	path, _ := treemath.DirectPath(leaf.Node(), 1024)
	for _, x := range append(path, leaf.Node()) {
		// R-9.2-5: the node secrets on the path are deleted.
		if _, ok := tree.nodes[x]; ok {
			t.Errorf("node %d on the path keeps its secret", x)
		}
	}
	if len(tree.ratchets) != 1 || tree.ratchets[leaf][1].next != 1 || tree.ratchets[leaf][0].next != 0 {
		t.Fatal("ratchets not as expected after consuming generation 0 of the application ratchet")
	}
	// A second leaf in the sibling subtree consumes one copath secret.
	if err := tree.Consume(4, HandshakeRatchet, 0); err != nil {
		t.Fatal(err)
	}
	if _, ok := tree.nodes[treemath.LeafIndex(4).Node()]; ok {
		t.Error("leaf 4's node secret kept after its ratchets were derived")
	}
	if _, err := UnmarshalSecretTree(state(t, tree)); err != nil {
		t.Fatalf("state after use does not decode: %v", err)
	}
}

// TestSecretTreeRejects checks every way a receiver's request can fail,
// and that neither Derive nor Consume changes the tree when it does.
func TestSecretTreeRejects(t *testing.T) {
	limits := Limits{MaxGenerationGap: 10, MaxSkippedKeys: 3}
	setup := func(t *testing.T) *SecretTree {
		tree := newTree(t, 4, limits)
		// Application ratchet of leaf 1: consume 5 (keeping 2, 3, 4),
		// then 3.
		for _, g := range []uint32{5, 3} {
			if err := tree.Consume(1, ApplicationRatchet, g); err != nil {
				t.Fatal(err)
			}
		}
		return tree
	}
	tests := []struct {
		name  string
		leaf  treemath.LeafIndex
		rt    RatchetType
		gen   uint32
		class error
		req   string
	}{
		{"replay of the newest generation", 1, ApplicationRatchet, 5, mlserr.ErrGeneration, "R-9.2-1"},
		{"replay of a late generation", 1, ApplicationRatchet, 3, mlserr.ErrGeneration, "R-9.2-1"},
		{"generation evicted by MaxSkippedKeys", 1, ApplicationRatchet, 1, mlserr.ErrGeneration, "R-9.2-1"},
		{"too far ahead", 1, ApplicationRatchet, 6 + 11, mlserr.ErrGeneration, "R-15.3-2"},
		{"too far ahead of a fresh ratchet", 2, HandshakeRatchet, 11, mlserr.ErrGeneration, "R-15.3-2"},
		{"far beyond", 0, HandshakeRatchet, math.MaxUint32, mlserr.ErrGeneration, "R-15.3-2"},
		{"leaf out of range", 4, HandshakeRatchet, 0, mlserr.ErrInvalidInput, ""},
		{"leaf far out of range", math.MaxUint32, HandshakeRatchet, 0, mlserr.ErrInvalidInput, ""},
		{"undefined ratchet type", 0, 0, 0, mlserr.ErrInvalidInput, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree := setup(t)
			before := state(t, tree)
			if kn, err := tree.Derive(tc.leaf, tc.rt, tc.gen); !errors.Is(err, tc.class) || mlserr.RequirementOf(err) != tc.req {
				t.Fatalf("Derive = %v, %v; want class %v, requirement %q", kn, err, tc.class, tc.req)
			}
			if !bytes.Equal(state(t, tree), before) {
				t.Fatal("a failed Derive changed the tree")
			}
			if err := tree.Consume(tc.leaf, tc.rt, tc.gen); !errors.Is(err, tc.class) || mlserr.RequirementOf(err) != tc.req {
				t.Fatalf("Consume = %v; want class %v, requirement %q", err, tc.class, tc.req)
			}
			if !bytes.Equal(state(t, tree), before) {
				t.Fatal("a failed Consume changed the tree")
			}
			if tc.rt != 0 && tc.req == "" {
				if _, err := tree.Next(tc.leaf, tc.rt); !errors.Is(err, tc.class) {
					t.Fatalf("Next = %v; want class %v", err, tc.class)
				}
				if !bytes.Equal(state(t, tree), before) {
					t.Fatal("a failed Next changed the tree")
				}
			}
		})
	}
	// The limits themselves are inclusive: exactly MaxGenerationGap ahead
	// is accepted.
	tree := setup(t)
	if err := tree.Consume(1, ApplicationRatchet, 6+10); err != nil {
		t.Fatalf("generation exactly MaxGenerationGap ahead rejected: %v", err)
	}
}

// TestSecretTreeOutOfOrder delivers generations out of order and checks
// every key against the sender's, and that Derive alone never changes the
// tree (a failed decryption leaves no trace).
func TestSecretTreeOutOfOrder(t *testing.T) {
	send := newTree(t, 2, DefaultLimits())
	var sent []*KeyNonce
	for g := 0; g < 8; g++ {
		kn, err := send.Next(0, HandshakeRatchet)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, kn)
	}
	recv := newTree(t, 2, DefaultLimits())
	for _, g := range []uint32{5, 2, 7, 0, 6, 1, 3, 4} {
		before := state(t, recv)
		kn, err := recv.Derive(0, HandshakeRatchet, g)
		if err != nil {
			t.Fatalf("generation %d: %v", g, err)
		}
		if !bytes.Equal(state(t, recv), before) {
			t.Fatalf("Derive of generation %d changed the tree", g)
		}
		if !bytes.Equal(kn.Key, sent[g].Key) || !bytes.Equal(kn.Nonce, sent[g].Nonce) {
			t.Fatalf("generation %d: receiver and sender keys differ", g)
		}
		if err := recv.Consume(0, HandshakeRatchet, g); err != nil {
			t.Fatalf("Consume(%d): %v", g, err)
		}
		if _, err := recv.Derive(0, HandshakeRatchet, g); !errors.Is(err, mlserr.ErrGeneration) {
			t.Fatalf("generation %d usable after Consume: %v", g, err)
		}
	}
	if r := recv.ratchets[0][0]; r.next != 8 || len(r.skipped) != 0 {
		t.Fatalf("ratchet at %d with %d skipped keys, want 8 and none", r.next, len(r.skipped))
	}
	// The sender's own next generation never repeats one it handed out.
	if kn, err := send.Next(0, HandshakeRatchet); err != nil || kn.Generation != 8 {
		t.Fatalf("Next = %v, %v; want generation 8", kn, err)
	}
}

func TestSecretTreeSkippedKeyEviction(t *testing.T) {
	tree := newTree(t, 1, Limits{MaxGenerationGap: 100, MaxSkippedKeys: 3})
	if err := tree.Consume(0, ApplicationRatchet, 10); err != nil {
		t.Fatal(err)
	}
	skipped := func() []uint32 {
		var out []uint32
		for g := uint32(0); g < 20; g++ {
			if _, ok := tree.ratchets[0][1].skipped[g]; ok {
				out = append(out, g)
			}
		}
		return out
	}
	if got := skipped(); !equalU32(got, []uint32{7, 8, 9}) {
		t.Fatalf("skipped keys %v, want [7 8 9]", got)
	}
	if err := tree.Consume(0, ApplicationRatchet, 12); err != nil {
		t.Fatal(err)
	}
	if got := skipped(); !equalU32(got, []uint32{8, 9, 11}) {
		t.Fatalf("skipped keys %v, want [8 9 11]", got)
	}
	// With no room for skipped keys, nothing late can be decrypted.
	none := newTree(t, 1, Limits{MaxGenerationGap: 100, MaxSkippedKeys: 0})
	if err := none.Consume(0, ApplicationRatchet, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := none.Derive(0, ApplicationRatchet, 2); !errors.Is(err, mlserr.ErrGeneration) {
		t.Fatalf("late generation with MaxSkippedKeys 0: %v", err)
	}
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSecretTreeExhaustion(t *testing.T) {
	tree := newTree(t, 1, DefaultLimits())
	if _, err := tree.Next(0, HandshakeRatchet); err != nil {
		t.Fatal(err)
	}
	// Move the ratchet to its last generation by hand: reaching it through
	// the API would take 2^32 derivations.
	tree.ratchets[0][0].next = math.MaxUint32
	kn, err := tree.Next(0, HandshakeRatchet)
	if err != nil || kn.Generation != math.MaxUint32 {
		t.Fatalf("Next = %v, %v; want generation 2^32-1", kn, err)
	}
	before := state(t, tree)
	if _, err := tree.Next(0, HandshakeRatchet); !errors.Is(err, mlserr.ErrGeneration) || mlserr.RequirementOf(err) != "R-9.1-1" {
		t.Fatalf("Next on an exhausted ratchet = %v", err)
	}
	if _, err := tree.Derive(0, HandshakeRatchet, math.MaxUint32); !errors.Is(err, mlserr.ErrGeneration) {
		t.Fatalf("Derive on an exhausted ratchet = %v", err)
	}
	if !bytes.Equal(state(t, tree), before) {
		t.Fatal("failed calls changed an exhausted ratchet")
	}
	back, err := UnmarshalSecretTree(before)
	if err != nil || !back.Equal(tree) {
		t.Fatalf("exhausted ratchet does not round-trip: %v", err)
	}
}

func TestSecretTreeStateRoundTrip(t *testing.T) {
	tree := newTree(t, 8, Limits{MaxGenerationGap: 50, MaxSkippedKeys: 5})
	for _, op := range []struct {
		leaf treemath.LeafIndex
		rt   RatchetType
		gen  uint32
	}{{3, ApplicationRatchet, 4}, {3, HandshakeRatchet, 0}, {6, ApplicationRatchet, 9}, {3, ApplicationRatchet, 1}} {
		if err := tree.Consume(op.leaf, op.rt, op.gen); err != nil {
			t.Fatal(err)
		}
	}
	enc := state(t, tree)
	back, err := UnmarshalSecretTree(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(state(t, back), enc) || !back.Equal(tree) || back.Limits() != tree.Limits() || back.NLeaves() != 8 {
		t.Fatal("state does not round-trip")
	}
	// A clone is equal and independent.
	c := tree.Clone()
	if !c.Equal(tree) {
		t.Fatal("Clone differs")
	}
	if err := c.Consume(3, ApplicationRatchet, 2); err != nil {
		t.Fatal(err)
	}
	if c.Equal(tree) || !bytes.Equal(state(t, tree), enc) {
		t.Fatal("Consume on a clone reached the original")
	}
	c.ratchets[6][1].skipped[8].Key[0] ^= 1
	if !bytes.Equal(state(t, tree), enc) {
		t.Fatal("clone shares key memory with the original")
	}
	// Erase empties the tree.
	c.Erase()
	if len(c.nodes) != 0 || len(c.ratchets) != 0 {
		t.Fatal("Erase left secrets")
	}
	if _, err := c.Derive(0, HandshakeRatchet, 0); err == nil {
		t.Fatal("an erased tree still derives keys")
	}
}

func TestUnmarshalSecretTreeRejects(t *testing.T) {
	tree := newTree(t, 2, DefaultLimits())
	if err := tree.Consume(1, ApplicationRatchet, 2); err != nil {
		t.Fatal(err)
	}
	good := state(t, tree)
	// good: format(1) suite(2) n(4) gap(4) skip(4) = 15 bytes of header,
	// then nodes<V> = 0x25 | 00000000 | 0x20 secret(32), then leaves<V>.
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, good...)) }
	tests := map[string][]byte{
		"empty":              nil,
		"format 2":           mod(func(b []byte) []byte { b[0] = 2; return b }),
		"unknown suite":      mod(func(b []byte) []byte { b[2] = 0x42; return b }),
		"three leaves":       mod(func(b []byte) []byte { b[6] = 3; return b }),
		"four leaves":        mod(func(b []byte) []byte { b[6] = 4; return b }),
		"zero leaves":        mod(func(b []byte) []byte { b[6] = 0; return b }),
		"no skipped allowed": mod(func(b []byte) []byte { b[11], b[12], b[13], b[14] = 0, 0, 0, 0; return b }),
		"node outside tree":  mod(func(b []byte) []byte { b[19] = 4; return b }),
		"node is the root":   mod(func(b []byte) []byte { b[19] = 1; return b }),
		"short node secret":  mod(func(b []byte) []byte { b[20] = 0x1f; return b }),
		"leaf 1 twice":       mod(func(b []byte) []byte { b[19] = 2; return b }),
		"trailing byte":      mod(func(b []byte) []byte { return append(b, 0) }),
		"truncated":          good[:len(good)-1],
		"no node secrets":    append(append(append([]byte{}, good[:15]...), 0x00), good[15+1+4+1+32:]...),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := UnmarshalSecretTree(in)
			if err == nil {
				t.Fatal("accepted")
			}
			t.Log(err)
		})
	}
	if _, err := UnmarshalSecretTree(good); err != nil {
		t.Fatalf("good state rejected: %v", err)
	}
}

func TestNewSecretTreeRejects(t *testing.T) {
	s := suite1(t)
	for _, n := range []uint32{0, 3, 6, 1<<31 + 1, math.MaxUint32} {
		if _, err := NewSecretTree(s, seq(32, 0), n, DefaultLimits()); !errors.Is(err, mlserr.ErrInvalidInput) {
			t.Errorf("%d leaves: %v", n, err)
		}
	}
	if _, err := NewSecretTree(s, seq(31, 0), 2, DefaultLimits()); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("31-byte encryption_secret: %v", err)
	}
	if tr, err := NewSecretTree(s, seq(32, 0), 1<<31, DefaultLimits()); err != nil {
		t.Errorf("2^31 leaves: %v", err)
	} else if _, err := tr.Derive(1<<31-1, ApplicationRatchet, 0); err != nil {
		t.Errorf("last leaf of 2^31: %v", err)
	}
}

func TestSenderDataKeyNonce(t *testing.T) {
	s := suite1(t)
	secret := seq(32, 0x11)
	long := seq(40, 0x50)
	key, nonce := SenderDataKeyNonce(s, secret, long)
	if want := refExpandWithLabel(t, secret, "key", long[:32], 16); !bytes.Equal(key, want) {
		t.Errorf("sender_data_key = %x, want %x", key, want)
	}
	if want := refExpandWithLabel(t, secret, "nonce", long[:32], 12); !bytes.Equal(nonce, want) {
		t.Errorf("sender_data_nonce = %x, want %x", nonce, want)
	}
	short := seq(5, 0x50)
	key, _ = SenderDataKeyNonce(s, secret, short)
	if want := refExpandWithLabel(t, secret, "key", short, 16); !bytes.Equal(key, want) {
		t.Errorf("sender_data_key of a short ciphertext = %x, want %x", key, want)
	}
}
