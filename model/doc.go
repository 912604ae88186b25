// Package model is an abstract, crypto-free model of MLS groups (RFC 9420)
// as an all-seeing observer knows them: the clients of a population and
// their KeyPackages, the groups they form, each group's canonical history of
// epochs with the ratchet tree's shape in each (which leaf holds which
// client, which parent nodes are blank, which leaves are unmerged), the
// proposals sent in each epoch, and every member's own view: the epoch it is
// in, its leaf, the proposals it has received, and the secret-tree
// generations it has consumed.
//
// For every operation a client can perform or a message it can receive,
// the model says what RFC 9420 requires: acceptance, with the resulting
// roster, tree shape and epoch, or rejection, with the rules the operation
// breaks (a Verdict). Property tests (package proptest) drive real clients
// of ref/group and this model side by side and require them to agree.
//
// The model knows no keys, hashes or signatures. Where the RFC leaves a
// choice to the application (how many skipped keys a receiver keeps, how
// many past epochs it keeps, which pending proposals a committer includes)
// the model takes the choice as a parameter or documents the policy of
// mlsref it mirrors.
//
// Beyond the tree, the model knows what extensibility needs (Sections 11.1,
// 12.1.7, 13.2 and 13.5): the non-default capabilities each member's
// LeafNode lists (GREASE values listed but never supported), the
// application-defined proposal types each client's application registered,
// and the GroupContext's required_capabilities; and which group a subgroup
// was branched from, in which epoch (Section 11.3).
//
// Transitions follow RFC 9420, Sections 4.1, 7.5, 7.7, 9.2, 12.1 to 12.4,
// 14 and 15.3, and Appendix C for the tree arithmetic, which the model
// implements on its own rather than borrowing from ref/treemath.
package model
