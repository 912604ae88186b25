package framing

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// TestPublicRoundTrip protects proposals and commits from each kind of
// sender as a PublicMessage and unprotects them through the wire encoding.
func TestPublicRoundTrip(t *testing.T) {
	type sent struct {
		name   string
		sender Sender
		ct     ContentType
		tag    bool // whether a membership tag is expected
	}
	for _, id := range ciphersuite.All() {
		for _, s := range []sent{
			{"member proposal", MemberSender(1), ContentTypeProposal, true},
			{"member commit", MemberSender(1), ContentTypeCommit, true},
			{"external proposal", Sender{SenderType: SenderTypeExternal, SenderIndex: 3}, ContentTypeProposal, false},
			{"new member commit", Sender{SenderType: SenderTypeNewMemberCommit}, ContentTypeCommit, false},
		} {
			t.Run(id.String()+"/"+s.name, func(t *testing.T) {
				f := newFixture(t, id)
				fc := f.content(s.ct)
				fc.Sender = s.sender
				want, err := Sign(f.suite, WireFormatPublicMessage, fc, f.ctx, f.priv)
				if err != nil {
					t.Fatal(err)
				}
				if s.ct == ContentTypeCommit {
					want.Auth.ConfirmationTag = []byte("tag")
				}
				pm, err := ProtectPublic(f.suite, want, f.membershipKey, f.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got := len(pm.MembershipTag); (got == f.suite.Nh()) != s.tag || (got == 0) == s.tag {
					t.Fatalf("membership tag of %d bytes; want one of %d bytes: %v", got, f.suite.Nh(), s.tag)
				}
				b, err := EncodeFramedMessage(WireFormatPublicMessage, pm)
				if err != nil {
					t.Fatal(err)
				}
				fm, err := DecodeFramedMessage(b, testDecoder{})
				if err != nil {
					t.Fatal(err)
				}
				got, err := UnprotectPublic(f.suite, fm.PublicMessage, f.membershipKey, f.ctx, f.pub)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("unprotected content differs (-sent +received):\n%s", diff)
				}
			})
		}
	}
}

// TestUnprotectPublicRejects feeds UnprotectPublic broken messages.
func TestUnprotectPublicRejects(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448)
	good := func(ct ContentType) *PublicMessage {
		ac := f.signed(WireFormatPublicMessage, ct)
		pm, err := ProtectPublic(f.suite, ac, f.membershipKey, f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return pm
	}
	// withSender re-signs content of type ct from sender, for the sender rules.
	withSender := func(sender Sender, ct ContentType, proposal []byte) *PublicMessage {
		fc := f.content(ct)
		fc.Sender = sender
		if proposal != nil {
			fc.Proposal = proposal
		}
		_, b, err := newTBS(WireFormatPublicMessage, fc, f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := f.suite.SignWithLabel(f.priv, "FramedContentTBS", b)
		if err != nil {
			t.Fatal(err)
		}
		return &PublicMessage{Content: *fc, Auth: FramedContentAuthData{Signature: sig, ConfirmationTag: []byte("t")}}
	}
	cases := []struct {
		name   string
		pm     func() *PublicMessage
		key    []byte
		sigPub []byte
		class  error
		req    string
	}{
		{"membership tag altered", func() *PublicMessage {
			pm := good(ContentTypeProposal)
			pm.MembershipTag[len(pm.MembershipTag)-1] ^= 1
			return pm
		}, nil, nil, mlserr.ErrInvalidMembershipTag, "R-6.2-2"},
		{"membership tag short", func() *PublicMessage {
			pm := good(ContentTypeProposal)
			pm.MembershipTag = pm.MembershipTag[:len(pm.MembershipTag)-1]
			return pm
		}, nil, nil, mlserr.ErrInvalidMembershipTag, "R-6.2-2"},
		{"membership tag long", func() *PublicMessage {
			pm := good(ContentTypeProposal)
			pm.MembershipTag = append(pm.MembershipTag, 0)
			return pm
		}, nil, nil, mlserr.ErrInvalidMembershipTag, "R-6.2-2"},
		{"membership tag empty", func() *PublicMessage {
			pm := good(ContentTypeCommit)
			pm.MembershipTag = nil
			return pm
		}, nil, nil, mlserr.ErrInvalidMembershipTag, "R-6.2-2"},
		{"wrong membership key", func() *PublicMessage { return good(ContentTypeCommit) },
			[]byte("not the membership key"), nil, mlserr.ErrInvalidMembershipTag, "R-6.2-2"},
		{"content altered", func() *PublicMessage {
			pm := good(ContentTypeProposal)
			pm.Content.AuthenticatedData = []byte("changed")
			return pm
		}, nil, nil, mlserr.ErrInvalidMembershipTag, "R-6.2-2"},
		{"confirmation tag altered", func() *PublicMessage {
			pm := good(ContentTypeCommit)
			pm.Auth.ConfirmationTag[0] ^= 1
			return pm
		}, nil, nil, mlserr.ErrInvalidMembershipTag, "R-6.2-2"},
		{"wrong signature key", func() *PublicMessage { return good(ContentTypeProposal) },
			nil, f.otherPub, mlserr.ErrInvalidSignature, "R-6.1-9"},
		{"wrong epoch", func() *PublicMessage {
			pm := good(ContentTypeProposal)
			pm.Content.Epoch--
			return pm
		}, nil, nil, mlserr.ErrEpoch, ""},
		{"application data in a PublicMessage", func() *PublicMessage {
			return withSender(MemberSender(1), ContentTypeApplication, nil)
		}, nil, nil, mlserr.ErrMalformed, "R-6-1"},
		{"external sender of a commit", func() *PublicMessage {
			return withSender(Sender{SenderType: SenderTypeExternal}, ContentTypeCommit, nil)
		}, nil, nil, mlserr.ErrMalformed, "R-6.1-4"},
		{"new_member_commit sending a proposal", func() *PublicMessage {
			return withSender(Sender{SenderType: SenderTypeNewMemberCommit}, ContentTypeProposal, nil)
		}, nil, nil, mlserr.ErrMalformed, "R-6.1-6"},
		{"new_member_proposal sending a commit", func() *PublicMessage {
			return withSender(Sender{SenderType: SenderTypeNewMemberProposal}, ContentTypeCommit, nil)
		}, nil, nil, mlserr.ErrMalformed, "R-6.1-8"},
		{"new_member_proposal sending a Remove", func() *PublicMessage {
			return withSender(Sender{SenderType: SenderTypeNewMemberProposal}, ContentTypeProposal, removeProposal(1))
		}, nil, nil, mlserr.ErrMalformed, "R-6.1-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, pub := f.membershipKey, f.pub
			if tc.key != nil {
				key = tc.key
			}
			if tc.sigPub != nil {
				pub = tc.sigPub
			}
			ac, err := UnprotectPublic(f.suite, tc.pm(), key, f.ctx, pub)
			if ac != nil {
				t.Errorf("got content with the error")
			}
			wantErr(t, err, tc.class, tc.req)
		})
	}
}

// TestSignRefuses checks the sender's side of Sections 6 and 6.1.
func TestSignRefuses(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	external := f.content(ContentTypeApplication)
	external.Sender = Sender{SenderType: SenderTypeExternal}
	otherEpoch := f.content(ContentTypeProposal)
	otherEpoch.Epoch++
	cases := []struct {
		name  string
		wf    WireFormat
		fc    *FramedContent
		class error
		req   string
	}{
		{"application as PublicMessage", WireFormatPublicMessage, f.content(ContentTypeApplication), mlserr.ErrInvalidInput, "R-6-1"},
		{"external application", WireFormatPrivateMessage, external, mlserr.ErrInvalidInput, "R-6.1-4"},
		{"wire format welcome", WireFormatWelcome, f.content(ContentTypeProposal), mlserr.ErrInvalidInput, ""},
		{"content of another epoch", WireFormatPublicMessage, otherEpoch, mlserr.ErrEpoch, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sign(f.suite, tc.wf, tc.fc, f.ctx, f.priv)
			wantErr(t, err, tc.class, tc.req)
		})
	}
	// ProtectPublic refuses application data too [R-6-1], even when it was
	// signed some other way.
	ac := f.signed(WireFormatPrivateMessage, ContentTypeApplication)
	ac.WireFormat = WireFormatPublicMessage
	_, err := ProtectPublic(f.suite, ac, f.membershipKey, f.ctx)
	wantErr(t, err, mlserr.ErrInvalidInput, "R-6-1")
	// A member signs over the GroupContext: none given is an error.
	_, err = Sign(f.suite, WireFormatPublicMessage, f.content(ContentTypeProposal), nil, f.priv)
	wantErr(t, err, mlserr.ErrInvalidInput, "")
}

// TestConfirmationTag checks SetConfirmationTag and VerifyConfirmationTag
// against an independent HMAC.
func TestConfirmationTag(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	ac := f.signed(WireFormatPublicMessage, ContentTypeCommit)
	key, cth := []byte("confirmation key"), []byte("confirmed transcript hash")
	if err := ac.SetConfirmationTag(f.suite, key, cth); err != nil {
		t.Fatal(err)
	}
	if want := hmacSHA256(key, cth); string(ac.Auth.ConfirmationTag) != string(want) {
		t.Fatalf("confirmation tag %x, want %x", ac.Auth.ConfirmationTag, want)
	}
	if err := ac.VerifyConfirmationTag(f.suite, key, cth); err != nil {
		t.Fatal(err)
	}
	ac.Auth.ConfirmationTag = ac.Auth.ConfirmationTag[:31]
	wantErr(t, ac.VerifyConfirmationTag(f.suite, key, cth), mlserr.ErrInvalidConfirmationTag, "R-12.4.2-23")
	proposal := f.signed(WireFormatPublicMessage, ContentTypeProposal)
	wantErr(t, proposal.SetConfirmationTag(f.suite, key, cth), mlserr.ErrInvalidInput, "")
}
