package group

import (
	"bytes"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
)

// TestReplayedProposalIsCachedOnce delivers a PublicMessage proposal twice:
// proposals are cached by ProposalRef (RFC 9420, Sections 5.2 and 12.1),
// so the second delivery changes nothing and the next Commit covers the
// proposal once. (Found by proptest: testdata/known/public-proposal-replay.)
func TestReplayedProposalIsCachedOnce(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	akp, apriv := newKP(t, s, "alice")
	ag, err := NewGroup([]byte("cache"), akp, apriv, nil, testConfig("alice"))
	if err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := newKP(t, s, "bob")
	ckp, cpriv := newKP(t, s, "carol")
	ms := commitAndDeliver(t, []*member{{name: "alice", g: ag}}, 0,
		&CommitOptions{Adds: []*KeyPackage{bkp, ckp}},
		[]*member{{name: "bob"}, {name: "carol"}}, []*KeyPackage{bkp, ckp}, []*KeyPackagePrivate{bpriv, cpriv})
	alice, bob, carol := ms[0].g, ms[1].g, ms[2].g

	rm, err := carol.Propose(&Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: bob.LeafIndex()}}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Group{alice, bob} {
		if _, err := g.Process(rm); err != nil {
			t.Fatal(err)
		}
	}
	before, err := alice.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Process(rm); err != nil {
		t.Fatalf("the same proposal again: %v", err)
	}
	after, err := alice.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("receiving the same proposal again changed the state")
	}
	// The Commit covers the Remove once, so every member accepts it.
	ms = commitAndDeliver(t, ms, 0, nil, nil, nil, nil)
	if len(ms) != 2 {
		t.Fatalf("%d members after the Remove, want 2", len(ms))
	}
}
