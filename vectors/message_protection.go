package vectors

import (
	"errors"
	"fmt"
	"io"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// messageProtectionCase is one case of message-protection.json: a
// Proposal, a Commit and application data, each protected as a
// PublicMessage (except the application data) and as a PrivateMessage by
// the member at leaf 1 of a two-member group (RFC 9420, Sections 6.1 to
// 6.3.2).
type messageProtectionCase struct {
	CipherSuite             uint16   `json:"cipher_suite"`
	GroupID                 HexBytes `json:"group_id"`
	Epoch                   uint64   `json:"epoch"`
	TreeHash                HexBytes `json:"tree_hash"`
	ConfirmedTranscriptHash HexBytes `json:"confirmed_transcript_hash"`
	SignaturePriv           HexBytes `json:"signature_priv"`
	SignaturePub            HexBytes `json:"signature_pub"`
	EncryptionSecret        HexBytes `json:"encryption_secret"`
	SenderDataSecret        HexBytes `json:"sender_data_secret"`
	MembershipKey           HexBytes `json:"membership_key"`
	Proposal                HexBytes `json:"proposal"`
	ProposalPub             HexBytes `json:"proposal_pub"`
	ProposalPriv            HexBytes `json:"proposal_priv"`
	Commit                  HexBytes `json:"commit"`
	CommitPub               HexBytes `json:"commit_pub"`
	CommitPriv              HexBytes `json:"commit_priv"`
	Application             HexBytes `json:"application"`
	ApplicationPriv         HexBytes `json:"application_priv"`
}

func init() {
	Register(&Kind{
		Name:     "message-protection",
		Files:    []string{"message-protection.json"},
		Verify:   verifyMessageProtection,
		Generate: generateMessageProtection,
		Suites:   mpSuites(),
	})
}

// mpSuites lists every suite ref/ciphersuite implements.
func mpSuites() []uint16 {
	var out []uint16
	for _, id := range ciphersuite.All() {
		out = append(out, uint16(id))
	}
	return out
}

// mpSender is the leaf of the sender in every case (test-vectors.md).
const mpSender = 1

// mpLeaves is the size of the group, and of the secret tree.
const mpLeaves = 2

// mpLimits are the receiver limits of the secret trees the cases use.
var mpLimits = schedule.DefaultLimits()

func verifyMessageProtection(data []byte, rep *Report) error {
	cases, err := decodeCases[messageProtectionCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkMessageProtection(c, &tc) })
	}
	return nil
}

// groupContext is the GroupContext of a case: the given values and no
// extensions (test-vectors.md).
func (tc *messageProtectionCase) groupContext() *schedule.GroupContext {
	return &schedule.GroupContext{
		Version:                 schedule.MLS10,
		CipherSuite:             ciphersuite.ID(tc.CipherSuite),
		GroupID:                 tc.GroupID,
		Epoch:                   tc.Epoch,
		TreeHash:                tc.TreeHash,
		ConfirmedTranscriptHash: tc.ConfirmedTranscriptHash,
		Extensions:              extension.List{},
	}
}

// lookup answers for the leaves of the two-member group: both are
// non-blank, and only the sender's signature key is known.
func (tc *messageProtectionCase) lookup(leaf uint32) ([]byte, bool) {
	if leaf >= mpLeaves {
		return nil, false
	}
	return tc.SignaturePub, true
}

// mpContent is one of the three contents of a case.
type mpContent struct {
	name string
	ct   framing.ContentType
	raw  []byte
	pub  []byte // nil for application data
	priv []byte
}

func (tc *messageProtectionCase) contents() []mpContent {
	return []mpContent{
		{"proposal", framing.ContentTypeProposal, tc.Proposal, tc.ProposalPub, tc.ProposalPriv},
		{"commit", framing.ContentTypeCommit, tc.Commit, tc.CommitPub, tc.CommitPriv},
		{"application", framing.ContentTypeApplication, tc.Application, nil, tc.ApplicationPriv},
	}
}

func checkMessageProtection(c *Checker, tc *messageProtectionCase) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("%v", err)
		return
	}
	ctx := tc.groupContext()
	rand := seeded.New(fmt.Sprintf("message-protection verify %x", tc.GroupID))
	for _, m := range tc.contents() {
		// The raw Proposal or Commit must be exactly one such struct.
		if m.ct != framing.ContentTypeApplication {
			checkRawContent(c, m)
		}
		var tag []byte // the confirmation tag of the commit, reused when re-protecting it
		if m.pub != nil {
			ac := checkUnprotectPublic(c, s, tc, ctx, m.name+"_pub", m.pub, m)
			if ac != nil {
				tag = ac.Auth.ConfirmationTag
			}
		}
		if ac := checkUnprotectPrivate(c, s, tc, ctx, m.name+"_priv", m.priv, m); ac != nil && tag == nil {
			tag = ac.Auth.ConfirmationTag
		}
		if m.ct == framing.ContentTypeCommit && tag == nil {
			c.Failf("%s: no confirmation tag to re-protect the commit with", m.name)
			continue
		}
		content := tc.framedContent(m)

		// Protect as a PublicMessage with signature_priv and membership_key,
		// then unprotect with signature_pub. Application data must refuse.
		name := m.name + " re-protected as PublicMessage"
		ac, err := framing.Sign(s, framing.WireFormatPublicMessage, content, ctx, tc.SignaturePriv)
		if m.ct == framing.ContentTypeApplication {
			if err == nil || mlserr.RequirementOf(err) != "R-6-1" {
				c.Failf("%s: got error %v, want one of R-6-1", name, err)
			}
		} else if c.NoErr(name+": Sign", err) {
			ac.Auth.ConfirmationTag = tag
			pm, err := framing.ProtectPublic(s, ac, tc.MembershipKey, ctx)
			if c.NoErr(name+": ProtectPublic", err) {
				b, err := framing.EncodeFramedMessage(framing.WireFormatPublicMessage, pm)
				if c.NoErr(name+": encode", err) {
					checkUnprotectPublic(c, s, tc, ctx, name, b, m)
				}
			}
		}

		// Protect as a PrivateMessage with a fresh secret tree,
		// sender_data_secret and signature_priv, then unprotect with another.
		name = m.name + " re-protected as PrivateMessage"
		ac, err = framing.Sign(s, framing.WireFormatPrivateMessage, content, ctx, tc.SignaturePriv)
		if !c.NoErr(name+": Sign", err) {
			continue
		}
		ac.Auth.ConfirmationTag = tag
		tree, err := schedule.NewSecretTree(s, tc.EncryptionSecret, mpLeaves, mpLimits)
		if !c.NoErr(name+": NewSecretTree", err) {
			continue
		}
		pm, err := framing.ProtectPrivate(s, ac, tree, tc.SenderDataSecret, 7, rand)
		if !c.NoErr(name+": ProtectPrivate", err) {
			continue
		}
		b, err := framing.EncodeFramedMessage(framing.WireFormatPrivateMessage, pm)
		if c.NoErr(name+": encode", err) {
			checkUnprotectPrivate(c, s, tc, ctx, name, b, m)
		}
	}
}

// framedContent is the FramedContent that carries m from the sender.
func (tc *messageProtectionCase) framedContent(m mpContent) *framing.FramedContent {
	fc := &framing.FramedContent{
		GroupID:           tc.GroupID,
		Epoch:             tc.Epoch,
		Sender:            framing.MemberSender(mpSender),
		AuthenticatedData: []byte{},
		ContentType:       m.ct,
	}
	switch m.ct {
	case framing.ContentTypeApplication:
		fc.ApplicationData = m.raw
	case framing.ContentTypeProposal:
		fc.Proposal = m.raw
	case framing.ContentTypeCommit:
		fc.Commit = m.raw
	}
	return fc
}

// checkRawContent checks that m.raw decodes as exactly one Proposal or
// Commit.
func checkRawContent(c *Checker, m mpContent) {
	r := codec.NewReader(m.raw)
	var got []byte
	if m.ct == framing.ContentTypeProposal {
		got = group.ContentDecoder{}.ReadProposal(r)
	} else {
		got = group.ContentDecoder{}.ReadCommit(r)
	}
	if c.NoErr(m.name+": decode", r.Finish()) {
		c.Bytes(m.name+": re-encoded", got, m.raw)
	}
}

// decodeFramed decodes b as an MLSMessage of wire format wf and checks that
// it re-encodes to b.
func decodeFramed(c *Checker, name string, b []byte, wf framing.WireFormat) *framing.FramedMessage {
	fm, err := framing.DecodeFramedMessage(b, group.ContentDecoder{})
	if !c.NoErr(name+": decode MLSMessage", err) {
		return nil
	}
	if fm.WireFormat != wf {
		c.Failf("%s: wire format %v, want %v", name, fm.WireFormat, wf)
		return nil
	}
	again, err := fm.Encode()
	if c.NoErr(name+": re-encode", err) {
		c.Bytes(name+": re-encoded", again, b)
	}
	return fm
}

// checkContent compares what was unprotected with the case's content.
func checkContent(c *Checker, name string, tc *messageProtectionCase, ac *framing.AuthenticatedContent, m mpContent, wf framing.WireFormat) {
	fc := &ac.Content
	Equal(c, name+": wire_format", ac.WireFormat, wf)
	Equal(c, name+": content_type", fc.ContentType, m.ct)
	Equal(c, name+": sender", fc.Sender, framing.MemberSender(mpSender))
	c.Bytes(name+": group_id", fc.GroupID, tc.GroupID)
	Equal(c, name+": epoch", fc.Epoch, tc.Epoch)
	c.Bytes(name+": content", fc.Body(), m.raw)
	if m.ct == framing.ContentTypeCommit && len(ac.Auth.ConfirmationTag) == 0 {
		c.Failf("%s: commit without confirmation tag", name)
	}
}

// checkUnprotectPublic verifies b, an MLSMessage(PublicMessage), with
// membership_key and signature_pub and compares its content with m.
func checkUnprotectPublic(c *Checker, s *ciphersuite.Suite, tc *messageProtectionCase, ctx *schedule.GroupContext, name string, b []byte, m mpContent) *framing.AuthenticatedContent {
	fm := decodeFramed(c, name, b, framing.WireFormatPublicMessage)
	if fm == nil {
		return nil
	}
	ac, err := framing.UnprotectPublic(s, fm.PublicMessage, tc.MembershipKey, ctx, tc.SignaturePub)
	if !c.NoErr(name+": unprotect", err) {
		return nil
	}
	checkContent(c, name, tc, ac, m, framing.WireFormatPublicMessage)
	return ac
}

// checkUnprotectPrivate decrypts b, an MLSMessage(PrivateMessage), with a
// fresh secret tree from encryption_secret, sender_data_secret and
// signature_pub, and compares its content with m. It also checks that the
// generation is consumed: a second attempt must fail as a replay.
func checkUnprotectPrivate(c *Checker, s *ciphersuite.Suite, tc *messageProtectionCase, ctx *schedule.GroupContext, name string, b []byte, m mpContent) *framing.AuthenticatedContent {
	fm := decodeFramed(c, name, b, framing.WireFormatPrivateMessage)
	if fm == nil {
		return nil
	}
	tree, err := schedule.NewSecretTree(s, tc.EncryptionSecret, mpLeaves, mpLimits)
	if !c.NoErr(name+": NewSecretTree", err) {
		return nil
	}
	ac, err := framing.UnprotectPrivate(s, fm.PrivateMessage, tree, tc.SenderDataSecret, ctx, tc.lookup, group.ContentDecoder{})
	if !c.NoErr(name+": unprotect", err) {
		return nil
	}
	checkContent(c, name, tc, ac, m, framing.WireFormatPrivateMessage)
	if _, err := framing.UnprotectPrivate(s, fm.PrivateMessage, tree, tc.SenderDataSecret, ctx, tc.lookup, group.ContentDecoder{}); !errors.Is(err, mlserr.ErrGeneration) {
		c.Failf("%s: unprotecting twice: got %v, want a consumed generation", name, err)
	}
	return ac
}

// generateMessageProtection returns one case for suite: every input drawn
// from rand, a Remove or PreSharedKey proposal, a Commit with one proposal
// by value and one by reference, and application data, each protected with
// ref/framing by the member at leaf 1.
func generateMessageProtection(suite uint16, rand io.Reader) (any, error) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	g := &mpRand{r: rand}
	nh := s.Nh()
	tc := messageProtectionCase{
		CipherSuite:             suite,
		GroupID:                 g.bytes(nh),
		Epoch:                   g.u64(),
		TreeHash:                g.bytes(nh),
		ConfirmedTranscriptHash: g.bytes(nh),
		EncryptionSecret:        g.bytes(nh),
		SenderDataSecret:        g.bytes(nh),
		MembershipKey:           g.bytes(nh),
		Proposal:                g.proposal(nh),
		Commit:                  g.commit(nh),
		Application:             g.bytes(int(g.u8()) + 1),
	}
	confirmationTag := g.bytes(nh)
	if g.err != nil {
		return nil, fmt.Errorf("message-protection: reading randomness: %w", g.err)
	}
	tc.SignaturePriv, tc.SignaturePub, err = s.GenerateSignatureKeyPair(rand)
	if err != nil {
		return nil, err
	}
	ctx := tc.groupContext()
	for _, m := range tc.contents() {
		content := tc.framedContent(m)
		if m.ct != framing.ContentTypeApplication {
			ac, err := framing.Sign(s, framing.WireFormatPublicMessage, content, ctx, tc.SignaturePriv)
			if err != nil {
				return nil, err
			}
			if m.ct == framing.ContentTypeCommit {
				ac.Auth.ConfirmationTag = confirmationTag
			}
			pm, err := framing.ProtectPublic(s, ac, tc.MembershipKey, ctx)
			if err != nil {
				return nil, err
			}
			b, err := framing.EncodeFramedMessage(framing.WireFormatPublicMessage, pm)
			if err != nil {
				return nil, err
			}
			*tc.pubField(m.ct) = b
		}
		ac, err := framing.Sign(s, framing.WireFormatPrivateMessage, content, ctx, tc.SignaturePriv)
		if err != nil {
			return nil, err
		}
		if m.ct == framing.ContentTypeCommit {
			ac.Auth.ConfirmationTag = confirmationTag
		}
		tree, err := schedule.NewSecretTree(s, tc.EncryptionSecret, mpLeaves, mpLimits)
		if err != nil {
			return nil, err
		}
		padding := int(g.u8() % 32)
		if g.err != nil {
			return nil, fmt.Errorf("message-protection: reading randomness: %w", g.err)
		}
		pm, err := framing.ProtectPrivate(s, ac, tree, tc.SenderDataSecret, padding, rand)
		if err != nil {
			return nil, err
		}
		b, err := framing.EncodeFramedMessage(framing.WireFormatPrivateMessage, pm)
		if err != nil {
			return nil, err
		}
		*tc.privField(m.ct) = b
	}
	return []messageProtectionCase{tc}, nil
}

func (tc *messageProtectionCase) pubField(ct framing.ContentType) *HexBytes {
	if ct == framing.ContentTypeProposal {
		return &tc.ProposalPub
	}
	return &tc.CommitPub
}

func (tc *messageProtectionCase) privField(ct framing.ContentType) *HexBytes {
	switch ct {
	case framing.ContentTypeProposal:
		return &tc.ProposalPriv
	case framing.ContentTypeCommit:
		return &tc.CommitPriv
	}
	return &tc.ApplicationPriv
}

// mpRand draws generator inputs from a reader, keeping the first error.
type mpRand struct {
	r   io.Reader
	err error
}

func (g *mpRand) bytes(n int) HexBytes {
	b := make(HexBytes, n)
	if _, err := io.ReadFull(g.r, b); err != nil && g.err == nil {
		g.err = err
	}
	return b
}

func (g *mpRand) u8() uint8 { return g.bytes(1)[0] }

func (g *mpRand) u64() uint64 {
	var v uint64
	for _, x := range g.bytes(8) {
		v = v<<8 | uint64(x)
	}
	return v
}

// proposal returns the encoding of a Remove or an external PreSharedKey
// proposal (RFC 9420, Sections 12.1.3 and 12.1.4).
func (g *mpRand) proposal(nh int) HexBytes {
	var w codec.Writer
	g.writeProposal(&w, nh)
	return w.Bytes()
}

func (g *mpRand) writeProposal(w *codec.Writer, nh int) {
	if g.u8()%2 == 0 {
		w.U16(3) // remove
		w.U32(uint32(g.u8()))
		return
	}
	w.U16(4) // psk
	w.U8(1)  // external
	w.Opaque(g.bytes(int(g.u8()%16) + 1))
	w.Opaque(g.bytes(nh)) // psk_nonce
}

// commit returns the encoding of a Commit holding one proposal by value
// and one by reference, and no path (RFC 9420, Section 12.4).
func (g *mpRand) commit(nh int) HexBytes {
	var w codec.Writer
	w.Vector(func(w *codec.Writer) {
		w.U8(1) // proposal
		g.writeProposal(w, nh)
		w.U8(2) // reference
		w.Opaque(g.bytes(nh))
	})
	w.Optional(false, nil)
	return w.Bytes()
}
