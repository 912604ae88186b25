package schedule

import (
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
)

// ExternalKeyPair derives the group's external HPKE key pair from
// external_secret (RFC 9420, Section 8):
//
//	external_priv, external_pub = KEM.DeriveKeyPair(external_secret)
//
// external_pub goes into the GroupInfo's external_pub extension, so that
// non-members can join by external Commit (Section 8.3).
func ExternalKeyPair(suite *ciphersuite.Suite, externalSecret []byte) (priv, pub []byte, err error) {
	if err := checkLen(suite, externalSecret, "external_secret"); err != nil {
		return nil, nil, err
	}
	return suite.DeriveKeyPair(externalSecret)
}

// ExternalPub returns external_pub, the public half of ExternalKeyPair
// (RFC 9420, Sections 8 and 8.3).
func ExternalPub(suite *ciphersuite.Suite, externalSecret []byte) ([]byte, error) {
	priv, pub, err := ExternalKeyPair(suite, externalSecret)
	zero(priv)
	return pub, err
}

// ExternalInitSender is the external joiner's side of external
// initialization (RFC 9420, Section 8.3): HPKE SetupBaseS to external_pub
// with empty info, then the export of KDF.Nh bytes under "MLS 1.0 external
// init secret". kemOutput goes into the ExternalInit proposal; the
// returned InitSecret starts the joiner's key schedule for the new epoch.
func ExternalInitSender(suite *ciphersuite.Suite, externalPub []byte, rand io.Reader) (kemOutput []byte, init *InitSecret, err error) {
	kemOutput, secret, err := suite.HPKEExportSender(externalPub, nil, []byte(ciphersuite.LabelExternalInitSecret), suite.Nh(), rand)
	if err != nil {
		return nil, nil, err
	}
	return kemOutput, &InitSecret{suite: suite, secret: secret}, nil
}

// ExternalInitReceiver is the group members' side of external
// initialization (RFC 9420, Section 8.3): HPKE SetupBaseR of the
// ExternalInit proposal's kem_output with external_priv and empty info,
// then the same export. The result replaces the previous epoch's
// init_secret.
func ExternalInitReceiver(suite *ciphersuite.Suite, externalPriv, kemOutput []byte) (*InitSecret, error) {
	secret, err := suite.HPKEExportReceiver(externalPriv, kemOutput, nil, []byte(ciphersuite.LabelExternalInitSecret), suite.Nh())
	if err != nil {
		return nil, err
	}
	return &InitSecret{suite: suite, secret: secret}, nil
}
