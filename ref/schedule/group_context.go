// Package schedule implements the key schedule of RFC 9420, Sections 8 and
// 9: the GroupContext, the chain init_secret -> joiner_secret ->
// epoch_secret -> epoch-derived secrets, pre-shared keys, the exporter,
// the transcript hashes and confirmation tag, the secret tree with its hash
// ratchets and deletion schedule, and the sender data key and nonce of
// Section 6.3.2.
//
// Each stage of the key schedule is its own type (InitSecret, JoinerSecret,
// EpochSecret, EpochSecrets), so the stages can only be derived in the
// RFC's order, and a stage is zeroed once the next one has been derived
// from it (RFC 9420, Section 9.2).
package schedule

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// ProtocolVersion is the MLS protocol version (RFC 9420, Section 6):
//
//	enum {
//	    reserved(0),
//	    mls10(1),
//	    (65535)
//	} ProtocolVersion;
type ProtocolVersion uint16

// MLS10 is the version defined by RFC 9420 (RFC 9420, Section 6).
const MLS10 ProtocolVersion = 1

// GroupContext summarizes the state of a group (RFC 9420, Section 8.1):
//
//	struct {
//	    ProtocolVersion version = mls10;
//	    CipherSuite cipher_suite;
//	    opaque group_id<V>;
//	    uint64 epoch;
//	    opaque tree_hash<V>;
//	    opaque confirmed_transcript_hash<V>;
//	    Extension extensions<V>;
//	} GroupContext;
type GroupContext struct {
	Version                 ProtocolVersion
	CipherSuite             ciphersuite.ID
	GroupID                 []byte
	Epoch                   uint64
	TreeHash                []byte
	ConfirmedTranscriptHash []byte
	Extensions              extension.List
}

// MarshalMLS encodes gc (RFC 9420, Section 8.1).
func (gc *GroupContext) MarshalMLS(w *codec.Writer) {
	w.U16(uint16(gc.Version))
	w.U16(uint16(gc.CipherSuite))
	w.Opaque(gc.GroupID)
	w.U64(gc.Epoch)
	w.Opaque(gc.TreeHash)
	w.Opaque(gc.ConfirmedTranscriptHash)
	gc.Extensions.MarshalMLS(w)
}

// UnmarshalMLS decodes gc (RFC 9420, Section 8.1). A version other than
// mls10 is rejected, as is an extension list with a repeated type. The
// cipher suite is not checked here: an unknown suite is well-formed but
// unsupported, which the layer that uses the GroupContext decides.
func (gc *GroupContext) UnmarshalMLS(r *codec.Reader) {
	gc.Version = ProtocolVersion(r.U16())
	if r.Err() == nil && gc.Version != MLS10 {
		r.Failf("", "GroupContext version is %d; only mls10 (1) is defined (RFC 9420, Sections 6 and 8.1)", gc.Version)
		return
	}
	gc.CipherSuite = ciphersuite.ID(r.U16())
	gc.GroupID = r.OpaqueCopy()
	gc.Epoch = r.U64()
	gc.TreeHash = r.OpaqueCopy()
	gc.ConfirmedTranscriptHash = r.OpaqueCopy()
	gc.Extensions.UnmarshalMLS(r)
}

// Marshal returns the encoding of gc (RFC 9420, Section 8.1), the context
// that ExpandWithLabel binds the joiner and epoch secrets to (Section 8).
func (gc *GroupContext) Marshal() ([]byte, error) {
	var w codec.Writer
	gc.MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// UnmarshalGroupContext decodes exactly b as a GroupContext (RFC 9420,
// Section 8.1).
func UnmarshalGroupContext(b []byte) (*GroupContext, error) {
	gc := new(GroupContext)
	if err := codec.Decode(b, gc); err != nil {
		return nil, err
	}
	return gc, nil
}

// Clone returns a deep copy of gc (RFC 9420, Section 8.1).
func (gc *GroupContext) Clone() *GroupContext {
	c := *gc
	c.GroupID = clone(gc.GroupID)
	c.TreeHash = clone(gc.TreeHash)
	c.ConfirmedTranscriptHash = clone(gc.ConfirmedTranscriptHash)
	c.Extensions = gc.Extensions.Clone()
	return &c
}

// encodeFor returns the encoding of gc after checking that it belongs to
// suite: the key schedule of one suite never binds a GroupContext of
// another (RFC 9420, Section 8).
func (gc *GroupContext) encodeFor(suite *ciphersuite.Suite) ([]byte, error) {
	if gc == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "no GroupContext given to the key schedule (RFC 9420, Section 8)")
	}
	if gc.CipherSuite != suite.ID() {
		return nil, mlserr.New("", mlserr.ErrInvalidInput,
			"GroupContext names cipher suite 0x%04x but the key schedule runs suite 0x%04x (RFC 9420, Section 8)", uint16(gc.CipherSuite), uint16(suite.ID()))
	}
	return gc.Marshal()
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// zero overwrites b with zeros, the deletion of Section 9.2 as far as Go
// allows (copies made by the runtime are out of reach).
func zero(b []byte) { clear(b) }
