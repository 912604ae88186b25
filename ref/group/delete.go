package group

import (
	"github.com/mlsref/mlsref/ref/mlserr"
)

// Delete erases this member's state of the group (RFC 9420, Sections 9.2
// and 12.4.2): the epoch's secrets and secret tree, the private keys of
// its tree and signature, the secrets kept of past epochs for late
// messages and for resumption, and the pending proposals. The public
// parts (GroupContext, ratchet tree) stay readable; every other operation
// fails from then on. A member calls it once it no longer needs the group:
// after a committed ReInit, as soon as it has created or joined the new
// group (Group.ReInitGroup, Group.JoinReInit), which need the old group's
// resumption_psk; after being removed; or when it leaves the group.
func (g *Group) Delete() {
	if g.deleted {
		return
	}
	// [R-12.4.2-27] [R-9.2-1]
	if g.secrets != nil {
		g.secrets.Erase()
	}
	if g.secretTree != nil {
		g.secretTree.Erase()
	}
	if g.priv != nil {
		g.priv.Erase()
	}
	clear(g.sigPriv)
	g.sigPriv = nil
	for i := range g.past {
		clear(g.past[i].senderDataSecret)
		if g.past[i].secretTree != nil {
			g.past[i].secretTree.Erase()
		}
	}
	g.past = nil
	for _, p := range g.resumption {
		clear(p.secret)
	}
	g.resumption = nil
	for _, p := range g.pending {
		clear(p.leafPriv)
	}
	g.pending = nil
	g.deleted = true
}

// errDeleted is the error of any operation on a deleted group (RFC 9420,
// Section 12.4.2).
func errDeleted() error {
	return mlserr.New("", mlserr.ErrInvalidInput, "the group's state was deleted (RFC 9420, Section 12.4.2)")
}
