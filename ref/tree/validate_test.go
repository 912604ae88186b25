package tree

import (
	"errors"
	"testing"
	"time"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// acceptAll is an Authentication Service that accepts every credential.
type acceptAll struct{}

func (acceptAll) Validate(*credential.Credential, []byte) error             { return nil }
func (acceptAll) ValidateSuccessor(prev, next *credential.Credential) error { return nil }

// rejectAll is an Authentication Service that accepts none.
type rejectAll struct{}

var errRejected = errors.New("rejected by the test AS")

func (rejectAll) Validate(*credential.Credential, []byte) error             { return errRejected }
func (rejectAll) ValidateSuccessor(prev, next *credential.Credential) error { return errRejected }

const otherCredential credential.CredentialType = 0xf000

// TestValidateLeafNode has one case per check of RFC 9420, Section 7.3
// (and the rules of Sections 7.2, 12.4.2 and 13.4 that leaf validation
// applies), each breaking exactly that rule in an otherwise valid
// LeafNode, in a group of four members.
func TestValidateLeafNode(t *testing.T) {
	type kind int
	const (
		keyPackage kind = iota // a new member's KeyPackage leaf, for leaf 4
		update                 // an Update from leaf 1
		commit                 // an UpdatePath leaf from leaf 1
	)
	cases := []struct {
		name   string
		kind   kind
		mutate func(g *testGroup, ln *LeafNode) // before signing
		signer treemath.LeafIndex               // whose key signs (default 1 for update and commit, the new member for a key package)
		after  func(ln *LeafNode)               // after signing
		ctx    func(g *testGroup, ctx *LeafValidationContext)
		req    string
		class  error
	}{
		{name: "valid key package", kind: keyPackage},
		{name: "valid update", kind: update},
		{name: "valid commit", kind: commit},
		{name: "credential rejected by the AS", ctx: func(_ *testGroup, c *LeafValidationContext) { c.Credentials = rejectAll{} },
			req: "R-7.3-4", class: mlserr.ErrInvalidCredential},
		{name: "credential of an unknown type, default AS", kind: keyPackage, mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Credential = credential.Credential{CredentialType: otherCredential, Data: []byte("x")}
			ln.Capabilities.Credentials = append(ln.Capabilities.Credentials, otherCredential)
		}, req: "R-7.3-4", class: mlserr.ErrInvalidCredential},
		{name: "update changes the basic identity", kind: update, mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Credential = credential.NewBasic([]byte("someone else"))
		}, req: "R-7.3-4", class: mlserr.ErrInvalidCredential},
		{name: "signature altered", after: func(ln *LeafNode) { ln.Signature[0] ^= 1 }, req: "R-7.3-5", class: mlserr.ErrInvalidSignature},
		{name: "update signed for another leaf index", kind: update, ctx: func(_ *testGroup, c *LeafValidationContext) { c.LeafIndex = 2; c.Replaced = c.Tree.Leaf(1) },
			req: "R-7.3-5", class: mlserr.ErrInvalidSignature},
		{name: "update signed for another group", kind: update, ctx: func(_ *testGroup, c *LeafValidationContext) { c.GroupID = []byte("other group") },
			req: "R-7.3-5", class: mlserr.ErrInvalidSignature},
		{name: "protocol version not listed", mutate: func(_ *testGroup, ln *LeafNode) { ln.Capabilities.Versions = []ProtocolVersion{0x0a0a} },
			req: "R-7.3-6", class: mlserr.ErrInvalidTree},
		{name: "cipher suite not listed", mutate: func(_ *testGroup, ln *LeafNode) { ln.Capabilities.CipherSuites = []ciphersuite.ID{2} },
			req: "R-7.3-6", class: mlserr.ErrInvalidTree},
		{name: "GroupContext extension not supported", ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.Extensions = []extension.ExtensionType{extension.ExternalSenders, 0xff00}
		}, req: "R-13.4-7", class: mlserr.ErrInvalidTree},
		{name: "GroupContext extensions supported", mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Capabilities.Extensions = []extension.ExtensionType{0xff00}
		}, ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.Extensions = []extension.ExtensionType{extension.ExternalSenders, 0xff00}
		}},
		{name: "required extension not listed", ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.RequiredCapabilities = &RequiredCapabilities{ExtensionTypes: []extension.ExtensionType{extension.RatchetTree, 0xff01}}
		}, req: "R-7.3-7", class: mlserr.ErrInvalidTree},
		{name: "required proposal not listed", ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.RequiredCapabilities = &RequiredCapabilities{ProposalTypes: []ProposalType{1, 0xff02}}
		}, req: "R-7.3-7", class: mlserr.ErrInvalidTree},
		{name: "required credential not listed", ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.RequiredCapabilities = &RequiredCapabilities{CredentialTypes: []credential.CredentialType{credential.X509}}
		}, req: "R-7.3-7", class: mlserr.ErrInvalidTree},
		{name: "required capabilities met", mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Capabilities.Extensions = []extension.ExtensionType{0xff01}
			ln.Capabilities.Proposals = []ProposalType{0xff02}
		}, ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.RequiredCapabilities = &RequiredCapabilities{ExtensionTypes: []extension.ExtensionType{extension.RatchetTree, 0xff01}, ProposalTypes: []ProposalType{1, 0xff02}, CredentialTypes: []credential.CredentialType{credential.Basic}}
		}},
		{name: "credential type not supported by the members", mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Credential = credential.Credential{CredentialType: otherCredential, Data: []byte("x")}
			ln.Capabilities.Credentials = append(ln.Capabilities.Credentials, otherCredential)
		}, ctx: func(_ *testGroup, c *LeafValidationContext) { c.Credentials = acceptAll{} },
			req: "R-7.3-8", class: mlserr.ErrInvalidTree},
		{name: "credential type of a member not supported", ctx: func(g *testGroup, c *LeafValidationContext) {
			c.Credentials = acceptAll{}
			m := g.tree.Leaf(2).Clone()
			m.Credential = credential.Credential{CredentialType: otherCredential, Data: []byte("x")}
			m.Capabilities.Credentials = append(m.Capabilities.Credentials, otherCredential)
			g.resign(m, 2)
			if err := g.tree.SetLeaf(2, m); err != nil {
				t.Fatal(err)
			}
		}, req: "R-7.3-8", class: mlserr.ErrInvalidTree},
		{name: "own credential type not listed", mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Capabilities.Credentials = []credential.CredentialType{credential.X509}
		}, req: "R-7.2-5", class: mlserr.ErrInvalidTree},
		{name: "lifetime expired", kind: keyPackage, ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.Now = func() time.Time { return testNow.Add(2 * time.Hour) }
		}, req: "R-7.3-9", class: mlserr.ErrInvalidTree},
		{name: "lifetime not yet begun", kind: keyPackage, ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.Now = func() time.Time { return testNow.Add(-2 * time.Hour) }
		}, req: "R-7.3-9", class: mlserr.ErrInvalidTree},
		{name: "lifetime ends before it begins", kind: keyPackage, mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Lifetime.NotBefore, ln.Lifetime.NotAfter = ln.Lifetime.NotAfter, ln.Lifetime.NotBefore
		}, ctx: func(_ *testGroup, c *LeafValidationContext) { c.SkipLifetime = true },
			req: "R-7.3-9", class: mlserr.ErrInvalidTree},
		{name: "expired, lifetime check skipped for a received leaf", kind: keyPackage, ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.Now = func() time.Time { return testNow.Add(1000 * time.Hour) }
			c.SkipLifetime = true
		}},
		{name: "no clock", kind: keyPackage, ctx: func(_ *testGroup, c *LeafValidationContext) { c.Now = nil },
			req: "", class: mlserr.ErrInvalidInput},
		{name: "update needs no clock", kind: update, ctx: func(_ *testGroup, c *LeafValidationContext) { c.Now = nil }},
		{name: "total lifetime above the default maximum", kind: keyPackage, mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Lifetime.NotAfter = ln.Lifetime.NotBefore + uint64((DefaultMaxLifetime+time.Second)/time.Second)
		}, req: "R-7.2-7", class: mlserr.ErrInvalidTree},
		{name: "total lifetime above a configured maximum", kind: keyPackage, ctx: func(_ *testGroup, c *LeafValidationContext) {
			c.MaxLifetime = time.Hour
		}, req: "R-7.2-7", class: mlserr.ErrInvalidTree},
		{name: "no maximum lifetime", kind: keyPackage, mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Lifetime.NotBefore, ln.Lifetime.NotAfter = 0, 1<<64-1
		}, ctx: func(_ *testGroup, c *LeafValidationContext) { c.MaxLifetime = -1 }},
		{name: "extension not listed in capabilities", mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Extensions = extension.List{{ExtensionType: 0xff03, ExtensionData: []byte{}}}
		}, req: "R-7.3-12", class: mlserr.ErrInvalidTree},
		{name: "default extension need not be listed", mutate: func(_ *testGroup, ln *LeafNode) {
			ln.Extensions = extension.List{{ExtensionType: extension.ApplicationID, ExtensionData: []byte("app")}}
		}},
		{name: "KeyPackage leaf with source update", kind: keyPackage, mutate: func(_ *testGroup, ln *LeafNode) {
			ln.LeafNodeSource = SourceUpdate
		}, req: "R-7.3-14", class: mlserr.ErrInvalidTree},
		{name: "Update leaf with source commit", kind: update, mutate: func(_ *testGroup, ln *LeafNode) {
			ln.LeafNodeSource = SourceCommit
			ln.ParentHash = []byte{1}
		}, req: "R-7.3-15", class: mlserr.ErrInvalidTree},
		{name: "Update keeps the encryption key", kind: update, mutate: func(g *testGroup, ln *LeafNode) {
			ln.EncryptionKey = g.tree.Leaf(1).EncryptionKey
		}, req: "R-7.3-15", class: mlserr.ErrInvalidTree},
		{name: "UpdatePath leaf with source update", kind: commit, mutate: func(_ *testGroup, ln *LeafNode) {
			ln.LeafNodeSource = SourceUpdate
			ln.ParentHash = nil
		}, req: "R-7.3-16", class: mlserr.ErrInvalidTree},
		{name: "UpdatePath leaf keeps the encryption key", kind: commit, mutate: func(g *testGroup, ln *LeafNode) {
			ln.EncryptionKey = g.tree.Leaf(1).EncryptionKey
		}, req: "R-12.4.2-13", class: mlserr.ErrInvalidCommit},
		{name: "signature key of another member", kind: update, signer: 2, mutate: func(g *testGroup, ln *LeafNode) {
			ln.SignatureKey = g.tree.Leaf(2).SignatureKey
		}, req: "R-7.3-18", class: mlserr.ErrInvalidTree},
		{name: "encryption key of another member", mutate: func(g *testGroup, ln *LeafNode) {
			ln.EncryptionKey = g.tree.Leaf(3).EncryptionKey
		}, req: "R-7.3-19", class: mlserr.ErrInvalidTree},
		{name: "update keeps its own signature key", kind: update},
		// SignatureVerified skips only the signature, and only of a
		// key_package LeafNode.
		{name: "key package signature verified by the caller", kind: keyPackage, after: func(ln *LeafNode) { ln.Signature[0] ^= 1 },
			ctx: func(_ *testGroup, c *LeafValidationContext) { c.SignatureVerified = true }},
		{name: "key package signature verified by the caller, other checks kept", kind: keyPackage, mutate: func(g *testGroup, ln *LeafNode) {
			ln.EncryptionKey = g.tree.Leaf(3).EncryptionKey
		}, after: func(ln *LeafNode) { ln.Signature[0] ^= 1 },
			ctx: func(_ *testGroup, c *LeafValidationContext) { c.SignatureVerified = true }, req: "R-7.3-19", class: mlserr.ErrInvalidTree},
		{name: "update signature is always verified", kind: update, after: func(ln *LeafNode) { ln.Signature[0] ^= 1 },
			ctx: func(_ *testGroup, c *LeafValidationContext) { c.SignatureVerified = true }, req: "R-7.3-5", class: mlserr.ErrInvalidSignature},
		// SignatureKeyMayRepeat leaves out signature_key uniqueness only.
		{name: "key package of a member's client, signature key may repeat", kind: keyPackage, mutate: func(g *testGroup, ln *LeafNode) {
			ln.SignatureKey = g.tree.Leaf(2).SignatureKey
		}, signer: 2, ctx: func(g *testGroup, c *LeafValidationContext) { c.SignatureKeyMayRepeat = true }},
		{name: "signature key may repeat, encryption key may not", kind: keyPackage, mutate: func(g *testGroup, ln *LeafNode) {
			ln.EncryptionKey = g.tree.Leaf(3).EncryptionKey
		}, ctx: func(g *testGroup, c *LeafValidationContext) { c.SignatureKeyMayRepeat = true }, req: "R-7.3-19", class: mlserr.ErrInvalidTree},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := getTree(t, suite1, "validate-leaf", 4)
			ctx := &LeafValidationContext{GroupParameters: *g.params(), Tree: g.tree}
			var ln *LeafNode
			var priv []byte
			switch tc.kind {
			case keyPackage:
				ln, priv = g.keyPackageLeaf()
				ctx.Source, ctx.LeafIndex = SourceKeyPackage, 4
				if tc.signer != 0 {
					priv = g.sigPriv[tc.signer]
				}
			case update, commit:
				ln = g.tree.Leaf(1).Clone()
				ln.EncryptionKey = g.hpkeKey()
				ln.Lifetime = Lifetime{}
				ln.LeafNodeSource, ln.ParentHash = SourceUpdate, nil
				if tc.kind == commit {
					ln.LeafNodeSource, ln.ParentHash = SourceCommit, []byte{1, 2, 3}
				}
				ctx.Source, ctx.LeafIndex = ln.LeafNodeSource, 1
				signer := tc.signer
				if signer == 0 {
					signer = 1
				}
				priv = g.sigPriv[signer]
			}
			if tc.mutate != nil {
				tc.mutate(g, ln)
			}
			if err := ln.Sign(g.cs, priv, g.groupID, ctx.LeafIndex); err != nil {
				t.Fatal(err)
			}
			if tc.after != nil {
				tc.after(ln)
			}
			if tc.ctx != nil {
				tc.ctx(g, ctx)
			}
			err := ValidateLeafNode(ln, ctx)
			if tc.class == nil {
				if err != nil {
					t.Fatalf("valid LeafNode rejected: %v", err)
				}
				return
			}
			wantReq(t, err, tc.req, tc.class)
		})
	}
}
