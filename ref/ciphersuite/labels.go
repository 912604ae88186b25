package ciphersuite

// The labels of RFC 9420, in one place. Labels passed to ExpandWithLabel,
// DeriveSecret, DeriveTreeSecret, SignWithLabel and EncryptWithLabel are
// written WITHOUT the "MLS 1.0 " prefix, which those functions add. The
// labels of RefHash and of the HPKE exporter are complete strings used as
// they are, so they carry the prefix themselves.
const (
	// LabelJoiner derives joiner_secret from the extracted commit secret
	// with ExpandWithLabel over the GroupContext (RFC 9420, Section 8).
	LabelJoiner = "joiner"
	// LabelWelcome derives welcome_secret from the PSK-extracted joiner
	// secret with DeriveSecret (RFC 9420, Section 8).
	LabelWelcome = "welcome"
	// LabelEpoch derives epoch_secret with ExpandWithLabel over the
	// GroupContext (RFC 9420, Section 8).
	LabelEpoch = "epoch"
	// LabelInit derives the next epoch's init_secret from epoch_secret with
	// DeriveSecret (RFC 9420, Section 8).
	LabelInit = "init"
	// LabelSenderData derives sender_data_secret from epoch_secret (RFC
	// 9420, Section 8, Table 4).
	LabelSenderData = "sender data"
	// LabelEncryption derives encryption_secret, the root of the secret
	// tree, from epoch_secret (RFC 9420, Section 8, Table 4).
	LabelEncryption = "encryption"
	// LabelExporter derives exporter_secret from epoch_secret (RFC 9420,
	// Section 8, Table 4).
	LabelExporter = "exporter"
	// LabelExternal derives external_secret, the seed of the group's
	// external key pair, from epoch_secret (RFC 9420, Section 8, Table 4).
	LabelExternal = "external"
	// LabelConfirm derives confirmation_key from epoch_secret (RFC 9420,
	// Section 8, Table 4).
	LabelConfirm = "confirm"
	// LabelMembership derives membership_key from epoch_secret (RFC 9420,
	// Section 8, Table 4).
	LabelMembership = "membership"
	// LabelResumption derives resumption_psk from epoch_secret (RFC 9420,
	// Sections 8 and 8.6).
	LabelResumption = "resumption"
	// LabelAuthentication derives epoch_authenticator from epoch_secret
	// (RFC 9420, Sections 8 and 8.7).
	LabelAuthentication = "authentication"
	// LabelDerivedPSK turns each extracted PSK into psk_input with
	// ExpandWithLabel over the PSKLabel (RFC 9420, Section 8.4).
	LabelDerivedPSK = "derived psk"
	// LabelExported is the ExpandWithLabel label of MLS-Exporter, applied
	// to DeriveSecret(exporter_secret, Label) with context Hash(Context)
	// (RFC 9420, Section 8.5).
	LabelExported = "exported"
	// LabelExternalInitSecret is the HPKE exporter context from which an
	// external joiner and the group derive init_secret (RFC 9420, Section
	// 8.3). It is complete: HPKEExportSender and HPKEExportReceiver use it
	// as it is.
	LabelExternalInitSecret = "MLS 1.0 external init secret"

	// LabelPath derives the next path secret up the direct path with
	// DeriveSecret (RFC 9420, Section 7.4).
	LabelPath = "path"
	// LabelNode derives a node secret, the DeriveKeyPair seed of a node's
	// HPKE key pair, from its path secret (RFC 9420, Section 7.4).
	LabelNode = "node"

	// LabelTree derives the secrets of a secret-tree node's children with
	// ExpandWithLabel and the context TreeContextLeft or TreeContextRight
	// (RFC 9420, Section 9).
	LabelTree = "tree"
	// TreeContextLeft is the ExpandWithLabel context (not a label) that
	// derives a left child in the secret tree (RFC 9420, Section 9).
	TreeContextLeft = "left"
	// TreeContextRight is the ExpandWithLabel context (not a label) that
	// derives a right child in the secret tree (RFC 9420, Section 9).
	TreeContextRight = "right"
	// LabelHandshake starts a leaf's handshake ratchet (RFC 9420, Section
	// 9).
	LabelHandshake = "handshake"
	// LabelApplication starts a leaf's application ratchet (RFC 9420,
	// Section 9).
	LabelApplication = "application"
	// LabelKey derives AEAD keys: ratchet keys with DeriveTreeSecret (RFC
	// 9420, Section 9.1), sender_data_key (Section 6.3.2) and welcome_key
	// (Section 12.4.3.1).
	LabelKey = "key"
	// LabelNonce derives AEAD nonces: ratchet nonces with DeriveTreeSecret
	// (RFC 9420, Section 9.1), sender_data_nonce (Section 6.3.2) and
	// welcome_nonce (Section 12.4.3.1).
	LabelNonce = "nonce"
	// LabelSecret advances a ratchet to the next generation with
	// DeriveTreeSecret (RFC 9420, Section 9.1).
	LabelSecret = "secret"

	// LabelFramedContentTBS signs FramedContentTBS (RFC 9420, Section 6.1).
	LabelFramedContentTBS = "FramedContentTBS"
	// LabelLeafNodeTBS signs LeafNodeTBS (RFC 9420, Section 7.2).
	LabelLeafNodeTBS = "LeafNodeTBS"
	// LabelKeyPackageTBS signs KeyPackageTBS (RFC 9420, Section 10).
	LabelKeyPackageTBS = "KeyPackageTBS"
	// LabelGroupInfoTBS signs GroupInfoTBS (RFC 9420, Section 12.4.3).
	LabelGroupInfoTBS = "GroupInfoTBS"

	// LabelUpdatePathNode encrypts path secrets to the resolution of a copath
	// node in an UpdatePath (RFC 9420, Section 7.6).
	LabelUpdatePathNode = "UpdatePathNode"
	// LabelWelcomeEncryption encrypts GroupSecrets to a new member's
	// init_key in a Welcome (RFC 9420, Section 12.4.3.1).
	LabelWelcomeEncryption = "Welcome"

	// LabelKeyPackageReference is the complete RefHash label of a
	// KeyPackageRef (RFC 9420, Section 5.2).
	LabelKeyPackageReference = "MLS 1.0 KeyPackage Reference"
	// LabelProposalReference is the complete RefHash label of a
	// ProposalRef (RFC 9420, Section 5.2).
	LabelProposalReference = "MLS 1.0 Proposal Reference"
)
