package model

import (
	"fmt"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// Branch records that client creator, a member of g, branches a subgroup
// of g named id (RFC 9420, Section 11.3): a new group, created from the
// creator's fresh KeyPackage ckp, whose first Commit adds the owners of
// kps and injects the resumption PSK of the creator's epoch with usage
// branch. Each KeyPackage must be of g's cipher suite (R-11.3-6) and its
// LeafNode must match a member of g in that epoch (R-11.3-8), unless lax
// says the creator's Authentication Service accepts any credential as
// matching (an application choice that lets a stranger in, for the
// joiners to refuse). On acceptance the subgroup is in epoch 1 with the
// creator's view; the others join with JoinBranch.
func (w *World) Branch(g *Group, creator ClientID, id string, ckp KeyPackage, kps []KeyPackage, lax bool) (*Group, Verdict) {
	view, v := g.actor(creator)
	if !v.Accept() {
		return nil, v
	}
	t := g.epochs[view.Epoch].Tree
	for i, kp := range append([]KeyPackage{ckp}, kps...) {
		if kp.Defect == WrongCipherSuite {
			v.add("R-11.3-6", mlserr.ErrInvalidInput, "11.3", fmt.Sprintf("KeyPackage %d is of another cipher suite", i))
		}
		if _, ok := t.LeafOf(kp.Client); !ok && !lax {
			v.add("R-11.3-8", mlserr.ErrInvalidInput, "11.3", fmt.Sprintf("KeyPackage %d is of client %d, not a member", i, kp.Client))
		}
	}
	if !v.Accept() {
		return nil, v
	}
	sub, cv := w.CreateGroup(id, creator, ckp)
	if !cv.Accept() {
		return nil, cv
	}
	sub.branchOf, sub.branchEpoch = g, view.Epoch
	m, cv := sub.CreateCommit(creator, CommitOptions{Adds: kps})
	if !cv.Accept() {
		delete(w.groups, id)
		return nil, cv
	}
	if _, err := sub.Merge(m); err != nil {
		panic(err) // a fresh group's own Commit always merges
	}
	return sub, v
}

// BranchOf returns the group sub was branched from and the epoch of the
// branch PSK, or nil (RFC 9420, Section 11.3).
func (sub *Group) BranchOf() (*Group, uint64) { return sub.branchOf, sub.branchEpoch }

// JoinBranch judges whether client c, a member of g, joins the subgroup
// sub branched from g, from its Welcome, as the owner of kp (RFC 9420,
// Section 11.3): c must be in the epoch whose resumption PSK the Welcome
// names (R-11.3-5: a member behind does not hold it, one ahead can no
// longer compare the subgroup's leaves with that epoch's), and every leaf
// of the subgroup must match a member of g in that epoch (R-11.3-8). When
// it joins, c gets a view of sub in epoch 1.
func (g *Group) JoinBranch(sub *Group, c ClientID, kp KeyPackage) Verdict {
	view, v := g.actor(c)
	if !v.Accept() {
		return v
	}
	switch {
	case sub.branchOf != g:
		v.add("R-11.3-5", mlserr.ErrInvalidWelcome, "11.3", "the subgroup is not branched from this group")
	case view.Epoch != sub.branchEpoch:
		v.add("R-11.3-5", mlserr.ErrInvalidWelcome, "11.3", fmt.Sprintf("the branch PSK is of epoch %d, this member is in epoch %d", sub.branchEpoch, view.Epoch))
	default:
		t := g.epochs[view.Epoch].Tree
		for _, mem := range sub.Tree().Roster() {
			if _, ok := t.LeafOf(mem.Client); !ok {
				v.add("R-11.3-8", mlserr.ErrInvalidWelcome, "11.3", fmt.Sprintf("the subgroup's leaf %d matches no member", mem.Leaf))
				break
			}
		}
	}
	if !v.Accept() {
		return v
	}
	return sub.Join(c, kp, 1, TreeSource{InWelcome: true})
}

// JoinRegular judges whether client c joins sub from its Welcome as from
// any Welcome, not as a member of the group sub branches (RFC 9420,
// Section 11.3): a Welcome naming a branch PSK is refused then, since
// that PSK is for subgroup branching only (R-11.3-9) and c cannot check
// the subgroup (R-11.3-5), or, when its application does not hand over the
// resumption PSK, because c does not hold it (Section 12.4.3.1).
func (sub *Group) JoinRegular(c ClientID, kp KeyPackage) Verdict {
	var v Verdict
	if sub.branchOf != nil {
		v.add("R-11.3-5", mlserr.ErrInvalidWelcome, "11.3", "a Welcome naming a branch PSK, processed as a regular one")
		// Unless the application hands the branch PSK over, the joiner
		// does not even hold it.
		v.add("", mlserr.ErrInvalidWelcome, "12.4.3.1", "the Welcome names a PSK the joiner does not hold")
		return v
	}
	return sub.Join(c, kp, 1, TreeSource{InWelcome: true})
}
