package vectors

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// genEpoch is the clock of generated passive-client groups: every
// KeyPackage is valid from an hour before it to 90 days after it.
var genEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// passiveSim is a group of real mlsref clients, one of which is the
// passive client of a generated case: every message any member sends is
// processed by all the others, the passive client included, and once the
// passive client has joined every proposal and Commit is recorded.
type passiveSim struct {
	s       *ciphersuite.Suite
	rand    io.Reader
	cfg     group.Config
	psks    group.PSKMap
	members []*group.Group // every current member, by join order
	passive *group.Group
	names   int

	tc       *passiveClientCase
	proposed []HexBytes // proposals of the current epoch, once recording
}

func newPassiveSim(s *ciphersuite.Suite, rand io.Reader, founder string) (*passiveSim, error) {
	sim := &passiveSim{s: s, rand: rand, psks: group.PSKMap{}}
	sim.cfg = group.Config{
		Rand: rand, Now: func() time.Time { return genEpoch },
		PSKs: sim.psks.Lookup, ResumptionPSKEpochs: 16,
	}
	kp, priv, err := sim.newClient(founder)
	if err != nil {
		return nil, err
	}
	gid, err := randomBytes(rand, 16)
	if err != nil {
		return nil, err
	}
	g, err := group.NewGroup(gid, kp, priv, nil, sim.cfg)
	if err != nil {
		return nil, err
	}
	sim.members = []*group.Group{g}
	return sim, nil
}

// newClient creates a KeyPackage with a basic credential (RFC 9420,
// Section 10).
func (sim *passiveSim) newClient(name string) (*group.KeyPackage, *group.KeyPackagePrivate, error) {
	sim.names++
	return group.NewKeyPackage(sim.s, &group.KeyPackageParams{
		Credential: credential.NewBasic(fmt.Appendf(nil, "%s-%d", name, sim.names)),
		Lifetime:   tree.Lifetime{NotBefore: uint64(genEpoch.Add(-time.Hour).Unix()), NotAfter: uint64(genEpoch.Add(90 * 24 * time.Hour).Unix())},
	}, sim.rand)
}

// addExternalPSK gives every client, the passive one included, an external
// PSK and returns its ID.
func (sim *passiveSim) addExternalPSK() (schedule.PreSharedKeyID, error) {
	id, err := randomBytes(sim.rand, 8)
	if err != nil {
		return schedule.PreSharedKeyID{}, err
	}
	secret, err := randomBytes(sim.rand, sim.s.Nh())
	if err != nil {
		return schedule.PreSharedKeyID{}, err
	}
	sim.psks[string(id)] = secret
	if sim.tc != nil {
		sim.tc.ExternalPSKs = append(sim.tc.ExternalPSKs, passiveExternalPSK{PSKID: id, PSK: secret})
	}
	return group.ExternalPSKID(id), nil
}

// others returns the members other than the passive client.
func (sim *passiveSim) others() []*group.Group {
	var out []*group.Group
	for _, g := range sim.members {
		if g != sim.passive {
			out = append(out, g)
		}
	}
	return out
}

// deliver has every member but from process m.
func (sim *passiveSim) deliver(from *group.Group, m *group.MLSMessage) error {
	var kept []*group.Group
	for _, g := range sim.members {
		if g != from {
			rcv, err := g.Process(m)
			if err != nil {
				return fmt.Errorf("leaf %d processing a message of leaf %d: %w", g.LeafIndex(), from.LeafIndex(), err)
			}
			if rcv.Removed {
				continue
			}
		}
		kept = append(kept, g)
	}
	sim.members = kept
	return nil
}

// propose sends a proposal of from, made by send, to every member.
func (sim *passiveSim) propose(from *group.Group, send func(g *group.Group) (*group.MLSMessage, error)) error {
	m, err := send(from)
	if err != nil {
		return fmt.Errorf("leaf %d proposing: %w", from.LeafIndex(), err)
	}
	if err := sim.deliver(from, m); err != nil {
		return err
	}
	if sim.tc != nil {
		b, err := m.Marshal()
		if err != nil {
			return err
		}
		sim.proposed = append(sim.proposed, b)
	}
	return nil
}

// joiner is a client a Commit adds.
type joiner struct {
	kp   *group.KeyPackage
	priv *group.KeyPackagePrivate
}

// commit has committer commit opts (and the pending proposals), every
// member process it, and the added clients join from its Welcome; the
// epoch is recorded when the passive client is a member. It returns the
// Welcome, if any.
func (sim *passiveSim) commit(committer *group.Group, opts *group.CommitOptions, joiners []joiner) (*group.Welcome, error) {
	pc, err := committer.Commit(opts)
	if err != nil {
		return nil, fmt.Errorf("leaf %d committing: %w", committer.LeafIndex(), err)
	}
	if err := committer.MergePendingCommit(pc); err != nil {
		return nil, err
	}
	if err := sim.deliver(committer, pc.Message); err != nil {
		return nil, err
	}
	var rt *tree.RatchetTree
	if opts.OmitRatchetTree {
		rt = committer.Tree()
	}
	// A joiner gets the group's resumption PSKs the Commit injects from
	// the application, here from the committer.
	cfg := sim.cfg
	cfg.PSKs = func(id *schedule.PreSharedKeyID) ([]byte, bool) {
		if id.PSKType == schedule.PSKTypeResumption && bytes.Equal(id.PSKGroupID, committer.GroupContext().GroupID) {
			return committer.ResumptionPSK(id.PSKEpoch)
		}
		return sim.psks.Lookup(id)
	}
	for _, j := range joiners {
		g, err := group.JoinGroup(pc.Welcome, j.kp, j.priv, rt, cfg)
		if err != nil {
			return nil, fmt.Errorf("joining: %w", err)
		}
		sim.members = append(sim.members, g)
	}
	auth := committer.EpochAuthenticator()
	for _, g := range sim.members {
		if !bytes.Equal(g.EpochAuthenticator(), auth) {
			return nil, fmt.Errorf("leaf %d disagrees with the committer on the epoch authenticator of epoch %d", g.LeafIndex(), committer.Epoch())
		}
	}
	if sim.tc != nil {
		b, err := pc.Message.Marshal()
		if err != nil {
			return nil, err
		}
		sim.tc.Epochs = append(sim.tc.Epochs, passiveClientEpoch{Proposals: sim.proposed, Commit: b, EpochAuthenticator: auth})
		sim.proposed = []HexBytes{}
	}
	return pc.Welcome, nil
}

// addMembers has committer add n new clients by value.
func (sim *passiveSim) addMembers(committer *group.Group, n int) error {
	var js []joiner
	opts := &group.CommitOptions{PublicMessage: true}
	for range n {
		kp, priv, err := sim.newClient("member")
		if err != nil {
			return err
		}
		js = append(js, joiner{kp, priv})
		opts.Adds = append(opts.Adds, kp)
	}
	_, err := sim.commit(committer, opts, js)
	return err
}

// addPassive has committer add the passive client with opts (the Adds are
// filled in) and starts recording the case.
func (sim *passiveSim) addPassive(committer *group.Group, opts *group.CommitOptions) error {
	kp, priv, err := sim.newClient("passive")
	if err != nil {
		return err
	}
	opts.Adds = append([]*group.KeyPackage{kp}, opts.Adds...)
	pc, err := sim.passiveCase(kp, priv)
	if err != nil {
		return err
	}
	wel, err := sim.commit(committer, opts, []joiner{{kp, priv}})
	if err != nil {
		return err
	}
	// The passive client is the last to have joined.
	sim.passive = sim.members[len(sim.members)-1]
	if pc.Welcome, err = encodeMessage(wel); err != nil {
		return err
	}
	if opts.OmitRatchetTree {
		b := HexBytes(codec.Encode(committer.Tree()))
		pc.RatchetTree = &b
	}
	pc.InitialEpochAuthenticator = committer.EpochAuthenticator()
	pc.Epochs = []passiveClientEpoch{}
	sim.tc, sim.proposed = pc, []HexBytes{}
	return nil
}

// passiveCase starts a case for the client kp: the external PSKs known so
// far are ones it holds.
func (sim *passiveSim) passiveCase(kp *group.KeyPackage, priv *group.KeyPackagePrivate) (*passiveClientCase, error) {
	tc := &passiveClientCase{
		CipherSuite: uint16(sim.s.ID()), ExternalPSKs: []passiveExternalPSK{},
		SignaturePriv: priv.SignaturePriv, EncryptionPriv: priv.EncryptionPriv, InitPriv: priv.InitPriv,
	}
	for _, id := range slices.Sorted(maps.Keys(sim.psks)) {
		tc.ExternalPSKs = append(tc.ExternalPSKs, passiveExternalPSK{PSKID: []byte(id), PSK: sim.psks[id]})
	}
	var err error
	tc.KeyPackage, err = encodeMessage(kp)
	return tc, err
}

// suiteOf looks up a generated case's cipher suite.
func suiteOf(suite uint16) (*ciphersuite.Suite, error) {
	return ciphersuite.Lookup(ciphersuite.ID(suite))
}

// generatePassiveWelcome builds two joins: into a group of three whose
// GroupInfo carries the tree, and into a group of four with the tree sent
// out of band and an external PSK injected by the Commit that adds the
// passive client, so that the Welcome's GroupSecrets name it.
func generatePassiveWelcome(suite uint16, rand io.Reader) (any, error) {
	s, err := suiteOf(suite)
	if err != nil {
		return nil, err
	}
	var out []passiveClientCase
	for k := range 2 {
		sim, err := newPassiveSim(s, rand, "founder")
		if err != nil {
			return nil, err
		}
		if err := sim.addMembers(sim.members[0], 1+k); err != nil {
			return nil, err
		}
		opts := &group.CommitOptions{PublicMessage: k == 0}
		if k == 1 {
			id, err := sim.addExternalPSK()
			if err != nil {
				return nil, err
			}
			opts.PSKs = []schedule.PreSharedKeyID{id}
			opts.OmitRatchetTree = true
		}
		if err := sim.addPassive(sim.members[1], opts); err != nil {
			return nil, err
		}
		out = append(out, *sim.tc)
	}
	return out, nil
}

// generatePassiveHandlingCommit builds one case of a group of five that
// the passive client joins, then three epochs: a Commit by value of an
// Add, a Remove and an external PSK (PublicMessage); proposals by
// reference of an Update, a Remove, an Add and a resumption PSK of the
// current epoch, committed in a PrivateMessage; and an Update and a
// resumption PSK of a past epoch by reference with an external PSK by
// value, committed in a PublicMessage by another member.
func generatePassiveHandlingCommit(suite uint16, rand io.Reader) (any, error) {
	s, err := suiteOf(suite)
	if err != nil {
		return nil, err
	}
	sim, err := newPassiveSim(s, rand, "founder")
	if err != nil {
		return nil, err
	}
	if err := sim.addMembers(sim.members[0], 4); err != nil {
		return nil, err
	}
	psk1, err := sim.addExternalPSK()
	if err != nil {
		return nil, err
	}
	if err := sim.addPassive(sim.members[0], &group.CommitOptions{}); err != nil {
		return nil, err
	}
	joinEpoch := sim.passive.Epoch()
	o := sim.others() // 5 active members, leaves 0..4

	// Epoch 1: Add, Remove and external PSK by value.
	kp, priv, err := sim.newClient("member")
	if err != nil {
		return nil, err
	}
	if _, err := sim.commit(o[1], &group.CommitOptions{
		Adds: []*group.KeyPackage{kp}, Removes: []uint32{o[4].LeafIndex()}, PSKs: []schedule.PreSharedKeyID{psk1}, PublicMessage: true,
	}, []joiner{{kp, priv}}); err != nil {
		return nil, err
	}
	o = sim.others()

	// Epoch 2: everything by reference.
	kp, priv, err = sim.newClient("member")
	if err != nil {
		return nil, err
	}
	steps := []struct {
		from *group.Group
		send func(g *group.Group) (*group.MLSMessage, error)
	}{
		{o[1], func(g *group.Group) (*group.MLSMessage, error) { return g.ProposeUpdate(false) }},
		{o[2], func(g *group.Group) (*group.MLSMessage, error) {
			return g.Propose(&group.Proposal{ProposalType: group.ProposalTypeRemove, Remove: &group.Remove{Removed: o[3].LeafIndex()}}, true)
		}},
		{o[0], func(g *group.Group) (*group.MLSMessage, error) {
			return g.Propose(&group.Proposal{ProposalType: group.ProposalTypeAdd, Add: &group.Add{KeyPackage: *kp}}, false)
		}},
		{o[2], func(g *group.Group) (*group.MLSMessage, error) {
			return g.ProposePSK(g.ResumptionPSKID(g.Epoch()), true)
		}},
	}
	for _, st := range steps {
		if err := sim.propose(st.from, st.send); err != nil {
			return nil, err
		}
	}
	if _, err := sim.commit(o[0], &group.CommitOptions{}, []joiner{{kp, priv}}); err != nil {
		return nil, err
	}
	o = sim.others()

	// Epoch 3: an Update and a past resumption PSK by reference, an
	// external PSK by value.
	psk2, err := sim.addExternalPSK()
	if err != nil {
		return nil, err
	}
	if err := sim.propose(o[0], func(g *group.Group) (*group.MLSMessage, error) { return g.ProposeUpdate(true) }); err != nil {
		return nil, err
	}
	if err := sim.propose(o[1], func(g *group.Group) (*group.MLSMessage, error) {
		return g.ProposePSK(g.ResumptionPSKID(joinEpoch), false)
	}); err != nil {
		return nil, err
	}
	if _, err := sim.commit(o[len(o)-1], &group.CommitOptions{PSKs: []schedule.PreSharedKeyID{psk2}, PublicMessage: true}, nil); err != nil {
		return nil, err
	}
	return []passiveClientCase{*sim.tc}, nil
}

// generatePassiveRandom builds one case: a group of three that the passive
// client joins, then eight epochs of operations drawn from rand: adds,
// updates, removes and PSKs, by value or by reference, in public or
// private messages, from random members.
func generatePassiveRandom(suite uint16, rand io.Reader) (any, error) {
	s, err := suiteOf(suite)
	if err != nil {
		return nil, err
	}
	seed, err := randomBytes(rand, 32)
	if err != nil {
		return nil, err
	}
	pick := mrand.New(mrand.NewChaCha8([32]byte(seed)))
	sim, err := newPassiveSim(s, rand, "founder")
	if err != nil {
		return nil, err
	}
	if err := sim.addMembers(sim.members[0], 2); err != nil {
		return nil, err
	}
	ext, err := sim.addExternalPSK()
	if err != nil {
		return nil, err
	}
	if err := sim.addPassive(sim.members[0], &group.CommitOptions{}); err != nil {
		return nil, err
	}
	extUsed := false
	for range 8 {
		o := sim.others()
		committer := o[pick.IntN(len(o))]
		touched := map[uint32]bool{committer.LeafIndex(): true, sim.passive.LeafIndex(): true}
		opts := &group.CommitOptions{PublicMessage: pick.IntN(2) == 0}
		var js []joiner
		nOps := 1 + pick.IntN(3)
		if extUsed && pick.IntN(6) == 0 {
			nOps = 0 // an empty Commit, with a path
		}
		pskUsed := map[string]bool{}
		for range nOps {
			from := o[pick.IntN(len(o))]
			byRef := pick.IntN(2) == 0
			public := pick.IntN(2) == 0
			switch op := pick.IntN(4); {
			case op == 0 || len(o) < 3: // Add
				kp, priv, err := sim.newClient("member")
				if err != nil {
					return nil, err
				}
				js = append(js, joiner{kp, priv})
				if byRef {
					if err := sim.propose(from, func(g *group.Group) (*group.MLSMessage, error) {
						return g.Propose(&group.Proposal{ProposalType: group.ProposalTypeAdd, Add: &group.Add{KeyPackage: *kp}}, public)
					}); err != nil {
						return nil, err
					}
				} else {
					opts.Adds = append(opts.Adds, kp)
				}
			case op == 1: // Update, always by reference
				if touched[from.LeafIndex()] {
					continue
				}
				touched[from.LeafIndex()] = true
				if err := sim.propose(from, func(g *group.Group) (*group.MLSMessage, error) { return g.ProposeUpdate(public) }); err != nil {
					return nil, err
				}
			case op == 2: // Remove
				target := o[pick.IntN(len(o))].LeafIndex()
				if touched[target] {
					continue
				}
				touched[target] = true
				if byRef {
					if err := sim.propose(from, func(g *group.Group) (*group.MLSMessage, error) {
						return g.Propose(&group.Proposal{ProposalType: group.ProposalTypeRemove, Remove: &group.Remove{Removed: target}}, public)
					}); err != nil {
						return nil, err
					}
				} else {
					opts.Removes = append(opts.Removes, target)
				}
			default: // PSK: the external one, or a resumption PSK of an epoch since the join
				id := ext
				if extUsed && pick.IntN(2) == 0 {
					epoch := sim.tc.epochFrom(sim.passive.Epoch(), pick)
					id = committer.ResumptionPSKID(epoch)
				}
				if pskUsed[fmt.Sprint(id.PSKType, id.PSKID, id.PSKEpoch)] {
					continue
				}
				pskUsed[fmt.Sprint(id.PSKType, id.PSKID, id.PSKEpoch)] = true
				extUsed = extUsed || id.PSKType == schedule.PSKTypeExternal
				if byRef {
					if err := sim.propose(from, func(g *group.Group) (*group.MLSMessage, error) { return g.ProposePSK(id, public) }); err != nil {
						return nil, err
					}
				} else {
					opts.PSKs = append(opts.PSKs, id)
				}
			}
		}
		if _, err := sim.commit(committer, opts, js); err != nil {
			return nil, err
		}
	}
	return []passiveClientCase{*sim.tc}, nil
}

// epochFrom draws an epoch between the passive client's join and now.
func (tc *passiveClientCase) epochFrom(now uint64, pick *mrand.Rand) uint64 {
	joined := now - uint64(len(tc.Epochs))
	return joined + uint64(pick.IntN(len(tc.Epochs)+1))
}
