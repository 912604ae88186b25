package schedule

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// Exporter is MLS-Exporter(label, context, length) (RFC 9420, Section 8.5):
//
//	ExpandWithLabel(DeriveSecret(exporter_secret, label), "exported", Hash(context), length)
//
// length is bounded by the uint16 length of KDFLabel and by the KDF's
// 255*KDF.Nh output limit. Applications should give every use its own
// label (Section 8.5, registry of Section 17.8).
func Exporter(suite *ciphersuite.Suite, exporterSecret []byte, label string, context []byte, length int) ([]byte, error) {
	if err := checkLen(suite, exporterSecret, "exporter_secret"); err != nil {
		return nil, err
	}
	if err := checkExpandLength(suite, length); err != nil {
		return nil, err
	}
	derived := suite.DeriveSecret(exporterSecret, label)
	defer zero(derived)
	return suite.ExpandWithLabel(derived, ciphersuite.LabelExported, suite.Hash(context), length), nil
}

// checkExpandLength rejects an ExpandWithLabel output length that KDFLabel
// (uint16 length, RFC 9420, Section 8) or the KDF cannot produce.
func checkExpandLength(suite *ciphersuite.Suite, length int) error {
	if length < 0 || length > 0xFFFF || length > 255*suite.Nh() {
		return mlserr.New("", mlserr.ErrInvalidInput,
			"output length %d is outside 0..min(65535, 255*KDF.Nh) (RFC 9420, Section 8)", length)
	}
	return nil
}
