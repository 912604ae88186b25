package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// pskConfig is a test Config whose application holds psks.
func pskConfig(seed string, psks PSKMap) Config {
	c := testConfig(seed)
	c.PSKs = psks.Lookup
	return c
}

// pskDeliver has every group of to process m, failing the test on error.
func pskDeliver(t *testing.T, m *MLSMessage, to ...*Group) {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range to {
		msg, err := DecodeMLSMessage(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Process(msg); err != nil {
			t.Fatalf("receiver %d: %v", i, err)
		}
	}
}

// pskCommit has from commit opts, merges it and delivers it to to.
func pskCommit(t *testing.T, from *Group, opts *CommitOptions, to ...*Group) *PendingCommit {
	t.Helper()
	pc, err := from.Commit(opts)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	if err := from.MergePendingCommit(pc); err != nil {
		t.Fatal(err)
	}
	pskDeliver(t, pc.Message, to...)
	for i, g := range to {
		if !bytes.Equal(g.EpochAuthenticator(), from.EpochAuthenticator()) {
			t.Fatalf("receiver %d disagrees with the committer in epoch %d", i, from.Epoch())
		}
	}
	return pc
}

// pskPair is a group of alice and bob, both holding the external PSK
// "ext", bob added by a Commit that injects it: his Welcome names it.
func pskPair(t *testing.T, id ciphersuite.ID) (alice, bob *Group, psks PSKMap) {
	t.Helper()
	s := mustSuite(t, id)
	psks = PSKMap{"ext": bytes.Repeat([]byte{7}, s.Nh())}
	akp, apriv := newKP(t, s, "alice")
	alice, err := NewGroup([]byte("psk group"), akp, apriv, nil, pskConfig("alice", psks))
	if err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := newKP(t, s, "bob")
	pc := pskCommit(t, alice, &CommitOptions{Adds: []*KeyPackage{bkp}, PSKs: []schedule.PreSharedKeyID{ExternalPSKID([]byte("ext"))}})
	// [R-8.4-1] the Welcome names the Commit's PSK: without it, bob
	// cannot join.
	_, err = JoinGroup(pc.Welcome, bkp, bpriv, nil, testConfig("bob"))
	wantErr(t, "joining without the PSK", err, "R-8.4-1", mlserr.ErrInvalidWelcome)
	ow, err := OpenWelcome(pc.Welcome, bkp, bpriv.InitPriv, psks.Lookup, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ow.GroupSecrets.PSKs) != 1 || string(ow.GroupSecrets.PSKs[0].PSKID) != "ext" || len(ow.GroupSecrets.PSKs[0].PSKNonce) != s.Nh() {
		t.Fatalf("GroupSecrets.psks = %+v, want the external PSK ext with a nonce of KDF.Nh bytes", ow.GroupSecrets.PSKs)
	}
	if bob, err = JoinGroup(pc.Welcome, bkp, bpriv, nil, pskConfig("bob", psks)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bob.EpochAuthenticator(), alice.EpochAuthenticator()) {
		t.Fatal("bob joined another epoch than alice's")
	}
	return alice, bob, psks
}

// TestPSKCommits injects external and resumption PSKs, by value and by
// reference, one and several per Commit, and checks that every member
// reaches the same epoch.
func TestPSKCommits(t *testing.T) {
	for _, id := range []ciphersuite.ID{ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, ciphersuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521} {
		t.Run(id.String(), func(t *testing.T) {
			alice, bob, psks := pskPair(t, id)
			psks["second"] = []byte("another external PSK")
			e := alice.Epoch()

			// Bob proposes the current epoch's resumption PSK and an
			// external one; alice commits them by reference.
			for _, pid := range []schedule.PreSharedKeyID{bob.ResumptionPSKID(e), ExternalPSKID([]byte("second"))} {
				m, err := bob.ProposePSK(pid, pid.PSKType == schedule.PSKTypeExternal)
				if err != nil {
					t.Fatal(err)
				}
				pskDeliver(t, m, alice)
			}
			pskCommit(t, alice, &CommitOptions{}, bob)

			// A resumption PSK of a past epoch, kept by both, and an
			// external one, by value in one Commit.
			pskCommit(t, bob, &CommitOptions{PSKs: []schedule.PreSharedKeyID{alice.ResumptionPSKID(e), ExternalPSKID([]byte("ext"))}, PublicMessage: true}, alice)

			// The PSKs changed the key schedule: the same Commit without
			// them would give another epoch. A member holding another
			// secret under the same psk_id fails the confirmation tag.
			carolPSKs := PSKMap{"ext": []byte("not the same secret")}
			before := bob.clone()
			before.cfg.PSKs = carolPSKs.Lookup
			pc, err := alice.clone().Commit(&CommitOptions{PSKs: []schedule.PreSharedKeyID{ExternalPSKID([]byte("ext"))}})
			if err != nil {
				t.Fatal(err)
			}
			st := state(t, before)
			if _, err := before.Process(pc.Message); mlserr.RequirementOf(err) != "R-12.4.2-23" {
				t.Fatalf("another PSK secret: err = %v, want R-12.4.2-23", err)
			}
			if !bytes.Equal(st, state(t, before)) {
				t.Fatal("the rejected Commit changed the state")
			}
		})
	}
}

// TestResumptionPSKRetention checks the bound on the past epochs whose
// resumption_psk is kept (R-8.6-1).
func TestResumptionPSKRetention(t *testing.T) {
	s := mustSuite(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	for _, tc := range []struct {
		limit int
		kept  int // past epochs kept
	}{{-1, 0}, {2, 2}, {0, DefaultResumptionPSKEpochs}} {
		akp, apriv := newKP(t, s, "alice")
		cfg := testConfig("alice")
		cfg.ResumptionPSKEpochs = tc.limit
		g, err := NewGroup([]byte("g"), akp, apriv, nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var secrets [][]byte
		for range DefaultResumptionPSKEpochs + 2 {
			secrets = append(secrets, bytes.Clone(g.secrets.ResumptionPSK))
			pskCommit(t, g, &CommitOptions{})
		}
		now := g.Epoch()
		for e := uint64(0); e <= now; e++ {
			got, ok := g.ResumptionPSK(e)
			want := e == now || now-e <= uint64(tc.kept)
			if ok != want {
				t.Fatalf("limit %d: epoch %d of %d kept = %v, want %v", tc.limit, e, now, ok, want)
			}
			if ok && e < now && !bytes.Equal(got, secrets[e]) {
				t.Fatalf("limit %d: epoch %d: another resumption_psk", tc.limit, e)
			}
		}
		if tc.kept < int(now) {
			// [R-12.4.2-5] a PSK of an epoch no longer kept cannot be
			// committed; the state stays as it was.
			before := state(t, g)
			_, err := g.Commit(&CommitOptions{PSKs: []schedule.PreSharedKeyID{g.ResumptionPSKID(now - uint64(tc.kept) - 1)}})
			if mlserr.RequirementOf(err) != "R-12.4.2-5" {
				t.Fatalf("limit %d: err = %v, want R-12.4.2-5", tc.limit, err)
			}
			if !bytes.Equal(before, state(t, g)) {
				t.Fatal("the refused Commit changed the state")
			}
		}
	}
}

// TestPSKRejects sends Commits whose PreSharedKey proposals break a rule
// and checks that each is refused with its requirement, the state
// unchanged.
func TestPSKRejects(t *testing.T) {
	alice, bob, _ := pskPair(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	nh := alice.suite.Nh()
	nonce := func(b byte) []byte { return bytes.Repeat([]byte{b}, nh) }
	psk := func(id schedule.PreSharedKeyID) ProposalOrRef {
		return ProposalOrRef{Type: ProposalOrRefProposal, Proposal: &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: &PreSharedKey{PSK: id}}}
	}
	ext := func(name string, n []byte) schedule.PreSharedKeyID {
		id := ExternalPSKID([]byte(name))
		id.PSKNonce = n
		return id
	}
	res := func(u schedule.ResumptionPSKUsage) schedule.PreSharedKeyID {
		id := alice.ResumptionPSKID(alice.Epoch())
		id.Usage, id.PSKNonce = u, nonce(3)
		return id
	}
	for _, tc := range []struct {
		name  string
		list  []ProposalOrRef
		req   string
		class error
	}{
		{"psk_nonce shorter than KDF.Nh", []ProposalOrRef{psk(ext("ext", nonce(1)[1:]))}, "R-12.1.4-3", mlserr.ErrInvalidProposal},
		{"psk_nonce longer than KDF.Nh", []ProposalOrRef{psk(ext("ext", append(nonce(1), 0)))}, "R-12.1.4-3", mlserr.ErrInvalidProposal},
		{"resumption PSK with usage reinit", []ProposalOrRef{psk(res(schedule.UsageReinit))}, "R-12.1.4-1", mlserr.ErrInvalidProposal},
		{"resumption PSK with usage branch", []ProposalOrRef{psk(res(schedule.UsageBranch))}, "R-12.1.4-2", mlserr.ErrInvalidProposal},
		{"the same external PSK twice", []ProposalOrRef{psk(ext("ext", nonce(1))), psk(ext("ext", nonce(2)))}, "R-12.2-10", mlserr.ErrInvalidProposal},
		{"the same resumption PSK twice", []ProposalOrRef{psk(res(schedule.UsageApplication)), psk(res(schedule.UsageApplication))}, "R-12.2-10", mlserr.ErrInvalidProposal},
		{"an external PSK bob does not hold", []ProposalOrRef{psk(ext("unknown", nonce(1)))}, "R-12.4.2-5", mlserr.ErrInvalidCommit},
		{"a resumption PSK of a future epoch", []ProposalOrRef{psk(func() schedule.PreSharedKeyID {
			id := res(schedule.UsageApplication)
			id.PSKEpoch += 5
			return id
		}())}, "R-12.4.2-5", mlserr.ErrInvalidCommit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := forgeCommit(t, alice, &Commit{Proposals: tc.list})
			before := state(t, bob)
			_, err := bob.Process(m)
			if !errors.Is(err, tc.class) || mlserr.RequirementOf(err) != tc.req {
				t.Fatalf("err = %v, want %s / %v", err, tc.req, tc.class)
			}
			if !bytes.Equal(before, state(t, bob)) {
				t.Fatal("the rejected Commit changed the state")
			}
		})
	}

	// A PSK proposal with a bad nonce is refused when it arrives
	// (R-12.1.4-3), so that it blocks neither the receiver's own Commit
	// nor its application messages; the committer refuses a PSK it does
	// not hold, and its state is kept.
	c := alice.clone()
	c.cfg.Rand = seeded.New("committer")
	badNonce := &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: &PreSharedKey{PSK: ext("ext", nonce(1)[2:])}}
	// The sender refuses it (Propose checks it as ProposePSK would).
	unchanged(t, bob, func() {
		_, err := bob.Propose(badNonce, true)
		wantErr(t, "proposing a bad nonce", err, "R-12.1.4-3", mlserr.ErrInvalidProposal)
	})
	m, err := bob.clone().sendProposal(badNonce, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := state(t, c)
	_, err = c.Process(m)
	wantErr(t, "receiving a bad nonce", err, "R-12.1.4-3", mlserr.ErrInvalidProposal)
	if !bytes.Equal(before, state(t, c)) {
		t.Fatal("the refused proposal changed the state")
	}
	if _, err := c.clone().SendApplication([]byte("hello"), nil, 0); err != nil {
		t.Fatalf("sending after the refused proposal: %v", err)
	}
	if _, err := c.clone().Commit(&CommitOptions{}); err != nil {
		t.Fatalf("committing after the refused proposal: %v", err)
	}
	if _, err := c.Commit(&CommitOptions{PSKs: []schedule.PreSharedKeyID{ExternalPSKID([]byte("unknown"))}}); mlserr.RequirementOf(err) != "R-12.4.2-5" {
		t.Fatalf("committing an unknown PSK: err = %v, want R-12.4.2-5", err)
	}
	if !bytes.Equal(before, state(t, c)) {
		t.Fatal("the refused Commits changed the state")
	}
	if _, err := alice.ProposePSK(ExternalPSKID([]byte("unknown")), true); err == nil {
		t.Fatal("proposing a PSK alice does not hold succeeded")
	}
}

// TestPSKNoncesAndOrder checks that every injection draws a fresh
// psk_nonce of KDF.Nh bytes (R-8.4-2, R-12.1.4-4), and that psk_secret is
// computed over the committed PSKs in the order of the proposal list,
// skipping the other proposals (R-12.4.2-21). schedule.PSKSecret, the
// oracle, is checked against the official psk_secret vectors.
func TestPSKNoncesAndOrder(t *testing.T) {
	alice, _, psks := pskPair(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	psks["second"] = []byte("second secret")
	nh := alice.suite.Nh()
	seen := map[string]bool{}
	var props []*Proposal
	for _, name := range []string{"ext", "second", "ext"} {
		p, err := alice.pskProposal(&schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: []byte(name)}, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := p.PreSharedKey.PSK.PSKNonce
		if len(n) != nh || seen[string(n)] {
			t.Fatalf("psk_nonce %x: want a fresh one of %d bytes", n, nh)
		}
		seen[string(n)] = true
		props = append(props, p)
	}
	remove := &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 1}}
	list := []committedProposal{{proposal: props[1]}, {proposal: remove}, {proposal: props[0]}}
	ids, got, err := alice.committedPSKs(list)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || string(ids[0].PSKID) != "second" || string(ids[1].PSKID) != "ext" {
		t.Fatalf("committed PSK IDs %+v, want second then ext", ids)
	}
	want, err := schedule.PSKSecret(alice.suite, []schedule.PSK{
		{ID: props[1].PreSharedKey.PSK, Secret: psks["second"]}, {ID: props[0].PreSharedKey.PSK, Secret: psks["ext"]},
	})
	if err != nil {
		t.Fatal(err)
	}
	swapped, err := schedule.PSKSecret(alice.suite, []schedule.PSK{
		{ID: props[0].PreSharedKey.PSK, Secret: psks["ext"]}, {ID: props[1].PreSharedKey.PSK, Secret: psks["second"]},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || bytes.Equal(got, swapped) {
		t.Fatalf("psk_secret %x, want %x (the list's order), not %x", got, want, swapped)
	}
	if _, zero, err := alice.committedPSKs([]committedProposal{{proposal: remove}}); err != nil || !bytes.Equal(zero, make([]byte, nh)) {
		t.Fatalf("no PSKs: psk_secret %x, %v; want KDF.Nh zero octets", zero, err)
	}
}
