package framing

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// testDecoder is a ContentDecoder for the tests: a Proposal is a Remove
// (uint16 3, uint32 removed), a Commit is ProposalOrRef proposals<V> (taken
// as opaque) and an absent path.
type testDecoder struct{}

func (testDecoder) ReadProposal(r *codec.Reader) []byte {
	var w codec.Writer
	t := r.U16()
	if r.Err() == nil && t != 3 {
		r.Failf("", "test decoder: proposal type %d", t)
		return nil
	}
	w.U16(t)
	w.U32(r.U32())
	return w.Bytes()
}

func (testDecoder) ReadCommit(r *codec.Reader) []byte {
	var w codec.Writer
	w.Opaque(r.Opaque())
	if r.Optional() {
		r.Failf("", "test decoder: commit with a path")
		return nil
	}
	w.U8(0)
	return w.Bytes()
}

// removeProposal is the encoding of Remove(removed).
func removeProposal(removed uint32) []byte {
	var w codec.Writer
	w.U16(3)
	w.U32(removed)
	return w.Bytes()
}

// emptyCommit is the encoding of a Commit with one Remove by value and no
// path.
func emptyCommit() []byte {
	var w codec.Writer
	w.Vector(func(w *codec.Writer) {
		w.U8(1)
		w.Raw(removeProposal(0))
	})
	w.U8(0)
	return w.Bytes()
}

// fixture is a two-member group in one epoch, seen by the member at leaf 1
// who sends and by the one at leaf 0 who receives.
type fixture struct {
	t                   *testing.T
	suite               *ciphersuite.Suite
	ctx                 *schedule.GroupContext
	priv, pub           []byte // leaf 1's signature key pair
	otherPriv, otherPub []byte // another key pair, for wrong signatures
	encryptionSecret    []byte
	senderDataSecret    []byte
	membershipKey       []byte
	limits              schedule.Limits
}

func newFixture(t *testing.T, id ciphersuite.ID) *fixture {
	t.Helper()
	s, err := ciphersuite.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	rand := seeded.New("framing fixture " + id.String())
	draw := func(n int) []byte {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	f := &fixture{t: t, suite: s, limits: schedule.Limits{MaxGenerationGap: 4, MaxSkippedKeys: 4}}
	f.ctx = &schedule.GroupContext{
		Version:                 schedule.MLS10,
		CipherSuite:             id,
		GroupID:                 []byte("framing test group"),
		Epoch:                   7,
		TreeHash:                draw(s.Nh()),
		ConfirmedTranscriptHash: draw(s.Nh()),
		Extensions:              extension.List{},
	}
	f.encryptionSecret, f.senderDataSecret, f.membershipKey = draw(s.Nh()), draw(s.Nh()), draw(s.Nh())
	if f.priv, f.pub, err = s.GenerateSignatureKeyPair(rand); err != nil {
		t.Fatal(err)
	}
	if f.otherPriv, f.otherPub, err = s.GenerateSignatureKeyPair(rand); err != nil {
		t.Fatal(err)
	}
	return f
}

// tree returns a fresh secret tree of the epoch.
func (f *fixture) tree() *schedule.SecretTree {
	f.t.Helper()
	tr, err := schedule.NewSecretTree(f.suite, f.encryptionSecret, 2, f.limits)
	if err != nil {
		f.t.Fatal(err)
	}
	return tr
}

// lookup: both leaves are occupied; leaf 1 holds f.pub, leaf 0 f.otherPub.
func (f *fixture) lookup(leaf uint32) ([]byte, bool) {
	switch leaf {
	case 0:
		return f.otherPub, true
	case 1:
		return f.pub, true
	}
	return nil, false
}

// content returns a FramedContent of type ct from leaf 1.
func (f *fixture) content(ct ContentType) *FramedContent {
	fc := &FramedContent{
		GroupID:           f.ctx.GroupID,
		Epoch:             f.ctx.Epoch,
		Sender:            MemberSender(1),
		AuthenticatedData: []byte("aad"),
		ContentType:       ct,
	}
	switch ct {
	case ContentTypeApplication:
		fc.ApplicationData = []byte("hello, group")
	case ContentTypeProposal:
		fc.Proposal = removeProposal(0)
	case ContentTypeCommit:
		fc.Commit = emptyCommit()
	}
	return fc
}

// signed returns the AuthenticatedContent of f.content(ct) for wf, with a
// confirmation tag for a commit.
func (f *fixture) signed(wf WireFormat, ct ContentType) *AuthenticatedContent {
	f.t.Helper()
	ac, err := Sign(f.suite, wf, f.content(ct), f.ctx, f.priv)
	if err != nil {
		f.t.Fatal(err)
	}
	if ct == ContentTypeCommit {
		if err := ac.SetConfirmationTag(f.suite, f.membershipKey, f.ctx.ConfirmedTranscriptHash); err != nil {
			f.t.Fatal(err)
		}
	}
	return ac
}

// private protects f.content(ct) from sender tree st.
func (f *fixture) private(st *schedule.SecretTree, ct ContentType, padding int) *PrivateMessage {
	f.t.Helper()
	pm, err := ProtectPrivate(f.suite, f.signed(WireFormatPrivateMessage, ct), st, f.senderDataSecret, padding, seeded.New("guard"))
	if err != nil {
		f.t.Fatal(err)
	}
	return pm
}

// unprotect decrypts pm with receiver tree rt.
func (f *fixture) unprotect(rt *schedule.SecretTree, pm *PrivateMessage) (*AuthenticatedContent, error) {
	return UnprotectPrivate(f.suite, pm, rt, f.senderDataSecret, f.ctx, f.lookup, testDecoder{})
}

// state is the serialized form of a secret tree.
func state(t *testing.T, tr *schedule.SecretTree) []byte {
	t.Helper()
	b, err := tr.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantErr checks that err has class class and, unless req is "", the
// requirement req among its IDs.
func wantErr(t *testing.T, err error, class error, req string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v [%s]", class, req)
	}
	if !errors.Is(err, class) {
		t.Errorf("got %v, want class %v", err, class)
	}
	if req != "" {
		found := false
		for _, r := range mlserr.Requirements(err) {
			found = found || r == req
		}
		if !found {
			t.Errorf("got %v (requirements %v), want %s", err, mlserr.Requirements(err), req)
		}
	}
}

func clone(b []byte) []byte { return bytes.Clone(b) }

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}
