package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// freshKP is a new KeyPackage of name in suite s, drawn from seed, so that
// a client has several distinct KeyPackages (RFC 9420, Section 11.3).
func freshKP(t *testing.T, s *ciphersuite.Suite, name, seed string) (*KeyPackage, *KeyPackagePrivate) {
	t.Helper()
	kp, priv, err := NewKeyPackage(s, &KeyPackageParams{Credential: credential.NewBasic([]byte(name)), Now: fixedClock}, seeded.New("fresh-"+name+seed+s.ID().String()))
	if err != nil {
		t.Fatal(err)
	}
	return kp, priv
}

// wantErr checks err's requirement ID and class.
func wantErr(t *testing.T, what string, err error, req string, class error) {
	t.Helper()
	if !errors.Is(err, class) || mlserr.RequirementOf(err) != req {
		t.Fatalf("%s: err = %v, want %q / %v", what, err, req, class)
	}
}

// unchanged runs f and checks that g's state is byte for byte the same
// afterwards.
func unchanged(t *testing.T, g *Group, f func()) {
	t.Helper()
	before := state(t, g)
	f()
	if !bytes.Equal(before, state(t, g)) {
		t.Fatal("the rejection changed the state")
	}
}

// secondWelcome is the Welcome of the second Commit of a group created
// from g with a PSK of usage: its first Commit adds nobody, its second adds
// members with the same PSK, so the Welcome is for epoch 2.
func secondWelcome(t *testing.T, g *Group, usage schedule.ResumptionPSKUsage, groupID []byte, kp *KeyPackage, priv *KeyPackagePrivate, members ...*KeyPackage) *Welcome {
	t.Helper()
	ng, _, err := g.clone().startSuccessor(usage, groupID, kp, priv, extension.List{}, nil, testConfig("second"), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := g.ResumptionPSKID(g.Epoch())
	id.Usage = usage
	ng.initPSK = &schedule.PSK{ID: id, Secret: g.secrets.ResumptionPSK}
	pc, err := ng.Commit(&CommitOptions{Adds: members, PSKs: []schedule.PreSharedKeyID{id}})
	if err != nil {
		t.Fatal(err)
	}
	return pc.Welcome
}

// requireBasic is a required_capabilities GroupContext extension asking for
// basic credentials, which every test client supports.
func requireBasic() extension.List {
	rc := &tree.RequiredCapabilities{ExtensionTypes: []extension.ExtensionType{}, ProposalTypes: []tree.ProposalType{}, CredentialTypes: []credential.CredentialType{credential.Basic}}
	return extension.List{{ExtensionType: extension.RequiredCapabilities, ExtensionData: codec.Encode(rc)}}
}

// TestReInit reinitializes a group of three into another cipher suite: a
// ReInit committed by value and by reference closes the old group for
// every member, one member creates the new group and the others join it
// from its Welcome (RFC 9420, Sections 11.2 and 12.1.5).
func TestReInit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to ciphersuite.ID
		byRef    bool
	}{
		{"by value X25519 to P256", ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256, false},
		{"by reference P256 to X25519 ChaCha", ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256, ciphersuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, true},
		{"by value same suite", ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521, ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := newTestGroup(t, tc.from, "alice", "bob", "carol")
			alice, bob, carol := ms[0].g, ms[1].g, ms[2].g
			ri := &ReInit{GroupID: []byte("reinitialized " + tc.name), Version: MLS10, CipherSuite: tc.to, Extensions: requireBasic()}
			// bob sends before the ReInit: a late message of the previous
			// epoch, which carol may still read after it.
			late, err := bob.SendApplication([]byte("late"), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			var pc *PendingCommit
			if tc.byRef {
				// [R-11.2-1] bob proposes, alice commits by reference.
				m, err := bob.Propose(&Proposal{ProposalType: ProposalTypeReInit, ReInit: ri}, true)
				if err != nil {
					t.Fatal(err)
				}
				deliver(t, m, alice, carol)
				pc, err = alice.Commit(&CommitOptions{})
				if err != nil {
					t.Fatal(err)
				}
			} else if pc, err = alice.Commit(&CommitOptions{ReInit: ri}); err != nil {
				t.Fatal(err)
			}
			// [R-11.2-2]
			if err := alice.MergePendingCommit(pc); err != nil {
				t.Fatal(err)
			}
			deliver(t, pc.Message, bob, carol)
			if r := deliver(t, late, carol); string(r[0].ApplicationData) != "late" {
				t.Fatalf("late message: %q", r[0].ApplicationData)
			}
			agree(t, ms)
			for _, m := range ms {
				if diff := cmp.Diff(ri, m.g.PendingReInit()); diff != "" {
					t.Fatalf("%s's pending ReInit (-want +got):\n%s", m.name, diff)
				}
			}
			// The closed state survives a restore.
			if restore(t, bob, "bob again").PendingReInit() == nil {
				t.Fatal("the restored state lost the ReInit")
			}

			// [R-12.4.2-25] nobody commits in the old group any more.
			unchanged(t, alice, func() {
				_, err := alice.Commit(&CommitOptions{})
				wantErr(t, "a Commit after the ReInit", err, "R-12.4.2-25", mlserr.ErrInvalidInput)
			})
			unchanged(t, alice, func() {
				_, err := alice.SendApplication([]byte("hi"), nil, 0)
				wantErr(t, "application data after the ReInit", err, "R-12.4.2-25", mlserr.ErrInvalidInput)
			})
			unchanged(t, bob, func() {
				_, err := bob.ProposeUpdate(true)
				wantErr(t, "a proposal after the ReInit", err, "R-12.4.2-25", mlserr.ErrInvalidInput)
			})
			// [R-12.4.2-25] before [R-12.4.2-5]: a PreSharedKey proposal
			// naming a PSK bob lacks is refused because the group is
			// closed, whatever the PSK (see canSend).
			unknown := ExternalPSKID([]byte("a PSK nobody holds"))
			unchanged(t, bob, func() {
				_, err := bob.ProposePSK(unknown, true)
				wantErr(t, "a PSK proposal naming an unknown PSK after the ReInit", err, "R-12.4.2-25", mlserr.ErrInvalidInput)
			})
			// What a member sends anyway in the closed epoch is refused.
			rogue := bob.clone()
			rogue.reinit = nil
			// In the group as if open, the same proposal is refused for
			// the unknown PSK.
			unchanged(t, rogue, func() {
				_, err := rogue.ProposePSK(unknown, true)
				wantErr(t, "a PSK proposal naming an unknown PSK", err, "R-12.4.2-5", mlserr.ErrInvalidInput)
			})
			app, err := rogue.SendApplication([]byte("rogue"), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			prop, err := rogue.Propose(&Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 0}}, true)
			if err != nil {
				t.Fatal(err)
			}
			withNonce := unknown.Clone()
			withNonce.PSKNonce = bytes.Repeat([]byte{1}, rogue.suite.Nh())
			pskByHand := &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: &PreSharedKey{PSK: withNonce}}
			// Built by hand, Propose refuses it as ProposePSK does.
			unchanged(t, rogue, func() {
				_, err := rogue.Propose(pskByHand, true)
				wantErr(t, "a PSK proposal built by hand naming an unknown PSK", err, "R-12.4.2-5", mlserr.ErrInvalidInput)
			})
			pskProp, err := rogue.sendProposal(pskByHand, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []*MLSMessage{app, prop, pskProp} {
				unchanged(t, carol, func() {
					_, err := carol.Process(m)
					wantErr(t, "a message received after the ReInit", err, "R-12.4.2-25", mlserr.ErrInvalidInput)
				})
			}
			// [R-12.4.2-26] a Commit that a member sends anyway is refused.
			forged := forgeCommit(t, bob, &Commit{Proposals: []ProposalOrRef{}})
			unchanged(t, carol, func() {
				_, err := carol.Process(forged)
				wantErr(t, "a received Commit after the ReInit", err, "R-12.4.2-26", mlserr.ErrInvalidCommit)
			})

			// [R-11.2-3] carol, not the committer, creates the new group.
			s := mustSuite(t, tc.to)
			ckp, cpriv := freshKP(t, s, "carol", "reinit")
			akp, apriv := freshKP(t, s, "alice", "reinit")
			bkp, bpriv := freshKP(t, s, "bob", "reinit")
			carolNew, wel, err := carol.ReInitGroup(ckp, cpriv, []*KeyPackage{akp, bkp}, testConfig("carol new"), nil)
			if err != nil {
				t.Fatal(err)
			}
			// [R-11.2-4] [R-11.2-5]
			gc := carolNew.GroupContext()
			if gc.Epoch != 1 || !bytes.Equal(gc.GroupID, ri.GroupID) || gc.CipherSuite != tc.to || gc.Version != MLS10 || !cmp.Equal(gc.Extensions, requireBasic()) {
				t.Fatalf("new group context %+v does not match the ReInit", gc)
			}
			// [R-11.2-6] the Welcome names the reinit PSK of the old
			// group's epoch after the ReInit's Commit.
			ow, err := OpenWelcome(wel, akp, apriv.InitPriv, func(id *schedule.PreSharedKeyID) ([]byte, bool) {
				app := *id
				app.Usage = schedule.UsageApplication
				return alice.lookupPSK(&app)
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := []schedule.PreSharedKeyID{alice.ReInitPSKID(alice.Epoch())}
			if diff := cmp.Diff(want, ow.GroupSecrets.PSKs, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".PSKNonce" }, cmp.Ignore())); diff != "" {
				t.Fatalf("Welcome PSKs (-want +got):\n%s", diff)
			}
			if n := len(ow.GroupSecrets.PSKs[0].PSKNonce); n != mustSuite(t, tc.to).Nh() {
				t.Fatalf("psk_nonce of %d bytes", n)
			}
			// Without the old group's state, the Welcome cannot be opened.
			if _, err := JoinGroup(wel, akp, apriv, nil, testConfig("alice new")); !errors.Is(err, mlserr.ErrInvalidWelcome) {
				t.Fatalf("JoinGroup without the reinit PSK: err = %v", err)
			}
			aliceNew, err := alice.JoinReInit(wel, akp, apriv, nil, testConfig("alice new"))
			if err != nil {
				t.Fatal(err)
			}
			bobNew, err := bob.JoinReInit(wel, bkp, bpriv, nil, testConfig("bob new"))
			if err != nil {
				t.Fatal(err)
			}
			news := []*member{{"carol", carolNew}, {"alice", aliceNew}, {"bob", bobNew}}
			agree(t, news)
			// The new group works: bob commits, everyone follows.
			news = commitAndDeliver(t, news, 2, &CommitOptions{ForcePath: true}, nil, nil, nil)
			agree(t, news)
		})
	}
}

// TestReInitRejects checks the invalid forms of a ReInit and of the
// Welcome of a reinitialized group, each leaving the state unchanged.
func TestReInitRejects(t *testing.T) {
	id := ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	ms := newTestGroup(t, id, "alice", "bob", "carol")
	alice, bob := ms[0].g, ms[1].g
	ri := &ReInit{GroupID: []byte("new"), Version: MLS10, CipherSuite: id, Extensions: extension.List{}}
	reinit := &Proposal{ProposalType: ProposalTypeReInit, ReInit: ri}
	remove := &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 2}}
	low := &Proposal{ProposalType: ProposalTypeReInit, ReInit: &ReInit{GroupID: []byte("new"), Version: 0, CipherSuite: id, Extensions: extension.List{}}}
	for _, tc := range []struct {
		name  string
		list  []ProposalOrRef
		req   string
		class error
	}{
		{"a ReInit with a Remove", byValue(remove, reinit), "R-12.2-12", mlserr.ErrInvalidProposal},
		{"two ReInits", byValue(reinit, reinit), "R-12.2-12", mlserr.ErrInvalidProposal},
		{"a ReInit to a lower version", byValue(low), "", mlserr.ErrInvalidProposal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := forgeCommit(t, alice, &Commit{Proposals: tc.list})
			unchanged(t, bob, func() {
				_, err := bob.Process(m)
				wantErr(t, tc.name, err, tc.req, tc.class)
			})
		})
	}
	// The committer refuses to mix a ReInit with other proposals.
	unchanged(t, alice, func() {
		_, err := alice.Commit(&CommitOptions{ReInit: ri, Removes: []uint32{2}})
		wantErr(t, "committing a ReInit with a Remove", err, "R-12.2-12", mlserr.ErrInvalidProposal)
	})
	// [R-11.2-8] a reinit PSK in a regular Commit.
	unchanged(t, alice, func() {
		_, err := alice.Commit(&CommitOptions{PSKs: []schedule.PreSharedKeyID{alice.ReInitPSKID(alice.Epoch())}})
		wantErr(t, "a reinit PSK in a regular Commit", err, "R-12.1.4-1", mlserr.ErrInvalidProposal)
	})
	s := mustSuite(t, id)
	kp, priv := freshKP(t, s, "bob", "early")
	if _, _, err := bob.ReInitGroup(kp, priv, nil, testConfig("x"), nil); err == nil {
		t.Fatal("ReInitGroup without a committed ReInit succeeded")
	}

	// Close the group, then make Welcomes that break Section 11.2.
	pc, err := alice.Commit(&CommitOptions{ReInit: ri})
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	deliver(t, pc.Message, bob, ms[2].g)
	akp, apriv := freshKP(t, s, "alice", "bad welcome")
	bkp, bpriv := freshKP(t, s, "bob", "bad welcome")
	welcomeOf := func(usage schedule.ResumptionPSKUsage, groupID []byte, ext ...extension.Extension) *Welcome {
		t.Helper()
		_, w, err := alice.clone().startSuccessor(usage, groupID, akp, apriv, append(extension.List{}, ext...), []*KeyPackage{bkp}, testConfig("bad"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	for _, tc := range []struct {
		name string
		wel  *Welcome
		req  string
	}{
		// [R-11.2-6] [R-11.2-7]
		{"PSK with usage application", welcomeOf(schedule.UsageApplication, ri.GroupID), "R-11.2-6"},
		{"PSK with usage branch", welcomeOf(schedule.UsageBranch, ri.GroupID), "R-11.2-6"},
		// [R-11.2-4]
		{"another group_id than the ReInit's", welcomeOf(schedule.UsageReinit, []byte("elsewhere")), "R-11.2-4"},
		{"other extensions than the ReInit's", welcomeOf(schedule.UsageReinit, ri.GroupID, requireBasic()...), "R-11.2-4"},
		// [R-11.2-5]
		{"a Welcome for epoch 2", secondWelcome(t, alice, schedule.UsageReinit, ri.GroupID, akp, apriv, bkp), "R-11.2-5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unchanged(t, bob, func() {
				_, err := bob.JoinReInit(tc.wel, bkp, bpriv, nil, testConfig("bob new"))
				wantErr(t, tc.name, err, tc.req, mlserr.ErrInvalidWelcome)
			})
		})
	}
	// [R-11.2-7] JoinGroup refuses a reinit PSK even when the application
	// hands it the secret.
	good := welcomeOf(schedule.UsageReinit, ri.GroupID)
	cfg := testConfig("bob new")
	cfg.PSKs = func(id *schedule.PreSharedKeyID) ([]byte, bool) { return alice.ResumptionPSK(id.PSKEpoch) }
	if _, err := JoinGroup(good, bkp, bpriv, nil, cfg); mlserr.RequirementOf(err) != "R-11.2-7" {
		t.Fatalf("JoinGroup of a reinit Welcome: err = %v, want R-11.2-7", err)
	}
	// [R-11.2-4] the creator's KeyPackage must be of the ReInit's suite.
	okp, opriv := freshKP(t, mustSuite(t, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256), "alice", "wrong suite")
	unchanged(t, alice, func() {
		_, _, err := alice.ReInitGroup(okp, opriv, []*KeyPackage{bkp}, testConfig("x"), nil)
		wantErr(t, "ReInitGroup with a KeyPackage of another suite", err, "R-11.2-4", mlserr.ErrInvalidInput)
	})
	// A Welcome naming a reinit PSK of an epoch bob does not hold (his
	// state is one epoch behind alice's).
	behind := newTestGroup(t, id, "alice", "bob")
	pc, err = behind[0].g.Commit(&CommitOptions{ReInit: ri})
	if err != nil {
		t.Fatal(err)
	}
	if err := behind[0].g.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	staleBob := behind[1].g.clone()
	deliver(t, pc.Message, behind[1].g)
	_, w, err := behind[0].g.ReInitGroup(akp, apriv, []*KeyPackage{bkp}, testConfig("alice new"), nil)
	if err != nil {
		t.Fatal(err)
	}
	staleBob.reinit = ri.clone()
	unchanged(t, staleBob, func() {
		_, err := staleBob.JoinReInit(w, bkp, bpriv, nil, testConfig("bob new"))
		wantErr(t, "a reinit PSK of an epoch bob does not hold", err, "R-11.2-6", mlserr.ErrInvalidWelcome)
	})
	if _, err := behind[1].g.JoinReInit(w, bkp, bpriv, nil, testConfig("bob new")); err != nil {
		t.Fatalf("bob, up to date, joins: %v", err)
	}
}

// TestReInitDeferred checks that a committer holding a received ReInit and
// other proposals commits the others and leaves the ReInit for a later
// epoch (RFC 9420, Section 12.2, R-12.2-13), and commits it once it is the
// only one.
func TestReInitDeferred(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob", "carol")
	alice, bob, carol := ms[0].g, ms[1].g, ms[2].g
	ri := &ReInit{GroupID: []byte("deferred"), Version: MLS10, CipherSuite: alice.Suite().ID(), Extensions: extension.List{}}
	commitOf := func(pc *PendingCommit) *Commit {
		t.Helper()
		c, err := DecodeCommit(pc.Message.PublicMessage.Content.Commit)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	proposeReInit := func() {
		t.Helper()
		m, err := bob.Propose(&Proposal{ProposalType: ProposalTypeReInit, ReInit: ri}, true)
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, m, alice, carol)
	}

	// A received ReInit and an Update: the Update only.
	proposeReInit()
	m, err := carol.ProposeUpdate(true)
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, m, alice, bob)
	pc := pskCommit(t, alice, &CommitOptions{PublicMessage: true}, bob, carol)
	if c := commitOf(pc); len(c.Proposals) != 1 || alice.PendingReInit() != nil {
		t.Fatalf("the Commit covers %d proposals, closed: %v; want the Update alone", len(c.Proposals), alice.PendingReInit() != nil)
	}

	// A received ReInit and an Add by value: the Add only.
	proposeReInit()
	dkp, _ := newKP(t, alice.Suite(), "dave")
	pc = pskCommit(t, alice, &CommitOptions{PublicMessage: true, Adds: []*KeyPackage{dkp}}, bob, carol)
	if c := commitOf(pc); len(c.Proposals) != 1 || c.Proposals[0].Type != ProposalOrRefProposal || alice.PendingReInit() != nil {
		t.Fatalf("the Commit covers %+v; want the Add alone", c.Proposals)
	}

	// The ReInit alone, proposed twice: one of them is committed.
	proposeReInit()
	proposeReInit2 := *ri
	proposeReInit2.GroupID = []byte("deferred 2")
	m, err = carol.Propose(&Proposal{ProposalType: ProposalTypeReInit, ReInit: &proposeReInit2}, true)
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, m, alice, bob)
	pc = pskCommit(t, alice, &CommitOptions{PublicMessage: true}, bob, carol)
	if c := commitOf(pc); len(c.Proposals) != 1 || alice.PendingReInit() == nil || string(alice.PendingReInit().GroupID) != "deferred" {
		t.Fatalf("the Commit covers %d proposals; want the first ReInit, which closes the group", len(c.Proposals))
	}
}

// TestDeleteAfterReInit checks that a member deletes the old group's state
// once it has joined the group a ReInit created (RFC 9420, Section 12.4.2,
// R-12.4.2-27): the secrets are gone and every operation on the old group
// fails, without panicking, while the new group works.
func TestDeleteAfterReInit(t *testing.T) {
	ms := newTestGroup(t, testSuite, "alice", "bob")
	alice, bob := ms[0].g, ms[1].g
	ri := &ReInit{GroupID: []byte("after delete"), Version: MLS10, CipherSuite: alice.Suite().ID(), Extensions: extension.List{}}
	pskCommit(t, alice, &CommitOptions{ReInit: ri}, bob)
	s := alice.Suite()
	akp, apriv := newKP(t, s, "alice new")
	bkp, bpriv := newKP(t, s, "bob new")
	aliceNew, wel, err := alice.ReInitGroup(akp, apriv, []*KeyPackage{bkp}, testConfig("alice new"), nil)
	if err != nil {
		t.Fatal(err)
	}
	bobNew, err := bob.JoinReInit(wel, bkp, bpriv, nil, testConfig("bob new"))
	if err != nil {
		t.Fatal(err)
	}
	secret := alice.secrets.ExporterSecret
	for _, g := range []*Group{alice, bob} {
		g.Delete()
		g.Delete() // a second call is harmless
	}
	if len(alice.EpochAuthenticator()) != 0 || len(alice.sigPriv) != 0 || alice.past != nil || alice.resumption != nil {
		t.Fatal("secrets survive Delete")
	}
	for _, b := range secret {
		if b != 0 {
			t.Fatal("the exporter_secret was not overwritten")
		}
	}
	if _, ok := alice.ResumptionPSK(alice.Epoch()); ok {
		t.Fatal("a deleted group still hands out its resumption_psk")
	}
	ops := map[string]func(g *Group) error{
		"Process": func(g *Group) error {
			_, err := g.Process(&MLSMessage{})
			return err
		},
		"Commit":          func(g *Group) error { _, err := g.Commit(nil); return err },
		"SendApplication": func(g *Group) error { _, err := g.SendApplication([]byte("x"), nil, 0); return err },
		"ProposeUpdate":   func(g *Group) error { _, err := g.ProposeUpdate(true); return err },
		"Exporter":        func(g *Group) error { _, err := g.Exporter("x", nil, 16); return err },
		"ExportGroupInfo": func(g *Group) error { _, err := g.ExportGroupInfo(GroupInfoOptions{}); return err },
		"MarshalBinary":   func(g *Group) error { _, err := g.MarshalBinary(); return err },
		"MergePendingCommit": func(g *Group) error {
			return g.MergePendingCommit(&PendingCommit{})
		},
		"ReInitGroup": func(g *Group) error {
			_, _, err := g.ReInitGroup(akp, apriv, nil, testConfig("x"), nil)
			return err
		},
		"JoinReInit": func(g *Group) error { _, err := g.JoinReInit(wel, bkp, bpriv, nil, testConfig("x")); return err },
		"Branch": func(g *Group) error {
			_, _, err := g.Branch([]byte("b"), akp, apriv, nil, nil, testConfig("x"), nil)
			return err
		},
	}
	for name, op := range ops {
		if err := op(alice); !errors.Is(err, mlserr.ErrInvalidInput) {
			t.Errorf("%s on a deleted group: err = %v, want ErrInvalidInput", name, err)
		}
	}
	_ = alice.Members()
	_ = alice.Tree()
	_ = alice.LeafIndex()
	agree(t, []*member{{"alice", aliceNew}, {"bob", bobNew}})
	pskCommit(t, bobNew, &CommitOptions{}, aliceNew)
}
