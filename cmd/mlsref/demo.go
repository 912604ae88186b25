package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// demoConfig is one run of mlsref demo.
type demoConfig struct {
	Members int
	Epochs  int
	Suite   ciphersuite.ID
	Seed    string
	// DropCommit, when it returns true, makes the simulated network lose
	// the Commit that creates epoch for the named client, which then
	// stays behind. Tests inject a disagreement with it.
	DropCommit func(epoch int, name string) bool
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	members := fs.Int("members", 8, "number of simulated clients (at least 2)")
	epochs := fs.Int("epochs", 12, "number of Commits, hence of epochs after the first")
	suite := fs.String("suite", "1", "cipher suite number (1 to 7, decimal or 0x hex)")
	seed := fs.String("seed", "mlsref", "seed from which all randomness and the clock are drawn")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "mlsref demo: unexpected argument %q\n%s", fs.Arg(0), usage)
		return 2
	}
	if *members < 2 || *epochs < 1 {
		fmt.Fprintf(stderr, "mlsref demo: need --members >= 2 and --epochs >= 1\n")
		return 2
	}
	n, err := strconv.ParseUint(*suite, 0, 16)
	if err != nil {
		fmt.Fprintf(stderr, "mlsref: bad --suite %q: %v\n", *suite, err)
		return 2
	}
	if _, err := ciphersuite.Lookup(ciphersuite.ID(n)); err != nil {
		fmt.Fprintf(stderr, "mlsref demo: %v\n", err)
		return 2
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "mlsref demo: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "mlsref demo: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	return demoExit(demoConfig{Members: *members, Epochs: *epochs, Suite: ciphersuite.ID(n), Seed: *seed}, stdout, stderr)
}

// demoExit runs the demo and returns its exit code: 1 on any disagreement
// or unexpected error, which it reports on stderr.
func demoExit(cfg demoConfig, stdout, stderr io.Writer) int {
	if err := runDemoConfig(cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "mlsref demo: FAILED: %v\n", err)
		return 1
	}
	return 0
}

// errDisagreement marks a run in which two members ended an epoch in
// different states.
var errDisagreement = errors.New("members disagree")

// client is one simulated client: a name (its credential's identity), a
// signature key kept across its KeyPackages, its own seeded randomness,
// and its group state while it is a member.
type client struct {
	name    string
	rand    io.Reader
	sigPriv []byte
	g       *group.Group
	// kp and priv are the KeyPackage the client published to be added.
	kp   *group.KeyPackage
	priv *group.KeyPackagePrivate
}

// demo is the whole simulation: the clients, the Delivery Service's view of
// who is in the group, and the counters of the summary line.
type demo struct {
	cfg   demoConfig
	out   io.Writer
	suite *ciphersuite.Suite
	rng   *mrand.Rand
	now   time.Time
	// members are the clients in the group, fresh those never added yet,
	// and removed those removed and waiting to be added again.
	members, fresh, removed []*client
	grown                   bool
	late                    []lateMessage
	forgeEpoch              int
	notes                   []string

	sent, lateOK, rejected int
	delivered, outOfOrder  atomic.Int64
	sentByKind             map[string]int
}

// epochPlan is what happens in one epoch, decided before anything is sent.
type epochPlan struct {
	committer *client
	adds      []*client
	removes   []*client
	// proposer, if set, proposes the removes by reference; otherwise the
	// Commit carries them by value.
	proposer *client
	updaters []*client
	public   bool
	omitTree bool
	forge    bool
}

// runDemoConfig runs the demo and writes the table and the summary line to
// out. It returns an error on any disagreement or unexpected failure.
func runDemoConfig(cfg demoConfig, out io.Writer) error {
	start := time.Now()
	suite, err := ciphersuite.Lookup(cfg.Suite)
	if err != nil {
		return err
	}
	d := &demo{cfg: cfg, out: out, suite: suite, sentByKind: map[string]int{}}
	var seed [32]byte
	io.ReadFull(seeded.New(cfg.Seed+"/scenario"), seed[:])
	d.rng = mrand.New(mrand.NewChaCha8(seed))
	// A clock fixed from the seed: some second of 2025. KeyPackage
	// lifetimes are drawn and checked against it, never against wall time.
	var c [8]byte
	io.ReadFull(seeded.New(cfg.Seed+"/clock"), c[:])
	d.now = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(binary.BigEndian.Uint64(c[:])%(365*24*3600)) * time.Second)
	width := len(strconv.Itoa(cfg.Members - 1))
	for i := range cfg.Members {
		name := fmt.Sprintf("m%0*d", width, i)
		d.fresh = append(d.fresh, &client{name: name, rand: seeded.New(cfg.Seed + "/client/" + name)})
	}
	if cfg.Epochs >= 2 {
		d.forgeEpoch = max(2, (cfg.Epochs+1)/2)
	}
	fmt.Fprintf(out, "mlsref demo: %d clients, %d epochs, suite %d (%v), seed %q, clock %s\n",
		cfg.Members, cfg.Epochs, uint16(cfg.Suite), cfg.Suite, cfg.Seed, d.now.Format(time.RFC3339))
	fmt.Fprintf(out, "%5s  %7s  %-9s  %-26s  %-10s  %s\n", "epoch", "members", "committer", "proposals", "epoch-auth", "tree-hash")

	// Epoch 0: the first client creates the group alone (RFC 9420, Section 11).
	first := d.fresh[0]
	d.fresh = d.fresh[1:]
	if err := d.newKeyPackage(first); err != nil {
		return err
	}
	gid := make([]byte, 16)
	io.ReadFull(first.rand, gid)
	if first.g, err = group.NewGroup(gid, first.kp, first.priv, nil, d.groupConfig(first)); err != nil {
		return fmt.Errorf("%s creates the group: %w", first.name, err)
	}
	d.members = []*client{first}
	if err := d.row(0, first, "(create)"); err != nil {
		return err
	}
	for e := 1; e <= cfg.Epochs; e++ {
		if err := d.epoch(e); err != nil {
			return fmt.Errorf("epoch %d: %w", e, err)
		}
	}
	if err := d.deliverLate(cfg.Epochs + 1); err != nil {
		return fmt.Errorf("after the last epoch: %w", err)
	}
	d.printNotes()
	kinds := make([]string, 0, len(d.sentByKind))
	for _, k := range []string{"application", "proposal", "commit", "welcome"} {
		kinds = append(kinds, fmt.Sprintf("%d %s", d.sentByKind[k], k))
	}
	fmt.Fprintf(out, "ok: %d epochs, %d members at the end, all agreeing after every epoch; messages: %d sent (%s), %d delivered (%d out of order, %d late), %d rejected as expected; %s\n",
		cfg.Epochs, len(d.members), d.sent, strings.Join(kinds, ", "), d.delivered.Load(), d.outOfOrder.Load(), d.lateOK, d.rejected,
		time.Since(start).Round(time.Millisecond))
	return nil
}

func (d *demo) groupConfig(c *client) group.Config {
	return group.Config{Rand: c.rand, Now: func() time.Time { return d.now }}
}

// newKeyPackage gives c a fresh KeyPackage (RFC 9420, Section 10) under its
// long-term signature key.
func (d *demo) newKeyPackage(c *client) error {
	kp, priv, err := group.NewKeyPackage(d.suite, &group.KeyPackageParams{
		Credential:    credential.NewBasic([]byte(c.name)),
		Now:           func() time.Time { return d.now },
		SignaturePriv: c.sigPriv,
	}, c.rand)
	if err != nil {
		return fmt.Errorf("%s creates a KeyPackage: %w", c.name, err)
	}
	c.kp, c.priv, c.sigPriv = kp, priv, priv.SignaturePriv
	return nil
}

// pick removes and returns k clients chosen at random from pool.
func (d *demo) pick(pool *[]*client, k int) []*client {
	var out []*client
	for range min(k, len(*pool)) {
		i := d.rng.IntN(len(*pool))
		out = append(out, (*pool)[i])
		*pool = slices.Delete(*pool, i, i+1)
	}
	return out
}

// doubleUntil is the size up to which the group grows by doubling; the
// Commit after that adds every client left in one go. Every member must
// validate every added KeyPackage (RFC 9420, Sections 10.1 and 12.2) and
// every joiner the whole tree (Section 12.4.3.1): growing a large group by
// doubling costs about three times the signature checks of this schedule,
// which matters with P-384, whose verification takes ~0.8 ms in Go.
const doubleUntil = 8

// plan decides epoch e: while the group grows, each Commit adds clients
// that have never been members (the group is built up from its creator:
// doubling up to doubleUntil members, then everyone left); once it has
// reached its size, each Commit removes up to two members, adds back those
// removed earlier, and commits by reference up to two Updates.
func (d *demo) plan(e int) *epochPlan {
	p := &epochPlan{public: d.rng.IntN(2) == 0, omitTree: d.rng.IntN(3) == 0, forge: e == d.forgeEpoch}
	if p.forge {
		// The forged copy is a PublicMessage with a flipped signature byte.
		p.public = true
	}
	n := len(d.members)
	others := slices.Clone(d.members)
	p.committer = d.pick(&others, 1)[0]
	if !d.grown {
		k := len(d.fresh)
		if n < doubleUntil {
			k = min(n, k)
		}
		p.adds = d.fresh[:k]
		d.fresh = d.fresh[len(p.adds):]
		d.grown = len(d.fresh) == 0
		if n >= 3 && d.rng.IntN(2) == 0 {
			p.updaters = d.pick(&others, 1)
		}
		return p
	}
	r := min(d.rng.IntN(3), n-2)
	p.removes = d.pick(&others, r)
	p.adds = d.removed
	d.removed = nil
	if r > 0 && len(others) > 0 && d.rng.IntN(2) == 0 {
		p.proposer = d.pick(&others, 1)[0]
	}
	p.updaters = d.pick(&others, d.rng.IntN(3))
	return p
}

// send counts a message of kind and returns its encoding.
func (d *demo) send(kind string, m interface{ Marshal() ([]byte, error) }) ([]byte, error) {
	b, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	d.sent++
	d.sentByKind[kind]++
	return b, nil
}

// deliver decodes wire as the receiver would and has to process it.
func (d *demo) deliver(to *client, wire []byte) (*group.Received, error) {
	m, err := group.DecodeMLSMessage(wire)
	if err != nil {
		return nil, fmt.Errorf("%s decodes a message: %w", to.name, err)
	}
	r, err := to.g.Process(m)
	if err != nil {
		return nil, err
	}
	d.delivered.Add(1)
	return r, nil
}

// forEach runs f on every client of cs, on as many goroutines as there are
// CPUs: each client only touches its own state. It returns the error of the
// first client, in the order of cs, whose f failed, so that the output does
// not depend on scheduling.
func forEach(cs []*client, f func(i int, c *client) error) error {
	errs := make([]error, len(cs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(cs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(cs) {
					return
				}
				errs[i] = f(i, cs[i])
			}
		})
	}
	wg.Wait()
	return errors.Join(slices.DeleteFunc(errs, func(e error) bool { return e == nil })...)
}

// appMessage is one application message on the wire.
type appMessage struct {
	from  *client
	leaf  uint32
	epoch uint64
	gen   int
	text  string
	wire  []byte
}

// lateMessage is an application message held back from one receiver and
// delivered in a later epoch (RFC 9420, Section 15.3).
type lateMessage struct {
	msg appMessage
	to  *client
	// g is the receiver's state when the message was held: a client
	// removed and added again in between has a new one, which never knew
	// the message's epoch.
	g   *group.Group
	due int
}

// pastEpochs is how many past epochs a member keeps to read late
// application messages (RFC 9420, Section 15.3): ref/group's default. The
// demo delivers messages up to that many epochs late, and one message one
// epoch later still, which must be rejected.
const pastEpochs = group.DefaultMaxPastEpochs

// applicationPhase delivers the late messages that are due, then has two
// members send two application messages each (RFC 9420, Section 15) and
// delivers them to every other member, each in its own shuffled order, so
// that messages of one sender arrive out of order (Section 9.2 keeps the
// keys of skipped generations). Two deliveries are held back for one to
// pastEpochs epochs; in the forge epoch a third is held
// back one epoch longer, beyond what the receiver keeps, and one message is
// delivered a second time: both must be rejected.
func (d *demo) applicationPhase(e int) error {
	if err := d.deliverLate(e); err != nil {
		return err
	}
	if len(d.members) < 2 {
		return nil
	}
	pool := slices.Clone(d.members)
	senders := d.pick(&pool, 2)
	var msgs []appMessage
	for _, s := range senders {
		for k := range 2 {
			text := fmt.Sprintf("epoch %d: message %d from %s", s.g.Epoch(), k, s.name)
			m, err := s.g.SendApplication([]byte(text), []byte(s.name), d.rng.IntN(16))
			if err != nil {
				return fmt.Errorf("%s sends an application message: %w", s.name, err)
			}
			wire, err := d.send("application", m)
			if err != nil {
				return err
			}
			msgs = append(msgs, appMessage{from: s, leaf: s.g.LeafIndex(), epoch: s.g.Epoch(), gen: k, text: text, wire: wire})
		}
	}
	type pair struct {
		to  *client
		msg int
	}
	held := map[pair]bool{}
	// randomPair picks a receiver other than the sender, not yet held.
	randomPair := func() pair {
		for {
			p := pair{d.members[d.rng.IntN(len(d.members))], d.rng.IntN(len(msgs))}
			if p.to != msgs[p.msg].from && !held[p] {
				return p
			}
		}
	}
	hold := func(lag int) {
		p := randomPair()
		held[p] = true
		d.late = append(d.late, lateMessage{msg: msgs[p.msg], to: p.to, g: p.to.g, due: e + lag})
	}
	if pastEpochs > 0 {
		for range 2 {
			hold(1 + d.rng.IntN(pastEpochs))
		}
		if e == d.forgeEpoch {
			hold(pastEpochs + 1)
		}
	}
	orders := make([][]int, len(d.members))
	for i := range orders {
		orders[i] = d.rng.Perm(len(msgs))
	}
	err := forEach(d.members, func(i int, to *client) error {
		last := map[*client]int{}
		for _, k := range orders[i] {
			m := msgs[k]
			if m.from == to || held[pair{to, k}] {
				continue
			}
			if err := d.read(to, m); err != nil {
				return err
			}
			if g, ok := last[m.from]; ok && g > m.gen {
				d.outOfOrder.Add(1)
			}
			last[m.from] = max(last[m.from], m.gen)
		}
		return nil
	})
	if err != nil || e != d.forgeEpoch {
		return err
	}
	p := randomPair()
	m := msgs[p.msg]
	return d.expectRejection(p.to, m.wire, fmt.Sprintf("the application message %d of %s again (replay)", m.gen, m.from.name), mlserr.ErrGeneration)
}

// read delivers application message m to c and checks what c reads.
func (d *demo) read(c *client, m appMessage) error {
	r, err := d.deliver(c, m.wire)
	if err != nil {
		return fmt.Errorf("%s reads %q: %w", c.name, m.text, err)
	}
	if string(r.ApplicationData) != m.text || r.Sender.LeafIndex != m.leaf || r.Epoch != m.epoch {
		return fmt.Errorf("%s reads %q from leaf %d in epoch %d, want %q from %s", c.name, r.ApplicationData, r.Sender.LeafIndex, r.Epoch, m.text, m.from.name)
	}
	return nil
}

// deliverLate delivers the held-back messages due at epoch e (all of them
// after the last epoch). A message at most pastEpochs
// epochs old must be read; an older one must be rejected (RFC 9420,
// Section 15.3). A message whose receiver left the group in between is
// dropped.
func (d *demo) deliverLate(e int) error {
	var keep []lateMessage
	for _, l := range d.late {
		if l.due > e && e <= d.cfg.Epochs {
			keep = append(keep, l)
			continue
		}
		if l.to.g != l.g {
			continue
		}
		age := l.to.g.Epoch() - l.msg.epoch
		if age <= pastEpochs {
			if err := d.read(l.to, l.msg); err != nil {
				return fmt.Errorf("%d epochs late: %w", age, err)
			}
			d.lateOK++
			continue
		}
		what := fmt.Sprintf("the application message %d of %s, %d epochs late", l.msg.gen, l.msg.from.name, age)
		if err := d.expectRejection(l.to, l.msg.wire, what, mlserr.ErrEpoch); err != nil {
			return err
		}
	}
	d.late = keep
	return nil
}

// expectRejection delivers wire to c, which must reject it with an error of
// class and keep its state byte for byte (RFC 9420, Section 14).
func (d *demo) expectRejection(c *client, wire []byte, what string, class error) error {
	before, err := c.g.MarshalBinary()
	if err != nil {
		return err
	}
	m, err := group.DecodeMLSMessage(wire)
	if err != nil {
		return fmt.Errorf("%s decodes %s: %w", c.name, what, err)
	}
	_, rejection := c.g.Process(m)
	if rejection == nil {
		return fmt.Errorf("%s accepted %s", c.name, what)
	}
	if !errors.Is(rejection, class) || mlserr.RequirementOf(rejection) == "" {
		return fmt.Errorf("%s rejected %s with %v, want a %v error naming its requirement", c.name, what, rejection, class)
	}
	after, err := c.g.MarshalBinary()
	if err != nil {
		return err
	}
	if !bytes.Equal(before, after) {
		return fmt.Errorf("%s rejected %s but its state changed", c.name, what)
	}
	d.rejected++
	d.notes = append(d.notes, fmt.Sprintf("%s rejects %s: %v; its state is byte-identical (%d bytes)", c.name, what, rejection, len(after)))
	return nil
}

// epoch runs epoch e: application messages, proposals, the Commit, the
// Welcome, and the agreement check.
func (d *demo) epoch(e int) error {
	if err := d.applicationPhase(e); err != nil {
		return err
	}
	p := d.plan(e)
	for _, c := range p.adds {
		if err := d.newKeyPackage(c); err != nil {
			return err
		}
	}
	// Proposals sent as their own messages, committed by reference.
	others := func(from *client) []*client {
		var out []*client
		for _, c := range d.members {
			if c != from {
				out = append(out, c)
			}
		}
		return out
	}
	propose := func(from *client, m *group.MLSMessage) error {
		wire, err := d.send("proposal", m)
		if err != nil {
			return err
		}
		return forEach(others(from), func(_ int, to *client) error {
			if _, err := d.deliver(to, wire); err != nil {
				return fmt.Errorf("%s receives a proposal from %s: %w", to.name, from.name, err)
			}
			return nil
		})
	}
	for _, u := range p.updaters {
		m, err := u.g.ProposeUpdate(d.rng.IntN(2) == 0)
		if err != nil {
			return fmt.Errorf("%s proposes an Update: %w", u.name, err)
		}
		if err := propose(u, m); err != nil {
			return err
		}
	}
	opts := &group.CommitOptions{PublicMessage: p.public, OmitRatchetTree: p.omitTree, Padding: d.rng.IntN(32)}
	for _, r := range p.removes {
		if p.proposer == nil {
			opts.Removes = append(opts.Removes, r.g.LeafIndex())
			continue
		}
		m, err := p.proposer.g.Propose(&group.Proposal{ProposalType: group.ProposalTypeRemove, Remove: &group.Remove{Removed: r.g.LeafIndex()}}, d.rng.IntN(2) == 0)
		if err != nil {
			return fmt.Errorf("%s proposes to remove %s: %w", p.proposer.name, r.name, err)
		}
		if err := propose(p.proposer, m); err != nil {
			return err
		}
	}
	for _, a := range p.adds {
		opts.Adds = append(opts.Adds, a.kp)
	}

	pc, err := p.committer.g.Commit(opts)
	if err != nil {
		return fmt.Errorf("%s commits: %w", p.committer.name, err)
	}
	wire, err := d.send("commit", pc.Message)
	if err != nil {
		return err
	}
	receivers := others(p.committer)
	if p.forge && len(receivers) > 0 {
		// The network flips one byte of the Commit's signature on its way
		// to one member. The membership tag, a MAC over the content and its
		// signature, fails first; both checks are R-6.2-2.
		forged, err := group.DecodeMLSMessage(wire)
		if err != nil {
			return err
		}
		forged.PublicMessage.Auth.Signature[0] ^= 0x01
		fw, err := forged.Marshal()
		if err != nil {
			return err
		}
		victim := receivers[d.rng.IntN(len(receivers))]
		if err := d.expectRejection(victim, fw, fmt.Sprintf("the Commit of %s with a flipped signature byte", p.committer.name), mlserr.ErrInvalidMembershipTag); err != nil {
			return err
		}
	}
	removed := map[*client]bool{}
	for _, r := range p.removes {
		removed[r] = true
	}
	dropped := make([]bool, len(receivers))
	gone := make([]bool, len(receivers))
	if d.cfg.DropCommit != nil {
		for i, to := range receivers {
			dropped[i] = d.cfg.DropCommit(e, to.name)
		}
	}
	err = forEach(receivers, func(i int, to *client) error {
		if dropped[i] {
			return nil
		}
		r, err := d.deliver(to, wire)
		if err != nil {
			return fmt.Errorf("%s processes the Commit of %s: %w", to.name, p.committer.name, err)
		}
		if r.Removed != removed[to] {
			return fmt.Errorf("%s: removed by the Commit = %v, want %v", to.name, r.Removed, removed[to])
		}
		gone[i] = r.Removed
		return nil
	})
	if err != nil {
		return err
	}
	var stay []*client
	for i, to := range receivers {
		if gone[i] {
			to.g = nil
			d.removed = append(d.removed, to)
		} else {
			stay = append(stay, to)
		}
	}
	if err := p.committer.g.MergePendingCommit(pc); err != nil {
		return fmt.Errorf("%s merges its Commit: %w", p.committer.name, err)
	}
	d.members = append([]*client{p.committer}, stay...)
	if len(p.adds) > 0 {
		if pc.Welcome == nil {
			return fmt.Errorf("the Commit of %s adds %d members but has no Welcome", p.committer.name, len(p.adds))
		}
		ww, err := d.send("welcome", pc.Welcome)
		if err != nil {
			return err
		}
		var rt *tree.RatchetTree
		if p.omitTree {
			// The ratchet tree travels out of band (RFC 9420, Section 12.4.3.3).
			rt = p.committer.g.Tree()
		}
		err = forEach(p.adds, func(_ int, a *client) error {
			w, err := group.DecodeWelcome(ww)
			if err != nil {
				return err
			}
			if a.g, err = group.JoinGroup(w, a.kp, a.priv, rt, d.groupConfig(a)); err != nil {
				return fmt.Errorf("%s joins from the Welcome: %w", a.name, err)
			}
			d.delivered.Add(1)
			return nil
		})
		if err != nil {
			return err
		}
		d.members = append(d.members, p.adds...)
	}
	// Keep the members in leaf order, so that the table does not depend on
	// who committed.
	slices.SortFunc(d.members, func(a, b *client) int { return int(a.g.LeafIndex()) - int(b.g.LeafIndex()) })
	return d.row(e, p.committer, describe(p))
}

// describe names a plan's proposals as in "add 2, rm 1, upd 1".
func describe(p *epochPlan) string {
	var parts []string
	if len(p.adds) > 0 {
		parts = append(parts, fmt.Sprintf("add %d", len(p.adds)))
	}
	if len(p.removes) > 0 {
		rm := fmt.Sprintf("rm %d", len(p.removes))
		if p.proposer != nil {
			rm += " by ref"
		}
		parts = append(parts, rm)
	}
	if len(p.updaters) > 0 {
		parts = append(parts, fmt.Sprintf("upd %d", len(p.updaters)))
	}
	if len(parts) == 0 {
		return "(empty)"
	}
	return strings.Join(parts, ", ")
}

// row checks that every member agrees on the epoch, its epoch
// authenticator, its tree hash, an exported secret and the roster, then
// prints the table row of epoch e and the notes gathered during it.
func (d *demo) row(e int, committer *client, proposals string) error {
	ref := d.members[0]
	view := func(c *client) (string, error) {
		exp, err := c.g.Exporter("mlsref demo", []byte("agreement"), 16)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("epoch %d, epoch_authenticator %x, tree hash %x, exporter %x, leaves %v",
			c.g.Epoch(), c.g.EpochAuthenticator(), c.g.TreeHash(), exp, c.g.Members()), nil
	}
	want, err := view(ref)
	if err != nil {
		return err
	}
	if ref.g.Epoch() != uint64(e) {
		return fmt.Errorf("%w: %s is in epoch %d, want %d", errDisagreement, ref.name, ref.g.Epoch(), e)
	}
	if got := len(ref.g.Members()); got != len(d.members) {
		return fmt.Errorf("%w: %s sees %d members, the simulation %d", errDisagreement, ref.name, got, len(d.members))
	}
	for _, c := range d.members[1:] {
		got, err := view(c)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("%w after epoch %d:\n  %s: %s\n  %s: %s", errDisagreement, e, ref.name, want, c.name, got)
		}
	}
	fmt.Fprintf(d.out, "%5d  %7d  %-9s  %-26s  %-10s  %s\n", e, len(d.members), committer.name, proposals,
		hex.EncodeToString(ref.g.EpochAuthenticator()[:4]), hex.EncodeToString(ref.g.TreeHash()[:4]))
	d.printNotes()
	return nil
}

// printNotes prints the rejections seen since the last row, under it.
func (d *demo) printNotes() {
	for _, n := range d.notes {
		fmt.Fprintf(d.out, "       ! %s\n", n)
	}
	d.notes = nil
}
