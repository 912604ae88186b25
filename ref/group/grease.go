package group

import (
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// GREASEValues are the fifteen GREASE values 0x0A0A, 0x1A1A, ..., 0xEAEA
// that RFC 9420, Section 13.5 reserves in the cipher suite, extension type,
// proposal type and credential type registries.
var GREASEValues = func() []uint16 {
	out := make([]uint16, 0, 15)
	for hi := uint16(0x0A); hi <= 0xEA; hi += 0x10 {
		out = append(out, hi<<8|hi)
	}
	return out
}()

// greaseDraw draws up to max distinct GREASE values from rand (RFC 9420,
// Section 13.5): the count (0 to max) and the values both come from rand,
// so a seeded rand gives a reproducible selection.
func greaseDraw(rand io.Reader, max int) ([]uint16, error) {
	var b [1]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot draw GREASE values (RFC 9420, Section 13.5)")
	}
	n := int(b[0]) % (max + 1)
	var out []uint16
	used := map[uint16]bool{}
	for len(out) < n {
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return nil, mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot draw GREASE values (RFC 9420, Section 13.5)")
		}
		v := GREASEValues[int(b[0])%len(GREASEValues)]
		if !used[v] {
			used[v] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// addGREASE adds a random selection of GREASE values to the cipher suites,
// extensions, proposals and credentials of caps, and GREASE extensions
// with random data to leafExt and kpExt, each of whose types it also lists
// in caps.Extensions so that the LeafNode stays valid (RFC 9420, Sections
// 13.5 and 7.2). Values caps already holds are not repeated.
func addGREASE(caps *tree.Capabilities, leafExt, kpExt *extension.List, rand io.Reader) error {
	// [R-13.5-1] random GREASE values in the four capability lists.
	vals, err := greaseDraw(rand, 2)
	if err != nil {
		return err
	}
	for _, v := range vals {
		if !containsU16(caps.CipherSuites, ciphersuite.ID(v)) {
			caps.CipherSuites = append(caps.CipherSuites, ciphersuite.ID(v))
		}
	}
	if vals, err = greaseDraw(rand, 2); err != nil {
		return err
	}
	for _, v := range vals {
		if !containsU16(caps.Proposals, tree.ProposalType(v)) {
			caps.Proposals = append(caps.Proposals, tree.ProposalType(v))
		}
	}
	if vals, err = greaseDraw(rand, 2); err != nil {
		return err
	}
	for _, v := range vals {
		if !containsU16(caps.Credentials, credential.CredentialType(v)) {
			caps.Credentials = append(caps.Credentials, credential.CredentialType(v))
		}
	}
	if vals, err = greaseDraw(rand, 2); err != nil {
		return err
	}
	for _, v := range vals {
		listExtensionType(caps, extension.ExtensionType(v))
	}
	// [R-13.5-1] [R-13.5-2] GREASE extensions with random contents in the
	// LeafNode's and the KeyPackage's extensions.
	for _, l := range []*extension.List{leafExt, kpExt} {
		n := len(*l)
		if err := addGREASEExtensions(l, rand); err != nil {
			return err
		}
		for _, e := range (*l)[n:] {
			listExtensionType(caps, e.ExtensionType)
		}
	}
	return nil
}

// addGREASEExtensions appends a random selection of GREASE extensions
// (at most one) with random contents to l (RFC 9420, Section 13.5).
func addGREASEExtensions(l *extension.List, rand io.Reader) error {
	vals, err := greaseDraw(rand, 1)
	if err != nil {
		return err
	}
	for _, v := range vals {
		t := extension.ExtensionType(v)
		if l.Has(t) {
			continue
		}
		var b [1]byte
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot draw GREASE extension data (RFC 9420, Section 13.5)")
		}
		// [R-13.5-2]
		data := make([]byte, int(b[0])%9)
		if _, err := io.ReadFull(rand, data); err != nil {
			return mlserr.Wrap("", mlserr.ErrInvalidInput, err, "cannot draw GREASE extension data (RFC 9420, Section 13.5)")
		}
		*l = append(*l, extension.Extension{ExtensionType: t, ExtensionData: data})
	}
	return nil
}

func listExtensionType(caps *tree.Capabilities, t extension.ExtensionType) {
	if !caps.SupportsExtension(t) {
		caps.Extensions = append(caps.Extensions, t)
	}
}

func containsU16[T ~uint16](l []T, v T) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// ownCapabilities returns this client's true capabilities: those its
// LeafNode advertises without the GREASE values it added (RFC 9420,
// Section 13.5), which no client actually supports.
func ownCapabilities(c *tree.Capabilities) *tree.Capabilities {
	// [R-13.5-11] [R-13.5-12]
	out := &tree.Capabilities{
		Versions:     c.Versions,
		CipherSuites: withoutGREASE(c.CipherSuites),
		Extensions:   withoutGREASE(c.Extensions),
		Proposals:    withoutGREASE(c.Proposals),
		Credentials:  withoutGREASE(c.Credentials),
	}
	return out
}

func withoutGREASE[T ~uint16](l []T) []T {
	out := make([]T, 0, len(l))
	for _, v := range l {
		if !extension.IsGREASE(uint16(v)) {
			out = append(out, v)
		}
	}
	return out
}

// checkNoGREASEExtensions rejects GREASE extension types in a list of
// GroupContext extensions that this client is about to send, where RFC
// 9420, Section 13.5 forbids them (NewGroup, GroupContextExtensions and
// ReInit proposals), and GREASE credential types in the credentials of an
// external_senders extension among them.
func checkNoGREASEExtensions(l extension.List, id string) error {
	for _, e := range l {
		// [R-13.5-3] [R-13.5-6] [R-13.5-7]
		if extension.IsGREASE(uint16(e.ExtensionType)) {
			return mlserr.New(id, mlserr.ErrInvalidInput, "GREASE extension type %v must not be sent in GroupContext extensions", e.ExtensionType)
		}
	}
	senders, _, err := externalSendersOf(l)
	if err != nil {
		return err
	}
	for i, s := range senders {
		// [R-13.5-3] [R-13.5-5]
		if extension.IsGREASE(uint16(s.Credential.CredentialType)) {
			return mlserr.New("R-13.5-5", mlserr.ErrInvalidInput, "external sender %d: GREASE value 0x%04x must not be sent as a credential_type", i, uint16(s.Credential.CredentialType))
		}
	}
	return nil
}

// checkOwnProposal rejects a proposal this client is about to send whose
// type is a GREASE value, or a GroupContextExtensions or ReInit proposal
// holding a GREASE extension (RFC 9420, Section 13.5).
func checkOwnProposal(p *Proposal) error {
	// [R-13.5-3] [R-13.5-4] [R-13.5-8]
	if extension.IsGREASE(uint16(p.ProposalType)) {
		return mlserr.New("R-13.5-4", mlserr.ErrInvalidInput, "GREASE value 0x%04x must not be sent as a proposal_type", uint16(p.ProposalType))
	}
	switch {
	case p.ProposalType == ProposalTypeGroupContextExtensions && p.GroupContextExtensions != nil:
		// [R-13.5-7]
		return checkNoGREASEExtensions(p.GroupContextExtensions.Extensions, "R-13.5-7")
	case p.ProposalType == ProposalTypeReInit && p.ReInit != nil:
		// [R-13.5-6] the ReInit's extensions become the new group's
		// GroupContext extensions.
		return checkNoGREASEExtensions(p.ReInit.Extensions, "R-13.5-6")
	}
	return nil
}
