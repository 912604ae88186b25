package schedule

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
)

func testGC() *GroupContext {
	return &GroupContext{Version: MLS10, CipherSuite: 1, GroupID: []byte("group"), Epoch: 1,
		TreeHash: seq(32, 0x10), ConfirmedTranscriptHash: seq(32, 0x20), Extensions: extension.List{}}
}

// TestKeyScheduleChain checks each stage against the formulas of RFC 9420,
// Section 8, evaluated with the standard library's HKDF.
func TestKeyScheduleChain(t *testing.T) {
	s := suite1(t)
	initBytes, commit, psk := seq(32, 1), seq(32, 50), seq(32, 100)
	gc := testGC()
	ctx, err := gc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// The GroupContext is longer than 63 bytes: its KDFLabel context has a
	// two-byte length.
	expandCtx := func(secret []byte, label string) []byte {
		return refExpandLong(t, secret, label, ctx, 32)
	}
	wantJoiner := expandCtx(refExtract(t, initBytes, commit), "joiner")
	member := refExtract(t, wantJoiner, psk)
	wantWelcome := refExpandWithLabel(t, member, "welcome", nil, 32)
	wantEpoch := expandCtx(member, "epoch")

	init, err := NewInitSecret(s, initBytes)
	if err != nil {
		t.Fatal(err)
	}
	joiner, err := init.JoinerSecret(commit, gc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(joiner.Bytes(), wantJoiner) {
		t.Fatalf("joiner_secret = %x, want %x", joiner.Bytes(), wantJoiner)
	}
	if !init.Consumed() || init.Bytes() != nil {
		t.Fatal("init_secret not deleted after deriving joiner_secret")
	}
	welcome, err := joiner.WelcomeSecret(psk)
	if err != nil || !bytes.Equal(welcome, wantWelcome) {
		t.Fatalf("welcome_secret = %x, %v; want %x", welcome, err, wantWelcome)
	}
	if w2, err := WelcomeSecret(s, wantJoiner, psk); err != nil || !bytes.Equal(w2, wantWelcome) {
		t.Fatalf("WelcomeSecret(joiner, psk) = %x, %v", w2, err)
	}
	epoch, err := joiner.EpochSecret(psk, gc)
	if err != nil {
		t.Fatal(err)
	}
	if !joiner.Consumed() {
		t.Fatal("joiner_secret not deleted after deriving epoch_secret")
	}
	if !bytes.Equal(epoch.secret, wantEpoch) {
		t.Fatalf("epoch_secret = %x, want %x", epoch.secret, wantEpoch)
	}
	es, err := epoch.Derive()
	if err != nil {
		t.Fatal(err)
	}
	if !epoch.Consumed() {
		t.Fatal("epoch_secret not deleted after deriving the epoch's secrets")
	}
	for _, c := range []struct {
		label string
		got   []byte
	}{
		{"sender data", es.SenderDataSecret}, {"encryption", es.EncryptionSecret},
		{"exporter", es.ExporterSecret}, {"external", es.ExternalSecret},
		{"confirm", es.ConfirmationKey}, {"membership", es.MembershipKey},
		{"resumption", es.ResumptionPSK}, {"authentication", es.EpochAuthenticator},
		{"init", es.InitSecret.Bytes()},
	} {
		if want := refExpandWithLabel(t, wantEpoch, c.label, nil, 32); !bytes.Equal(c.got, want) {
			t.Errorf("DeriveSecret(epoch_secret, %q) = %x, want %x", c.label, c.got, want)
		}
	}

	// MLS-Exporter (Section 8.5).
	exp, err := es.Exporter("my label", []byte("ctx"), 20)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Hash([]byte("ctx"))
	wantExp := refExpandWithLabel(t, refExpandWithLabel(t, es.ExporterSecret, "my label", nil, 32), "exported", h, 20)
	if !bytes.Equal(exp, wantExp) {
		t.Fatalf("exporter = %x, want %x", exp, wantExp)
	}

	// The secret tree takes encryption_secret away (Section 9.2).
	tree, err := es.NewSecretTree(2, DefaultLimits())
	if err != nil || tree == nil {
		t.Fatal(err)
	}
	if es.EncryptionSecret != nil {
		t.Fatal("encryption_secret kept after building the secret tree")
	}
	if _, err := es.NewSecretTree(2, DefaultLimits()); mlserr.RequirementOf(err) != "R-9.2-1" {
		t.Fatalf("second secret tree from one encryption_secret: %v", err)
	}
}

// refExpandLong is refExpandWithLabel for a context of 64 to 16383 bytes.
func refExpandLong(t *testing.T, secret []byte, label string, context []byte, length int) []byte {
	t.Helper()
	if len(context) < 64 || len(context) > 16383 {
		t.Fatal("refExpandLong: context length out of range")
	}
	// KDFLabel: uint16 length, opaque label<V>, opaque context<V>.
	l := "MLS 1.0 " + label
	info := []byte{byte(length >> 8), byte(length), byte(len(l))}
	info = append(info, l...)
	info = append(info, 0x40|byte(len(context)>>8), byte(len(context)))
	info = append(info, context...)
	return hkdfExpandSHA256(t, secret, info, length)
}

func TestKeyScheduleMisuse(t *testing.T) {
	s := suite1(t)
	gc := testGC()
	if _, err := NewInitSecret(s, make([]byte, 31)); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("31-byte init_secret accepted: %v", err)
	}
	init, _ := NewInitSecret(s, seq(32, 1))
	before := init.Bytes()
	if _, err := init.JoinerSecret(make([]byte, 16), gc); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("16-byte commit_secret accepted: %v", err)
	}
	other := gc.Clone()
	other.CipherSuite = 2
	if _, err := init.JoinerSecret(nil, other); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("GroupContext of another suite accepted: %v", err)
	}
	if !bytes.Equal(init.Bytes(), before) {
		t.Fatal("a failed derivation changed init_secret")
	}
	// nil commit_secret is the all-zero one (Section 12.4.1).
	j1, err := init.JoinerSecret(nil, gc)
	if err != nil {
		t.Fatal(err)
	}
	init2, _ := NewInitSecret(s, seq(32, 1))
	j2, _ := init2.JoinerSecret(make([]byte, 32), gc)
	if !bytes.Equal(j1.Bytes(), j2.Bytes()) {
		t.Fatal("nil commit_secret differs from the all-zero commit_secret")
	}
	if _, err := init.JoinerSecret(nil, gc); mlserr.RequirementOf(err) != "R-9.2-1" {
		t.Fatalf("consumed init_secret reused: %v", err)
	}
	// nil psk_secret is the all-zero one (Section 8.4).
	w1, _ := j1.WelcomeSecret(nil)
	w2, _ := j2.WelcomeSecret(make([]byte, 32))
	if !bytes.Equal(w1, w2) {
		t.Fatal("nil psk_secret differs from the all-zero psk_secret")
	}
	if _, err := j1.EpochSecret(make([]byte, 33), gc); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("33-byte psk_secret accepted: %v", err)
	}
	e, err := j1.EpochSecret(nil, gc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j1.EpochSecret(nil, gc); mlserr.RequirementOf(err) != "R-9.2-1" {
		t.Fatalf("consumed joiner_secret reused: %v", err)
	}
	if _, err := j1.WelcomeSecret(nil); mlserr.RequirementOf(err) != "R-9.2-1" {
		t.Fatalf("welcome_secret from a consumed joiner_secret: %v", err)
	}
	es, _ := e.Derive()
	if _, err := e.Derive(); mlserr.RequirementOf(err) != "R-9.2-1" {
		t.Fatalf("consumed epoch_secret reused: %v", err)
	}
	c := es.Clone()
	es.Erase()
	if es.ExporterSecret != nil || es.InitSecret.Bytes() != nil {
		t.Fatal("Erase left secrets behind")
	}
	if c.ExporterSecret == nil || c.InitSecret.Bytes() == nil {
		t.Fatal("Erase reached into a Clone")
	}
	if _, err := c.Exporter("x", nil, 0x10000); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("exporter length 65536 accepted: %v", err)
	}
	if _, err := c.Exporter("x", nil, 255*32+1); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Errorf("exporter length beyond 255*Nh accepted: %v", err)
	}
}

func TestWelcomeKeyNonce(t *testing.T) {
	s := suite1(t)
	ws := seq(32, 7)
	key, nonce := WelcomeKeyNonce(s, ws)
	if want := refExpandWithLabel(t, ws, "key", nil, 16); !bytes.Equal(key, want) {
		t.Errorf("welcome_key = %x, want %x", key, want)
	}
	if want := refExpandWithLabel(t, ws, "nonce", nil, 12); !bytes.Equal(nonce, want) {
		t.Errorf("welcome_nonce = %x, want %x", nonce, want)
	}
}

func TestExternalInit(t *testing.T) {
	s := suite1(t)
	priv, pub, err := ExternalKeyPair(s, seq(32, 3))
	if err != nil {
		t.Fatal(err)
	}
	if p2, err := ExternalPub(s, seq(32, 3)); err != nil || !bytes.Equal(p2, pub) {
		t.Fatalf("ExternalPub = %x, %v", p2, err)
	}
	kem, sender, err := ExternalInitSender(s, pub, bytes.NewReader(seq(64, 9)))
	if err != nil {
		t.Fatal(err)
	}
	receiver, err := ExternalInitReceiver(s, priv, kem)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sender.Bytes(), receiver.Bytes()) || len(sender.Bytes()) != 32 {
		t.Fatalf("external init secrets differ: %x vs %x", sender.Bytes(), receiver.Bytes())
	}
	bad := append([]byte{}, kem...)
	bad[0] ^= 1
	if r2, err := ExternalInitReceiver(s, priv, bad); err == nil && bytes.Equal(r2.Bytes(), sender.Bytes()) {
		t.Fatal("a changed kem_output gave the same init_secret")
	}
}
