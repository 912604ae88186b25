package group

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mlsref/mlsref/fuzz/internal/fixture"
	"github.com/mlsref/mlsref/fuzz/internal/fuzzutil"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/framing"
	mls "github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/mlserr"
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
			checkAcceptedProposal(t, bob, p.m.Name, rcv, body)
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

// inner is a signed struct inside one of the fixture's PublicMessages
// that FuzzProcessDeep changes and signs again: the LeafNode of an Update
// or of a Commit's path, or the KeyPackage of an Add.
type inner struct {
	name string
	pm   *framing.PublicMessage
	msg  fixture.Message
	// get returns the encoding of the inner struct of body; set decodes
	// b as the inner struct, signs it again and returns the new body, or
	// false when b does not decode or cannot be signed.
	get func(body []byte) []byte
	set func(body, b []byte) ([]byte, bool)
}

// inners lists the signed structs inside the fixture's PublicMessages.
func inners(t testing.TB, fx *fixture.Fixture) []inner {
	frank, err := mls.UnmarshalGroup(fx.FrankState, fixture.Config("inners"))
	if err != nil {
		t.Fatal(err)
	}
	enc := func(m codec.Marshaler) []byte {
		var w codec.Writer
		m.MarshalMLS(&w)
		return w.Bytes()
	}
	leafOfProposal := func(body []byte) []byte {
		p, err := mls.DecodeProposal(body)
		if err != nil || p.Update == nil {
			t.Fatalf("not an Update: %v", err)
		}
		return enc(&p.Update.LeafNode)
	}
	setLeafOfProposal := func(body, b []byte) ([]byte, bool) {
		p, _ := mls.DecodeProposal(body)
		if codec.Decode(b, &p.Update.LeafNode) != nil || fx.SignLeafNode(&p.Update.LeafNode, "alice", 0) != nil {
			return nil, false
		}
		out, err := p.Marshal()
		return out, err == nil
	}
	kpOfProposal := func(body []byte) []byte {
		p, err := mls.DecodeProposal(body)
		if err != nil || p.Add == nil {
			t.Fatalf("not an Add: %v", err)
		}
		return enc(&p.Add.KeyPackage)
	}
	setKPOfProposal := func(who string) func(body, b []byte) ([]byte, bool) {
		return func(body, b []byte) ([]byte, bool) {
			p, _ := mls.DecodeProposal(body)
			if codec.Decode(b, &p.Add.KeyPackage) != nil || fx.SignKeyPackage(&p.Add.KeyPackage, who) != nil {
				return nil, false
			}
			out, err := p.Marshal()
			return out, err == nil
		}
	}
	pathLeaf := func(body []byte) []byte {
		c, err := mls.DecodeCommit(body)
		if err != nil || c.Path == nil {
			t.Fatalf("not a Commit with a path: %v", err)
		}
		return enc(&c.Path.LeafNode)
	}
	setPathLeaf := func(who string, leaf uint32) func(body, b []byte) ([]byte, bool) {
		return func(body, b []byte) ([]byte, bool) {
			c, _ := mls.DecodeCommit(body)
			if codec.Decode(b, &c.Path.LeafNode) != nil || fx.SignLeafNode(&c.Path.LeafNode, who, leaf) != nil {
				return nil, false
			}
			out, err := c.Marshal()
			return out, err == nil
		}
	}
	addKP := func(i int) func(body []byte) []byte {
		return func(body []byte) []byte {
			c, err := mls.DecodeCommit(body)
			if err != nil || len(c.Proposals) <= i || c.Proposals[i].Proposal == nil || c.Proposals[i].Proposal.Add == nil {
				t.Fatalf("Commit without an Add by value at %d: %v", i, err)
			}
			return enc(&c.Proposals[i].Proposal.Add.KeyPackage)
		}
	}
	setAddKP := func(i int, who string) func(body, b []byte) ([]byte, bool) {
		return func(body, b []byte) ([]byte, bool) {
			c, _ := mls.DecodeCommit(body)
			kp := &c.Proposals[i].Proposal.Add.KeyPackage
			if codec.Decode(b, kp) != nil || fx.SignKeyPackage(kp, who) != nil {
				return nil, false
			}
			out, err := c.Marshal()
			return out, err == nil
		}
	}
	byName := map[string]fixture.Message{}
	for _, m := range fx.Messages {
		byName[m.Name] = m
	}
	var out []inner
	add := func(name, msg string, get func([]byte) []byte, set func(body, b []byte) ([]byte, bool)) {
		m, ok := byName[msg]
		if !ok {
			t.Fatalf("no message %s", msg)
		}
		dm, err := mls.DecodeMLSMessage(m.Bytes)
		if err != nil || dm.PublicMessage == nil {
			t.Fatalf("%s is not a PublicMessage: %v", msg, err)
		}
		out = append(out, inner{name: name, pm: dm.PublicMessage, msg: m, get: get, set: set})
	}
	add("update leaf", "proposal-public-update", leafOfProposal, setLeafOfProposal)
	add("add key package", "proposal-public-add-eve", kpOfProposal, setKPOfProposal("eve"))
	add("path leaf", "commit-public-path", pathLeaf, setPathLeaf("alice", 0))
	add("commit's first Add", "commit-public-add-dave-eve", addKP(0), setAddKP(0, "dave"))
	add("commit's second Add", "commit-public-add-dave-eve", addKP(1), setAddKP(1, "eve"))
	add("external path leaf", "external-commit-frank", pathLeaf, setPathLeaf("frank", frank.LeafIndex()))
	return out
}

// FuzzProcessDeep goes one signature deeper than FuzzProcessResigned: it
// changes a signed struct inside one of the fixture's PublicMessages (the
// LeafNode of an Update or of a Commit's path, the KeyPackage of an Add
// proposal or of an Add in a Commit) with a mutation script, signs that
// struct again as its owner, then the message as its sender
// (fixture.Resign), so that changes reach LeafNode and KeyPackage
// validation (RFC 9420, Sections 7.3, 10.1, 12.1 and 12.4.2): versions,
// suites, capabilities, extensions, lifetimes, key uniqueness, parent
// hashes. Changes that no longer decode are left to FuzzDecode.
// Properties: those of FuzzProcessResigned.
func FuzzProcessDeep(f *testing.F) {
	fx := newFixture(f)
	ins := inners(f, fx)
	for i, in := range ins {
		for _, s := range mutationSeeds(len(in.get(in.pm.Content.Body()))) {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, script []byte) {
		in := ins[int(which)%len(ins)]
		orig := in.pm.Content.Body()
		innerOrig := in.get(orig)
		body, ok := in.set(orig, fuzzutil.Mutate(innerOrig, script))
		if !ok {
			return
		}
		data, err := fx.Resign(in.pm, body)
		if err != nil {
			t.Fatalf("%s: cannot sign the changed body again: %v", in.name, err)
		}
		bob := restoreBob(t, fx)
		rcv := process(t, bob, data)
		switch same := bytes.Equal(body, orig); {
		case same && rcv == nil:
			t.Fatalf("%s: bob rejects the message with its %s signed again unchanged", in.msg.Name, in.name)
		case same:
			checkAccepted(t, bob, in.msg, rcv)
		case rcv == nil:
		case in.msg.Commit:
			t.Fatalf("%s: bob accepted a Commit with a changed %s (now epoch %d)\nbody     %x\noriginal %x", in.msg.Name, in.name, bob.Epoch(), body, orig)
		default:
			checkAcceptedProposal(t, bob, in.msg.Name, rcv, body)
		}
	})
}

// checkAcceptedProposal checks a changed proposal bob accepted: he is
// still in epoch 1, the Proposal he received encodes to exactly body and
// comes with a ProposalRef, and committing either works and merges or
// fails leaving his state byte-identical. A Commit that works covers the
// proposal by reference or reports it in PendingCommit.LeftOut, never
// drops it silently (R-12.4-3). Neither the failure of the Commit nor the
// reason the proposal was left out may be that its LeafNode or KeyPackage
// is invalid (Sections 7.3 and 10.1), nor that a Remove's leaf or a
// PreSharedKey's nonce or usage is (Sections 12.1.3 and 12.1.4): a member
// validates those when it receives the proposal (R-7.3-2, R-10.1-2,
// R-12.1.3-1, R-12.1.4-*), in the same epoch, against the same tree and
// GroupContext, so a proposal that breaks them must have been refused by
// Process. When the accepted proposal is the Commit's only candidate, it
// cannot be left out under R-12.2-3 (an individual proposal invalid by
// Section 12.1) either.
func checkAcceptedProposal(t *testing.T, bob *mls.Group, name string, rcv *mls.Received, body []byte) {
	t.Helper()
	if bob.Epoch() != 1 || rcv.ContentType != framing.ContentTypeProposal || rcv.Proposal == nil {
		t.Fatalf("%s: a changed proposal gives epoch %d, %v, %v", name, bob.Epoch(), rcv.ContentType, rcv.Proposal)
	}
	if b, err := rcv.Proposal.Marshal(); err != nil || !bytes.Equal(b, body) {
		t.Fatalf("%s: bob accepted the proposal %x as %x (%v)", name, body, b, err)
	}
	if len(rcv.ProposalRef) == 0 {
		t.Fatalf("%s: bob accepted a proposal without its ProposalRef", name)
	}
	var pc *mls.PendingCommit
	var cerr error
	unchangedOnError(t, bob, "Commit", func() (err error) {
		pc, err = bob.Commit(&mls.CommitOptions{PublicMessage: true})
		cerr = err
		return err
	})
	if receiptRule(cerr) != "" {
		t.Fatalf("%s: bob accepted a proposal that his own Commit then refuses as invalid: %v\nproposal %x", name, cerr, body)
	}
	if pc == nil {
		return
	}
	c, err := mls.DecodeCommit(pc.Message.PublicMessage.Content.Commit)
	if err != nil {
		t.Fatalf("%s: bob's own Commit does not decode: %v", name, err)
	}
	covered := 0
	for _, p := range c.Proposals {
		if p.Type == mls.ProposalOrRefReference && bytes.Equal(p.Reference, rcv.ProposalRef) {
			covered++
		}
	}
	// bob had no other proposal pending and the Commit has none by
	// value, so the list was the accepted proposal alone: it cannot have
	// been left out as an individual proposal invalid by Section 12.1
	// either (R-12.2-3), which is what receipt checks.
	alone := len(c.Proposals)+len(pc.LeftOut) == 1
	left := 0
	for _, lo := range pc.LeftOut {
		fuzzutil.CheckError(t, "PendingCommit.LeftOut", body, lo.Err, true)
		if !bytes.Equal(lo.Ref, rcv.ProposalRef) {
			continue
		}
		left++
		if req := receiptRule(lo.Err); req != "" || (alone && mlserr.RequirementOf(lo.Err) == "R-12.2-3") {
			t.Fatalf("%s: bob accepted a proposal that his own Commit then leaves out as invalid: %v\nproposal %x", name, lo.Err, body)
		}
	}
	if covered+left != 1 {
		t.Fatalf("%s: bob's Commit covers the accepted proposal %d times and reports it left out %d times, want once in all\nproposal %x", name, covered, left, body)
	}
	if err := bob.MergePendingCommit(pc); err != nil {
		t.Fatalf("%s: bob cannot merge his own Commit of an accepted proposal: %v", name, err)
	}
}

// receiptRule returns the first requirement err names among the rules a
// member checks when it receives a proposal (Sections 7.3, 10.1, 12.1.3
// and 12.1.4), or "".
func receiptRule(err error) string {
	for _, req := range mlserr.Requirements(err) {
		if strings.HasPrefix(req, "R-7.3-") || strings.HasPrefix(req, "R-10.1-") || strings.HasPrefix(req, "R-12.1.3-") || strings.HasPrefix(req, "R-12.1.4-") {
			return req
		}
	}
	return ""
}

// FuzzProcessLate has bob first process alice's private Commit with a
// path, moving him to epoch 2, and then receive alice's application
// message of epoch 1 changed by a mutation script, once or twice (RFC
// 9420, Sections 9.2 and 15.3: a late application message is decrypted
// with the keys bob keeps of the past epoch, and each key is used once).
// Properties: no panic; errors are mlserr errors naming their rule and
// leave bob's state byte-identical; the unchanged message is accepted
// once, from epoch 1, with alice's data, leaving bob in epoch 2, and
// refused the second time; a changed message is refused.
func FuzzProcessLate(f *testing.F) {
	fx := newFixture(f)
	var commit, app fixture.Message
	for _, m := range fx.Messages {
		switch m.Name {
		case "commit-private-path":
			commit = m
		case "application":
			app = m
		}
	}
	for _, s := range mutationSeeds(len(app.Bytes)) {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, script []byte, twice bool) {
		bob := restoreBob(t, fx)
		if process(t, bob, commit.Bytes) == nil {
			t.Fatal("bob rejects alice's private Commit")
		}
		data := fuzzutil.Mutate(app.Bytes, script)
		same := bytes.Equal(data, app.Bytes)
		rcv := process(t, bob, data)
		switch {
		case same && rcv == nil:
			t.Fatal("bob rejects alice's late application message")
		case same:
			if rcv.Epoch != 1 || bob.Epoch() != 2 || !bytes.Equal(rcv.ApplicationData, []byte("hello bob")) {
				t.Fatalf("late application message: epoch %d, bob in epoch %d, data %q", rcv.Epoch, bob.Epoch(), rcv.ApplicationData)
			}
		case rcv != nil:
			t.Fatalf("bob accepted a changed late application message (%v from %v)\nmutated  %x\noriginal %x", rcv.ContentType, rcv.Sender, data, app.Bytes)
		}
		if twice && process(t, bob, data) != nil {
			t.Fatalf("bob accepted the same late application message twice\ninput %x", data)
		}
	})
}
