package proptest

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"pgregory.net/rapid"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/model"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// Config is what a property run of the group state machine draws from.
type Config struct {
	// Suites are the cipher suites a sequence may use, one per sequence.
	Suites []ciphersuite.ID
	// Population is the number of clients; groups grow up to it.
	Population int
	// Limits are the receivers' limits for out-of-order delivery (RFC
	// 9420, Section 15.3), small so that sequences reach them.
	Limits schedule.Limits
	// Stats, when set, counts what the runs did.
	Stats *Stats
	// KnownIssues enables the operations that expose known disagreements
	// between ref/group and the model (see testdata/known). None is open
	// at present: no operation depends on it.
	KnownIssues bool
}

// DefaultConfig is the configuration of the default test run: suites 1
// and 3 (the fastest), 20 clients, and a window of 8 generations ahead
// with 4 skipped keys kept.
func DefaultConfig() Config {
	return Config{
		Suites:     []ciphersuite.ID{ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, ciphersuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519},
		Population: 20,
		Limits:     schedule.Limits{MaxGenerationGap: 8, MaxSkippedKeys: 4},
	}
}

// clock is the fixed time of every run: KeyPackage lifetimes are judged
// against it.
var clock = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func now() time.Time { return clock }

// client is one client of the population: its fixed signature key (its
// identity, RFC 9420, Section 5.3), its randomness, and its state in the
// group, if any.
type client struct {
	id      model.ClientID
	name    string
	sigPriv []byte
	rand    io.Reader
	g       *group.Group
	// legacy clients neither register nor list the application's
	// proposal and extension types (RFC 9420, Section 13).
	legacy bool
}

// keyPackage is a KeyPackage of the run with its private keys and the
// model's record of it.
type keyPackage struct {
	kp   *group.KeyPackage
	priv *group.KeyPackagePrivate
	m    model.KeyPackage
}

// envelope is a message on the wire with the model's record of it.
type envelope struct {
	wire []byte
	mm   *model.Message
	// data is the plaintext of an application message.
	data []byte
}

// epochFacts are the values every member of an epoch must agree on.
type epochFacts struct {
	who                           string
	auth, treeHash, ctx, exporter []byte
}

// machine is the state of one operation sequence: the real clients, the
// model, and the messages in flight.
type machine struct {
	t       *rapid.T
	cfg     Config
	suite   *ciphersuite.Suite
	other   *ciphersuite.Suite
	seed    uint64
	world   *model.World
	mg      *model.Group
	groupID []byte
	clients []*client
	byName  map[string]model.ClientID
	kps     map[int]*keyPackage
	// inbox holds the handshake messages each client has yet to process,
	// in order; bag the application messages it has yet to receive, in
	// no order; seen the messages it received, for replays.
	inbox map[model.ClientID][]*envelope
	bag   map[model.ClientID][]*envelope
	seen  map[model.ClientID][]*envelope
	// proposalRefs maps a proposal of the model (its group and Ref) to
	// the ProposalRef ref/group gave it when a member received it.
	proposalRefs map[modelRef][]byte
	lagging      map[model.ClientID]bool
	facts        map[uint64]*epochFacts
	serial       int
	// pastEpochs is how many past epochs the clients keep.
	pastEpochs int
	// externals are the external senders' keys (RFC 9420, Section
	// 12.1.8.1).
	externals []externalSender
}

// externalSender is a signature key pair of an external sender.
type externalSender struct{ priv, pub []byte }

const (
	maxBag  = 24
	maxSeen = 12
	maxLag  = 2
)

// Property returns the rapid property of the group state machine: one
// random sequence of operations by the clients of a population on one
// group, each operation performed on ref/group and on the model, which
// must agree, followed by the invariant checks of check.
func Property(cfg Config) func(*rapid.T) {
	return func(t *rapid.T) {
		m := newMachine(t, cfg)
		cfg.Stats.sequence()
		t.Repeat(m.actions())
	}
}

func newMachine(t *rapid.T, cfg Config) *machine {
	id := rapid.SampledFrom(cfg.Suites).Draw(t, "suite")
	suite, err := ciphersuite.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	otherID := ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256
	if id == otherID {
		otherID = ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	}
	other, err := ciphersuite.Lookup(otherID)
	if err != nil {
		t.Fatal(err)
	}
	m := &machine{
		t: t, cfg: cfg, suite: suite, other: other,
		seed:   rapid.Uint64().Draw(t, "seed"),
		byName: map[string]model.ClientID{}, kps: map[int]*keyPackage{},
		inbox: map[model.ClientID][]*envelope{}, bag: map[model.ClientID][]*envelope{}, seen: map[model.ClientID][]*envelope{},
		lagging: map[model.ClientID]bool{}, facts: map[uint64]*epochFacts{},
	}
	m.groupID = []byte(fmt.Sprintf("group-%x", m.seed))
	// The number of past epochs kept, 0 to 3, comes from the seed (a
	// draw of its own would change the meaning of saved fail files).
	m.pastEpochs = int(m.seed % 4)
	m.world = model.NewWorld(model.Limits{MaxGenerationGap: cfg.Limits.MaxGenerationGap, MaxSkippedKeys: cfg.Limits.MaxSkippedKeys, PastEpochs: m.pastEpochs})
	m.world.PSKs = modelPSKs()
	m.world.ExternalTypes = appExternal
	for i := 0; i < cfg.Population; i++ {
		c := &client{id: model.ClientID(i), name: fmt.Sprintf("c%02d", i), legacy: (uint64(i)+m.seed)%7 == 0}
		c.rand = seeded.New(fmt.Sprintf("%d/%s", m.seed, c.name))
		if c.sigPriv, _, err = suite.GenerateSignatureKeyPair(c.rand); err != nil {
			t.Fatal(err)
		}
		m.clients = append(m.clients, c)
		m.byName[c.name] = c.id
	}
	m.create()
	return m
}

// config is the Config of c's group: its randomness, the run's clock,
// limits, and number of past epochs kept for late application messages
// (RFC 9420, Section 15.3).
func (m *machine) config(c *client) group.Config {
	past := m.pastEpochs
	if past == 0 {
		past = -1 // none: zero means the default
	}
	cfg := group.Config{Rand: c.rand, Now: now, Limits: m.cfg.Limits, MaxPastEpochs: past, PSKs: pskStore().Lookup}
	if !c.legacy {
		cfg.Proposals = appHandlers
	}
	return cfg
}

func (m *machine) logf(format string, args ...any) {
	m.t.Helper()
	m.t.Logf(format, args...)
}

// newKeyPackage creates a KeyPackage of c with defect d, for the group's
// suite unless d is WrongCipherSuite. Unless c is legacy, its capabilities
// list the application's proposal and extension types; GREASE values are
// added at random (RFC 9420, Section 13.5).
func (m *machine) newKeyPackage(c *client, d model.Defect) *keyPackage {
	return m.newKeyPackageWith(c, d, false)
}

// newKeyPackageWith is newKeyPackage; with grease set, the KeyPackage
// carries GREASE values in every field RFC 9420, Section 13.5 allows.
func (m *machine) newKeyPackageWith(c *client, d model.Defect, grease bool) *keyPackage {
	params := &group.KeyPackageParams{
		Credential:    credential.NewBasic([]byte(c.name)),
		SignaturePriv: c.sigPriv,
		Lifetime:      tree.Lifetime{NotBefore: uint64(clock.Add(-time.Hour).Unix()), NotAfter: uint64(clock.Add(30 * 24 * time.Hour).Unix())},
		Now:           now,
	}
	suite := m.suite
	switch d {
	case model.Expired:
		params.Lifetime = tree.Lifetime{NotBefore: uint64(clock.Add(-30 * 24 * time.Hour).Unix()), NotAfter: uint64(clock.Add(-24 * time.Hour).Unix())}
	case model.WrongCipherSuite:
		suite, params.SignaturePriv = m.other, nil
	}
	var caps model.Capabilities
	if !c.legacy || grease {
		params.Capabilities, caps = m.capabilities(c, suite, grease)
	}
	// A client lists only the proposal types it registered (R-13.4-2).
	params.Proposals = c.handlers()
	if grease {
		params.NoGREASE = true
		params.LeafExtensions = extension.List{{ExtensionType: greaseExtension, ExtensionData: []byte("leaf")}}
		params.Extensions = extension.List{{ExtensionType: greaseExtension + 0x1010, ExtensionData: []byte{}}}
	}
	kp, priv, err := group.NewKeyPackage(suite, params, c.rand)
	if err != nil {
		m.t.Fatalf("NewKeyPackage for %s: %v", c.name, err)
	}
	mk := m.world.NewKeyPackage(c.id, d)
	mk.Caps, mk.Grease = caps, grease
	rec := &keyPackage{kp: kp, priv: priv, m: mk}
	m.kps[rec.m.ID] = rec
	return rec
}

// create makes the group, created by a drawn client.
func (m *machine) create() {
	c := m.clients[rapid.IntRange(0, len(m.clients)-1).Draw(m.t, "creator")]
	kp := m.newKeyPackage(c, model.NoDefect)
	g, err := group.NewGroup(m.groupID, kp.kp, kp.priv, nil, m.config(c))
	mg, v := m.world.CreateGroup(string(m.groupID), c.id, kp.m)
	m.expect("create by "+c.name, v, err)
	m.mg, c.g = mg, g
	m.cfg.Stats.step("create")
	m.logf("create: %s creates the group in suite %v", c.name, m.suite.ID())
}

// expect checks that ref/group and the model agree on an operation:
// both accept, or both reject for a reason the model names.
func (m *machine) expect(what string, v model.Verdict, err error) {
	m.t.Helper()
	m.cfg.Stats.check(1)
	switch {
	case v.Accept() && err != nil:
		m.t.Fatalf("%s: ref/group rejects what RFC 9420 requires to accept: %v", what, err)
	case !v.Accept() && err == nil:
		m.t.Fatalf("%s: ref/group accepts what RFC 9420 requires to reject: %v", what, v)
	case !v.Accept() && !v.Explains(err):
		m.t.Fatalf("%s: ref/group rejects for another reason than the model's\n  ref:   %v\n  model: %v", what, err, v)
	}
	if v.Accept() {
		m.cfg.Stats.event("accept: " + what0(what))
	} else {
		reason := v.Violations[0].Req
		for _, x := range v.Violations {
			if x.Req != "" && slices.Contains(reqsOf(err), x.Req) {
				reason = x.Req
			}
		}
		if reason == "" {
			reason = fmt.Sprint(v.Violations[0].Class)
		}
		m.cfg.Stats.event("reject: " + what0(what) + " [" + reason + "]")
	}
}

// what0 is the operation name without the actors.
func what0(what string) string {
	for i, r := range what {
		if r == ' ' || r == '[' {
			return what[:i]
		}
	}
	return what
}

// state returns the serialized state of c's group.
func (m *machine) state(c *client) []byte {
	m.t.Helper()
	b, err := c.g.MarshalBinary()
	if err != nil {
		m.t.Fatalf("MarshalBinary of %s: %v", c.name, err)
	}
	return b
}

// unchanged checks that a rejected operation left c's state byte for byte
// as it was.
func (m *machine) unchanged(c *client, before []byte, what string) {
	m.t.Helper()
	m.cfg.Stats.check(1)
	if !bytes.Equal(before, m.state(c)) {
		m.t.Fatalf("%s: the rejected operation changed %s's state", what, c.name)
	}
}

func (m *machine) client(id model.ClientID) *client { return m.clients[id] }

// current returns the clients that are members in the group's current
// epoch, not lagging, sorted.
func (m *machine) current() []model.ClientID {
	var out []model.ClientID
	for _, c := range m.clients {
		if c.g != nil && m.mg.Current(c.id) && !m.lagging[c.id] && len(m.inbox[c.id]) == 0 {
			out = append(out, c.id)
		}
	}
	return out
}

// nonMembers returns the clients that are not in the current tree and
// that no pending proposal of the epoch adds.
func (m *machine) nonMembers() []model.ClientID {
	t := m.mg.Tree()
	pendingAdd := map[model.ClientID]bool{}
	for _, sp := range m.mg.Proposals(m.mg.Epoch()) {
		if sp.Proposal.Type == model.Add {
			pendingAdd[sp.Proposal.KeyPackage.Client] = true
		}
	}
	var out []model.ClientID
	for _, c := range m.clients {
		if _, in := t.LeafOf(c.id); !in && !pendingAdd[c.id] {
			out = append(out, c.id)
		}
	}
	return out
}

// touched returns the leaves that a pending proposal of the current epoch
// updates or removes.
func (m *machine) touched() map[uint32]bool {
	out := map[uint32]bool{}
	for _, sp := range m.mg.Proposals(m.mg.Epoch()) {
		switch sp.Proposal.Type {
		case model.Update:
			out[sp.Proposal.Sender] = true
		case model.Remove:
			out[sp.Proposal.Removed] = true
		}
	}
	return out
}

// draw draws one of ids, or skips the action when there is none.
func (m *machine) draw(ids []model.ClientID, label string) *client {
	if len(ids) == 0 {
		m.t.Skip("no candidate for " + label)
	}
	return m.client(rapid.SampledFrom(ids).Draw(m.t, label))
}

// drawSome draws between lo and hi distinct clients of ids.
func (m *machine) drawSome(ids []model.ClientID, lo, hi int, label string) []*client {
	if len(ids) < lo {
		m.t.Skip("too few candidates for " + label)
	}
	hi = min(hi, len(ids))
	picked := rapid.SliceOfNDistinct(rapid.SampledFrom(ids), lo, hi, func(id model.ClientID) model.ClientID { return id }).Draw(m.t, label)
	out := make([]*client, len(picked))
	for i, id := range picked {
		out[i] = m.client(id)
	}
	return out
}

func (m *machine) leafOf(c *client) uint32 {
	l, ok := m.mg.Tree().LeafOf(c.id)
	if !ok {
		m.t.Fatalf("%s has no leaf", c.name)
	}
	return l
}

func names(cs []*client) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.name
	}
	return fmt.Sprint(s)
}

// sortedIDs returns the keys of a set in increasing order.
func sortedIDs(set map[model.ClientID]bool) []model.ClientID {
	out := make([]model.ClientID, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
