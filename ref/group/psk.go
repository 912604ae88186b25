package group

import (
	"fmt"

	"bytes"
	"io"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// DefaultResumptionPSKEpochs is how many past epochs' resumption_psk a
// group keeps when Config.ResumptionPSKEpochs is zero (RFC 9420, Section
// 8.6). The current epoch's resumption_psk is always available on top of
// these.
const DefaultResumptionPSKEpochs = 8

// PSKMap is a store of external PSKs keyed by psk_id (RFC 9420, Section
// 8.4). Its Lookup method is a PSKLookup for Config.PSKs and OpenWelcome.
type PSKMap map[string][]byte

// Lookup returns the secret of the external PSK that id names, or false
// for an unknown psk_id or a resumption PSK (RFC 9420, Section 8.4).
func (m PSKMap) Lookup(id *schedule.PreSharedKeyID) ([]byte, bool) {
	if id == nil || id.PSKType != schedule.PSKTypeExternal {
		return nil, false
	}
	s, ok := m[string(id.PSKID)]
	return s, ok
}

// ExternalPSKID names the external PSK pskID (RFC 9420, Section 8.4). The
// psk_nonce is left empty: Commit and ProposePSK draw a fresh one.
func ExternalPSKID(pskID []byte) schedule.PreSharedKeyID {
	return schedule.PreSharedKeyID{PSKType: schedule.PSKTypeExternal, PSKID: bytes.Clone(pskID)}
}

// ResumptionPSKID names the resumption_psk of epoch of this group with
// usage application, the only usage a regular Commit accepts (RFC 9420,
// Sections 8.4, 8.6 and 12.1.4). The psk_nonce is left empty.
func (g *Group) ResumptionPSKID(epoch uint64) schedule.PreSharedKeyID {
	return schedule.PreSharedKeyID{
		PSKType: schedule.PSKTypeResumption, Usage: schedule.UsageApplication,
		PSKGroupID: bytes.Clone(g.ctx.GroupID), PSKEpoch: epoch,
	}
}

// resumptionPSK is the resumption_psk of one past epoch of the group (RFC
// 9420, Section 8.6).
type resumptionPSK struct {
	epoch  uint64
	secret []byte
}

// resumptionPSKs holds the resumption_psk of the most recent past epochs of
// the group, oldest first, at most Config.ResumptionPSKEpochs of them (RFC
// 9420, Section 8.6).
type resumptionPSKs []resumptionPSK

func (r resumptionPSKs) clone() resumptionPSKs {
	if r == nil {
		return nil
	}
	out := make(resumptionPSKs, len(r))
	for i, p := range r {
		out[i] = resumptionPSK{epoch: p.epoch, secret: bytes.Clone(p.secret)}
	}
	return out
}

// retain appends the resumption_psk of epoch, which has just ended, and
// erases the oldest ones beyond limit.
func (r resumptionPSKs) retain(epoch uint64, secret []byte, limit int) resumptionPSKs {
	out := append(r.clone(), resumptionPSK{epoch: epoch, secret: bytes.Clone(secret)})
	if limit < 0 {
		limit = 0
	}
	for len(out) > limit {
		clear(out[0].secret)
		out = out[1:]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (r resumptionPSKs) find(epoch uint64) ([]byte, bool) {
	for _, p := range r {
		if p.epoch == epoch {
			return p.secret, true
		}
	}
	return nil, false
}

// marshalMLS writes r as the state encoding of Group.MarshalBinary:
//
//	struct { uint64 epoch; opaque resumption_psk<V>; } ResumptionPSK;
//	ResumptionPSK resumption_psks<V>;
func (r resumptionPSKs) marshalMLS(w *codec.Writer) {
	w.Vector(func(w *codec.Writer) {
		for _, p := range r {
			w.U64(p.epoch)
			w.Opaque(p.secret)
		}
	})
}

// unmarshalMLS reads what marshalMLS wrote.
func (r *resumptionPSKs) unmarshalMLS(rd *codec.Reader) {
	*r = nil
	rd.Vector(func(rd *codec.Reader) {
		var p resumptionPSK
		p.epoch = rd.U64()
		p.secret = rd.OpaqueCopy()
		*r = append(*r, p)
	})
}

// resumptionLimit is the number of past epochs whose resumption_psk is
// kept (RFC 9420, Section 8.6).
func (c *Config) resumptionLimit() int {
	switch {
	case c.ResumptionPSKEpochs == 0:
		return DefaultResumptionPSKEpochs
	case c.ResumptionPSKEpochs < 0:
		return 0
	}
	return c.ResumptionPSKEpochs
}

// retainResumptionPSK records the resumption_psk of the epoch prev, which
// g (staged for the next epoch) is leaving (RFC 9420, Section 8.6).
func (g *Group) retainResumptionPSK(epoch uint64, prev *schedule.EpochSecrets) {
	// [R-8.6-1] the application bounds how many past epochs are kept.
	g.resumption = g.resumption.retain(epoch, prev.ResumptionPSK, g.cfg.resumptionLimit())
}

// lookupPSK returns the secret of the PSK that id names as this member holds
// it (RFC 9420, Sections 8.4 and 8.6): a resumption PSK of this group comes
// from the current epoch or the retained past ones; any other PSK from the
// application's Config.PSKs.
func (g *Group) lookupPSK(id *schedule.PreSharedKeyID) ([]byte, bool) {
	if g.initPSK != nil && pskIdentity(id) == pskIdentity(&g.initPSK.ID) {
		return g.initPSK.Secret, true
	}
	if id.PSKType == schedule.PSKTypeResumption && bytes.Equal(id.PSKGroupID, g.ctx.GroupID) {
		if id.PSKEpoch == g.ctx.Epoch && g.secrets != nil {
			return g.secrets.ResumptionPSK, true
		}
		if s, ok := g.resumption.find(id.PSKEpoch); ok {
			return s, true
		}
	}
	if g.cfg.PSKs != nil {
		return g.cfg.PSKs(id)
	}
	return nil, false
}

// ResumptionPSK returns the resumption_psk of epoch of this group, the
// current one or a past one still kept (RFC 9420, Section 8.6), for an
// application that hands it to a client joining with a Welcome whose
// GroupSecrets name it.
func (g *Group) ResumptionPSK(epoch uint64) ([]byte, bool) {
	if g.deleted {
		return nil, false
	}
	id := g.ResumptionPSKID(epoch)
	s, ok := g.lookupPSK(&id)
	return bytes.Clone(s), ok
}

// pskIdentity encodes what names the key of a PreSharedKeyID, without its
// psk_nonce (RFC 9420, Section 8.4).
func pskIdentity(id *schedule.PreSharedKeyID) string {
	c := id.Clone()
	c.PSKNonce = nil
	return string(codec.Encode(&c))
}

// validatePSKProposal checks a PreSharedKey proposal of a regular Commit
// or one received or sent on its own (RFC 9420, Sections 8.4 and 12.1.4),
// named what in errors.
func (g *Group) validatePSKProposal(p *PreSharedKey, what string) error {
	id := &p.PSK
	if err := id.Validate(); err != nil {
		return mlserr.Wrap("R-12.2-3", mlserr.ErrInvalidProposal, err, "%s: invalid PreSharedKeyID", what)
	}
	// A regular Commit is neither a reinitialization (Section 11.2) nor a
	// branch (Section 11.3), so only usage application is allowed; the
	// first Commit of a group created by either injects its PSK.
	special := g.initPSK != nil && pskIdentity(id) == pskIdentity(&g.initPSK.ID)
	// [R-12.2-3] [R-12.1.4-1] [R-11.2-7] [R-11.2-8]
	if !special && id.PSKType == schedule.PSKTypeResumption && id.Usage == schedule.UsageReinit {
		return mlserr.New("R-12.1.4-1", mlserr.ErrInvalidProposal, "%s: a resumption PSK with usage reinit outside a reinitialization", what)
	}
	// [R-12.2-3] [R-12.1.4-2] [R-11.3-9] [R-11.3-10]
	if !special && id.PSKType == schedule.PSKTypeResumption && id.Usage == schedule.UsageBranch {
		return mlserr.New("R-12.1.4-2", mlserr.ErrInvalidProposal, "%s: a resumption PSK with usage branch outside a subgroup branching", what)
	}
	// [R-12.2-3] [R-12.1.4-3]
	if len(id.PSKNonce) != g.suite.Nh() {
		return mlserr.New("R-12.1.4-3", mlserr.ErrInvalidProposal, "%s: psk_nonce of %d bytes, not KDF.Nh = %d", what, len(id.PSKNonce), g.suite.Nh())
	}
	return nil
}

// committedPSKs resolves the PSKs of the PreSharedKey proposals of a
// validated list, in the order of the list (RFC 9420, Sections 8.4 and
// 12.4.2), and computes psk_secret over them. It returns the PSKs' IDs for
// the GroupSecrets of a Welcome, and psk_secret (all zero when there are
// none).
func (g *Group) committedPSKs(list []committedProposal) ([]schedule.PreSharedKeyID, []byte, error) {
	ids := []schedule.PreSharedKeyID{}
	var psks []schedule.PSK
	// In list order, which is also the order of the Welcome's psks.
	// [R-12.3-7] [R-12.4.1-14]
	for i, cp := range list {
		if cp.proposal.ProposalType != ProposalTypePSK {
			continue
		}
		id := &cp.proposal.PreSharedKey.PSK
		secret, ok := g.lookupPSK(id)
		// [R-12.4.2-5]
		if !ok {
			return nil, nil, mlserr.New("R-12.4.2-5", mlserr.ErrInvalidCommit, "proposal %d: this member does not hold the %v PSK it names", i, id.PSKType)
		}
		ids = append(ids, id.Clone())
		psks = append(psks, schedule.PSK{ID: id.Clone(), Secret: secret})
	}
	// [R-12.4.2-21] [R-12.4.1-8]
	pskSecret, err := schedule.PSKSecret(g.suite, psks)
	if err != nil {
		return nil, nil, err
	}
	return ids, pskSecret, nil
}

// withFreshNonce returns a copy of id with a fresh psk_nonce of KDF.Nh
// bytes drawn from rand (RFC 9420, Sections 8.4 and 12.1.4).
func (g *Group) withFreshNonce(id *schedule.PreSharedKeyID, rand io.Reader) (schedule.PreSharedKeyID, error) {
	c := id.Clone()
	// [R-8.4-2] [R-12.1.4-4]
	c.PSKNonce = make([]byte, g.suite.Nh())
	if _, err := io.ReadFull(rand, c.PSKNonce); err != nil {
		return c, mlserr.Wrap("R-8.4-2", mlserr.ErrInvalidInput, err, "cannot draw a psk_nonce")
	}
	return c, nil
}

// ProposePSK proposes to inject the PSK that id names into the key schedule
// of the next epoch (RFC 9420, Section 12.1.4), as a proposal message of this
// member to be committed by reference. A fresh psk_nonce is drawn; the
// PSK must be one this member holds.
func (g *Group) ProposePSK(id schedule.PreSharedKeyID, public bool) (*MLSMessage, error) {
	// [R-12.4.2-25] before the PSK's availability ([R-12.4.2-5]): see
	// canSend.
	if err := g.canSend(); err != nil {
		return nil, err
	}
	p, err := g.pskProposal(&id, 0)
	if err != nil {
		return nil, err
	}
	return g.propose(p, public, nil)
}

// pskProposal builds the PreSharedKey proposal for id with a fresh nonce and
// checks that this member could commit it (RFC 9420, Section 12.1.4).
func (g *Group) pskProposal(id *schedule.PreSharedKeyID, i int) (*Proposal, error) {
	withNonce, err := g.withFreshNonce(id, g.cfg.Rand)
	if err != nil {
		return nil, err
	}
	p := &PreSharedKey{PSK: withNonce}
	if err := g.validatePSKProposal(p, fmt.Sprintf("proposal %d", i)); err != nil {
		return nil, err
	}
	if _, ok := g.lookupPSK(&withNonce); !ok {
		return nil, mlserr.New("R-12.4.2-5", mlserr.ErrInvalidInput, "this member does not hold the %v PSK to propose", id.PSKType)
	}
	return &Proposal{ProposalType: ProposalTypePSK, PreSharedKey: p}, nil
}
