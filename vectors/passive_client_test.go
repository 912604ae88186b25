package vectors

import (
	"errors"
	"testing"
	"time"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// TestVectorClock checks the instant at which a passive-client case's
// lifetimes are judged: inside every lifetime given, capped where time.Time
// cannot follow, and refused when the lifetimes have nothing in common.
func TestVectorClock(t *testing.T) {
	year := uint64(365 * 24 * 3600)
	for _, tc := range []struct {
		name string
		lts  []tree.Lifetime
		want int64
		ok   bool
	}{
		{"one lifetime", []tree.Lifetime{{NotBefore: 1000, NotAfter: 1000 + year}}, int64(1000 + year/2), true},
		{"intersection", []tree.Lifetime{{NotBefore: 0, NotAfter: ^uint64(0)}, {NotBefore: 100, NotAfter: 300}, {NotBefore: 200, NotAfter: 400}}, 250, true},
		{"unbounded", []tree.Lifetime{{NotBefore: 0, NotAfter: ^uint64(0)}}, 1 << 62, true},
		{"disjoint", []tree.Lifetime{{NotBefore: 100, NotAfter: 200}, {NotBefore: 201, NotAfter: 300}}, 0, false},
		{"reversed", []tree.Lifetime{{NotBefore: 300, NotAfter: 200}}, 0, false},
	} {
		got, ok := vectorClock(tc.lts)
		if ok != tc.ok || (ok && got.Unix() != tc.want) {
			t.Errorf("%s: got %v (%d), %v; want %d, %v", tc.name, got, got.Unix(), ok, tc.want, tc.ok)
		}
	}
	if got := vectorMaxLifetime(tree.Lifetime{NotBefore: 0, NotAfter: ^uint64(0)}); got >= 0 {
		t.Errorf("an unbounded lifetime gives MaxLifetime %v, want no limit", got)
	}
	if got := vectorMaxLifetime(tree.Lifetime{NotBefore: 5, NotAfter: 5 + year}); got != 0 {
		t.Errorf("a one-year lifetime gives MaxLifetime %v, want the default", got)
	}
}

// TestPassiveClientWelcomeExpired shows why the verifier does not use wall
// time: the official passive-client-welcome KeyPackages expired on
// 2024-03-02, and a join judged now fails the lifetime check of Section
// 7.3, while the same join at the vector's own clock succeeds.
func TestPassiveClientWelcomeExpired(t *testing.T) {
	cases, err := decodeCases[passiveClientCase](officialData(t, "passive-client-welcome.json"))
	if err != nil {
		t.Fatal(err)
	}
	tc := cases[0]
	kpm, err := group.DecodeMLSMessage(tc.KeyPackage)
	if err != nil || kpm.WireFormat != framing.WireFormatKeyPackage {
		t.Fatalf("key_package: %v", err)
	}
	wm, err := group.DecodeMLSMessage(tc.Welcome)
	if err != nil || wm.WireFormat != framing.WireFormatWelcome {
		t.Fatalf("welcome: %v", err)
	}
	var rt *tree.RatchetTree
	if tc.RatchetTree != nil {
		rt = new(tree.RatchetTree)
		if err := codec.Decode(*tc.RatchetTree, rt); err != nil {
			t.Fatal(err)
		}
	}
	psks := group.PSKMap{}
	for _, p := range tc.ExternalPSKs {
		psks[string(p.PSKID)] = p.PSK
	}
	priv := &group.KeyPackagePrivate{InitPriv: tc.InitPriv, EncryptionPriv: tc.EncryptionPriv, SignaturePriv: tc.SignaturePriv}
	join := func(now time.Time) error {
		_, err := group.JoinGroup(wm.Welcome, kpm.KeyPackage, priv, rt, group.Config{
			Rand: seeded.New("x"), Now: func() time.Time { return now }, PSKs: psks.Lookup,
		})
		return err
	}
	expiry := time.Unix(int64(kpm.KeyPackage.LeafNode.Lifetime.NotAfter), 0)
	if err := join(expiry.Add(time.Second)); !errors.Is(err, mlserr.ErrInvalidTree) {
		t.Fatalf("joining after the KeyPackage expired: err = %v, want an invalid Welcome (R-7.3-9)", err)
	}
	lts, err := joinLifetimes(wm.Welcome, kpm.KeyPackage, tc.InitPriv, psks.Lookup, rt)
	if err != nil {
		t.Fatal(err)
	}
	now, ok := vectorClock(lts)
	if !ok {
		t.Fatal("no vector clock")
	}
	if err := join(now); err != nil {
		t.Fatalf("joining at the vector's clock %v: %v", now, err)
	}
}
