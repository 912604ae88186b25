// Package wire holds the native Go fuzz target of every decoder of mlsref:
// each struct of RFC 9420 that a member decodes from a peer (MLSMessage and
// the framing of Section 6, Welcome, GroupInfo, KeyPackage, the proposals
// and Commit of Section 12, the ratchet tree, LeafNode and UpdatePath of
// Section 7, extensions, credentials, PreSharedKeyID, GroupContext) and
// mlsref's own serialized states. See fuzz/README.md.
//
//	go test ./fuzz/wire -run '^$' -fuzz FuzzDecode -fuzztime 60s
package wire
