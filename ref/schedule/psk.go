package schedule

import (
	"fmt"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// PSKType says how a pre-shared key was provisioned (RFC 9420, Section
// 8.4):
//
//	enum {
//	  reserved(0),
//	  external(1),
//	  resumption(2),
//	  (255)
//	} PSKType;
type PSKType uint8

// The PSK types of RFC 9420, Section 8.4.
const (
	PSKTypeExternal   PSKType = 1
	PSKTypeResumption PSKType = 2
)

// String names t as RFC 9420, Section 8.4 does.
func (t PSKType) String() string {
	switch t {
	case PSKTypeExternal:
		return "external"
	case PSKTypeResumption:
		return "resumption"
	}
	return fmt.Sprintf("PSKType(%d)", uint8(t))
}

// ResumptionPSKUsage says what a resumption PSK is used for (RFC 9420,
// Section 8.4):
//
//	enum {
//	  reserved(0),
//	  application(1),
//	  reinit(2),
//	  branch(3),
//	  (255)
//	} ResumptionPSKUsage;
type ResumptionPSKUsage uint8

// The resumption PSK usages of RFC 9420, Section 8.4.
const (
	UsageApplication ResumptionPSKUsage = 1
	UsageReinit      ResumptionPSKUsage = 2
	UsageBranch      ResumptionPSKUsage = 3
)

// String names u as RFC 9420, Section 8.4 does.
func (u ResumptionPSKUsage) String() string {
	switch u {
	case UsageApplication:
		return "application"
	case UsageReinit:
		return "reinit"
	case UsageBranch:
		return "branch"
	}
	return fmt.Sprintf("ResumptionPSKUsage(%d)", uint8(u))
}

// PreSharedKeyID names a pre-shared key (RFC 9420, Section 8.4):
//
//	struct {
//	  PSKType psktype;
//	  select (PreSharedKeyID.psktype) {
//	    case external:
//	      opaque psk_id<V>;
//
//	    case resumption:
//	      ResumptionPSKUsage usage;
//	      opaque psk_group_id<V>;
//	      uint64 psk_epoch;
//	  };
//	  opaque psk_nonce<V>;
//	} PreSharedKeyID;
//
// PSKID is used only when PSKType is external; Usage, PSKGroupID and
// PSKEpoch only when it is resumption.
type PreSharedKeyID struct {
	PSKType    PSKType
	PSKID      []byte
	Usage      ResumptionPSKUsage
	PSKGroupID []byte
	PSKEpoch   uint64
	PSKNonce   []byte
}

// Validate checks that id's enum values are defined (RFC 9420, Section
// 8.4) and that the fields of the other branch are empty, so that id
// encodes to exactly what it holds. The error is of class
// mlserr.ErrInvalidInput.
func (id *PreSharedKeyID) Validate() error {
	switch id.PSKType {
	case PSKTypeExternal:
		if id.Usage != 0 || len(id.PSKGroupID) != 0 || id.PSKEpoch != 0 {
			return mlserr.New("", mlserr.ErrInvalidInput, "external PreSharedKeyID has resumption fields set (RFC 9420, Section 8.4)")
		}
	case PSKTypeResumption:
		if len(id.PSKID) != 0 {
			return mlserr.New("", mlserr.ErrInvalidInput, "resumption PreSharedKeyID has psk_id set (RFC 9420, Section 8.4)")
		}
		if !id.Usage.valid() {
			return mlserr.New("", mlserr.ErrInvalidInput, "resumption PreSharedKeyID has undefined usage %d (RFC 9420, Section 8.4)", uint8(id.Usage))
		}
	default:
		return mlserr.New("", mlserr.ErrInvalidInput, "PreSharedKeyID has undefined psktype %d (RFC 9420, Section 8.4)", uint8(id.PSKType))
	}
	return nil
}

func (u ResumptionPSKUsage) valid() bool { return u >= UsageApplication && u <= UsageBranch }

// MarshalMLS encodes id (RFC 9420, Section 8.4). An id with an undefined
// psktype writes no select branch; call Validate first.
func (id *PreSharedKeyID) MarshalMLS(w *codec.Writer) {
	w.U8(uint8(id.PSKType))
	switch id.PSKType {
	case PSKTypeExternal:
		w.Opaque(id.PSKID)
	case PSKTypeResumption:
		w.U8(uint8(id.Usage))
		w.Opaque(id.PSKGroupID)
		w.U64(id.PSKEpoch)
	}
	w.Opaque(id.PSKNonce)
}

// UnmarshalMLS decodes id (RFC 9420, Section 8.4), rejecting the reserved
// and undefined values of psktype and usage.
func (id *PreSharedKeyID) UnmarshalMLS(r *codec.Reader) {
	*id = PreSharedKeyID{PSKType: PSKType(r.U8())}
	if r.Err() != nil {
		return
	}
	switch id.PSKType {
	case PSKTypeExternal:
		id.PSKID = r.OpaqueCopy()
	case PSKTypeResumption:
		id.Usage = ResumptionPSKUsage(r.U8())
		if r.Err() == nil && !id.Usage.valid() {
			r.Failf("", "ResumptionPSKUsage %d is reserved or undefined (RFC 9420, Section 8.4)", uint8(id.Usage))
			return
		}
		id.PSKGroupID = r.OpaqueCopy()
		id.PSKEpoch = r.U64()
	default:
		r.Failf("", "PSKType %d is reserved or undefined (RFC 9420, Section 8.4)", uint8(id.PSKType))
		return
	}
	id.PSKNonce = r.OpaqueCopy()
}

// Clone returns a deep copy of id (RFC 9420, Section 8.4).
func (id *PreSharedKeyID) Clone() PreSharedKeyID {
	c := *id
	c.PSKID = clone(id.PSKID)
	c.PSKGroupID = clone(id.PSKGroupID)
	c.PSKNonce = clone(id.PSKNonce)
	return c
}

// PSKLabel is the context under which one PSK enters the psk_secret chain
// (RFC 9420, Section 8.4):
//
//	struct {
//	    PreSharedKeyID id;
//	    uint16 index;
//	    uint16 count;
//	} PSKLabel;
type PSKLabel struct {
	ID    PreSharedKeyID
	Index uint16
	Count uint16
}

// MarshalMLS encodes l (RFC 9420, Section 8.4).
func (l *PSKLabel) MarshalMLS(w *codec.Writer) {
	l.ID.MarshalMLS(w)
	w.U16(l.Index)
	w.U16(l.Count)
}

// PSK is one pre-shared key with its identifier (RFC 9420, Section 8.4):
// for a resumption PSK, Secret is the resumption_psk of the group and
// epoch that ID names.
type PSK struct {
	ID     PreSharedKeyID
	Secret []byte
}

// PSKSecret computes psk_secret from psks, in the order given (RFC 9420,
// Section 8.4):
//
//	psk_extracted_[i] = KDF.Extract(0, psk_[i])
//	psk_input_[i] = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
//	psk_secret_[0] = 0
//	psk_secret_[i] = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
//
// where 0 is KDF.Nh zero bytes; with no PSKs psk_secret is that zero
// string. It fails for more than 65535 PSKs (count is a uint16) or an
// invalid PreSharedKeyID.
func PSKSecret(suite *ciphersuite.Suite, psks []PSK) ([]byte, error) {
	if len(psks) > 0xFFFF {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "%d PSKs do not fit PSKLabel.count (uint16) (RFC 9420, Section 8.4)", len(psks))
	}
	zeros := make([]byte, suite.Nh())
	secret := make([]byte, suite.Nh())
	for i := range psks {
		if err := psks[i].ID.Validate(); err != nil {
			return nil, err
		}
		var w codec.Writer
		label := PSKLabel{ID: psks[i].ID, Index: uint16(i), Count: uint16(len(psks))}
		label.MarshalMLS(&w)
		if err := w.Err(); err != nil {
			return nil, err
		}
		extracted := suite.Extract(zeros, psks[i].Secret)
		input := suite.ExpandWithLabel(extracted, ciphersuite.LabelDerivedPSK, w.Bytes(), suite.Nh())
		next := suite.Extract(input, secret)
		zero(extracted)
		zero(input)
		zero(secret)
		secret = next
	}
	return secret, nil
}
