package framing

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// h decodes hex written with spaces between fields.
func h(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Hand-written encodings, field by field in the order of the RFC's structs
// (RFC 9420, Sections 6, 6.1, 6.2 and 6.3).
const (
	// MLSMessage: version mls10, wire format mls_public_message; then
	// PublicMessage: group_id "g", epoch 5, sender member 1, empty
	// authenticated_data, content_type proposal, Remove(2), signature
	// "sig", membership_tag "tg".
	memberProposalHex = "0001 0001  01 67  0000000000000005  01 00000001  00  02  0003 00000002  03 736967  02 7467"
	// PublicMessage (no header): sender external 3, authenticated_data
	// "ad", commit (one Remove(0) by value, no path), signature "s",
	// confirmation_tag "ct"; no membership tag.
	externalCommitHex = "01 67  0000000000000005  02 00000003  02 6164  03  07 01 0003 00000000 00  01 73  02 6374"
	// PublicMessage: sender new_member_commit, no index; application data
	// "hi" is not allowed for it, but it encodes.
	newMemberHex = "01 67  0000000000000005  04  00  01  02 6869  01 73"
	// MLSMessage: mls10, mls_private_message; PrivateMessage: group_id "g",
	// epoch 5, content_type application, authenticated_data "", sender data
	// "sd", ciphertext "ct".
	privateHex = "0001 0002  01 67  0000000000000005  01  00  02 7364  02 6374"
)

func TestWireLayouts(t *testing.T) {
	memberProposal := &PublicMessage{
		Content: FramedContent{GroupID: []byte("g"), Epoch: 5, Sender: MemberSender(1), AuthenticatedData: []byte{},
			ContentType: ContentTypeProposal, Proposal: removeProposal(2)},
		Auth:          FramedContentAuthData{Signature: []byte("sig")},
		MembershipTag: []byte("tg"),
	}
	externalCommit := &PublicMessage{
		Content: FramedContent{GroupID: []byte("g"), Epoch: 5, Sender: Sender{SenderType: SenderTypeExternal, SenderIndex: 3},
			AuthenticatedData: []byte("ad"), ContentType: ContentTypeCommit, Commit: emptyCommit()},
		Auth: FramedContentAuthData{Signature: []byte("s"), ConfirmationTag: []byte("ct")},
	}
	newMember := &PublicMessage{
		Content: FramedContent{GroupID: []byte("g"), Epoch: 5, Sender: Sender{SenderType: SenderTypeNewMemberCommit},
			AuthenticatedData: []byte{}, ContentType: ContentTypeApplication, ApplicationData: []byte("hi")},
		Auth: FramedContentAuthData{Signature: []byte("s")},
	}
	private := &PrivateMessage{GroupID: []byte("g"), Epoch: 5, ContentType: ContentTypeApplication,
		AuthenticatedData: []byte{}, EncryptedSenderData: []byte("sd"), Ciphertext: []byte("ct")}

	t.Run("member proposal as MLSMessage", func(t *testing.T) {
		want := h(t, memberProposalHex)
		got, err := EncodeFramedMessage(WireFormatPublicMessage, memberProposal)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("encoding (-want +got):\n%s", diff)
		}
		fm, err := DecodeFramedMessage(want, testDecoder{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&FramedMessage{WireFormat: WireFormatPublicMessage, PublicMessage: memberProposal}, fm); diff != "" {
			t.Errorf("decoding (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name string
		hex  string
		pm   *PublicMessage
	}{{"external commit", externalCommitHex, externalCommit}, {"new member", newMemberHex, newMember}} {
		t.Run(tc.name, func(t *testing.T) {
			want := h(t, tc.hex)
			if diff := cmp.Diff(want, codec.Encode(tc.pm)); diff != "" {
				t.Errorf("encoding (-want +got):\n%s", diff)
			}
			got, err := DecodePublicMessage(want, testDecoder{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.pm, got); diff != "" {
				t.Errorf("decoding (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("private message as MLSMessage", func(t *testing.T) {
		want := h(t, privateHex)
		got, err := EncodeFramedMessage(WireFormatPrivateMessage, private)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("encoding (-want +got):\n%s", diff)
		}
		fm, err := DecodeFramedMessage(want, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(private, fm.PrivateMessage); diff != "" {
			t.Errorf("decoding (-want +got):\n%s", diff)
		}
	})
	t.Run("AuthenticatedContent", func(t *testing.T) {
		// wire_format mls_private_message, then the FramedContent and auth of
		// the external commit.
		want := append(h(t, "0002"), h(t, externalCommitHex)...)
		ac := &AuthenticatedContent{WireFormat: WireFormatPrivateMessage, Content: externalCommit.Content, Auth: externalCommit.Auth}
		if diff := cmp.Diff(want, codec.Encode(ac)); diff != "" {
			t.Errorf("encoding (-want +got):\n%s", diff)
		}
		got, err := DecodeAuthenticatedContent(want, testDecoder{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ac, got); diff != "" {
			t.Errorf("decoding (-want +got):\n%s", diff)
		}
	})
	t.Run("SenderData and AADs", func(t *testing.T) {
		for _, c := range []struct {
			m    codec.Marshaler
			want string
		}{
			{&SenderData{LeafIndex: 0x01020304, Generation: 9, ReuseGuard: [4]byte{0xa, 0xb, 0xc, 0xd}}, "01020304 00000009 0a0b0c0d"},
			{&SenderDataAAD{GroupID: []byte("g"), Epoch: 5, ContentType: ContentTypeCommit}, "01 67 0000000000000005 03"},
			{&PrivateContentAAD{GroupID: []byte("g"), Epoch: 5, ContentType: ContentTypeProposal, AuthenticatedData: []byte("ad")}, "01 67 0000000000000005 02 02 6164"},
		} {
			if diff := cmp.Diff(h(t, c.want), codec.Encode(c.m)); diff != "" {
				t.Errorf("%T encoding (-want +got):\n%s", c.m, diff)
			}
		}
	})
}

// lyingDecoder claims to have read one byte less than it did.
type lyingDecoder struct{ testDecoder }

func (d lyingDecoder) ReadProposal(r *codec.Reader) []byte {
	b := d.testDecoder.ReadProposal(r)
	return b[:len(b)-1]
}

func TestDecodeRejects(t *testing.T) {
	cases := []struct {
		name  string
		hex   string
		cd    ContentDecoder
		class error
	}{
		{"version reserved(0)", "0000 0001" + memberProposalHex[9:], testDecoder{}, mlserr.ErrMalformed},
		{"version 2", "0002 0001" + memberProposalHex[9:], testDecoder{}, mlserr.ErrUnsupported},
		{"wire format reserved(0)", "0001 0000", testDecoder{}, mlserr.ErrUnsupported},
		{"wire format mls_welcome", "0001 0003 00", testDecoder{}, mlserr.ErrUnsupported},
		{"wire format mls_group_info", "0001 0004 00", testDecoder{}, mlserr.ErrUnsupported},
		{"wire format mls_key_package", "0001 0005 00", testDecoder{}, mlserr.ErrUnsupported},
		{"wire format 6", "0001 0006 00", testDecoder{}, mlserr.ErrUnsupported},
		{"trailing byte", memberProposalHex + "00", testDecoder{}, mlserr.ErrMalformed},
		{"truncated", memberProposalHex[:len(memberProposalHex)-2], testDecoder{}, mlserr.ErrMalformed},
		{"sender type reserved(0)", "0001 0001  01 67  0000000000000005  00 00000001  00  02  0003 00000002  03 736967  02 7467", testDecoder{}, mlserr.ErrMalformed},
		{"sender type 5", "0001 0001  01 67  0000000000000005  05  00  02  0003 00000002  03 736967", testDecoder{}, mlserr.ErrMalformed},
		{"content type reserved(0)", "0001 0001  01 67  0000000000000005  01 00000001  00  00  00  03 736967  02 7467", testDecoder{}, mlserr.ErrMalformed},
		{"content type 4", "0001 0001  01 67  0000000000000005  01 00000001  00  04  00  03 736967  02 7467", testDecoder{}, mlserr.ErrMalformed},
		{"private content type 4", "0001 0002  01 67  0000000000000005  04  00  02 7364  02 6374", nil, mlserr.ErrMalformed},
		{"private content type reserved(0)", "0001 0002  01 67  0000000000000005  00  00  02 7364  02 6374", nil, mlserr.ErrMalformed},
		{"no ContentDecoder", memberProposalHex, nil, mlserr.ErrMalformed},
		{"ContentDecoder miscounts", memberProposalHex, lyingDecoder{}, mlserr.ErrMalformed},
		{"proposal the decoder rejects", "0001 0001  01 67  0000000000000005  01 00000001  00  02  0009 00000002  03 736967  02 7467", testDecoder{}, mlserr.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fm, err := DecodeFramedMessage(h(t, tc.hex), tc.cd)
			if fm != nil {
				t.Errorf("decoded %+v", fm)
			}
			wantErr(t, err, tc.class, "")
		})
	}
	// AuthenticatedContent and FramedContentTBS can only carry the two
	// framed wire formats.
	_, err := DecodeAuthenticatedContent(append(h(t, "0003"), h(t, externalCommitHex)...), testDecoder{})
	wantErr(t, err, mlserr.ErrMalformed, "")
}

func TestPrivateMessageContentPadding(t *testing.T) {
	// application_data "hi", signature "s", then padding.
	for _, tc := range []struct {
		name    string
		hex     string
		padding int
		req     string
	}{
		{"no padding", "02 6869  01 73", 0, ""},
		{"three zero octets", "02 6869  01 73  000000", 3, ""},
		{"non-zero last octet", "02 6869  01 73  000001", -1, "R-6.3.1-2"},
		{"non-zero first octet", "02 6869  01 73  800000", -1, "R-6.3.1-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := h(t, tc.hex)
			pc, err := DecodePrivateMessageContent(b, ContentTypeApplication, nil)
			if tc.req != "" {
				wantErr(t, err, mlserr.ErrMalformed, tc.req)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := &PrivateMessageContent{ContentType: ContentTypeApplication, ApplicationData: []byte("hi"),
				Auth: FramedContentAuthData{Signature: []byte("s")}, Padding: tc.padding}
			if diff := cmp.Diff(want, pc); diff != "" {
				t.Errorf("decoding (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(b, codec.Encode(pc)); diff != "" {
				t.Errorf("re-encoding (-want +got):\n%s", diff)
			}
		})
	}
	// A commit's auth carries the confirmation tag: without it the
	// plaintext is truncated.
	_, err := DecodePrivateMessageContent(h(t, "07 01 0003 00000000 00  01 73"), ContentTypeCommit, testDecoder{})
	wantErr(t, err, mlserr.ErrMalformed, "")
}

func TestEncodeFramedMessageRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		wf   WireFormat
		msg  codec.Marshaler
	}{
		{"PublicMessage as private", WireFormatPrivateMessage, &PublicMessage{}},
		{"PrivateMessage as public", WireFormatPublicMessage, &PrivateMessage{}},
		{"PublicMessage as welcome", WireFormatWelcome, &PublicMessage{}},
		{"other struct", WireFormatPublicMessage, &SenderData{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := EncodeFramedMessage(tc.wf, tc.msg)
			wantErr(t, err, mlserr.ErrInvalidInput, "")
		})
	}
	_, err := (&FramedMessage{WireFormat: WireFormatPublicMessage}).Encode()
	wantErr(t, err, mlserr.ErrInvalidInput, "")
}
