package schedule

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// ConfirmedTranscriptHashInput encodes the part of a Commit's
// AuthenticatedContent that enters the confirmed transcript hash (RFC
// 9420, Section 8.2):
//
//	struct {
//	    WireFormat wire_format;
//	    FramedContent content; /* with content_type == commit */
//	    opaque signature<V>;
//	} ConfirmedTranscriptHashInput;
//
// framedContent is the encoded FramedContent, which the framing layer
// supplies.
func ConfirmedTranscriptHashInput(wireFormat uint16, framedContent, signature []byte) ([]byte, error) {
	var w codec.Writer
	w.U16(wireFormat)
	w.Raw(framedContent)
	w.Opaque(signature)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// InterimTranscriptHashInput encodes the part of a Commit that enters the
// interim transcript hash (RFC 9420, Section 8.2):
//
//	struct {
//	    MAC confirmation_tag;
//	} InterimTranscriptHashInput;
//
// where MAC is opaque<V> (Section 6.1).
func InterimTranscriptHashInput(confirmationTag []byte) ([]byte, error) {
	var w codec.Writer
	w.Opaque(confirmationTag)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// ConfirmedTranscriptHash computes confirmed_transcript_hash_[epoch] (RFC
// 9420, Section 8.2):
//
//	Hash(interim_transcript_hash_[epoch - 1] || ConfirmedTranscriptHashInput_[epoch])
//
// confirmedInput is the encoded ConfirmedTranscriptHashInput; the interim
// hash of epoch 0 is the empty string.
func ConfirmedTranscriptHash(suite *ciphersuite.Suite, interimBefore, confirmedInput []byte) []byte {
	buf := make([]byte, 0, len(interimBefore)+len(confirmedInput))
	buf = append(buf, interimBefore...)
	buf = append(buf, confirmedInput...)
	return suite.Hash(buf)
}

// InterimTranscriptHash computes interim_transcript_hash_[epoch] (RFC
// 9420, Section 8.2):
//
//	Hash(confirmed_transcript_hash_[epoch] || InterimTranscriptHashInput_[epoch])
//
// from the confirmed hash and the raw confirmation_tag, which it encodes
// as an InterimTranscriptHashInput.
func InterimTranscriptHash(suite *ciphersuite.Suite, confirmedHash, confirmationTag []byte) ([]byte, error) {
	in, err := InterimTranscriptHashInput(confirmationTag)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, len(confirmedHash)+len(in))
	buf = append(buf, confirmedHash...)
	buf = append(buf, in...)
	return suite.Hash(buf), nil
}

// ConfirmationTag computes the confirmation tag of an epoch (RFC 9420,
// Section 6.1): MAC(confirmation_key, GroupContext.confirmed_transcript_hash).
func ConfirmationTag(suite *ciphersuite.Suite, confirmationKey, confirmedTranscriptHash []byte) []byte {
	return suite.MAC(confirmationKey, confirmedTranscriptHash)
}

// VerifyConfirmationTag checks a received confirmation tag against the one
// computed with confirmation_key over confirmed_transcript_hash (RFC 9420,
// Sections 6.1 and 12.4.2): the length first, then the bytes in constant
// time. A mismatch is an error of class mlserr.ErrInvalidConfirmationTag.
func VerifyConfirmationTag(suite *ciphersuite.Suite, confirmationKey, confirmedTranscriptHash, tag []byte) error {
	// [R-12.4.2-23]
	if !suite.VerifyMAC(confirmationKey, confirmedTranscriptHash, tag) {
		return mlserr.New("R-12.4.2-23", mlserr.ErrInvalidConfirmationTag,
			"confirmation_tag does not match MAC(confirmation_key, confirmed_transcript_hash)")
	}
	return nil
}
