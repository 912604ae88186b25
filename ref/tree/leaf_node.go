package tree

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/treemath"
)

// ProtocolVersion is an MLS protocol version (RFC 9420, Sections 6 and
// 17.1).
type ProtocolVersion uint16

// MLS10 is the only version RFC 9420 defines (RFC 9420, Section 6).
const MLS10 ProtocolVersion = 1

// ProposalType identifies a kind of proposal (RFC 9420, Sections 12.1 and
// 17.4). It is declared here because Capabilities lists proposal types.
type ProposalType uint16

// LeafNodeSource says where a LeafNode was created (RFC 9420, Section 7.2).
//
//	enum {
//	    reserved(0),
//	    key_package(1),
//	    update(2),
//	    commit(3),
//	    (255)
//	} LeafNodeSource;
type LeafNodeSource uint8

// The leaf node sources of RFC 9420, Section 7.2.
const (
	SourceKeyPackage LeafNodeSource = 1
	SourceUpdate     LeafNodeSource = 2
	SourceCommit     LeafNodeSource = 3
)

func (s LeafNodeSource) String() string {
	switch s {
	case SourceKeyPackage:
		return "key_package"
	case SourceUpdate:
		return "update"
	case SourceCommit:
		return "commit"
	}
	return "unknown"
}

// Capabilities lists what a client supports (RFC 9420, Section 7.2).
//
//	struct {
//	    ProtocolVersion versions<V>;
//	    CipherSuite cipher_suites<V>;
//	    ExtensionType extensions<V>;
//	    ProposalType proposals<V>;
//	    CredentialType credentials<V>;
//	} Capabilities;
//
// Decoding keeps values it does not know (GREASE or later registrations);
// Section 13.4 requires receivers to ignore them, not reject them.
type Capabilities struct {
	Versions     []ProtocolVersion
	CipherSuites []ciphersuite.ID
	Extensions   []extension.ExtensionType
	Proposals    []ProposalType
	Credentials  []credential.CredentialType
}

func writeU16s[T ~uint16](w *codec.Writer, vs []T) {
	w.Vector(func(w *codec.Writer) {
		for _, v := range vs {
			w.U16(uint16(v))
		}
	})
}

func readU16s[T ~uint16](r *codec.Reader) []T {
	out := []T{}
	r.Vector(func(r *codec.Reader) { out = append(out, T(r.U16())) })
	return out
}

// MarshalMLS encodes the capabilities (RFC 9420, Section 7.2).
func (c *Capabilities) MarshalMLS(w *codec.Writer) {
	writeU16s(w, c.Versions)
	writeU16s(w, c.CipherSuites)
	writeU16s(w, c.Extensions)
	writeU16s(w, c.Proposals)
	writeU16s(w, c.Credentials)
}

// UnmarshalMLS decodes capabilities (RFC 9420, Section 7.2). Values
// mlsref does not know are kept, never rejected.
func (c *Capabilities) UnmarshalMLS(r *codec.Reader) {
	// [R-7.2-6]
	c.Versions = readU16s[ProtocolVersion](r)
	c.CipherSuites = readU16s[ciphersuite.ID](r)
	c.Extensions = readU16s[extension.ExtensionType](r)
	c.Proposals = readU16s[ProposalType](r)
	c.Credentials = readU16s[credential.CredentialType](r)
}

// SupportsExtension reports whether t is listed (RFC 9420, Section 7.2).
func (c *Capabilities) SupportsExtension(t extension.ExtensionType) bool {
	return contains(c.Extensions, t)
}

// SupportsProposal reports whether t is listed (RFC 9420, Section 7.2).
func (c *Capabilities) SupportsProposal(t ProposalType) bool { return contains(c.Proposals, t) }

// SupportsCredential reports whether t is listed (RFC 9420, Section 7.2).
func (c *Capabilities) SupportsCredential(t credential.CredentialType) bool {
	return contains(c.Credentials, t)
}

func contains[T comparable](vs []T, v T) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// Lifetime bounds the validity of a KeyPackage's LeafNode in seconds since
// the Unix epoch (RFC 9420, Section 7.2).
//
//	struct {
//	    uint64 not_before;
//	    uint64 not_after;
//	} Lifetime;
type Lifetime struct {
	NotBefore uint64
	NotAfter  uint64
}

// LeafNode is the content of a leaf of the ratchet tree (RFC 9420, Section
// 7.2).
//
//	struct {
//	    HPKEPublicKey encryption_key;
//	    SignaturePublicKey signature_key;
//	    Credential credential;
//	    Capabilities capabilities;
//
//	    LeafNodeSource leaf_node_source;
//	    select (LeafNode.leaf_node_source) {
//	        case key_package:
//	            Lifetime lifetime;
//	        case update:
//	            struct{};
//	        case commit:
//	            opaque parent_hash<V>;
//	    };
//
//	    Extension extensions<V>;
//	    /* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
//	    opaque signature<V>;
//	} LeafNode;
type LeafNode struct {
	EncryptionKey  []byte
	SignatureKey   []byte
	Credential     credential.Credential
	Capabilities   Capabilities
	LeafNodeSource LeafNodeSource
	Lifetime       Lifetime // key_package only
	ParentHash     []byte   // commit only
	Extensions     extension.List
	Signature      []byte
}

// marshalContent writes every field before the signature.
func (l *LeafNode) marshalContent(w *codec.Writer) {
	w.Opaque(l.EncryptionKey)
	w.Opaque(l.SignatureKey)
	l.Credential.MarshalMLS(w)
	l.Capabilities.MarshalMLS(w)
	w.U8(uint8(l.LeafNodeSource))
	switch l.LeafNodeSource {
	case SourceKeyPackage:
		w.U64(l.Lifetime.NotBefore)
		w.U64(l.Lifetime.NotAfter)
	case SourceCommit:
		w.Opaque(l.ParentHash)
	}
	l.Extensions.MarshalMLS(w)
}

// MarshalMLS encodes the leaf node (RFC 9420, Section 7.2).
func (l *LeafNode) MarshalMLS(w *codec.Writer) {
	l.marshalContent(w)
	w.Opaque(l.Signature)
}

// UnmarshalMLS decodes a leaf node (RFC 9420, Section 7.2). An unknown
// leaf_node_source is malformed, since what follows it cannot be parsed.
func (l *LeafNode) UnmarshalMLS(r *codec.Reader) {
	*l = LeafNode{}
	l.EncryptionKey = r.OpaqueCopy()
	l.SignatureKey = r.OpaqueCopy()
	l.Credential.UnmarshalMLS(r)
	l.Capabilities.UnmarshalMLS(r)
	l.LeafNodeSource = LeafNodeSource(r.U8())
	switch l.LeafNodeSource {
	case SourceKeyPackage:
		l.Lifetime.NotBefore = r.U64()
		l.Lifetime.NotAfter = r.U64()
	case SourceUpdate:
	case SourceCommit:
		l.ParentHash = r.OpaqueCopy()
	default:
		r.Failf("", "unknown leaf_node_source %d (RFC 9420, Section 7.2)", uint8(l.LeafNodeSource))
		return
	}
	l.Extensions.UnmarshalMLS(r)
	l.Signature = r.OpaqueCopy()
}

// Clone returns a deep copy of l.
func (l *LeafNode) Clone() *LeafNode {
	c := *l
	c.EncryptionKey = clone(l.EncryptionKey)
	c.SignatureKey = clone(l.SignatureKey)
	c.Credential.Identity = clone(l.Credential.Identity)
	c.Credential.Data = clone(l.Credential.Data)
	if l.Credential.Certificates != nil {
		c.Credential.Certificates = make([]credential.Certificate, len(l.Credential.Certificates))
		for i, cert := range l.Credential.Certificates {
			c.Credential.Certificates[i] = credential.Certificate{CertData: clone(cert.CertData)}
		}
	}
	c.Capabilities = Capabilities{
		Versions:     clone(l.Capabilities.Versions),
		CipherSuites: clone(l.Capabilities.CipherSuites),
		Extensions:   clone(l.Capabilities.Extensions),
		Proposals:    clone(l.Capabilities.Proposals),
		Credentials:  clone(l.Capabilities.Credentials),
	}
	c.ParentHash = clone(l.ParentHash)
	c.Extensions = l.Extensions.Clone()
	c.Signature = clone(l.Signature)
	return &c
}

// clone copies a slice, keeping nil as nil.
func clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// tbs returns LeafNodeTBS (RFC 9420, Section 7.2):
//
//	struct {
//	    ... every field of LeafNode but the signature ...
//	    select (LeafNodeTBS.leaf_node_source) {
//	        case key_package:
//	            struct{};
//	        case update:
//	            opaque group_id<V>;
//	            uint32 leaf_index;
//	        case commit:
//	            opaque group_id<V>;
//	            uint32 leaf_index;
//	    };
//	} LeafNodeTBS;
//
// groupID and leaf are ignored for a key_package leaf.
func (l *LeafNode) tbs(groupID []byte, leaf treemath.LeafIndex) []byte {
	var w codec.Writer
	// The signature covers every field, so any change to the content
	// needs a new signature.
	// [R-7.2-9]
	l.marshalContent(&w)
	if l.LeafNodeSource == SourceUpdate || l.LeafNodeSource == SourceCommit {
		w.Opaque(groupID)
		w.U32(uint32(leaf))
	}
	return w.Bytes()
}

// Sign sets the signature of l with the member's signature private key
// (RFC 9420, Section 7.2). groupID and leaf are used for update and commit
// leaves only.
func (l *LeafNode) Sign(cs *ciphersuite.Suite, sigPriv, groupID []byte, leaf treemath.LeafIndex) error {
	sig, err := cs.SignWithLabel(sigPriv, ciphersuite.LabelLeafNodeTBS, l.tbs(groupID, leaf))
	if err != nil {
		return err
	}
	l.Signature = sig
	return nil
}

// VerifySignature checks the signature of l with its own signature_key
// (RFC 9420, Section 7.3).
func (l *LeafNode) VerifySignature(cs *ciphersuite.Suite, groupID []byte, leaf treemath.LeafIndex) error {
	return cs.VerifyWithLabel(l.SignatureKey, ciphersuite.LabelLeafNodeTBS, l.tbs(groupID, leaf), l.Signature)
}
