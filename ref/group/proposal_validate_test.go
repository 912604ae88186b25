package group

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// keepUnchecked makes g keep the proposal that m, a PublicMessage of a
// member, carries, as Process would but without its checks on receipt: a
// proposal that reached the epoch's pending list unvalidated, so that the
// checks of the Commit can be tested on their own.
func keepUnchecked(t *testing.T, g *Group, m *MLSMessage) {
	t.Helper()
	pm := m.PublicMessage
	if pm == nil {
		t.Fatal("keepUnchecked takes a PublicMessage")
	}
	ac := &framing.AuthenticatedContent{WireFormat: framing.WireFormatPublicMessage, Content: pm.Content, Auth: pm.Auth}
	b, err := marshal(ac)
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.decodeProposal(pm.Content.Proposal)
	if err != nil {
		t.Fatal(err)
	}
	g.pending = append(g.pending, pendingProposal{ref: g.suite.MakeProposalRef(b), sender: pm.Content.Sender, proposal: p})
}

// wantReqs checks that err names want[0] as its requirement and carries
// every other ID of want in its chain.
func wantReqs(t *testing.T, err error, class error, want ...string) {
	t.Helper()
	got := mlserr.Requirements(err)
	if mlserr.RequirementOf(err) != want[0] || !errors.Is(err, class) {
		t.Fatalf("err = %v (%v), want %s / %v", err, got, want[0], class)
	}
	for _, w := range want[1:] {
		if !slices.Contains(got, w) {
			t.Fatalf("err = %v (%v), want %s in its chain", err, got, w)
		}
	}
}

// updateOf returns a LeafNode for an Update by g's member with a fresh
// encryption key, changed by mutate and then signed.
func updateOf(t *testing.T, g *Group, mutate func(*tree.LeafNode)) *tree.LeafNode {
	t.Helper()
	me := g.priv.Leaf()
	ln := g.tree.Leaf(me).Clone()
	ln.LeafNodeSource = tree.SourceUpdate
	ln.Lifetime = tree.Lifetime{}
	ln.ParentHash = nil
	_, pub, err := g.suite.GenerateKeyPair(seeded.New("update " + string(ln.Credential.Identity)))
	if err != nil {
		t.Fatal(err)
	}
	ln.EncryptionKey = pub
	if mutate != nil {
		mutate(ln)
	}
	if err := ln.Sign(g.suite, g.sigPriv, g.ctx.GroupID, me); err != nil {
		t.Fatal(err)
	}
	return ln
}

// keyPackageOf returns a fresh KeyPackage of name for suite s, changed by
// mutate and then signed again, LeafNode and KeyPackage, by its owner.
func keyPackageOf(t *testing.T, s *ciphersuite.Suite, name string, mutate func(*KeyPackage)) *KeyPackage {
	t.Helper()
	kp, priv := newKP(t, s, name)
	if mutate == nil {
		return kp
	}
	mutate(kp)
	if err := kp.LeafNode.Sign(s, priv.SignaturePriv, nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := kp.Sign(priv.SignaturePriv); err != nil {
		t.Fatal(err)
	}
	return kp
}

func addOf(kp *KeyPackage) *Proposal {
	return &Proposal{ProposalType: ProposalTypeAdd, Add: &Add{KeyPackage: *kp}}
}

func updateProposal(ln *tree.LeafNode) *Proposal {
	return &Proposal{ProposalType: ProposalTypeUpdate, Update: &Update{LeafNode: *ln}}
}

// TestProposalReceiptRejects checks that Process validates an Add or
// Update proposal when it arrives (RFC 9420, Sections 7.3, 10.1, 12.1.1
// and 12.1.2): the KeyPackage of an Add (R-10.1-2) and the LeafNode of an
// Update at its sender's leaf (R-7.3-2), each refusal naming the broken
// rule in its chain, as a PublicMessage and as a PrivateMessage, from a
// member and from a new member. Nothing is kept: Bob's state is
// byte-identical and he can still commit.
func TestProposalReceiptRejects(t *testing.T) {
	f := newRejectFixture(t)
	s := f.alice.suite
	other := mustSuite(t, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
	member := func(from *Group, p *Proposal) func(*testing.T, bool) *MLSMessage {
		return func(t *testing.T, public bool) *MLSMessage {
			m, err := from.clone().sendProposal(p, public, nil)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	newMember := func(kp *KeyPackage, name string) func(*testing.T, bool) *MLSMessage {
		return func(t *testing.T, _ bool) *MLSMessage {
			_, priv := newKP(t, s, name)
			m, err := NewMemberProposal(f.bob.ctx.GroupID, f.bob.Epoch(), kp, priv.SignaturePriv, nil)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	flipped := updateOf(t, f.carol, nil)
	flipped.Signature[len(flipped.Signature)-1] ^= 1
	badSig := keyPackageOf(t, s, "eve", nil)
	badSig.Signature = bytes.Clone(badSig.Signature)
	badSig.Signature[0] ^= 1
	version := func(kp *KeyPackage) { kp.Version = 2 }
	// Carol's Update taking alice's signature key, signed with it.
	aliceKey := updateOf(t, f.carol, func(ln *tree.LeafNode) { ln.SignatureKey = bytes.Clone(f.alice.tree.Leaf(0).SignatureKey) })
	if err := aliceKey.Sign(s, f.alice.sigPriv, f.carol.ctx.GroupID, f.carol.priv.Leaf()); err != nil {
		t.Fatal(err)
	}
	unlisted := extension.List{{ExtensionType: 0xff03, ExtensionData: []byte{}}}
	pskOf := func(id schedule.PreSharedKeyID) *Proposal {
		return &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: &PreSharedKey{PSK: id}}
	}
	extPSK := func(n int) schedule.PreSharedKeyID {
		id := ExternalPSKID([]byte("ext"))
		id.PSKNonce = bytes.Repeat([]byte{9}, n)
		return id
	}
	resPSK := func(u schedule.ResumptionPSKUsage) schedule.PreSharedKeyID {
		id := f.alice.ResumptionPSKID(f.alice.Epoch())
		id.Usage, id.PSKNonce = u, bytes.Repeat([]byte{9}, s.Nh())
		return id
	}
	gce := func(exts extension.List) *Proposal {
		return &Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: &GroupContextExtensions{Extensions: exts}}
	}
	reinit := func(v ProtocolVersion) *Proposal {
		return &Proposal{ProposalType: ProposalTypeReInit, ReInit: &ReInit{GroupID: []byte("next"), Version: v, CipherSuite: s.ID(), Extensions: extension.List{}}}
	}
	tests := []struct {
		name       string
		send       func(*testing.T, bool) *MLSMessage
		publicOnly bool
		want       []string
	}{
		{name: "Update: the LeafNode's signature does not verify",
			send: member(f.carol, updateProposal(flipped)), want: []string{"R-7.3-2", "R-7.3-5"}},
		{name: "Update: an extension not listed in the capabilities",
			send: member(f.carol, updateProposal(updateOf(t, f.carol, func(ln *tree.LeafNode) { ln.Extensions = unlisted }))),
			want: []string{"R-7.3-2", "R-7.3-12"}},
		{name: "Update: the encryption key of another member",
			send: member(f.carol, updateProposal(updateOf(t, f.carol, func(ln *tree.LeafNode) { ln.EncryptionKey = f.alice.tree.Leaf(0).EncryptionKey }))),
			want: []string{"R-7.3-2", "R-7.3-19"}},
		{name: "Update: the signature key of another member",
			send: member(f.carol, updateProposal(aliceKey)), want: []string{"R-7.3-2", "R-7.3-18"}},
		{name: "Update: the encryption key it replaces",
			send: member(f.carol, updateProposal(updateOf(t, f.carol, func(ln *tree.LeafNode) { ln.EncryptionKey = f.carol.tree.Leaf(f.carol.priv.Leaf()).EncryptionKey }))),
			want: []string{"R-7.3-2", "R-7.3-15"}},
		{name: "Add: the KeyPackage's signature does not verify",
			send: member(f.alice, addOf(badSig)), want: []string{"R-10.1-2", "R-10.1-5"}},
		{name: "Add: another protocol version",
			send: member(f.alice, addOf(keyPackageOf(t, s, "eve", version))), want: []string{"R-10.1-2", "R-10.1-3"}},
		{name: "Add: another cipher suite",
			send: member(f.alice, addOf(keyPackageOf(t, other, "eve", nil))), want: []string{"R-10.1-2", "R-10.1-3"}},
		{name: "Add: a LeafNode extension not listed in the capabilities",
			send: member(f.alice, addOf(keyPackageOf(t, s, "eve", func(kp *KeyPackage) { kp.LeafNode.Extensions = unlisted }))),
			want: []string{"R-10.1-2", "R-10.1-4", "R-7.3-12"}},
		{name: "Add: a KeyPackage extension not listed in the capabilities",
			send: member(f.alice, addOf(keyPackageOf(t, s, "eve", func(kp *KeyPackage) { kp.Extensions = unlisted }))),
			want: []string{"R-10.1-2", "R-10-8"}},
		{name: "Add: an encryption key already in the tree",
			send: member(f.alice, addOf(keyPackageOf(t, s, "eve", func(kp *KeyPackage) { kp.LeafNode.EncryptionKey = f.bob.tree.Leaf(1).EncryptionKey }))),
			want: []string{"R-10.1-2", "R-10.1-4", "R-7.3-19"}},
		{name: "Add: init_key equals the encryption key",
			send: member(f.alice, addOf(keyPackageOf(t, s, "eve", func(kp *KeyPackage) { kp.InitKey = bytes.Clone(kp.LeafNode.EncryptionKey) }))),
			want: []string{"R-10.1-2", "R-10.1-6"}},
		{name: "Remove: a leaf outside the tree",
			send: member(f.alice, &Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 9}}), want: []string{"R-12.1.3-1"}},
		{name: "PreSharedKey: psk_nonce shorter than KDF.Nh",
			send: member(f.alice, pskOf(extPSK(s.Nh()-1))), want: []string{"R-12.1.4-3"}},
		{name: "PreSharedKey: a resumption PSK with usage reinit",
			send: member(f.alice, pskOf(resPSK(schedule.UsageReinit))), want: []string{"R-12.1.4-1"}},
		{name: "PreSharedKey: a resumption PSK with usage branch",
			send: member(f.alice, pskOf(resPSK(schedule.UsageBranch))), want: []string{"R-12.1.4-2"}},
		{name: "GroupContextExtensions: an external_senders extension that does not decode",
			send: member(f.alice, gce(extension.List{{ExtensionType: extension.ExternalSenders, ExtensionData: []byte{0xff}}})), want: []string{""}},
		{name: "GroupContextExtensions: a required_capabilities extension that does not decode",
			send: member(f.alice, gce(extension.List{{ExtensionType: extension.RequiredCapabilities, ExtensionData: []byte{0xff}}})), want: []string{""}},
		{name: "ReInit: a version below the group's",
			send: member(f.alice, reinit(0)), want: []string{""}},
		{name: "new member Add: another protocol version", publicOnly: true,
			send: newMember(keyPackageOf(t, s, "eve", version), "eve"), want: []string{"R-10.1-2", "R-10.1-3"}},
		{name: "new member Add: an encryption key already in the tree", publicOnly: true,
			send: newMember(keyPackageOf(t, s, "eve", func(kp *KeyPackage) { kp.LeafNode.EncryptionKey = f.dave.tree.Leaf(3).EncryptionKey }), "eve"),
			want: []string{"R-10.1-2", "R-10.1-4", "R-7.3-19"}},
	}
	for _, tc := range tests {
		for _, public := range []bool{true, false} {
			if !public && tc.publicOnly {
				continue
			}
			name := tc.name + " (PrivateMessage)"
			if public {
				name = tc.name + " (PublicMessage)"
			}
			t.Run(name, func(t *testing.T) {
				bob := f.bob.clone()
				m := tc.send(t, public)
				before := state(t, bob)
				_, err := bob.Process(m)
				wantReqs(t, err, mlserr.ErrInvalidProposal, tc.want...)
				if !bytes.Equal(before, state(t, bob)) {
					t.Fatal("the refused proposal changed the state")
				}
				// Nothing pending: bob still commits and sends.
				if _, err := bob.clone().Commit(&CommitOptions{}); err != nil {
					t.Fatalf("bob cannot commit after refusing the proposal: %v", err)
				}
				if _, err := bob.clone().SendApplication([]byte("hi"), nil, 0); err != nil {
					t.Fatalf("bob cannot send after refusing the proposal: %v", err)
				}
			})
		}
	}
}

// TestProposalReceiptAccepts checks what validation on receipt lets
// through (RFC 9420, Sections 7.3, 10.1 and 12.2): valid Adds and Updates,
// public and private; and an Add of a new KeyPackage of a client already
// in the group (its signature key), which a Commit may cover together with
// the Remove of that client (R-12.2-9) but not alone.
func TestProposalReceiptAccepts(t *testing.T) {
	f := newRejectFixture(t)
	s := f.alice.suite
	for _, public := range []bool{true, false} {
		bob := f.bob.clone()
		m, err := f.alice.clone().Propose(addOf(keyPackageOf(t, s, "eve", nil)), public)
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, m, bob)
		m, err = f.carol.clone().ProposeUpdate(public)
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, m, bob)
		if len(bob.pending) != 2 {
			t.Fatalf("public %v: %d proposals pending, want 2", public, len(bob.pending))
		}
		if _, err := bob.Commit(&CommitOptions{}); err != nil {
			t.Fatalf("public %v: committing the received proposals: %v", public, err)
		}
	}

	// Dave's new KeyPackage, with his signature key.
	daveLeaf := f.dave.priv.Leaf()
	readd := keyPackageOf(t, s, "dave again", nil)
	readd.LeafNode.SignatureKey = bytes.Clone(f.dave.tree.Leaf(daveLeaf).SignatureKey)
	readd.LeafNode.Credential = f.dave.tree.Leaf(daveLeaf).Credential
	if err := readd.LeafNode.Sign(s, f.dave.sigPriv, nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := readd.Sign(f.dave.sigPriv); err != nil {
		t.Fatal(err)
	}
	bob := f.bob.clone()
	m, err := f.alice.clone().Propose(addOf(readd), true)
	if err != nil {
		t.Fatalf("proposing the Add of a member's new KeyPackage: %v", err)
	}
	deliver(t, m, bob)
	// [R-12.4-3] alone, the Add would make the list invalid (R-12.2-9):
	// the committer leaves it out.
	wantRefs(t, commitList(t, bob, &CommitOptions{}))
	if _, err := bob.Commit(&CommitOptions{Removes: []uint32{uint32(daveLeaf)}}); err != nil {
		t.Fatalf("committing the Add with the Remove of the same client: %v", err)
	}
}

// TestProposeValidates checks the sender's side (RFC 9420, Sections 7.3,
// 8.4, 10.1 and 12.1.4): Propose refuses an Add of a downloaded KeyPackage
// that is not valid (R-10.1-1), including an expired one when the group
// skips lifetimes of received LeafNodes (R-7.3-10), an Update whose
// LeafNode is not valid, and a PreSharedKey proposal built by hand that
// ProposePSK would refuse (its nonce, R-12.1.4-3; a PSK this member does
// not hold, R-12.4.2-5). Nothing is sent and the state is unchanged.
func TestProposeValidates(t *testing.T) {
	f := newRejectFixture(t)
	s := f.alice.suite
	other := mustSuite(t, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
	badSig := keyPackageOf(t, s, "eve", nil)
	badSig.Signature = bytes.Clone(badSig.Signature)
	badSig.Signature[0] ^= 1
	expired := keyPackageOf(t, s, "eve", func(kp *KeyPackage) {
		kp.LeafNode.Lifetime.NotAfter = uint64(testNow.Unix()) - 1
		kp.LeafNode.Lifetime.NotBefore = kp.LeafNode.Lifetime.NotAfter - 3600
	})
	flipped := updateOf(t, f.alice, nil)
	flipped.Signature[0] ^= 1
	psk := func(name string, n int) *Proposal {
		id := ExternalPSKID([]byte(name))
		id.PSKNonce = bytes.Repeat([]byte{7}, n)
		return &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: &PreSharedKey{PSK: id}}
	}
	known := func(id *schedule.PreSharedKeyID) ([]byte, bool) {
		if string(id.PSKID) == "known" {
			return bytes.Repeat([]byte{1}, 32), true
		}
		return nil, false
	}
	tests := []struct {
		name  string
		cfg   func(*Config)
		p     *Proposal
		class error
		want  []string
	}{
		{name: "Add: the KeyPackage's signature does not verify", p: addOf(badSig), class: mlserr.ErrInvalidInput, want: []string{"R-10.1-1", "R-10.1-5"}},
		{name: "Add: another cipher suite", p: addOf(keyPackageOf(t, other, "eve", nil)), class: mlserr.ErrInvalidInput, want: []string{"R-10.1-1", "R-10.1-3"}},
		{name: "Add: another protocol version", p: addOf(keyPackageOf(t, s, "eve", func(kp *KeyPackage) { kp.Version = 2 })), class: mlserr.ErrInvalidInput, want: []string{"R-10.1-1", "R-10.1-3"}},
		{name: "Add: an encryption key already in the tree",
			p:     addOf(keyPackageOf(t, s, "eve", func(kp *KeyPackage) { kp.LeafNode.EncryptionKey = f.bob.tree.Leaf(1).EncryptionKey })),
			class: mlserr.ErrInvalidInput, want: []string{"R-10.1-1", "R-10.1-4", "R-7.3-19"}},
		{name: "Add: expired, lifetimes of received leaves skipped", cfg: func(c *Config) { c.SkipLifetime = true },
			p: addOf(expired), class: mlserr.ErrInvalidInput, want: []string{"R-10.1-1", "R-10.1-4", "R-7.3-9"}},
		{name: "Add: no body", p: &Proposal{ProposalType: ProposalTypeAdd}, class: mlserr.ErrInvalidInput, want: []string{"R-10.1-1", "R-10.1-3"}},
		{name: "Update: the LeafNode's signature does not verify", p: updateProposal(flipped), class: mlserr.ErrInvalidInput, want: []string{"", "R-7.3-5"}},
		{name: "PreSharedKey: a nonce of the wrong length", cfg: func(c *Config) { c.PSKs = known }, p: psk("known", 5), class: mlserr.ErrInvalidProposal, want: []string{"R-12.1.4-3"}},
		{name: "PreSharedKey: a PSK this member does not hold", cfg: func(c *Config) { c.PSKs = known }, p: psk("unknown", s.Nh()), class: mlserr.ErrInvalidInput, want: []string{"R-12.4.2-5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alice := f.alice.clone()
			if tc.cfg != nil {
				tc.cfg(&alice.cfg)
			}
			before := state(t, alice)
			var m *MLSMessage
			var err error
			if tc.p.ProposalType == ProposalTypeUpdate {
				m, err = alice.propose(tc.p, true, nil)
			} else {
				m, err = alice.Propose(tc.p, true)
			}
			if m != nil {
				t.Fatal("a refused proposal was sent")
			}
			wantReqs(t, err, tc.class, tc.want...)
			if !bytes.Equal(before, state(t, alice)) {
				t.Fatal("the refused proposal changed the state")
			}
		})
	}

	// The PSK proposal built by hand that alice holds goes out, as with
	// ProposePSK.
	alice := f.alice.clone()
	alice.cfg.PSKs = known
	if _, err := alice.Propose(psk("known", s.Nh()), true); err != nil {
		t.Fatalf("proposing a PSK alice holds: %v", err)
	}
}

// TestCommitAddSignatureVerifiedOnce checks that the LeafNode of an Add is
// verified once per Commit (RFC 9420, Sections 7.3 and 12.2), while the
// checks that depend on the tree the Commit produces still run: an Add by
// value whose encryption key is that of a member the same Commit updates
// away is refused only after the Update is applied.
func TestCommitAddSignatureVerifiedOnce(t *testing.T) {
	f := newRejectFixture(t)
	s := f.alice.suite
	// The LeafNode check with SignatureVerified skips exactly the
	// signature: a forged LeafNode signature passes it, and nothing else
	// changes.
	kp, priv := newKP(t, s, "eve")
	kp.LeafNode.Signature = bytes.Clone(kp.LeafNode.Signature)
	kp.LeafNode.Signature[0] ^= 1
	if err := kp.Sign(priv.SignaturePriv); err != nil {
		t.Fatal(err)
	}
	ctx := &tree.LeafValidationContext{GroupParameters: *f.bob.params(), LeafIndex: 4, Source: tree.SourceKeyPackage, Tree: f.bob.tree}
	if err := tree.ValidateLeafNode(&kp.LeafNode, ctx); mlserr.RequirementOf(err) != "R-7.3-5" {
		t.Fatalf("without SignatureVerified: err = %v, want R-7.3-5", err)
	}
	ctx.SignatureVerified = true
	if err := tree.ValidateLeafNode(&kp.LeafNode, ctx); err != nil {
		t.Fatalf("with SignatureVerified: %v", err)
	}
	// A Commit with that KeyPackage is still refused, by ValidateKeyPackage.
	before := state(t, f.bob)
	_, err := f.bob.Process(forgeCommit(t, f.alice, &Commit{Proposals: byValue(addOf(kp))}))
	wantReqs(t, err, mlserr.ErrInvalidProposal, "R-12.2-3", "R-10.1-4", "R-7.3-5")
	if !bytes.Equal(before, state(t, f.bob)) {
		t.Fatal("the refused Commit changed the state")
	}
	// And the checks against the tree the Commit produces still run: an
	// Add taking the encryption key of a member who stays is refused.
	dup := keyPackageOf(t, s, "eve", func(kp *KeyPackage) { kp.LeafNode.EncryptionKey = f.bob.tree.Leaf(1).EncryptionKey })
	_, err = f.bob.Process(forgeCommit(t, f.alice, &Commit{Proposals: byValue(addOf(dup))}))
	wantReqs(t, err, mlserr.ErrInvalidProposal, "R-12.2-16", "R-7.3-19")
	if !bytes.Equal(before, state(t, f.bob)) {
		t.Fatal("the refused Commit changed the state")
	}
}

// TestCommitOwnAddLifetime checks that a committer checks the lifetime of
// the KeyPackages it adds by value even when its group skips lifetimes of
// received LeafNodes (RFC 9420, Sections 7.3 and 10.1, R-7.3-10): the
// Commit is refused and the state unchanged, and the same KeyPackage
// committed by another member is accepted by this one.
func TestCommitOwnAddLifetime(t *testing.T) {
	f := newRejectFixture(t)
	s := f.alice.suite
	expired := keyPackageOf(t, s, "eve", func(kp *KeyPackage) {
		kp.LeafNode.Lifetime.NotAfter = uint64(testNow.Unix()) - 1
		kp.LeafNode.Lifetime.NotBefore = kp.LeafNode.Lifetime.NotAfter - 3600
	})
	alice := f.alice.clone()
	alice.cfg.SkipLifetime = true
	before := state(t, alice)
	pc, err := alice.Commit(&CommitOptions{Adds: []*KeyPackage{expired}})
	if pc != nil {
		t.Fatal("a Commit adding an expired KeyPackage was created")
	}
	// [R-7.3-10]
	wantReqs(t, err, mlserr.ErrInvalidProposal, "R-12.2-3", "R-10.1-4", "R-7.3-9")
	if !bytes.Equal(before, state(t, alice)) {
		t.Fatal("the refused Commit changed the state")
	}
	// A receiver that skips lifetimes takes it from another committer:
	// the forged Commit gets past the proposal list and fails only at its
	// confirmation tag.
	bob := f.bob.clone()
	bob.cfg.SkipLifetime = true
	_, err = bob.Process(forgeCommit(t, f.alice, &Commit{Proposals: byValue(addOf(expired))}))
	if mlserr.RequirementOf(err) != "R-12.4.2-23" {
		t.Fatalf("a receiver skipping lifetimes: err = %v, want only the forged confirmation tag refused (R-12.4.2-23)", err)
	}
}

// TestProposalReceiptLeavesToCommit checks what validation on receipt
// leaves to the Commit (RFC 9420, Sections 12.1.4, 12.1.7, 12.2 and
// 12.4.2): a PreSharedKey proposal naming a PSK the receiver does not hold
// is kept (R-12.4.2-5 is a rule of the Commit that covers it), and so is a
// GroupContextExtensions with an extension some member does not support
// (whether every member supports it depends on the Commit's Updates,
// Removes and Adds); the receiver's Commit then leaves them out
// (R-12.4-3), and a Commit covering them is refused.
func TestProposalReceiptLeavesToCommit(t *testing.T) {
	f := newRejectFixture(t)
	s := f.alice.suite
	unknown := ExternalPSKID([]byte("unknown"))
	unknown.PSKNonce = bytes.Repeat([]byte{9}, s.Nh())
	for _, tc := range []struct {
		name string
		p    *Proposal
		req  string
	}{
		{"a PSK bob does not hold", &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: &PreSharedKey{PSK: unknown}}, "R-12.4.2-5"},
		{"an extension no member supports", &Proposal{ProposalType: ProposalTypeGroupContextExtensions, GroupContextExtensions: &GroupContextExtensions{
			Extensions: extension.List{{ExtensionType: 0xff03, ExtensionData: []byte{}}}}}, "R-12.2-16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bob := f.bob.clone()
			m, err := f.alice.clone().sendProposal(tc.p, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := bob.Process(m); err != nil {
				t.Fatalf("refused on receipt: %v", err)
			}
			// [R-12.4-3]
			wantRefs(t, commitList(t, bob, &CommitOptions{}))
			before := state(t, bob)
			_, err = bob.Process(forgeCommit(t, f.alice, &Commit{Proposals: []ProposalOrRef{byRef(lastRef(bob))}}))
			if mlserr.RequirementOf(err) != tc.req {
				t.Fatalf("a Commit covering it: err = %v, want %s", err, tc.req)
			}
			if !bytes.Equal(before, state(t, bob)) {
				t.Fatal("the refused Commit changed the state")
			}
		})
	}
}

// TestUpdateKeyOfRemovedLeaf checks that an Update whose new encryption_key
// is that of a leaf a pending Remove will take out is refused on receipt
// (RFC 9420, Section 7.3, R-7.3-2 with R-7.3-19): the key is unique in the
// tree of the epoch, whatever a Commit may later remove, and the refusal
// leaves the state byte-identical.
func TestUpdateKeyOfRemovedLeaf(t *testing.T) {
	f := newRejectFixture(t)
	bob := f.bob.clone()
	m, err := f.alice.clone().Propose(&Proposal{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 3}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Process(m); err != nil {
		t.Fatal(err)
	}
	upd := updateOf(t, f.carol, func(ln *tree.LeafNode) { ln.EncryptionKey = bytes.Clone(f.dave.tree.Leaf(3).EncryptionKey) })
	m, err = f.carol.clone().sendProposal(updateProposal(upd), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := state(t, bob)
	_, err = bob.Process(m)
	wantReqs(t, err, mlserr.ErrInvalidProposal, "R-7.3-2", "R-7.3-19")
	if !bytes.Equal(before, state(t, bob)) {
		t.Fatal("the refused Update changed the state")
	}
}
