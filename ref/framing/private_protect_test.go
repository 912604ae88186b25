package framing

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
)

// TestPrivateRoundTrip protects each content type in every suite and
// unprotects it, and checks that the receiver's tree moved on.
func TestPrivateRoundTrip(t *testing.T) {
	for _, id := range ciphersuite.All() {
		for _, ct := range []ContentType{ContentTypeApplication, ContentTypeProposal, ContentTypeCommit} {
			t.Run(id.String()+"/"+ct.String(), func(t *testing.T) {
				f := newFixture(t, id)
				want := f.signed(WireFormatPrivateMessage, ct)
				pm, err := ProtectPrivate(f.suite, want, f.tree(), f.senderDataSecret, 13, seeded.New("guard"))
				if err != nil {
					t.Fatal(err)
				}
				// Through the wire: MLSMessage encoding and strict decoding.
				b, err := EncodeFramedMessage(WireFormatPrivateMessage, pm)
				if err != nil {
					t.Fatal(err)
				}
				fm, err := DecodeFramedMessage(b, testDecoder{})
				if err != nil {
					t.Fatal(err)
				}
				rt := f.tree()
				before := state(t, rt)
				got, err := f.unprotect(rt, fm.PrivateMessage)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("unprotected content differs (-sent +received):\n%s", diff)
				}
				if bytes.Equal(before, state(t, rt)) {
					t.Error("a successful unprotect did not consume the generation")
				}
			})
		}
	}
}

// TestReuseGuard checks that the reuse guard drawn from rand is XORed into
// the nonce [R-6.3.1-4] and carried in SenderData [R-6.3.1-5]: decrypting
// with the bare key schedule nonce must fail, with the guarded one succeed.
func TestReuseGuard(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	guard := []byte{0xde, 0xad, 0xbe, 0xef}
	pm, err := ProtectPrivate(f.suite, f.signed(WireFormatPrivateMessage, ContentTypeApplication), f.tree(), f.senderDataSecret, 0, bytes.NewReader(guard))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := DecryptSenderData(f.suite, pm, f.senderDataSecret)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sd.ReuseGuard[:], guard) || sd.LeafIndex != 1 || sd.Generation != 0 {
		t.Fatalf("SenderData = %+v, want leaf 1, generation 0, guard %x", sd, guard)
	}
	kn, err := f.tree().Derive(1, schedule.ApplicationRatchet, 0)
	if err != nil {
		t.Fatal(err)
	}
	aad := encodeT(t, &PrivateContentAAD{GroupID: pm.GroupID, Epoch: pm.Epoch, ContentType: pm.ContentType, AuthenticatedData: pm.AuthenticatedData})
	if _, err := f.suite.Open(kn.Key, kn.Nonce, aad, pm.Ciphertext); err == nil {
		t.Error("content decrypts with the unguarded nonce")
	}
	nonce := bytes.Clone(kn.Nonce)
	for i := range 4 {
		nonce[i] ^= guard[i]
	}
	if _, err := f.suite.Open(kn.Key, nonce, aad, pm.Ciphertext); err != nil {
		t.Errorf("content does not decrypt with the guarded nonce: %v", err)
	}
	// A reader that runs dry fails before any generation is taken.
	st := f.tree()
	before := state(t, st)
	_, err = ProtectPrivate(f.suite, f.signed(WireFormatPrivateMessage, ContentTypeApplication), st, f.senderDataSecret, 0, bytes.NewReader([]byte{1, 2}))
	wantErr(t, err, mlserr.ErrInvalidInput, "R-6.3.1-4")
	if !bytes.Equal(before, state(t, st)) {
		t.Error("a failed protect changed the sender's secret tree")
	}
}

func encodeT(t *testing.T, m codec.Marshaler) []byte {
	t.Helper()
	b, err := encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUnprotectPrivateRejects feeds UnprotectPrivate broken messages. Each
// must fail with the right class and requirement and leave the receiver's
// secret tree byte for byte as it was.
func TestUnprotectPrivateRejects(t *testing.T) {
	type setup struct {
		pm     *PrivateMessage
		rt     *schedule.SecretTree
		sds    []byte
		lookup LeafLookup
	}
	cases := []struct {
		name  string
		make  func(f *fixture) setup
		class error
		req   string
	}{
		{
			name: "non-zero padding",
			make: func(f *fixture) setup {
				ac := f.signed(WireFormatPrivateMessage, ContentTypeApplication)
				pc := &PrivateMessageContent{ContentType: ac.Content.ContentType, ApplicationData: ac.Content.ApplicationData, Auth: ac.Auth, Padding: 3}
				pt := encodeT(t, pc)
				pt[len(pt)-2] = 1
				pm, err := sealPrivate(f.suite, &ac.Content, schedule.ApplicationRatchet, pt, f.tree(), f.senderDataSecret, seeded.New("g"))
				if err != nil {
					t.Fatal(err)
				}
				return setup{pm: pm}
			},
			class: mlserr.ErrMalformed, req: "R-6.3.1-2",
		},
		{
			name: "wrong signature",
			make: func(f *fixture) setup {
				ac, err := Sign(f.suite, WireFormatPrivateMessage, f.content(ContentTypeProposal), f.ctx, f.otherPriv)
				if err != nil {
					t.Fatal(err)
				}
				pm, err := ProtectPrivate(f.suite, ac, f.tree(), f.senderDataSecret, 0, seeded.New("g"))
				if err != nil {
					t.Fatal(err)
				}
				return setup{pm: pm}
			},
			class: mlserr.ErrInvalidSignature, req: "R-6.3.1-6",
		},
		{
			name: "signature over another epoch's GroupContext",
			make: func(f *fixture) setup {
				other := f.ctx.Clone()
				other.TreeHash[0] ^= 1
				ac, err := Sign(f.suite, WireFormatPrivateMessage, f.content(ContentTypeApplication), other, f.priv)
				if err != nil {
					t.Fatal(err)
				}
				pm, err := ProtectPrivate(f.suite, ac, f.tree(), f.senderDataSecret, 0, seeded.New("g"))
				if err != nil {
					t.Fatal(err)
				}
				return setup{pm: pm}
			},
			class: mlserr.ErrInvalidSignature, req: "R-6.1-9",
		},
		{
			name: "wrong sender_data_secret",
			make: func(f *fixture) setup {
				sds := clone(f.senderDataSecret)
				sds[0] ^= 1
				return setup{pm: f.private(f.tree(), ContentTypeApplication, 0), sds: sds}
			},
			class: mlserr.ErrDecryption,
		},
		{
			name: "wrong encryption_secret",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeCommit, 0)
				es := clone(f.encryptionSecret)
				es[0] ^= 1
				rt, err := schedule.NewSecretTree(f.suite, es, 2, f.limits)
				if err != nil {
					t.Fatal(err)
				}
				return setup{pm: pm, rt: rt}
			},
			class: mlserr.ErrDecryption,
		},
		{
			name: "replayed generation",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeProposal, 0)
				rt := f.tree()
				if _, err := f.unprotect(rt, pm); err != nil {
					t.Fatal(err)
				}
				return setup{pm: pm, rt: rt}
			},
			class: mlserr.ErrGeneration, req: "R-9.2-1",
		},
		{
			name: "generation too far ahead",
			make: func(f *fixture) setup {
				st := f.tree()
				for range f.limits.MaxGenerationGap + 1 {
					f.private(st, ContentTypeApplication, 0)
				}
				return setup{pm: f.private(st, ContentTypeApplication, 0)}
			},
			class: mlserr.ErrGeneration, req: "R-15.3-2",
		},
		{
			name: "ciphertext truncated by one byte",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeApplication, 40)
				pm.Ciphertext = pm.Ciphertext[:len(pm.Ciphertext)-1]
				return setup{pm: pm}
			},
			class: mlserr.ErrDecryption,
		},
		{
			name: "ciphertext truncated below the tag",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeApplication, 0)
				pm.Ciphertext = pm.Ciphertext[:3]
				return setup{pm: pm}
			},
			class: mlserr.ErrDecryption,
		},
		{
			name: "ciphertext altered",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeApplication, 0)
				pm.Ciphertext[len(pm.Ciphertext)-1] ^= 0x80
				return setup{pm: pm}
			},
			class: mlserr.ErrDecryption,
		},
		{
			name: "encrypted_sender_data altered",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeApplication, 0)
				pm.EncryptedSenderData[0] ^= 1
				return setup{pm: pm}
			},
			class: mlserr.ErrDecryption,
		},
		{
			name: "encrypted_sender_data truncated",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeApplication, 0)
				pm.EncryptedSenderData = pm.EncryptedSenderData[:len(pm.EncryptedSenderData)-1]
				return setup{pm: pm}
			},
			class: mlserr.ErrDecryption,
		},
		{
			name: "authenticated_data altered",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeProposal, 0)
				pm.AuthenticatedData = []byte("other")
				return setup{pm: pm}
			},
			class: mlserr.ErrDecryption,
		},
		{
			name: "content_type altered",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeProposal, 0)
				pm.ContentType = ContentTypeCommit
				return setup{pm: pm}
			},
			class: mlserr.ErrDecryption,
		},
		{
			name: "sender data names a blank leaf",
			make: func(f *fixture) setup {
				return setup{pm: f.private(f.tree(), ContentTypeApplication, 0), lookup: func(leaf uint32) ([]byte, bool) {
					if leaf == 1 {
						return nil, false
					}
					return f.lookup(leaf)
				}}
			},
			class: mlserr.ErrMalformed, req: "R-6.3.2-2",
		},
		{
			name: "sender data with a trailing byte",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeApplication, 0)
				sd, err := DecryptSenderData(f.suite, pm, f.senderDataSecret)
				if err != nil {
					t.Fatal(err)
				}
				key, nonce := schedule.SenderDataKeyNonce(f.suite, f.senderDataSecret, pm.Ciphertext)
				aad := encodeT(t, &SenderDataAAD{GroupID: pm.GroupID, Epoch: pm.Epoch, ContentType: pm.ContentType})
				if pm.EncryptedSenderData, err = f.suite.Seal(key, nonce, aad, append(encodeT(t, sd), 0)); err != nil {
					t.Fatal(err)
				}
				return setup{pm: pm}
			},
			class: mlserr.ErrMalformed,
		},
		{
			name: "content that does not decode",
			make: func(f *fixture) setup {
				ac := f.signed(WireFormatPrivateMessage, ContentTypeProposal)
				pt := append([]byte{0, 9}, make([]byte, 10)...) // proposal type 9: unknown to the decoder
				pm, err := sealPrivate(f.suite, &ac.Content, schedule.HandshakeRatchet, pt, f.tree(), f.senderDataSecret, seeded.New("g"))
				if err != nil {
					t.Fatal(err)
				}
				return setup{pm: pm}
			},
			class: mlserr.ErrMalformed,
		},
		{
			name: "wrong epoch",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeApplication, 0)
				pm.Epoch++
				return setup{pm: pm}
			},
			class: mlserr.ErrEpoch,
		},
		{
			name: "wrong group",
			make: func(f *fixture) setup {
				pm := f.private(f.tree(), ContentTypeApplication, 0)
				pm.GroupID = []byte("another group")
				return setup{pm: pm}
			},
			class: mlserr.ErrEpoch,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
			s := tc.make(f)
			if s.rt == nil {
				s.rt = f.tree()
			}
			if s.sds == nil {
				s.sds = f.senderDataSecret
			}
			if s.lookup == nil {
				s.lookup = f.lookup
			}
			before := state(t, s.rt)
			ac, err := UnprotectPrivate(f.suite, s.pm, s.rt, s.sds, f.ctx, s.lookup, testDecoder{})
			if ac != nil {
				t.Errorf("got content %+v with the error", ac)
			}
			wantErr(t, err, tc.class, tc.req)
			if !bytes.Equal(before, state(t, s.rt)) {
				t.Error("the failed unprotect changed the secret tree")
			}
		})
	}
}

// TestProtectPrivateRefuses checks the sender's side: only members send a
// PrivateMessage [R-6.3.2-1], content signed for the other wire format is
// refused, and a refusal leaves the sender's tree unchanged.
func TestProtectPrivateRefuses(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
	external := f.signed(WireFormatPrivateMessage, ContentTypeProposal)
	external.Content.Sender = Sender{SenderType: SenderTypeExternal, SenderIndex: 0}
	noTag := f.signed(WireFormatPrivateMessage, ContentTypeCommit)
	noTag.Auth.ConfirmationTag = nil
	cases := []struct {
		name    string
		ac      *AuthenticatedContent
		padding int
		req     string
	}{
		{"external sender", external, 0, "R-6.3.2-1"},
		{"signed for PublicMessage", f.signed(WireFormatPublicMessage, ContentTypeProposal), 0, ""},
		{"commit without confirmation tag", noTag, 0, ""},
		{"negative padding", f.signed(WireFormatPrivateMessage, ContentTypeApplication), -1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := f.tree()
			before := state(t, st)
			_, err := ProtectPrivate(f.suite, tc.ac, st, f.senderDataSecret, tc.padding, seeded.New("g"))
			wantErr(t, err, mlserr.ErrInvalidInput, tc.req)
			if !bytes.Equal(before, state(t, st)) {
				t.Error("the refused protect changed the secret tree")
			}
		})
	}
}
