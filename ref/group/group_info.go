package group

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// GroupInfoTBS is the content of a GroupInfo that its signature covers
// (RFC 9420, Section 12.4.3).
//
//	struct {
//	    GroupContext group_context;
//	    Extension extensions<V>;
//	    MAC confirmation_tag;
//	    uint32 signer;
//	} GroupInfoTBS;
//
// where MAC is opaque<V> (RFC 9420, Section 6.1).
type GroupInfoTBS struct {
	GroupContext    schedule.GroupContext
	Extensions      extension.List
	ConfirmationTag []byte
	Signer          uint32
}

// MarshalMLS encodes tbs (RFC 9420, Section 12.4.3).
func (tbs *GroupInfoTBS) MarshalMLS(w *codec.Writer) {
	tbs.GroupContext.MarshalMLS(w)
	tbs.Extensions.MarshalMLS(w)
	w.Opaque(tbs.ConfirmationTag)
	w.U32(tbs.Signer)
}

// UnmarshalMLS decodes tbs (RFC 9420, Section 12.4.3). The GroupContext's
// version must be mls10; unknown extensions in Extensions are kept, since
// a receiver ignores them (Section 13.4).
func (tbs *GroupInfoTBS) UnmarshalMLS(r *codec.Reader) {
	*tbs = GroupInfoTBS{}
	tbs.GroupContext.UnmarshalMLS(r)
	// [R-13.4-1] [R-13.4-4] [R-12.4.3-1] unknown extensions are kept and otherwise ignored.
	tbs.Extensions.UnmarshalMLS(r)
	tbs.ConfirmationTag = r.OpaqueCopy()
	tbs.Signer = r.U32()
}

// GroupInfo describes the group to a new member (RFC 9420, Section
// 12.4.3), signed by the member at leaf index Signer.
//
//	struct {
//	    GroupContext group_context;
//	    Extension extensions<V>;
//	    MAC confirmation_tag;
//	    uint32 signer;
//	    /* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) */
//	    opaque signature<V>;
//	} GroupInfo;
type GroupInfo struct {
	GroupContext    schedule.GroupContext
	Extensions      extension.List
	ConfirmationTag []byte
	Signer          uint32
	Signature       []byte
}

// TBS returns the fields of gi that its signature covers (RFC 9420,
// Section 12.4.3). The result shares gi's slices.
func (gi *GroupInfo) TBS() *GroupInfoTBS {
	return &GroupInfoTBS{
		GroupContext:    gi.GroupContext,
		Extensions:      gi.Extensions,
		ConfirmationTag: gi.ConfirmationTag,
		Signer:          gi.Signer,
	}
}

// MarshalMLS encodes gi (RFC 9420, Section 12.4.3).
func (gi *GroupInfo) MarshalMLS(w *codec.Writer) {
	gi.TBS().MarshalMLS(w)
	w.Opaque(gi.Signature)
}

// UnmarshalMLS decodes gi (RFC 9420, Section 12.4.3). The signature is not
// verified here: see VerifySignature.
func (gi *GroupInfo) UnmarshalMLS(r *codec.Reader) {
	var tbs GroupInfoTBS
	tbs.UnmarshalMLS(r)
	*gi = GroupInfo{
		GroupContext:    tbs.GroupContext,
		Extensions:      tbs.Extensions,
		ConfirmationTag: tbs.ConfirmationTag,
		Signer:          tbs.Signer,
		Signature:       r.OpaqueCopy(),
	}
}

// Marshal returns the encoding of gi (RFC 9420, Section 12.4.3), or the
// error of a field too long to encode.
func (gi *GroupInfo) Marshal() ([]byte, error) { return marshal(gi) }

// DecodeGroupInfo decodes exactly b as a GroupInfo (RFC 9420, Section
// 12.4.3), without the MLSMessage header.
func DecodeGroupInfo(b []byte) (*GroupInfo, error) {
	gi := new(GroupInfo)
	if err := codec.Decode(b, gi); err != nil {
		return nil, err
	}
	return gi, nil
}

// Sign sets gi.Signature to SignWithLabel(sigPriv, "GroupInfoTBS",
// GroupInfoTBS) (RFC 9420, Section 12.4.3). sigPriv is the private key of
// the member at leaf gi.Signer.
func (gi *GroupInfo) Sign(suite *ciphersuite.Suite, sigPriv []byte) error {
	tbs, err := marshal(gi.TBS())
	if err != nil {
		return err
	}
	sig, err := suite.SignWithLabel(sigPriv, ciphersuite.LabelGroupInfoTBS, tbs)
	if err != nil {
		return err
	}
	gi.Signature = sig
	return nil
}

// VerifySignature checks gi's signature with signerPub, the signature key
// of the leaf at index gi.Signer (RFC 9420, Sections 12.4.3 and 12.4.3.1).
// A failure is an error of class mlserr.ErrInvalidSignature carrying
// requirement R-12.4.3-4.
func (gi *GroupInfo) VerifySignature(suite *ciphersuite.Suite, signerPub []byte) error {
	tbs, err := marshal(gi.TBS())
	if err != nil {
		return err
	}
	// [R-12.4.3-4]
	if err := suite.VerifyWithLabel(signerPub, ciphersuite.LabelGroupInfoTBS, tbs, gi.Signature); err != nil {
		return mlserr.Wrap("R-12.4.3-4", mlserr.ErrInvalidSignature, err, "GroupInfo signature does not verify with the signature key of leaf %d", gi.Signer)
	}
	return nil
}

// RatchetTree decodes the ratchet_tree extension of gi, if it has one (RFC
// 9420, Section 12.4.3.3); it returns nil and no error when there is none.
// The tree is decoded, not validated.
func (gi *GroupInfo) RatchetTree() (*tree.RatchetTree, error) {
	ext, ok := gi.Extensions.Find(extension.RatchetTree)
	if !ok {
		return nil, nil
	}
	t := new(tree.RatchetTree)
	if err := codec.Decode(ext.ExtensionData, t); err != nil {
		return nil, err
	}
	return t, nil
}
