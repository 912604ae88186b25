package group

import (
	"bytes"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// TestBranch branches a subgroup of two out of a group of three (RFC 9420,
// Section 11.3): the Welcome names the branch PSK of the current epoch,
// the subgroup members join it and the old group goes on.
func TestBranch(t *testing.T) {
	for _, id := range []ciphersuite.ID{ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256, ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521} {
		t.Run(id.String(), func(t *testing.T) {
			ms := newTestGroup(t, id, "alice", "bob", "carol")
			alice, carol := ms[0].g, ms[2].g
			s := mustSuite(t, id)
			// Fresh KeyPackages of alice and carol.
			akp, apriv := freshKP(t, s, "alice", "branch")
			ckp, cpriv := freshKP(t, s, "carol", "branch")
			sub, wel, err := alice.Branch([]byte("subgroup"), akp, apriv, []*KeyPackage{ckp}, extension.List{}, testConfig("alice sub"), nil)
			if err != nil {
				t.Fatal(err)
			}
			// [R-11.3-2] [R-11.3-3] the Welcome names the branch PSK of
			// alice's epoch with a fresh nonce of KDF.Nh octets.
			ow, err := OpenWelcome(wel, ckp, cpriv.InitPriv, func(id *schedule.PreSharedKeyID) ([]byte, bool) {
				app := *id
				app.Usage = schedule.UsageApplication
				return carol.lookupPSK(&app)
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(ow.GroupSecrets.PSKs) != 1 {
				t.Fatalf("%d PSKs in the Welcome", len(ow.GroupSecrets.PSKs))
			}
			got := ow.GroupSecrets.PSKs[0]
			want := alice.BranchPSKID(alice.Epoch())
			if got.PSKType != schedule.PSKTypeResumption || got.Usage != schedule.UsageBranch || !bytes.Equal(got.PSKGroupID, want.PSKGroupID) || got.PSKEpoch != want.PSKEpoch || len(got.PSKNonce) != s.Nh() {
				t.Fatalf("Welcome PSK %+v, want the branch PSK of epoch %d", got, want.PSKEpoch)
			}
			// [R-11.3-5]
			carolSub, err := carol.JoinBranch(wel, ckp, cpriv, nil, testConfig("carol sub"))
			if err != nil {
				t.Fatal(err)
			}
			subs := []*member{{"alice", sub}, {"carol", carolSub}}
			agree(t, subs)
			// [R-11.3-7]
			if sub.Epoch() != 1 || len(sub.Members()) != 2 {
				t.Fatalf("subgroup in epoch %d with %d members", sub.Epoch(), len(sub.Members()))
			}
			subs = commitAndDeliver(t, subs, 1, &CommitOptions{ForcePath: true}, nil, nil, nil)
			agree(t, subs)
			// The old group goes on.
			ms = commitAndDeliver(t, ms, 1, &CommitOptions{ForcePath: true}, nil, nil, nil)
			agree(t, ms)
		})
	}
}

// TestBranchRejects checks the invalid forms of a branch: KeyPackages of
// strangers, a Welcome naming an epoch the joiner does not hold, another
// cipher suite, a stranger in the subgroup and a Welcome of another usage,
// each leaving the state unchanged.
func TestBranchRejects(t *testing.T) {
	id := ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	ms := newTestGroup(t, id, "alice", "bob", "carol")
	alice, bob := ms[0].g, ms[1].g
	s := mustSuite(t, id)
	akp, apriv := freshKP(t, s, "alice", "bad branch")
	bkp, bpriv := freshKP(t, s, "bob", "bad branch")
	dkp, _ := freshKP(t, s, "dave", "bad branch")

	// [R-11.3-8] the creator refuses a stranger.
	unchanged(t, alice, func() {
		_, _, err := alice.Branch([]byte("sub"), akp, apriv, []*KeyPackage{bkp, dkp}, extension.List{}, testConfig("x"), nil)
		wantErr(t, "branching with a stranger", err, "R-11.3-8", mlserr.ErrInvalidInput)
	})
	// [R-11.3-6] and KeyPackages of another suite.
	other := mustSuite(t, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
	okp, _ := freshKP(t, other, "bob", "other suite")
	unchanged(t, alice, func() {
		_, _, err := alice.Branch([]byte("sub"), akp, apriv, []*KeyPackage{okp}, extension.List{}, testConfig("x"), nil)
		wantErr(t, "branching into another suite", err, "R-11.3-6", mlserr.ErrInvalidInput)
	})

	welcomeOf := func(g *Group, usage schedule.ResumptionPSKUsage, members ...*KeyPackage) *Welcome {
		t.Helper()
		_, w, err := g.clone().startSuccessor(usage, []byte("sub"), akp, apriv, extension.List{}, members, testConfig("bad"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	// A Welcome naming the branch PSK of an epoch bob does not hold:
	// alice has moved on, bob has not seen her Commit.
	ahead := alice.clone()
	pc, err := ahead.Commit(&CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ahead.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	// A branch from a past epoch that bob still holds, but whose members
	// he can no longer compare.
	behind := bob.clone()
	deliver(t, pc.Message, behind)
	for _, tc := range []struct {
		name   string
		joiner *Group
		wel    *Welcome
		req    string
	}{
		// [R-11.3-5]
		{"an epoch bob does not hold", bob, welcomeOf(ahead, schedule.UsageBranch, bkp), "R-11.3-5"},
		{"an epoch bob has left", behind, welcomeOf(alice, schedule.UsageBranch, bkp), "R-11.3-5"},
		{"usage reinit", bob, welcomeOf(alice, schedule.UsageReinit, bkp), "R-11.3-5"},
		{"usage application", bob, welcomeOf(alice, schedule.UsageApplication, bkp), "R-11.3-5"},
		// [R-11.3-7]
		{"a Welcome for epoch 2", bob, secondWelcome(t, alice, schedule.UsageBranch, []byte("sub"), akp, apriv, bkp), "R-11.3-7"},
		// [R-11.3-8]
		{"a stranger in the subgroup", bob, welcomeOf(alice, schedule.UsageBranch, bkp, dkp), "R-11.3-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unchanged(t, tc.joiner, func() {
				_, err := tc.joiner.JoinBranch(tc.wel, bkp, bpriv, nil, testConfig("bob sub"))
				wantErr(t, tc.name, err, tc.req, mlserr.ErrInvalidWelcome)
			})
		})
	}
	// [R-11.3-9] JoinGroup refuses a branch PSK even when the application
	// hands it the secret.
	cfg := testConfig("bob sub")
	cfg.PSKs = func(id *schedule.PreSharedKeyID) ([]byte, bool) { return bob.ResumptionPSK(id.PSKEpoch) }
	if _, err := JoinGroup(welcomeOf(alice, schedule.UsageBranch, bkp), bkp, bpriv, nil, cfg); mlserr.RequirementOf(err) != "R-11.3-5" {
		t.Fatalf("JoinGroup of a branch Welcome: err = %v, want R-11.3-5", err)
	}
	// [R-11.3-10] a branch PSK in a regular Commit.
	id2 := alice.BranchPSKID(alice.Epoch())
	unchanged(t, alice, func() {
		_, err := alice.Commit(&CommitOptions{PSKs: []schedule.PreSharedKeyID{id2}})
		wantErr(t, "a branch PSK in a regular Commit", err, "R-12.1.4-2", mlserr.ErrInvalidProposal)
	})
}
