package group

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
)

// ProtocolVersion is the MLS protocol version (RFC 9420, Section 6), the
// same type as the GroupContext's.
//
//	enum {
//	    reserved(0),
//	    mls10(1),
//	    (65535)
//	} ProtocolVersion;
type ProtocolVersion = schedule.ProtocolVersion

// MLS10 is the version of RFC 9420 (RFC 9420, Section 6).
const MLS10 = schedule.MLS10

// KeyPackageTBS is the content of a KeyPackage that its signature covers
// (RFC 9420, Section 10).
//
//	struct {
//	    ProtocolVersion version;
//	    CipherSuite cipher_suite;
//	    HPKEPublicKey init_key;
//	    LeafNode leaf_node;
//	    Extension extensions<V>;
//	} KeyPackageTBS;
type KeyPackageTBS struct {
	Version     ProtocolVersion
	CipherSuite ciphersuite.ID
	InitKey     []byte
	LeafNode    tree.LeafNode
	Extensions  extension.List
}

// MarshalMLS encodes tbs (RFC 9420, Section 10).
func (tbs *KeyPackageTBS) MarshalMLS(w *codec.Writer) {
	w.U16(uint16(tbs.Version))
	w.U16(uint16(tbs.CipherSuite))
	w.Opaque(tbs.InitKey)
	tbs.LeafNode.MarshalMLS(w)
	tbs.Extensions.MarshalMLS(w)
}

// UnmarshalMLS decodes tbs (RFC 9420, Section 10). Neither the version nor
// the cipher suite is checked here: both are checked against the group's
// when the KeyPackage is validated (Section 10.1).
func (tbs *KeyPackageTBS) UnmarshalMLS(r *codec.Reader) {
	*tbs = KeyPackageTBS{}
	tbs.Version = ProtocolVersion(r.U16())
	tbs.CipherSuite = ciphersuite.ID(r.U16())
	tbs.InitKey = r.OpaqueCopy()
	tbs.LeafNode.UnmarshalMLS(r)
	tbs.Extensions.UnmarshalMLS(r)
}

// KeyPackage is a client's signed offer to be added to groups (RFC 9420,
// Section 10).
//
//	struct {
//	    ProtocolVersion version;
//	    CipherSuite cipher_suite;
//	    HPKEPublicKey init_key;
//	    LeafNode leaf_node;
//	    Extension extensions<V>;
//	    /* SignWithLabel(., "KeyPackageTBS", KeyPackageTBS) */
//	    opaque signature<V>;
//	} KeyPackage;
type KeyPackage struct {
	Version     ProtocolVersion
	CipherSuite ciphersuite.ID
	InitKey     []byte
	LeafNode    tree.LeafNode
	Extensions  extension.List
	Signature   []byte
}

// TBS returns the fields of kp that its signature covers (RFC 9420,
// Section 10). The result shares kp's slices.
func (kp *KeyPackage) TBS() *KeyPackageTBS {
	return &KeyPackageTBS{
		Version:     kp.Version,
		CipherSuite: kp.CipherSuite,
		InitKey:     kp.InitKey,
		LeafNode:    kp.LeafNode,
		Extensions:  kp.Extensions,
	}
}

// MarshalMLS encodes kp (RFC 9420, Section 10).
func (kp *KeyPackage) MarshalMLS(w *codec.Writer) {
	kp.TBS().MarshalMLS(w)
	w.Opaque(kp.Signature)
}

// UnmarshalMLS decodes kp (RFC 9420, Section 10). The signature is not
// verified here: see VerifySignature.
func (kp *KeyPackage) UnmarshalMLS(r *codec.Reader) {
	var tbs KeyPackageTBS
	tbs.UnmarshalMLS(r)
	*kp = KeyPackage{
		Version:     tbs.Version,
		CipherSuite: tbs.CipherSuite,
		InitKey:     tbs.InitKey,
		LeafNode:    tbs.LeafNode,
		Extensions:  tbs.Extensions,
		Signature:   r.OpaqueCopy(),
	}
}

// DecodeKeyPackage decodes exactly b as a KeyPackage (RFC 9420, Section
// 10), without the MLSMessage header.
func DecodeKeyPackage(b []byte) (*KeyPackage, error) {
	kp := new(KeyPackage)
	if err := codec.Decode(b, kp); err != nil {
		return nil, err
	}
	return kp, nil
}

// Marshal returns the encoding of kp (RFC 9420, Section 10), or the error
// of a field too long to encode.
func (kp *KeyPackage) Marshal() ([]byte, error) { return marshal(kp) }

// Suite returns the cipher suite that kp names (RFC 9420, Section 10); an
// unknown suite is an mlserr.ErrUnsupported error.
func (kp *KeyPackage) Suite() (*ciphersuite.Suite, error) {
	return ciphersuite.Lookup(kp.CipherSuite)
}

// Ref computes the KeyPackageRef of kp with its own cipher suite (RFC 9420,
// Section 5.2):
//
//	MakeKeyPackageRef(value) = RefHash("MLS 1.0 KeyPackage Reference", value)
//
// where value is the encoded KeyPackage.
func (kp *KeyPackage) Ref() ([]byte, error) {
	suite, err := kp.Suite()
	if err != nil {
		return nil, err
	}
	return kp.RefWith(suite)
}

// RefWith computes the KeyPackageRef of kp with the hash of suite (RFC
// 9420, Section 5.2), as a Welcome receiver does with the Welcome's suite
// (Section 12.4.3.1).
func (kp *KeyPackage) RefWith(suite *ciphersuite.Suite) ([]byte, error) {
	b, err := kp.Marshal()
	if err != nil {
		return nil, err
	}
	return suite.MakeKeyPackageRef(b), nil
}

// Sign sets kp.Signature to SignWithLabel(sigPriv, "KeyPackageTBS",
// KeyPackageTBS) with kp's cipher suite (RFC 9420, Section 10). It signs
// whatever kp holds; building a valid KeyPackage is the caller's task.
func (kp *KeyPackage) Sign(sigPriv []byte) error {
	suite, err := kp.Suite()
	if err != nil {
		return err
	}
	tbs, err := marshal(kp.TBS())
	if err != nil {
		return err
	}
	sig, err := suite.SignWithLabel(sigPriv, ciphersuite.LabelKeyPackageTBS, tbs)
	if err != nil {
		return err
	}
	kp.Signature = sig
	return nil
}

// VerifySignature checks kp's signature with the signature key of its
// leaf node, under kp's cipher suite (RFC 9420, Sections 10 and 10.1). A
// KeyPackage with an invalid signature is malformed (Section 10); the
// error is of class mlserr.ErrInvalidSignature, carrying requirement
// R-10.1-5, and wraps the verification failure.
func (kp *KeyPackage) VerifySignature() error {
	suite, err := kp.Suite()
	if err != nil {
		return err
	}
	tbs, err := marshal(kp.TBS())
	if err != nil {
		return err
	}
	// [R-10.1-5] [R-10-5]
	if err := suite.VerifyWithLabel(kp.LeafNode.SignatureKey, ciphersuite.LabelKeyPackageTBS, tbs, kp.Signature); err != nil {
		return mlserr.Wrap("R-10.1-5", mlserr.ErrInvalidSignature, err, "KeyPackage signature does not verify with leaf_node.signature_key; such a KeyPackage is malformed (RFC 9420, Section 10)")
	}
	return nil
}

// marshal encodes m and reports a field too long to encode.
func marshal(m codec.Marshaler) ([]byte, error) {
	var w codec.Writer
	m.MarshalMLS(&w)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}
