package model

import (
	"fmt"

	"github.com/mlsref/mlsref/ref/mlserr"
)

// ProposalType is the type of a proposal the model knows (RFC 9420,
// Section 12.1), with the registry's values (Section 17.4).
type ProposalType uint16

// The proposal types of RFC 9420, Section 12.1 that the model covers.
const (
	Add                    ProposalType = 1
	Update                 ProposalType = 2
	Remove                 ProposalType = 3
	ExternalInit           ProposalType = 6
	PreSharedKey           ProposalType = 4
	ReInit                 ProposalType = 5
	GroupContextExtensions ProposalType = 7
)

func (t ProposalType) String() string {
	switch t {
	case Add:
		return "add"
	case Update:
		return "update"
	case Remove:
		return "remove"
	case PreSharedKey:
		return "psk"
	case ReInit:
		return "reinit"
	case GroupContextExtensions:
		return "gce"
	case ExternalInit:
		return "external_init"
	}
	return fmt.Sprintf("proposal(%d)", uint16(t))
}

// Defect is what makes a KeyPackage invalid for a group (RFC 9420, Section
// 10.1), or NoDefect.
type Defect uint8

// The KeyPackage defects the model knows (RFC 9420, Sections 7.3 and 10.1).
const (
	NoDefect Defect = iota
	// WrongCipherSuite: the KeyPackage is for another cipher suite than
	// the group's.
	WrongCipherSuite
	// Expired: the lifetime of the KeyPackage's LeafNode has ended.
	Expired
)

func (d Defect) String() string {
	switch d {
	case NoDefect:
		return "valid"
	case WrongCipherSuite:
		return "wrong cipher suite"
	case Expired:
		return "expired"
	}
	return fmt.Sprintf("defect(%d)", uint8(d))
}

// KeyPackage is a KeyPackage as the observer knows it (RFC 9420, Section
// 10): which client published it, and what, if anything, makes it invalid.
type KeyPackage struct {
	ID     int
	Client ClientID
	Defect Defect
	// Caps are the non-default capabilities its LeafNode lists (Section
	// 7.2), GREASE values included.
	Caps Capabilities
	// Grease marks a KeyPackage carrying GREASE values in every field
	// Section 13.5 allows (capabilities and extensions): receivers ignore
	// them, so it changes nothing.
	Grease bool
}

// Proposal is a proposal as the observer knows it (RFC 9420, Section
// 12.1): its type, the leaf of its sender, the KeyPackage of an Add, the
// leaf of a Remove, the psk_id of an external PSK (Section 12.1.4), what a
// GroupContextExtensions sets (Sections 11.1, 12.1.7 and 12.1.8.1: the
// number of external senders, the required_capabilities, and the types of
// any other extensions), and whether the application refuses the body of a
// proposal of a type it defines (Section 13.2). An Update always carries a
// fresh LeafNode of the sender's own client.
type Proposal struct {
	Type ProposalType
	// Sender is the sender's leaf, or its index in external_senders for
	// an external sender (Section 12.1.8); From says which.
	Sender          uint32
	From            SenderKind
	KeyPackage      KeyPackage
	Removed         uint32
	PSK             string
	ExternalSenders int
	// Required is the required_capabilities a GroupContextExtensions
	// sets, nil for none.
	Required *Capabilities
	// GroupExtensions are the types of the other extensions a
	// GroupContextExtensions sets.
	GroupExtensions []uint16
	// AppRefuses says that the application's validation of this
	// application-defined proposal refuses it.
	AppRefuses bool
}

func (p Proposal) String() string {
	switch p.Type {
	case Add:
		return fmt.Sprintf("add(client %d by leaf %d)", p.KeyPackage.Client, p.Sender)
	case Update:
		return fmt.Sprintf("update(leaf %d)", p.Sender)
	case Remove:
		return fmt.Sprintf("remove(leaf %d by leaf %d)", p.Removed, p.Sender)
	case PreSharedKey:
		return fmt.Sprintf("psk(%q by leaf %d)", p.PSK, p.Sender)
	case GroupContextExtensions:
		return fmt.Sprintf("gce(%d external senders by leaf %d)", p.ExternalSenders, p.Sender)
	case ReInit:
		return fmt.Sprintf("reinit(by leaf %d)", p.Sender)
	}
	if custom(p.Type) {
		return fmt.Sprintf("%v(by leaf %d, refused %v)", p.Type, p.Sender, p.AppRefuses)
	}
	return p.Type.String()
}

// SenderKind is the kind of sender of a proposal (RFC 9420, Sections 6
// and 12.1.8): a member, an external sender, or a new member proposing its
// own Add.
type SenderKind uint8

// The sender kinds of RFC 9420, Section 6.
const (
	FromMember SenderKind = iota
	FromExternal
	FromNewMember
)

// ExternalAllowed reports whether an external sender may send a proposal
// of type t (RFC 9420, Sections 12.1.8 and 17.4).
func ExternalAllowed(t ProposalType) bool {
	switch t {
	case Add, Remove, PreSharedKey, ReInit, GroupContextExtensions:
		return true
	}
	return false
}

// Ref identifies a proposal sent by reference (RFC 9420, Sections 5.2 and
// 12.4): the model's stand-in for a ProposalRef. The zero Ref means a
// proposal carried by value.
type Ref int

// Entry is one ProposalOrRef of a Commit (RFC 9420, Section 12.4): the
// proposal, and its Ref when it is committed by reference.
type Entry struct {
	Ref      Ref
	Proposal Proposal
}

// Commit is a Commit as the observer knows it (RFC 9420, Section 12.4):
// the epoch and group it was sent in, the committer's leaf and client, the
// proposals it covers in list order, and whether it carries a path.
type Commit struct {
	Group     string
	Epoch     uint64
	Committer uint32
	Client    ClientID
	Entries   []Entry
	Path      bool
	// External marks an external Commit (Section 12.4.3.2): Committer is
	// the joiner's new leaf.
	External bool
	// serial distinguishes Commits created in the same epoch.
	serial int
}

func (c *Commit) String() string {
	s := fmt.Sprintf("commit(epoch %d, leaf %d, path %v:", c.Epoch, c.Committer, c.Path)
	for _, e := range c.Entries {
		if e.Ref != 0 {
			s += fmt.Sprintf(" ref#%d=", e.Ref)
		} else {
			s += " "
		}
		s += e.Proposal.String()
	}
	return s + ")"
}

// PathRequired reports whether a Commit covering entries must carry a path
// (RFC 9420, Sections 12.4 and 17.4): when it covers no proposal, or an
// Update, a Remove or a GroupContextExtensions, or, in mlsref's
// conservative reading of the registry for types an application defines
// (Section 13.1), a proposal of such a type.
func PathRequired(entries []Entry) bool {
	if len(entries) == 0 {
		return true
	}
	for _, e := range entries {
		if t := e.Proposal.Type; t == Update || t == Remove || t == GroupContextExtensions || custom(t) {
			return true
		}
	}
	return false
}

// ValidateList judges the proposal list of a regular Commit by the member
// at leaf committer against the tree of the epoch it is sent in (RFC 9420,
// Section 12.2, and Section 10.1 for the KeyPackage of an Add). Both the
// committer and every receiver apply it.
func ValidateList(t *Tree, committer uint32, entries []Entry) Verdict {
	var v Verdict
	touched := map[uint32]bool{}
	removed := map[uint32]bool{}
	added := map[ClientID]bool{}
	psks := map[string]bool{}
	gce := 0
	var adds []ClientID
	for i, e := range entries {
		p := e.Proposal
		switch p.Type {
		case Add:
			switch p.KeyPackage.Defect {
			case WrongCipherSuite:
				v.add("R-10.1-3", mlserr.ErrInvalidKeyPackage, "10.1", fmt.Sprintf("proposal %d: the KeyPackage is for another cipher suite", i))
			case Expired:
				v.add("R-10.1-4", mlserr.ErrInvalidKeyPackage, "10.1", fmt.Sprintf("proposal %d: the KeyPackage's lifetime has ended", i))
			}
			if added[p.KeyPackage.Client] {
				v.add("R-12.2-8", mlserr.ErrInvalidProposal, "12.2", fmt.Sprintf("proposal %d: a second Add of client %d", i, p.KeyPackage.Client))
			}
			added[p.KeyPackage.Client] = true
			adds = append(adds, p.KeyPackage.Client)
		case Update:
			if p.Sender == committer {
				v.add("R-12.2-4", mlserr.ErrInvalidProposal, "12.2", fmt.Sprintf("proposal %d: an Update of the committer", i))
			}
			if touched[p.Sender] {
				v.add("R-12.2-6", mlserr.ErrInvalidProposal, "12.2", fmt.Sprintf("proposal %d: a second Update or Remove of leaf %d", i, p.Sender))
			}
			touched[p.Sender] = true
		case Remove:
			if _, ok := t.Leaf(p.Removed); !ok {
				v.add("R-12.2-3", mlserr.ErrInvalidProposal, "12.1.3", fmt.Sprintf("proposal %d: a Remove of leaf %d, which is blank or outside the tree", i, p.Removed))
			}
			if p.Removed == committer {
				v.add("R-12.2-5", mlserr.ErrInvalidProposal, "12.2", fmt.Sprintf("proposal %d: a Remove of the committer", i))
			}
			if touched[p.Removed] {
				v.add("R-12.2-6", mlserr.ErrInvalidProposal, "12.2", fmt.Sprintf("proposal %d: a second Update or Remove of leaf %d", i, p.Removed))
			}
			touched[p.Removed] = true
			removed[p.Removed] = true
		case PreSharedKey:
			// The psk_nonce is fresh for every proposal: the PSK's name
			// is what must not repeat.
			if psks[p.PSK] {
				v.add("R-12.2-10", mlserr.ErrInvalidProposal, "12.2", fmt.Sprintf("proposal %d: a second PreSharedKey for %q", i, p.PSK))
			}
			psks[p.PSK] = true
		case GroupContextExtensions:
			gce++
			if gce > 1 {
				v.add("R-12.2-11", mlserr.ErrInvalidProposal, "12.2", fmt.Sprintf("proposal %d: a second GroupContextExtensions", i))
			}
		case ReInit:
			if len(entries) > 1 {
				v.add("R-12.2-12", mlserr.ErrInvalidProposal, "12.2", fmt.Sprintf("proposal %d: a ReInit with %d other proposals", i, len(entries)-1))
			}
		default:
			// An application-defined type: ValidateExtensibility judges
			// it (Sections 12.2 and 13.2).
			if !custom(p.Type) || IsGREASE(uint16(p.Type)) {
				v.add("", mlserr.ErrUnsupported, "12.1", fmt.Sprintf("proposal %d: a %v proposal, which no client supports", i, p.Type))
			}
		}
	}
	for _, c := range adds {
		if l, ok := t.LeafOf(c); ok && !removed[l] {
			v.add("R-12.2-9", mlserr.ErrInvalidProposal, "12.2", fmt.Sprintf("an Add of client %d, already a member at leaf %d", c, l))
		}
	}
	return v
}

// Applied is what applying a proposal list did (RFC 9420, Section 12.3):
// the leaves of the added clients in the order of the Adds, and the
// removed clients.
type Applied struct {
	Added   []Member
	Removed []Member
}

// ApplyList applies a valid proposal list to t in the order of RFC 9420,
// Section 12.3: Updates, then Removes, then Adds in list order.
func ApplyList(t *Tree, entries []Entry) Applied {
	var out Applied
	for _, e := range entries {
		if e.Proposal.Type == Update {
			t.Update(e.Proposal.Sender)
		}
	}
	for _, e := range entries {
		if e.Proposal.Type == Remove {
			c, _ := t.Leaf(e.Proposal.Removed)
			out.Removed = append(out.Removed, Member{Leaf: e.Proposal.Removed, Client: c})
			t.Remove(e.Proposal.Removed)
		}
	}
	for _, e := range entries {
		if e.Proposal.Type == Add {
			c := e.Proposal.KeyPackage.Client
			out.Added = append(out.Added, Member{Leaf: t.Add(c), Client: c})
		}
	}
	return out
}
