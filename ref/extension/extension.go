// Package extension holds the generic Extension and the extension lists of
// RFC 9420, Section 13.4, with the extension types registered in Section
// 17.3. It knows nothing about the bodies of particular extensions: the
// layers that define those bodies (ratchet_tree, required_capabilities,
// external_pub, external_senders, application_id) decode extension_data
// themselves.
//
// Several layers carry extension lists (LeafNode, KeyPackage, GroupContext,
// GroupInfo), so this package sits directly above ref/codec.
package extension

import (
	"fmt"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// ExtensionType identifies an extension (RFC 9420, Section 13.4 and
// Section 17.3): uint16 ExtensionType.
type ExtensionType uint16

// The extension types of the initial registry (RFC 9420, Section 17.3).
const (
	// Reserved is the reserved value 0x0000 (RFC 9420, Section 17.3).
	Reserved ExtensionType = 0x0000
	// ApplicationID is application_id, for LeafNodes (RFC 9420, Section 5.3.3).
	ApplicationID ExtensionType = 0x0001
	// RatchetTree is ratchet_tree, for GroupInfo (RFC 9420, Section 12.4.3.3).
	RatchetTree ExtensionType = 0x0002
	// RequiredCapabilities is required_capabilities, for the GroupContext
	// (RFC 9420, Section 11.1).
	RequiredCapabilities ExtensionType = 0x0003
	// ExternalPub is external_pub, for GroupInfo (RFC 9420, Section 12.4.3.2).
	ExternalPub ExtensionType = 0x0004
	// ExternalSenders is external_senders, for the GroupContext (RFC 9420,
	// Section 12.1.8.1).
	ExternalSenders ExtensionType = 0x0005
)

// String names the registered types (RFC 9420, Section 17.3).
func (t ExtensionType) String() string {
	switch t {
	case Reserved:
		return "reserved"
	case ApplicationID:
		return "application_id"
	case RatchetTree:
		return "ratchet_tree"
	case RequiredCapabilities:
		return "required_capabilities"
	case ExternalPub:
		return "external_pub"
	case ExternalSenders:
		return "external_senders"
	}
	if IsGREASE(uint16(t)) {
		return fmt.Sprintf("GREASE(0x%04x)", uint16(t))
	}
	return fmt.Sprintf("0x%04x", uint16(t))
}

// IsDefault reports whether t is one of the "default" extension types of
// RFC 9420, Section 7.2, which a LeafNode's capabilities never list.
func (t ExtensionType) IsDefault() bool {
	return t >= ApplicationID && t <= ExternalSenders
}

// IsGREASE reports whether v is one of the GREASE values 0x0A0A, 0x1A1A,
// ..., 0xEAEA that RFC 9420, Section 13.5 reserves in its registries
// (Section 17.3 for extension types).
func IsGREASE(v uint16) bool {
	return v>>8 == v&0xFF && v&0x0F == 0x0A && v != 0xFAFA
}

// Extension is one extension (RFC 9420, Section 13.4):
//
//	struct {
//	    ExtensionType extension_type;
//	    opaque extension_data<V>;
//	} Extension;
type Extension struct {
	ExtensionType ExtensionType
	ExtensionData []byte
}

// MarshalMLS encodes e (RFC 9420, Section 13.4).
func (e *Extension) MarshalMLS(w *codec.Writer) {
	w.U16(uint16(e.ExtensionType))
	w.Opaque(e.ExtensionData)
}

// UnmarshalMLS decodes e (RFC 9420, Section 13.4). Every extension type is
// accepted: unknown ones are carried along, as Section 13.4 requires
// clients to ignore them rather than reject them.
func (e *Extension) UnmarshalMLS(r *codec.Reader) {
	e.ExtensionType = ExtensionType(r.U16())
	e.ExtensionData = r.OpaqueCopy()
}

// List is a field holding a list of extensions (RFC 9420, Section 13.4):
//
//	Extension extensions<V>;
//
// A List never holds two extensions of the same type: decoding rejects such
// a list, and Validate checks a list built locally.
type List []Extension

// MarshalMLS encodes l as a vector<V> of Extension (RFC 9420, Section 13.4).
func (l List) MarshalMLS(w *codec.Writer) {
	w.Vector(func(w *codec.Writer) {
		for i := range l {
			l[i].MarshalMLS(w)
		}
	})
}

// UnmarshalMLS decodes a vector<V> of Extension into l (RFC 9420, Section
// 13.4) and rejects a list with a repeated extension type. The decoded list
// is never nil, so an empty list re-encodes and compares alike.
func (l *List) UnmarshalMLS(r *codec.Reader) {
	out := List{}
	r.Vector(func(r *codec.Reader) {
		var e Extension
		e.UnmarshalMLS(r)
		out = append(out, e)
	})
	if r.Err() != nil {
		return
	}
	if err := out.Validate(); err != nil {
		r.Fail(err)
		return
	}
	*l = out
}

// Validate checks that no extension type occurs twice in l (RFC 9420,
// Section 13.4). The error is of class mlserr.ErrMalformed.
func (l List) Validate() error {
	seen := make(map[ExtensionType]int, len(l))
	for i, e := range l {
		// [R-13.4-5]
		if j, dup := seen[e.ExtensionType]; dup {
			return mlserr.New("R-13.4-5", mlserr.ErrMalformed,
				"extension type %v appears twice in an extension list (entries %d and %d)", e.ExtensionType, j, i)
		}
		seen[e.ExtensionType] = i
	}
	return nil
}

// Find returns the extension of type t in l, if there is one (RFC 9420,
// Section 13.4).
func (l List) Find(t ExtensionType) (*Extension, bool) {
	for i := range l {
		if l[i].ExtensionType == t {
			return &l[i], true
		}
	}
	return nil, false
}

// Has reports whether l holds an extension of type t (RFC 9420, Section
// 13.4).
func (l List) Has(t ExtensionType) bool {
	_, ok := l.Find(t)
	return ok
}

// Types returns the types of the extensions in l, in order (RFC 9420,
// Section 13.4).
func (l List) Types() []ExtensionType {
	out := make([]ExtensionType, len(l))
	for i, e := range l {
		out[i] = e.ExtensionType
	}
	return out
}

// Clone returns a deep copy of l (RFC 9420, Section 13.4).
func (l List) Clone() List {
	if l == nil {
		return nil
	}
	out := make(List, len(l))
	for i, e := range l {
		out[i] = Extension{ExtensionType: e.ExtensionType, ExtensionData: append([]byte{}, e.ExtensionData...)}
	}
	return out
}
