package ciphersuite

import "github.com/mlsref/mlsref/ref/codec"

// RefHashInput is what RefHash hashes (RFC 9420, Section 5.2):
//
//	struct {
//	  opaque label<V>;
//	  opaque value<V>;
//	} RefHashInput;
type RefHashInput struct {
	Label []byte
	Value []byte
}

// MarshalMLS encodes the RefHashInput (RFC 9420, Section 5.2).
func (r *RefHashInput) MarshalMLS(w *codec.Writer) {
	w.Opaque(r.Label)
	w.Opaque(r.Value)
}

// RefHash is Hash(RefHashInput{label, value}) (RFC 9420, Section 5.2). The
// label is used as it is: unlike ExpandWithLabel, RefHash adds no prefix.
// It returns nil only when value is longer than a vector can be (2^30-1
// bytes).
func (s *Suite) RefHash(label string, value []byte) []byte {
	var w codec.Writer
	(&RefHashInput{Label: []byte(label), Value: value}).MarshalMLS(&w)
	if w.Err() != nil {
		return nil
	}
	return s.Hash(w.Bytes())
}

// MakeKeyPackageRef is RefHash("MLS 1.0 KeyPackage Reference", keyPackage),
// where keyPackage is the encoded KeyPackage (RFC 9420, Section 5.2). Its
// suite must be the KeyPackage's own cipher suite.
func (s *Suite) MakeKeyPackageRef(keyPackage []byte) []byte {
	return s.RefHash(LabelKeyPackageReference, keyPackage)
}

// MakeProposalRef is RefHash("MLS 1.0 Proposal Reference",
// authenticatedContent), where authenticatedContent is the encoded
// AuthenticatedContent that carries the Proposal (RFC 9420, Section 5.2).
func (s *Suite) MakeProposalRef(authenticatedContent []byte) []byte {
	return s.RefHash(LabelProposalReference, authenticatedContent)
}
