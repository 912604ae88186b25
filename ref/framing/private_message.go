package framing

import (
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// PrivateMessage is an authenticated and encrypted message (RFC 9420,
// Section 6.3).
//
//	struct {
//	    opaque group_id<V>;
//	    uint64 epoch;
//	    ContentType content_type;
//	    opaque authenticated_data<V>;
//	    opaque encrypted_sender_data<V>;
//	    opaque ciphertext<V>;
//	} PrivateMessage;
type PrivateMessage struct {
	GroupID             []byte
	Epoch               uint64
	ContentType         ContentType
	AuthenticatedData   []byte
	EncryptedSenderData []byte
	Ciphertext          []byte
}

// MarshalMLS encodes pm (RFC 9420, Section 6.3).
func (pm *PrivateMessage) MarshalMLS(w *codec.Writer) {
	w.Opaque(pm.GroupID)
	w.U64(pm.Epoch)
	w.U8(uint8(pm.ContentType))
	w.Opaque(pm.AuthenticatedData)
	w.Opaque(pm.EncryptedSenderData)
	w.Opaque(pm.Ciphertext)
}

// UnmarshalMLS decodes pm (RFC 9420, Section 6.3), rejecting unknown
// content types.
func (pm *PrivateMessage) UnmarshalMLS(r *codec.Reader) {
	*pm = PrivateMessage{}
	pm.GroupID = r.OpaqueCopy()
	pm.Epoch = r.U64()
	pm.ContentType = readContentType(r)
	pm.AuthenticatedData = r.OpaqueCopy()
	pm.EncryptedSenderData = r.OpaqueCopy()
	pm.Ciphertext = r.OpaqueCopy()
}

// DecodePrivateMessage decodes exactly b as a PrivateMessage (RFC 9420,
// Section 6.3), without the MLSMessage header.
func DecodePrivateMessage(b []byte) (*PrivateMessage, error) {
	pm := new(PrivateMessage)
	if err := codec.Decode(b, pm); err != nil {
		return nil, err
	}
	return pm, nil
}

// PrivateMessageContent is the plaintext of a PrivateMessage's ciphertext
// (RFC 9420, Section 6.3.1). As in FramedContent, exactly one of
// ApplicationData, Proposal and Commit is meaningful; the content type comes
// from the enclosing PrivateMessage. Padding is the number of zero octets
// that end the plaintext.
//
//	struct {
//	    select (PrivateMessage.content_type) {
//	        case application:
//	          opaque application_data<V>;
//	        case proposal:
//	          Proposal proposal;
//	        case commit:
//	          Commit commit;
//	    };
//
//	    FramedContentAuthData auth;
//	    opaque padding[length_of_padding];
//	} PrivateMessageContent;
type PrivateMessageContent struct {
	ContentType     ContentType // not encoded: PrivateMessage.content_type
	ApplicationData []byte
	Proposal        []byte
	Commit          []byte
	Auth            FramedContentAuthData
	Padding         int
}

// MarshalMLS encodes pc followed by Padding zero octets (RFC 9420, Section
// 6.3.1).
func (pc *PrivateMessageContent) MarshalMLS(w *codec.Writer) {
	marshalContent(w, pc.ContentType, pc.ApplicationData, pc.Proposal, pc.Commit)
	pc.Auth.MarshalWith(w, pc.ContentType)
	// [R-6.3.1-1]
	w.Raw(make([]byte, max(pc.Padding, 0)))
}

// DecodePrivateMessageContent decodes the plaintext b of a PrivateMessage
// whose content type is ct (RFC 9420, Section 6.3.1): the content, the
// auth, then padding that must be all zero.
func DecodePrivateMessageContent(b []byte, ct ContentType, cd ContentDecoder) (*PrivateMessageContent, error) {
	pc := &PrivateMessageContent{ContentType: ct}
	r := codec.NewReader(b)
	pc.ApplicationData, pc.Proposal, pc.Commit = readContent(r, ct, cd)
	pc.Auth.UnmarshalWith(r, ct)
	if err := r.Err(); err != nil {
		return nil, err
	}
	padding := r.Raw(r.Len())
	// [R-6.3.1-2]
	for i, p := range padding {
		if p != 0 {
			return nil, mlserr.New("R-6.3.1-2", mlserr.ErrMalformed, "PrivateMessageContent padding has the non-zero octet %#02x at offset %d of %d", p, i, len(padding))
		}
	}
	pc.Padding = len(padding)
	return pc, nil
}

// PrivateContentAAD is the additional authenticated data of content
// encryption (RFC 9420, Section 6.3.1).
//
//	struct {
//	    opaque group_id<V>;
//	    uint64 epoch;
//	    ContentType content_type;
//	    opaque authenticated_data<V>;
//	} PrivateContentAAD;
type PrivateContentAAD struct {
	GroupID           []byte
	Epoch             uint64
	ContentType       ContentType
	AuthenticatedData []byte
}

// MarshalMLS encodes aad (RFC 9420, Section 6.3.1).
func (aad *PrivateContentAAD) MarshalMLS(w *codec.Writer) {
	w.Opaque(aad.GroupID)
	w.U64(aad.Epoch)
	w.U8(uint8(aad.ContentType))
	w.Opaque(aad.AuthenticatedData)
}

// UnmarshalMLS decodes aad (RFC 9420, Section 6.3.1).
func (aad *PrivateContentAAD) UnmarshalMLS(r *codec.Reader) {
	*aad = PrivateContentAAD{}
	aad.GroupID = r.OpaqueCopy()
	aad.Epoch = r.U64()
	aad.ContentType = readContentType(r)
	aad.AuthenticatedData = r.OpaqueCopy()
}

// SenderData identifies the key that encrypts a PrivateMessage's content
// (RFC 9420, Section 6.3.2).
//
//	struct {
//	    uint32 leaf_index;
//	    uint32 generation;
//	    opaque reuse_guard[4];
//	} SenderData;
type SenderData struct {
	LeafIndex  uint32
	Generation uint32
	ReuseGuard [4]byte
}

// MarshalMLS encodes sd (RFC 9420, Section 6.3.2).
func (sd *SenderData) MarshalMLS(w *codec.Writer) {
	w.U32(sd.LeafIndex)
	w.U32(sd.Generation)
	w.Raw(sd.ReuseGuard[:])
}

// UnmarshalMLS decodes sd (RFC 9420, Section 6.3.2).
func (sd *SenderData) UnmarshalMLS(r *codec.Reader) {
	*sd = SenderData{}
	sd.LeafIndex = r.U32()
	sd.Generation = r.U32()
	copy(sd.ReuseGuard[:], r.Raw(4))
}

// SenderDataAAD is the additional authenticated data of sender data
// encryption: the first three fields of the PrivateMessage (RFC 9420,
// Section 6.3.2).
//
//	struct {
//	    opaque group_id<V>;
//	    uint64 epoch;
//	    ContentType content_type;
//	} SenderDataAAD;
type SenderDataAAD struct {
	GroupID     []byte
	Epoch       uint64
	ContentType ContentType
}

// MarshalMLS encodes aad (RFC 9420, Section 6.3.2).
func (aad *SenderDataAAD) MarshalMLS(w *codec.Writer) {
	w.Opaque(aad.GroupID)
	w.U64(aad.Epoch)
	w.U8(uint8(aad.ContentType))
}

// UnmarshalMLS decodes aad (RFC 9420, Section 6.3.2).
func (aad *SenderDataAAD) UnmarshalMLS(r *codec.Reader) {
	*aad = SenderDataAAD{}
	aad.GroupID = r.OpaqueCopy()
	aad.Epoch = r.U64()
	aad.ContentType = readContentType(r)
}
