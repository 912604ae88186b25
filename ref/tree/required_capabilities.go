package tree

import (
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
)

// RequiredCapabilities is the body of the required_capabilities
// GroupContext extension (RFC 9420, Section 11.1): what every member of
// the group must support. It is declared here because leaf validation
// (Section 7.3) checks LeafNodes against it.
//
//	struct {
//	    ExtensionType extension_types<V>;
//	    ProposalType proposal_types<V>;
//	    CredentialType credential_types<V>;
//	} RequiredCapabilities;
type RequiredCapabilities struct {
	ExtensionTypes  []extension.ExtensionType
	ProposalTypes   []ProposalType
	CredentialTypes []credential.CredentialType
}

// MarshalMLS encodes the extension body (RFC 9420, Section 11.1).
func (rc *RequiredCapabilities) MarshalMLS(w *codec.Writer) {
	writeU16s(w, rc.ExtensionTypes)
	writeU16s(w, rc.ProposalTypes)
	writeU16s(w, rc.CredentialTypes)
}

// UnmarshalMLS decodes the extension body (RFC 9420, Section 11.1).
// Unknown values are kept: a member that does not support one will fail
// leaf validation, which is what the extension is for.
func (rc *RequiredCapabilities) UnmarshalMLS(r *codec.Reader) {
	rc.ExtensionTypes = readU16s[extension.ExtensionType](r)
	rc.ProposalTypes = readU16s[ProposalType](r)
	rc.CredentialTypes = readU16s[credential.CredentialType](r)
}

// IsDefaultProposalType reports whether t is one of the "default"
// proposal types of RFC 9420, Section 7.2 (add through
// group_context_extensions, 0x0001 to 0x0007), which every client
// implements and a LeafNode's capabilities never list.
func IsDefaultProposalType(t ProposalType) bool { return t >= 0x0001 && t <= 0x0007 }
