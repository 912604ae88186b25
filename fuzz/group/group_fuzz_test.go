package group

import (
	"bytes"
	"testing"

	"github.com/mlsref/mlsref/fuzz/internal/fixture"
	"github.com/mlsref/mlsref/fuzz/internal/fuzzutil"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/framing"
	mls "github.com/mlsref/mlsref/ref/group"
)

func newFixture(f *testing.F) *fixture.Fixture {
	f.Helper()
	fx, err := fixture.New()
	if err != nil {
		f.Fatal(err)
	}
	return fx
}

func state(t *testing.T, g *mls.Group) []byte {
	t.Helper()
	b, err := g.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	return b
}

// restoreBob returns bob in epoch 1, checking that his state encodes again
// to the fixture's bytes, the "before" of every comparison.
func restoreBob(t *testing.T, fx *fixture.Fixture) *mls.Group {
	t.Helper()
	bob, err := fx.RestoreBob()
	if err != nil {
		t.Fatalf("restoring bob: %v", err)
	}
	return bob
}

// process decodes data as an MLSMessage and has g process it. On any
// error, the error must be an mlserr error naming its rule and g's state
// must be byte for byte what it was. It returns what Process returned, or
// nil when data was rejected.
func process(t *testing.T, g *mls.Group, data []byte) *mls.Received {
	t.Helper()
	m, err := mls.DecodeMLSMessage(data)
	if err != nil {
		fuzzutil.CheckError(t, "DecodeMLSMessage", data, err, true)
		return nil
	}
	before := state(t, g)
	epoch := g.Epoch()
	rcv, err := g.Process(m)
	if err != nil {
		fuzzutil.CheckError(t, "Process", data, err, true)
		if after := state(t, g); !bytes.Equal(before, after) {
			t.Fatalf("Process rejected the message (%v) but changed the state: %s\ninput %x", err, fuzzutil.Diff(before, after), data)
		}
		if g.Epoch() != epoch {
			t.Fatalf("Process rejected the message (%v) but moved from epoch %d to %d", err, epoch, g.Epoch())
		}
		return nil
	}
	if rcv == nil {
		t.Fatalf("Process returned neither a result nor an error\ninput %x", data)
	}
	return rcv
}

// checkAccepted checks what bob's Process returned for one of the
// fixture's valid messages.
func checkAccepted(t *testing.T, bob *mls.Group, m fixture.Message, rcv *mls.Received) {
	t.Helper()
	want := uint64(1)
	if m.Commit {
		want = 2
	}
	if bob.Epoch() != want {
		t.Fatalf("%s: bob is in epoch %d after it, want %d", m.Name, bob.Epoch(), want)
	}
	if rcv.Epoch != 1 {
		t.Fatalf("%s: received in epoch %d, want 1", m.Name, rcv.Epoch)
	}
	switch rcv.ContentType {
	case framing.ContentTypeApplication:
		if !bytes.Equal(rcv.ApplicationData, []byte("hello bob")) || !bytes.Equal(rcv.AuthenticatedData, []byte("app ad")) {
			t.Fatalf("%s: application data %q, authenticated data %q", m.Name, rcv.ApplicationData, rcv.AuthenticatedData)
		}
	case framing.ContentTypeProposal:
		if rcv.Proposal == nil {
			t.Fatalf("%s: a proposal without its Proposal", m.Name)
		}
	}
	if m.Commit != (rcv.ContentType == framing.ContentTypeCommit) {
		t.Fatalf("%s: content type %v", m.Name, rcv.ContentType)
	}
}

// FuzzProcess feeds arbitrary bytes, as an MLSMessage, to bob's Process in
// epoch 1 (RFC 9420, Sections 6, 12 and 15). Properties: no panic; every
// error (decoding or processing) is an mlserr error naming its rule;
// rejection leaves bob's MarshalBinary byte-identical; and only the
// fixture's own messages from alice are accepted (anything else accepted
// would be a forgery, since every octet of a framed message is covered by
// a signature, a membership tag or an AEAD), each with the result it
// should have.
func FuzzProcess(f *testing.F) {
	fx := newFixture(f)
	for _, m := range fx.Messages {
		f.Add(m.Bytes)
	}
	f.Add(fx.KeyPackage)
	f.Add([]byte{})
	f.Add([]byte{0, 1, 0, 1})
	f.Add([]byte{0, 1, 0, 2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		bob := restoreBob(t, fx)
		rcv := process(t, bob, data)
		if rcv == nil {
			return
		}
		for _, m := range fx.Messages {
			if bytes.Equal(m.Bytes, data) {
				checkAccepted(t, bob, m, rcv)
				return
			}
		}
		t.Fatalf("bob accepted a message alice never sent (%v from %v)\ninput %x", rcv.ContentType, rcv.Sender, data)
	})
}

// mutationSeeds are scripts for fuzzutil.Mutate: none, and single edits in
// the header, the middle and the end of a message of n octets.
func mutationSeeds(n int) [][]byte {
	cat := func(ops ...[]byte) []byte { return bytes.Join(ops, nil) }
	return [][]byte{
		nil,
		fuzzutil.Op(0, 3, 0x01),
		fuzzutil.Op(0, n/2, 0x80),
		fuzzutil.Op(0, n-1, 0xff),
		fuzzutil.Op(2, n/3, 0),
		fuzzutil.Op(1, n, 0),
		cat(fuzzutil.Op(3, 8, 0), fuzzutil.Op(0, n-2, 1)),
	}
}

// FuzzProcessMutated feeds bob, in epoch 1, one of alice's valid messages
// (Commits with and without a path, public and private, a Remove, an Add,
// an external Commit, an application message, proposals) changed by a
// mutation script (fuzzutil.Mutate: xor, insert, delete, set at
// fuzzer-chosen positions), so the fuzzer explores near-valid inputs.
// Properties: no panic; errors are mlserr errors naming their rule and
// leave bob's state byte-identical; when the mutated bytes equal the
// original, the message is accepted with its expected result (epoch,
// content type, application data); when they differ, the message is
// rejected: every octet of an MLSMessage carrying a PublicMessage or
// PrivateMessage is authenticated and decoding is canonical, so no
// change is harmless.
func FuzzProcessMutated(f *testing.F) {
	fx := newFixture(f)
	for i, m := range fx.Messages {
		for _, s := range mutationSeeds(len(m.Bytes)) {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, script []byte) {
		m := fx.Messages[int(which)%len(fx.Messages)]
		data := fuzzutil.Mutate(m.Bytes, script)
		bob := restoreBob(t, fx)
		rcv := process(t, bob, data)
		same := bytes.Equal(data, m.Bytes)
		switch {
		case same && rcv == nil:
			t.Fatalf("%s: bob rejects alice's valid message", m.Name)
		case same:
			checkAccepted(t, bob, m, rcv)
		case rcv != nil:
			t.Fatalf("%s: bob accepted a mutated message (%v from %v, now epoch %d)\nmutated  %x\noriginal %x", m.Name, rcv.ContentType, rcv.Sender, bob.Epoch(), data, m.Bytes)
		}
	})
}

// FuzzJoinWelcome has dave join from the fixture's Welcome (which adds
// dave and eve) changed by a mutation script (RFC 9420, Section
// 12.4.3.1). Properties: no panic; errors are mlserr errors naming their
// rule; and when JoinGroup succeeds, dave's state is byte for byte the
// one the unchanged Welcome gives (a change to eve's entry is harmless
// to dave; any other must be refused).
func FuzzJoinWelcome(f *testing.F) {
	fx := newFixture(f)
	for _, s := range mutationSeeds(len(fx.Welcome)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		data := fuzzutil.Mutate(fx.Welcome, script)
		dave, err := fx.JoinDave(data)
		if err != nil {
			fuzzutil.CheckError(t, "JoinGroup", data, err, true)
			if bytes.Equal(data, fx.Welcome) {
				t.Fatalf("dave cannot join from the valid Welcome: %v", err)
			}
			return
		}
		if got := state(t, dave); !bytes.Equal(got, fx.DaveState) {
			t.Fatalf("dave joined from a changed Welcome into another state: %s\nmutated  %x\noriginal %x", fuzzutil.Diff(fx.DaveState, got), data, fx.Welcome)
		}
	})
}

// FuzzJoinExternal has frank join by external Commit from alice's
// GroupInfo changed by a mutation script (RFC 9420, Section 12.4.3.2).
// Properties: no panic; errors are mlserr errors naming their rule; and
// when JoinExternal succeeds, frank's state and his Commit are byte for
// byte those the unchanged GroupInfo gives (the GroupInfo is signed, so in
// practice any change must be refused).
func FuzzJoinExternal(f *testing.F) {
	fx := newFixture(f)
	for _, s := range mutationSeeds(len(fx.GroupInfo)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		data := fuzzutil.Mutate(fx.GroupInfo, script)
		frank, commit, err := fx.JoinFrank(data)
		if err != nil {
			fuzzutil.CheckError(t, "JoinExternal", data, err, true)
			if bytes.Equal(data, fx.GroupInfo) {
				t.Fatalf("frank cannot join from the valid GroupInfo: %v", err)
			}
			return
		}
		if got := state(t, frank); !bytes.Equal(got, fx.FrankState) {
			t.Fatalf("frank joined from a changed GroupInfo into another state: %s\nmutated  %x\noriginal %x", fuzzutil.Diff(fx.FrankState, got), data, fx.GroupInfo)
		}
		b, err := commit.Marshal()
		if err != nil || !bytes.Equal(b, fx.FrankCommit) {
			t.Fatalf("frank's external Commit from a changed GroupInfo differs (%v)\nmutated %x", err, data)
		}
	})
}

// FuzzUnmarshalGroup restores a group from a state of the fixture (bob in
// epoch 1, dave and frank in epoch 2) changed by a mutation script, then
// drives it (RFC 9420, Sections 8, 9, 12 and 15). Properties: no panic;
// UnmarshalGroup's errors are mlserr errors; a state it accepts encodes
// again to exactly the mutated bytes; and the restored group then
// processes one of alice's messages, commits, sends an application message
// and exports a GroupInfo without panicking, each failure being an mlserr
// error that leaves the state byte-identical.
func FuzzUnmarshalGroup(f *testing.F) {
	fx := newFixture(f)
	states := [][]byte{fx.BobState, fx.DaveState, fx.FrankState}
	for i, st := range states {
		for j, s := range mutationSeeds(len(st)) {
			f.Add(uint8(i), s, uint8(j))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, script []byte, msg uint8) {
		data := fuzzutil.Mutate(states[int(which)%len(states)], script)
		g, err := mls.UnmarshalGroup(data, fixture.Config("restored"))
		if err != nil {
			fuzzutil.CheckError(t, "UnmarshalGroup", data, err, false)
			return
		}
		if got := state(t, g); !bytes.Equal(got, data) {
			t.Fatalf("UnmarshalGroup accepted a state that encodes again differently: %s", fuzzutil.Diff(data, got))
		}
		process(t, g, fx.Messages[int(msg)%len(fx.Messages)].Bytes)
		unchangedOnError(t, g, "Commit", func() error {
			_, err := g.Commit(&mls.CommitOptions{ForcePath: msg%2 == 0, PublicMessage: msg%3 == 0})
			return err
		})
		unchangedOnError(t, g, "SendApplication", func() error {
			_, err := g.SendApplication([]byte("x"), nil, 0)
			return err
		})
		unchangedOnError(t, g, "ExportGroupInfo", func() error {
			_, err := g.ExportGroupInfo(mls.GroupInfoOptions{ExternalPub: true, RatchetTree: true})
			return err
		})
	})
}

// unchangedOnError runs op on g and, if it fails, checks the error and
// that g's state did not change.
func unchangedOnError(t *testing.T, g *mls.Group, what string, op func() error) {
	t.Helper()
	before := state(t, g)
	if err := op(); err != nil {
		fuzzutil.CheckError(t, what, nil, err, false)
		if after := state(t, g); !bytes.Equal(before, after) {
			t.Fatalf("%s failed (%v) but changed the state: %s", what, err, fuzzutil.Diff(before, after))
		}
	}
}

// FuzzProcessResigned changes the Proposal or Commit inside one of the
// fixture's PublicMessages (alice's Commits and proposals, frank's
// external Commit) with a mutation script, then signs it again as its
// sender and recomputes alice's membership tag (fixture.Resign), so that
// the change reaches the checks behind the signature: proposal and
// proposal-list validation, path and tree checks, the key schedule (RFC
// 9420, Sections 12.1, 12.2, 12.4.2 and 12.4.3.2). A Commit keeps its
// confirmation tag. Properties: no panic; errors are mlserr errors naming
// their rule and leave bob's state byte-identical; the unchanged body is
// accepted with its expected result; a changed Commit is refused (its
// confirmation tag covers the confirmed transcript hash, which covers
// the Commit); a changed proposal may be accepted, and then bob is still
// in epoch 1, the received Proposal encodes to exactly the changed body,
// and committing it either works (and merges) or fails cleanly, leaving
// the state byte-identical.
func FuzzProcessResigned(f *testing.F) {
	fx := newFixture(f)
	type public struct {
		m  fixture.Message
		pm *framing.PublicMessage
	}
	var pubs []public
	for _, m := range fx.Messages {
		msg, err := mls.DecodeMLSMessage(m.Bytes)
		if err != nil {
			f.Fatal(err)
		}
		if msg.PublicMessage != nil {
			pubs = append(pubs, public{m, msg.PublicMessage})
		}
	}
	for i, p := range pubs {
		for _, s := range mutationSeeds(len(p.pm.Content.Body())) {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, script []byte) {
		p := pubs[int(which)%len(pubs)]
		orig := p.pm.Content.Body()
		body := fuzzutil.Mutate(orig, script)
		data, err := fx.Resign(p.pm, body)
		if err != nil {
			t.Fatalf("%s: cannot sign the changed body again: %v", p.m.Name, err)
		}
		bob := restoreBob(t, fx)
		rcv := process(t, bob, data)
		switch same := bytes.Equal(body, orig); {
		case same && rcv == nil:
			t.Fatalf("%s: bob rejects alice's valid message", p.m.Name)
		case same:
			checkAccepted(t, bob, p.m, rcv)
		case rcv == nil:
		case p.m.Commit:
			t.Fatalf("%s: bob accepted a changed Commit (now epoch %d)\nbody     %x\noriginal %x", p.m.Name, bob.Epoch(), body, orig)
		default:
			if bob.Epoch() != 1 || rcv.ContentType != framing.ContentTypeProposal || rcv.Proposal == nil {
				t.Fatalf("%s: a changed proposal gives epoch %d, %v, %v", p.m.Name, bob.Epoch(), rcv.ContentType, rcv.Proposal)
			}
			if b, err := rcv.Proposal.Marshal(); err != nil || !bytes.Equal(b, body) {
				t.Fatalf("%s: bob accepted the proposal %x as %x (%v)", p.m.Name, body, b, err)
			}
			var pc *mls.PendingCommit
			unchangedOnError(t, bob, "Commit", func() error {
				pc, err = bob.Commit(&mls.CommitOptions{})
				return err
			})
			if pc != nil {
				if err := bob.MergePendingCommit(pc); err != nil {
					t.Fatalf("%s: bob cannot merge his own Commit of an accepted proposal: %v", p.m.Name, err)
				}
			}
		}
	})
}

// FuzzJoinWelcomeResealed opens the fixture's Welcome as dave, changes his
// GroupSecrets (part even) or the GroupInfo (part odd; signed again by
// alice when part%4 == 1, keeping the old signature when part%4 == 3)
// with a mutation script, and seals a new Welcome to dave with them
// (fixture.Reseal), so that the change reaches what JoinGroup checks
// behind the encryption: the GroupInfo's signature, the ratchet tree and
// its hash, the path secret, the key schedule and the confirmation tag
// (RFC 9420, Section 12.4.3.1). Changes that no longer decode are left to
// FuzzDecode. Properties: no panic; errors are mlserr errors naming their
// rule; the unchanged secrets and GroupInfo let dave join; and when
// JoinGroup succeeds, dave's state is byte for byte the one the original
// Welcome gives (a change to a GroupInfo extension the joiner ignores is
// harmless; a change to the GroupContext, the tree, the tag or the
// secrets must be refused).
func FuzzJoinWelcomeResealed(f *testing.F) {
	fx := newFixture(f)
	ow, err := fx.OpenDaveWelcome()
	if err != nil {
		f.Fatal(err)
	}
	var w codec.Writer
	ow.GroupSecrets.MarshalMLS(&w)
	gsOrig := w.Bytes()
	giOrig, err := ow.GroupInfo.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	for part := range 4 {
		n := len(gsOrig)
		if part%2 == 1 {
			n = len(giOrig)
		}
		for _, s := range mutationSeeds(n) {
			f.Add(uint8(part), s)
		}
	}
	f.Fuzz(func(t *testing.T, part uint8, script []byte) {
		gsB, giB := gsOrig, giOrig
		if part%2 == 0 {
			gsB = fuzzutil.Mutate(gsOrig, script)
		} else {
			giB = fuzzutil.Mutate(giOrig, script)
		}
		gs, err := mls.DecodeGroupSecrets(gsB)
		if err != nil {
			return
		}
		gi, err := mls.DecodeGroupInfo(giB)
		if err != nil {
			return
		}
		if part%4 == 1 {
			if err := fx.SignGroupInfo(gi); err != nil {
				t.Fatal(err)
			}
		}
		data, err := fx.Reseal(gs, gi, ow.PSKSecret)
		if err != nil {
			// NewWelcome refuses what it cannot seal (a joiner_secret
			// of the wrong length, say): nothing reaches dave.
			fuzzutil.CheckError(t, "NewWelcome", gsB, err, false)
			return
		}
		unchanged := bytes.Equal(gsB, gsOrig) && bytes.Equal(giB, giOrig)
		dave, err := fx.JoinDave(data)
		if err != nil {
			fuzzutil.CheckError(t, "JoinGroup", data, err, true)
			if unchanged {
				t.Fatalf("dave cannot join from his resealed secrets and GroupInfo: %v", err)
			}
			return
		}
		if got := state(t, dave); !bytes.Equal(got, fx.DaveState) {
			t.Fatalf("dave joined from changed GroupSecrets or GroupInfo into another state: %s\ngroup secrets %x\ngroup info    %x", fuzzutil.Diff(fx.DaveState, got), gsB, giB)
		}
	})
}

// FuzzJoinExternalResigned changes alice's GroupInfo with a mutation
// script and signs it again as alice, so that the change reaches what
// JoinExternal checks behind the signature (the ratchet tree and its
// hash, external_pub, the GroupContext's extensions), then has bob
// process frank's external Commit (RFC 9420, Sections 12.4.3.2 and
// 12.4.2). A joiner cannot check everything in a GroupInfo (the
// confirmation tag, for one), so a changed GroupInfo may be accepted; the
// group then decides. Properties: no panic; errors are mlserr errors
// naming their rule, and bob's rejection leaves his state byte-identical;
// the unchanged GroupInfo gives exactly the fixture's frank and his
// Commit, which bob accepts; and whenever bob accepts frank's Commit, the
// two agree on the new epoch: the same GroupContext, epoch authenticator
// and tree hash.
func FuzzJoinExternalResigned(f *testing.F) {
	fx := newFixture(f)
	for _, s := range mutationSeeds(len(fx.GroupInfo)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		giB := fuzzutil.Mutate(fx.GroupInfo, script)
		unchanged := bytes.Equal(giB, fx.GroupInfo)
		gi, err := mls.DecodeGroupInfo(giB)
		if err != nil {
			return
		}
		if err := fx.SignGroupInfo(gi); err != nil {
			t.Fatal(err)
		}
		data, err := gi.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		frank, commit, err := fx.JoinFrank(data)
		if err != nil {
			fuzzutil.CheckError(t, "JoinExternal", data, err, true)
			if unchanged {
				t.Fatalf("frank cannot join from the valid GroupInfo: %v", err)
			}
			return
		}
		cb, err := commit.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if unchanged && (!bytes.Equal(state(t, frank), fx.FrankState) || !bytes.Equal(cb, fx.FrankCommit)) {
			t.Fatal("frank's join from the unchanged GroupInfo differs from the fixture's")
		}
		bob := restoreBob(t, fx)
		rcv := process(t, bob, cb)
		if rcv == nil {
			if unchanged {
				t.Fatal("bob rejects frank's Commit from the unchanged GroupInfo")
			}
			return
		}
		bc, err := bob.GroupContext().Marshal()
		if err != nil {
			t.Fatal(err)
		}
		fc, err := frank.GroupContext().Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bc, fc) || !bytes.Equal(bob.EpochAuthenticator(), frank.EpochAuthenticator()) || !bytes.Equal(bob.TreeHash(), frank.TreeHash()) {
			t.Fatalf("bob accepted frank's Commit but they disagree on the epoch:\n bob   %x\n frank %x\ngroup info %x", bc, fc, giB)
		}
	})
}
