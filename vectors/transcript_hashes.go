package vectors

import (
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/schedule"
)

// transcriptHashesCase is one case of transcript-hashes.json: a Commit's
// AuthenticatedContent, whose confirmation tag it checks (RFC 9420, Section
// 6.1), and the transcript hashes it produces (Section 8.2).
type transcriptHashesCase struct {
	CipherSuite                  uint16   `json:"cipher_suite"`
	ConfirmationKey              HexBytes `json:"confirmation_key"`
	AuthenticatedContent         HexBytes `json:"authenticated_content"`
	InterimTranscriptHashBefore  HexBytes `json:"interim_transcript_hash_before"`
	ConfirmedTranscriptHashAfter HexBytes `json:"confirmed_transcript_hash_after"`
	InterimTranscriptHashAfter   HexBytes `json:"interim_transcript_hash_after"`
}

func init() {
	Register(&Kind{
		Name:     "transcript-hashes",
		Files:    []string{"transcript-hashes.json"},
		Verify:   verifyTranscriptHashes,
		Generate: generateTranscriptHashes,
		Suites:   mpSuites(),
	})
}

func verifyTranscriptHashes(data []byte, rep *Report) error {
	cases, err := decodeCases[transcriptHashesCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkTranscriptHashes(c, &tc) })
	}
	return nil
}

func checkTranscriptHashes(c *Checker, tc *transcriptHashesCase) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("%v", err)
		return
	}
	ac, err := framing.DecodeAuthenticatedContent(tc.AuthenticatedContent, group.ContentDecoder{})
	if !c.NoErr("authenticated_content: decode", err) {
		return
	}
	c.Bytes("authenticated_content: re-encoded", codec.Encode(ac), tc.AuthenticatedContent)
	if ac.Content.ContentType != framing.ContentTypeCommit {
		c.Failf("authenticated_content: content type %v, want commit", ac.Content.ContentType)
		return
	}
	confirmed, interim, err := ac.TranscriptHashes(s, tc.InterimTranscriptHashBefore)
	if !c.NoErr("transcript hashes", err) {
		return
	}
	c.Bytes("confirmed_transcript_hash_after", confirmed, tc.ConfirmedTranscriptHashAfter)
	c.Bytes("interim_transcript_hash_after", interim, tc.InterimTranscriptHashAfter)
	c.NoErr("confirmation_tag", ac.VerifyConfirmationTag(s, tc.ConfirmationKey, tc.ConfirmedTranscriptHashAfter))
	// The file gives no signature key, so the signature cannot be verified;
	// it must at least have the form of the suite's signature scheme.
	if err := thSignatureShape(s, ac.Auth.Signature); err != nil {
		c.Failf("authenticated_content: signature: %v", err)
	}
}

// thSignatureShape checks that sig has the encoding of the suite's signature
// scheme (RFC 9420, Section 5.1.2): 64 bytes for Ed25519, 114 for Ed448, a
// DER SEQUENCE of two positive INTEGERs for ECDSA.
func thSignatureShape(s *ciphersuite.Suite, sig []byte) error {
	switch scheme := s.SignatureScheme(); scheme {
	case 0x0807: // ed25519
		if len(sig) != 64 {
			return fmt.Errorf("%d bytes, an Ed25519 signature has 64", len(sig))
		}
	case 0x0808: // ed448
		if len(sig) != 114 {
			return fmt.Errorf("%d bytes, an Ed448 signature has 114", len(sig))
		}
	case 0x0403, 0x0503, 0x0603: // ecdsa_secp{256r1,384r1,521r1}_sha{256,384,512}
		var r, t big.Int
		in := cryptobyte.String(sig)
		var seq cryptobyte.String
		if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
			!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&t) || !seq.Empty() ||
			r.Sign() <= 0 || t.Sign() <= 0 {
			return fmt.Errorf("not a DER-encoded ECDSA signature")
		}
	default:
		return fmt.Errorf("unknown signature scheme %#04x", scheme)
	}
	return nil
}

// generateTranscriptHashes returns one case for suite: a Commit from a
// member, signed with a fresh key over a GroupContext drawn from rand, sent
// as a PublicMessage or PrivateMessage, with its confirmation tag and
// transcript hashes computed with ref/framing and ref/schedule.
func generateTranscriptHashes(suite uint16, rand io.Reader) (any, error) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	g := &mpRand{r: rand}
	nh := s.Nh()
	ctx := &schedule.GroupContext{
		Version:                 schedule.MLS10,
		CipherSuite:             ciphersuite.ID(suite),
		GroupID:                 g.bytes(int(g.u8()%32) + 1),
		Epoch:                   g.u64(),
		TreeHash:                g.bytes(nh),
		ConfirmedTranscriptHash: g.bytes(nh),
		Extensions:              extension.List{},
	}
	wf := framing.WireFormatPublicMessage
	if g.u8()%2 == 1 {
		wf = framing.WireFormatPrivateMessage
	}
	content := &framing.FramedContent{
		GroupID:           ctx.GroupID,
		Epoch:             ctx.Epoch,
		Sender:            framing.MemberSender(uint32(g.u8())),
		AuthenticatedData: g.bytes(int(g.u8() % 8)),
		ContentType:       framing.ContentTypeCommit,
		Commit:            g.commit(nh),
	}
	tc := transcriptHashesCase{
		CipherSuite:                 suite,
		ConfirmationKey:             g.bytes(nh),
		InterimTranscriptHashBefore: g.bytes(nh),
	}
	if g.err != nil {
		return nil, fmt.Errorf("transcript-hashes: reading randomness: %w", g.err)
	}
	priv, _, err := s.GenerateSignatureKeyPair(rand)
	if err != nil {
		return nil, err
	}
	ac, err := framing.Sign(s, wf, content, ctx, priv)
	if err != nil {
		return nil, err
	}
	confirmed, _, err := ac.TranscriptHashes(s, tc.InterimTranscriptHashBefore)
	if err != nil {
		return nil, err
	}
	if err := ac.SetConfirmationTag(s, tc.ConfirmationKey, confirmed); err != nil {
		return nil, err
	}
	_, interim, err := ac.TranscriptHashes(s, tc.InterimTranscriptHashBefore)
	if err != nil {
		return nil, err
	}
	tc.AuthenticatedContent = codec.Encode(ac)
	tc.ConfirmedTranscriptHashAfter = confirmed
	tc.InterimTranscriptHashAfter = interim
	return []transcriptHashesCase{tc}, nil
}
