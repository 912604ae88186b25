// Package framing implements the message framing of RFC 9420, Section 6:
// FramedContent and its authentication (Section 6.1), PublicMessage and its
// membership tag (Section 6.2), PrivateMessage with content and sender data
// encryption (Section 6.3), and the part of MLSMessage that carries those two
// wire formats.
//
// Proposal and Commit are defined in Sections 12.1 and 12.4 and live in a
// higher layer. Here they are carried as their exact encodings; because the
// RFC does not length-prefix them inside FramedContent or
// PrivateMessageContent, decoding takes a ContentDecoder that the caller
// supplies to find where one Proposal or Commit ends.
//
// Every check of a normative statement names its requirement ID, and every
// failure is an *mlserr.Error. Unprotecting a PrivateMessage either succeeds
// and consumes one generation of the secret tree, or fails and leaves the
// secret tree exactly as it was.
package framing
