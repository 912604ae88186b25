package group

import (
	"bytes"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// DefaultMaxPastEpochs is how many past epochs a group keeps for late
// application messages when Config.MaxPastEpochs is zero (RFC 9420,
// Sections 9.2 and 15.3).
const DefaultMaxPastEpochs = 3

// maxPastEpochs is the number of past epochs kept (RFC 9420, Section 15.3).
func (c *Config) maxPastEpochs() uint64 {
	switch {
	case c.MaxPastEpochs == 0:
		return DefaultMaxPastEpochs
	case c.MaxPastEpochs < 0:
		return 0
	}
	return uint64(c.MaxPastEpochs)
}

// pastEpoch is what a member keeps of an epoch it has left, to decrypt
// application messages that arrive late (RFC 9420, Sections 9.2 and 15.3):
// the epoch's GroupContext (over which senders sign), its
// sender_data_secret, its secret tree with the generations already
// consumed, and the signature keys of its members. Nothing else of the
// epoch is kept: handshake messages of a past epoch are refused (Sections
// 12.1 and 12.4.2).
type pastEpoch struct {
	ctx              *schedule.GroupContext
	senderDataSecret []byte
	secretTree       *schedule.SecretTree
	// signatureKeys holds each leaf's signature_key, nil for a blank
	// leaf. The slices are shared, never modified in place.
	signatureKeys [][]byte
}

func (p *pastEpoch) clone() pastEpoch {
	return pastEpoch{ctx: p.ctx.Clone(), senderDataSecret: bytes.Clone(p.senderDataSecret), secretTree: p.secretTree.Clone(), signatureKeys: p.signatureKeys}
}

// erase deletes the epoch's secrets (RFC 9420, Section 9.2).
func (p *pastEpoch) erase() {
	clear(p.senderDataSecret)
	p.secretTree.Erase()
}

func (p *pastEpoch) lookup(i uint32) ([]byte, bool) {
	if i < uint32(len(p.signatureKeys)) && p.signatureKeys[i] != nil {
		return p.signatureKeys[i], true
	}
	return nil, false
}

// retainEpoch returns g's past epochs followed by the epoch that ctx, t,
// senderDataSecret and st describe, which is ending, without those that
// are now more than Config.MaxPastEpochs behind the next epoch; their
// secrets are erased (RFC 9420, Sections 9.2 and 15.3). It takes ownership
// of st and of g's past epochs, which must be g's own copies.
func (g *Group) retainEpoch(ctx *schedule.GroupContext, t *tree.RatchetTree, senderDataSecret []byte, st *schedule.SecretTree) []pastEpoch {
	limit := g.cfg.maxPastEpochs()
	next := ctx.Epoch + 1
	all := append(append([]pastEpoch(nil), g.past...), pastEpoch{ctx: ctx.Clone(), senderDataSecret: bytes.Clone(senderDataSecret), secretTree: st, signatureKeys: signatureKeys(t)})
	var out []pastEpoch
	for i := range all {
		// [R-15.3-1] [R-9.2-2] keep a bounded number of past epochs.
		if next-all[i].ctx.Epoch > limit {
			all[i].erase()
			continue
		}
		out = append(out, all[i])
	}
	return out
}

func signatureKeys(t *tree.RatchetTree) [][]byte {
	keys := make([][]byte, t.NumLeaves())
	for i := range keys {
		if l := t.Leaf(treemath.LeafIndex(i)); l != nil {
			keys[i] = l.SignatureKey
		}
	}
	return keys
}

// findPast returns the index in g.past of epoch, or -1.
func (g *Group) findPast(epoch uint64) int {
	for i := range g.past {
		if g.past[i].ctx.Epoch == epoch {
			return i
		}
	}
	return -1
}

// processPastApplication decrypts an application message of a past epoch
// with what g kept of that epoch (RFC 9420, Sections 9.2 and 15.3). On
// success the generation is consumed in g's copy of that epoch's secret
// tree; on error g is unchanged.
func (g *Group) processPastApplication(pm *framing.PrivateMessage) (*Received, error) {
	k := g.findPast(pm.Epoch)
	// [R-15.3-1]
	if k < 0 {
		return nil, mlserr.New("R-15.3-1", mlserr.ErrEpoch, "an application message of epoch %d, while the group is in epoch %d and keeps the keys of at most %d past epochs", pm.Epoch, g.ctx.Epoch, g.cfg.maxPastEpochs())
	}
	pe := &g.past[k]
	st := pe.secretTree.Clone()
	ac, err := framing.UnprotectPrivate(g.suite, pm, st, pe.senderDataSecret, pe.ctx, pe.lookup, ContentDecoder{})
	if err != nil {
		return nil, err
	}
	if ac.Content.Sender.LeafIndex == uint32(g.priv.Leaf()) {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "an application message of this member's own (RFC 9420, Section 15)")
	}
	pe.secretTree = st
	return &Received{ContentType: framing.ContentTypeApplication, Sender: ac.Content.Sender, Epoch: pm.Epoch,
		AuthenticatedData: bytes.Clone(ac.Content.AuthenticatedData), ApplicationData: bytes.Clone(ac.Content.ApplicationData)}, nil
}

// marshalPast writes g's past epochs for MarshalBinary:
//
//	struct { uint32 leaf; opaque signature_key<V>; } LeafSignatureKey;
//	struct {
//	    GroupContext context;
//	    opaque sender_data_secret<V>;
//	    opaque secret_tree<V>;             /* schedule.SecretTree.MarshalBinary */
//	    LeafSignatureKey signature_keys<V>; /* non-blank leaves, increasing */
//	} PastEpoch;
//	PastEpoch past_epochs<V>;              /* oldest first */
func (g *Group) marshalPast(w *codec.Writer) error {
	trees := make([][]byte, len(g.past))
	for i := range g.past {
		b, err := g.past[i].secretTree.MarshalBinary()
		if err != nil {
			return err
		}
		trees[i] = b
	}
	w.Vector(func(w *codec.Writer) {
		for i := range g.past {
			p := &g.past[i]
			p.ctx.MarshalMLS(w)
			w.Opaque(p.senderDataSecret)
			w.Opaque(trees[i])
			clear(trees[i])
			w.Vector(func(w *codec.Writer) {
				for leaf, k := range p.signatureKeys {
					if k != nil {
						w.U32(uint32(leaf))
						w.Opaque(k)
					}
				}
			})
		}
	})
	return nil
}

// unmarshalPast reads what marshalPast wrote; checkPast checks it.
func (g *Group) unmarshalPast(r *codec.Reader) [][]byte {
	var trees [][]byte
	r.Vector(func(r *codec.Reader) {
		var p pastEpoch
		p.ctx = new(schedule.GroupContext)
		p.ctx.UnmarshalMLS(r)
		p.senderDataSecret = r.OpaqueCopy()
		trees = append(trees, r.OpaqueCopy())
		prev := int64(-1)
		r.Vector(func(r *codec.Reader) {
			leaf := r.U32()
			k := r.OpaqueCopy()
			switch {
			case r.Err() != nil:
			case int64(leaf) <= prev || leaf >= tree.MaxLeaves:
				r.Failf("", "group state: past epoch signature key of leaf %d out of order or beyond the limit", leaf)
			case len(k) == 0:
				r.Failf("", "group state: empty past epoch signature key of leaf %d", leaf)
			default:
				for uint32(len(p.signatureKeys)) < leaf {
					p.signatureKeys = append(p.signatureKeys, nil)
				}
				p.signatureKeys = append(p.signatureKeys, k)
			}
			prev = int64(leaf)
		})
		g.past = append(g.past, p)
	})
	return trees
}

// checkPast rebuilds the secret trees of g's past epochs from their
// encodings and checks each epoch against g: the same group and suite, an
// epoch below the current one, in increasing order, a sender_data_secret
// of KDF.Nh octets, and signature keys only for leaves of the epoch's
// tree width (RFC 9420, Sections 8, 9 and 15.3).
func (g *Group) checkPast(suite *ciphersuite.Suite, trees [][]byte) error {
	for i := range g.past {
		p := &g.past[i]
		if !bytes.Equal(p.ctx.GroupID, g.ctx.GroupID) || p.ctx.CipherSuite != g.ctx.CipherSuite || p.ctx.Epoch >= g.ctx.Epoch || (i > 0 && p.ctx.Epoch <= g.past[i-1].ctx.Epoch) {
			return badState("past epoch %d (epoch %d) is not an earlier epoch of this group, in increasing order (RFC 9420, Section 15.3)", i, p.ctx.Epoch)
		}
		if len(p.senderDataSecret) != suite.Nh() {
			return badState("past epoch %d: sender_data_secret of %d octets, not %d (RFC 9420, Section 6.3.2)", p.ctx.Epoch, len(p.senderDataSecret), suite.Nh())
		}
		st, err := schedule.UnmarshalSecretTree(trees[i])
		if err != nil {
			return err
		}
		p.secretTree = st
		if st.Suite().ID() != suite.ID() || uint32(len(p.signatureKeys)) > st.NLeaves() {
			return badState("past epoch %d: the secret tree is of another suite, or narrower than the leaves with signature keys (RFC 9420, Section 9)", p.ctx.Epoch)
		}
		if n := st.NLeaves(); uint32(len(p.signatureKeys)) < n {
			p.signatureKeys = append(p.signatureKeys, make([][]byte, n-uint32(len(p.signatureKeys)))...)
		}
	}
	return nil
}
