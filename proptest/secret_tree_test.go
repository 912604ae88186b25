package proptest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/mlsref/mlsref/model"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/treemath"
)

// delivery is a receiver's window limits and the generations it receives,
// in order, from one sender ratchet.
type delivery struct {
	Gap, Kept uint32
	Leaf      uint32
	Handshake bool
	Gens      []uint32
}

// senderAndReceiver returns two copies of the secret tree of an epoch of 8
// leaves (RFC 9420, Section 9) with the receiver limits of d.
func senderAndReceiver(t *testing.T, d delivery) (snd, rcv *schedule.SecretTree) {
	t.Helper()
	s, err := ciphersuite.Lookup(ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte{7}, s.Nh())
	lim := schedule.Limits{MaxGenerationGap: d.Gap, MaxSkippedKeys: d.Kept}
	if snd, err = schedule.NewSecretTree(s, secret, 8, lim); err != nil {
		t.Fatal(err)
	}
	if rcv, err = schedule.NewSecretTree(s, secret, 8, lim); err != nil {
		t.Fatal(err)
	}
	return snd, rcv
}

// receive delivers d.Gens to a receiver and checks every outcome against
// the model's window (RFC 9420, Sections 9.2 and 15.3): an accepted
// generation yields the sender's key and nonce, a refused one an
// ErrGeneration with the model's requirement and an unchanged tree. It
// returns how many generations were accepted.
func receive(t *testing.T, d delivery) (int, error) {
	snd, rcv := senderAndReceiver(t, d)
	leaf := treemath.LeafIndex(d.Leaf)
	rt := schedule.ApplicationRatchet
	if d.Handshake {
		rt = schedule.HandshakeRatchet
	}
	maxGen := uint32(0)
	for _, g := range d.Gens {
		maxGen = max(maxGen, g)
	}
	var sent []*schedule.KeyNonce
	for range maxGen + 1 {
		kn, err := snd.Next(leaf, rt)
		if err != nil {
			return 0, err
		}
		sent = append(sent, kn)
	}
	w := &model.Window{}
	lim := model.Limits{MaxGenerationGap: d.Gap, MaxSkippedKeys: d.Kept}
	accepted := 0
	for i, g := range d.Gens {
		v := w.Judge(g, lim)
		before, _ := rcv.MarshalBinary()
		kn, err := rcv.Derive(leaf, rt, g)
		if v.Accept() {
			if err != nil {
				return 0, fmt.Errorf("delivery %d (generation %d): refused: %v, the model accepts", i, g, err)
			}
			if !bytes.Equal(kn.Key, sent[g].Key) || !bytes.Equal(kn.Nonce, sent[g].Nonce) {
				return 0, fmt.Errorf("delivery %d: generation %d yields another key", i, g)
			}
			if err := rcv.Consume(leaf, rt, g); err != nil {
				return 0, fmt.Errorf("delivery %d: Consume(%d): %v", i, g, err)
			}
			w.Consume(g, lim)
			accepted++
			continue
		}
		if err == nil || !errors.Is(err, mlserr.ErrGeneration) || !v.Explains(err) {
			return 0, fmt.Errorf("delivery %d (generation %d): %v, the model %v", i, g, err, v)
		}
		if err := rcv.Consume(leaf, rt, g); err == nil {
			return 0, fmt.Errorf("delivery %d: Consume(%d) succeeds after Derive failed", i, g)
		}
		if after, _ := rcv.MarshalBinary(); !bytes.Equal(before, after) {
			return 0, fmt.Errorf("delivery %d: the refused generation %d changed the tree", i, g)
		}
	}
	return accepted, nil
}

// genDelivery draws limits of 0 to 6 and 0 to 12 generations of 0 to 20,
// with repeats.
func genDelivery() gopter.Gen {
	return gopter.CombineGens(gen.UInt32Range(0, 6), gen.UInt32Range(0, 6), gen.UInt32Range(0, 7), gen.Bool(),
		gen.SliceOfN(12, gen.UInt32Range(0, 20))).Map(func(v []any) delivery {
		return delivery{Gap: v[0].(uint32), Kept: v[1].(uint32), Leaf: v[2].(uint32), Handshake: v[3].(bool), Gens: v[4].([]uint32)}
	})
}

// genWithinWindow draws limits and a permutation of generations 0 to n-1
// with n at most Gap+1 and Kept+1: every such order decrypts in full.
func genWithinWindow() gopter.Gen {
	return gopter.CombineGens(gen.UInt32Range(0, 10), gen.UInt32Range(0, 10), gen.UInt32Range(0, 7), gen.Bool(), gen.Int64()).Map(func(v []any) delivery {
		d := delivery{Gap: v[0].(uint32), Kept: v[1].(uint32), Leaf: v[2].(uint32), Handshake: v[3].(bool)}
		n := min(d.Gap, d.Kept) + 1
		perm := make([]uint32, n)
		for i := range perm {
			perm[i] = uint32(i)
		}
		seed := uint64(v[4].(int64))
		for i := len(perm) - 1; i > 0; i-- {
			seed = seed*6364136223846793005 + 1442695040888963407
			j := int(seed>>33) % (i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
		d.Gens = perm
		return d
	})
}

func TestSecretTreeWindow(t *testing.T) {
	properties(t, 300, func(ps *gopter.Properties) {
		ps.Property("every delivery order is accepted or refused as the window says", prop.ForAll(func(d delivery) (bool, error) {
			_, err := receive(t, d)
			return err == nil, err
		}, genDelivery()))
		ps.Property("any order of Gap+1 and Kept+1 generations decrypts in full", prop.ForAll(func(d delivery) (bool, error) {
			n, err := receive(t, d)
			if err == nil && n != len(d.Gens) {
				err = fmt.Errorf("%d of %d decrypted", n, len(d.Gens))
			}
			return err == nil, err
		}, genWithinWindow()))
		ps.Property("a generation beyond the gap, a consumed one and one whose key was dropped are refused", prop.ForAll(func(d delivery) (bool, error) {
			// Gap+1 is beyond the gap; Gap is not, and skips Gap keys, of
			// which the Kept newest are kept; Gap again is consumed; 0 is
			// still there only when 0 < Gap <= Kept.
			d.Gens = []uint32{d.Gap + 1, d.Gap, d.Gap, 0}
			want := 1
			if d.Gap >= 1 && d.Gap <= d.Kept {
				want = 2
			}
			n, err := receive(t, d)
			if err == nil && n != want {
				err = fmt.Errorf("%d of 4 deliveries accepted, want %d", n, want)
			}
			return err == nil, err
		}, genWithinWindow()))
	})
}
