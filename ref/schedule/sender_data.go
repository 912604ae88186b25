package schedule

import "github.com/mlsref/mlsref/ref/ciphersuite"

// SenderDataKeyNonce derives the AEAD key and nonce that protect the
// SenderData of a PrivateMessage (RFC 9420, Section 6.3.2), from
// sender_data_secret and a sample of the content ciphertext: its first
// KDF.Nh bytes, or all of it when it is shorter.
//
//	sender_data_key = ExpandWithLabel(sender_data_secret, "key", ciphertext_sample, AEAD.Nk)
//	sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
func SenderDataKeyNonce(suite *ciphersuite.Suite, senderDataSecret, ciphertext []byte) (key, nonce []byte) {
	sample := ciphertext
	if len(sample) > suite.Nh() {
		sample = sample[:suite.Nh()]
	}
	key = suite.ExpandWithLabel(senderDataSecret, ciphersuite.LabelKey, sample, suite.AEADKeySize())
	nonce = suite.ExpandWithLabel(senderDataSecret, ciphersuite.LabelNonce, sample, suite.AEADNonceSize())
	return key, nonce
}
