// Package group holds the messages of RFC 9420, Sections 10 to 12 and the
// state transitions built on them: KeyPackage (Section 10), the proposals
// (Section 12.1), Commit (Section 12.4), GroupInfo, GroupSecrets and
// Welcome (Section 12.4.3), and MLSMessage with all five wire formats
// (Section 6).
//
// Every wire struct has MarshalMLS and UnmarshalMLS. Decoding is strict:
// whatever decodes re-encodes to the same bytes, and an enum value that
// selects what follows it (proposal_type, ProposalOrRefType, wire_format)
// must be known. Proposals of unknown types cannot be decoded at all: the
// RFC does not length-prefix a Proposal's body, so a decoder cannot skip one
// it does not understand; they are rejected as mlserr.ErrUnsupported.
//
// ContentDecoder plugs these decoders into ref/framing, which needs to know
// where a Proposal or a Commit ends inside a FramedContent.
//
// OpenWelcome performs the cryptographic half of joining via a Welcome
// (Section 12.4.3.1): finding and decrypting the GroupSecrets, deriving the
// welcome key and nonce, decrypting the GroupInfo and verifying its
// signature. Validating the ratchet tree and building the group state are
// left to the join that uses it.
package group
