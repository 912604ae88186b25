package wire

import (
	"github.com/mlsref/mlsref/fuzz/internal/fixture"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// kind is one decoder under test: decode returns a function that encodes
// again what it decoded, or the decoder's error.
type kind struct {
	name   string
	decode func(b []byte) (reencoder, error)
	// state marks the decoders of mlsref's own serialized state
	// (MarshalBinary), which never comes from a peer: their errors need
	// not name a rule of RFC 9420.
	state bool
}

// wireStruct is a pointer to a struct that encodes and decodes itself.
type wireStruct[T any] interface {
	*T
	codec.Marshaler
	codec.Unmarshaler
}

// viaCodec decodes with T's UnmarshalMLS through codec.Decode (strict: no
// trailing bytes) and re-encodes with its MarshalMLS.
func viaCodec[T any, P wireStruct[T]](name string) kind {
	return kind{name: name, decode: func(b []byte) (reencoder, error) {
		v := P(new(T))
		if err := codec.Decode(b, v); err != nil {
			return nil, err
		}
		return func() ([]byte, error) { return encode(v) }, nil
	}}
}

// encode reports a Writer error (a vector too long to encode), which no
// value that decoded can have.
func encode(m codec.Marshaler) ([]byte, error) {
	var w codec.Writer
	m.MarshalMLS(&w)
	return w.Bytes(), w.Err()
}

// reencoder encodes again a decoded value.
type reencoder func() ([]byte, error)

// marshaler is a decoded value with a Marshal method of its own.
type marshaler interface{ Marshal() ([]byte, error) }

func decoded[T marshaler](v T, err error) (reencoder, error) {
	if err != nil {
		return nil, err
	}
	return v.Marshal, nil
}

func coded[T codec.Marshaler](v T, err error) (reencoder, error) {
	if err != nil {
		return nil, err
	}
	return func() ([]byte, error) { return encode(v) }, nil
}

// privateContent decodes a PrivateMessageContent of content type ct (RFC
// 9420, Section 6.3.1), whose padding is implied by the plaintext's length.
func privateContent(ct framing.ContentType) func([]byte) (reencoder, error) {
	return func(b []byte) (reencoder, error) {
		return coded(framing.DecodePrivateMessageContent(b, ct, group.ContentDecoder{}))
	}
}

// kinds lists every decoder. The fuzz input's kind byte selects one
// modulo the list's length, so entries are only ever appended: the
// committed corpus depends on the order.
var kinds = []kind{
	{name: "MLSMessage", decode: func(b []byte) (reencoder, error) { return decoded(group.DecodeMLSMessage(b)) }},
	{name: "FramedMessage", decode: func(b []byte) (reencoder, error) {
		m, err := framing.DecodeFramedMessage(b, group.ContentDecoder{})
		if err != nil {
			return nil, err
		}
		return m.Encode, nil
	}},
	{name: "PublicMessage", decode: func(b []byte) (reencoder, error) {
		return coded(framing.DecodePublicMessage(b, group.ContentDecoder{}))
	}},
	{name: "PrivateMessage", decode: func(b []byte) (reencoder, error) { return coded(framing.DecodePrivateMessage(b)) }},
	{name: "FramedContent", decode: func(b []byte) (reencoder, error) {
		return coded(framing.DecodeFramedContent(b, group.ContentDecoder{}))
	}},
	{name: "AuthenticatedContent", decode: func(b []byte) (reencoder, error) {
		return coded(framing.DecodeAuthenticatedContent(b, group.ContentDecoder{}))
	}},
	{name: "PrivateMessageContent/application", decode: privateContent(framing.ContentTypeApplication)},
	{name: "PrivateMessageContent/proposal", decode: privateContent(framing.ContentTypeProposal)},
	{name: "PrivateMessageContent/commit", decode: privateContent(framing.ContentTypeCommit)},
	viaCodec[framing.Sender]("Sender"),
	viaCodec[framing.SenderData]("SenderData"),
	viaCodec[framing.SenderDataAAD]("SenderDataAAD"),
	viaCodec[framing.PrivateContentAAD]("PrivateContentAAD"),
	{name: "Welcome", decode: func(b []byte) (reencoder, error) { return decoded(group.DecodeWelcome(b)) }},
	viaCodec[group.EncryptedGroupSecrets]("EncryptedGroupSecrets"),
	{name: "GroupSecrets", decode: func(b []byte) (reencoder, error) { return coded(group.DecodeGroupSecrets(b)) }},
	viaCodec[group.PathSecret]("PathSecret"),
	{name: "GroupInfo", decode: func(b []byte) (reencoder, error) { return decoded(group.DecodeGroupInfo(b)) }},
	viaCodec[group.GroupInfoTBS]("GroupInfoTBS"),
	{name: "KeyPackage", decode: func(b []byte) (reencoder, error) { return decoded(group.DecodeKeyPackage(b)) }},
	viaCodec[group.KeyPackageTBS]("KeyPackageTBS"),
	{name: "Proposal", decode: func(b []byte) (reencoder, error) { return decoded(group.DecodeProposal(b)) }},
	viaCodec[group.ProposalOrRef]("ProposalOrRef"),
	{name: "Commit", decode: func(b []byte) (reencoder, error) { return decoded(group.DecodeCommit(b)) }},
	viaCodec[group.Add]("Add"),
	viaCodec[group.Update]("Update"),
	viaCodec[group.Remove]("Remove"),
	viaCodec[group.PreSharedKey]("PreSharedKey"),
	viaCodec[group.ReInit]("ReInit"),
	viaCodec[group.ExternalInit]("ExternalInit"),
	viaCodec[group.GroupContextExtensions]("GroupContextExtensions"),
	viaCodec[group.ExternalPub]("ExternalPub"),
	viaCodec[group.ExternalSenders]("ExternalSenders"),
	viaCodec[group.ExternalSender]("ExternalSender"),
	{name: "GroupContext", decode: func(b []byte) (reencoder, error) { return decoded(schedule.UnmarshalGroupContext(b)) }},
	viaCodec[schedule.PreSharedKeyID]("PreSharedKeyID"),
	viaCodec[extension.Extension]("Extension"),
	viaCodec[extension.List]("Extensions"),
	viaCodec[credential.Credential]("Credential"),
	viaCodec[tree.LeafNode]("LeafNode"),
	viaCodec[tree.Capabilities]("Capabilities"),
	viaCodec[tree.RequiredCapabilities]("RequiredCapabilities"),
	viaCodec[tree.ParentNode]("ParentNode"),
	viaCodec[tree.Node]("Node"),
	viaCodec[tree.RatchetTree]("RatchetTree"),
	viaCodec[tree.UpdatePath]("UpdatePath"),
	viaCodec[tree.UpdatePathNode]("UpdatePathNode"),
	viaCodec[tree.HPKECiphertext]("HPKECiphertext"),
	{name: "GroupState", state: true, decode: func(b []byte) (reencoder, error) {
		g, err := group.UnmarshalGroup(b, fixture.Config("wire"))
		if err != nil {
			return nil, err
		}
		return g.MarshalBinary, nil
	}},
	{name: "PendingCommit", state: true, decode: func(b []byte) (reencoder, error) {
		pc, err := group.UnmarshalPendingCommit(b, fixture.Config("wire"))
		if err != nil {
			return nil, err
		}
		return pc.MarshalBinary, nil
	}},
	{name: "PrivateState", state: true, decode: func(b []byte) (reencoder, error) {
		p, err := tree.UnmarshalPrivateState(b)
		if err != nil {
			return nil, err
		}
		return p.MarshalBinary, nil
	}},
	{name: "SecretTree", state: true, decode: func(b []byte) (reencoder, error) {
		st, err := schedule.UnmarshalSecretTree(b)
		if err != nil {
			return nil, err
		}
		return st.MarshalBinary, nil
	}},
}

// kindIndex returns the index of the kind called name.
func kindIndex(name string) uint8 {
	for i, k := range kinds {
		if k.name == name {
			return uint8(i)
		}
	}
	panic("no kind " + name)
}
