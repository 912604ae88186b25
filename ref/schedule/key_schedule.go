package schedule

import (
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// The key schedule of RFC 9420, Section 8, one type per stage:
//
//	InitSecret --(commit_secret, GroupContext)--> JoinerSecret
//	JoinerSecret --(psk_secret)--> welcome_secret          (no side effect)
//	JoinerSecret --(psk_secret, GroupContext)--> EpochSecret
//	EpochSecret --> EpochSecrets (the secrets of Table 4 and the next InitSecret)
//
// A member processing a Commit starts from the previous epoch's InitSecret;
// a joiner starts from the JoinerSecret of its GroupSecrets; the creator of
// a group starts from a fresh EpochSecret (Section 11). Deriving the next
// stage consumes a stage: its secret is zeroed and every later use is an
// error (Section 9.2).

// InitSecret is init_secret_[n] (RFC 9420, Section 8), the secret that
// links epoch n to epoch n+1. An external joiner obtains it from HPKE
// (Section 8.3) and wraps it with NewInitSecret.
type InitSecret struct {
	suite  *ciphersuite.Suite
	secret []byte // nil once consumed
}

// NewInitSecret wraps init_secret (RFC 9420, Section 8), which must be
// KDF.Nh bytes long. The secret is copied.
func NewInitSecret(suite *ciphersuite.Suite, secret []byte) (*InitSecret, error) {
	if err := checkLen(suite, secret, "init_secret"); err != nil {
		return nil, err
	}
	return &InitSecret{suite: suite, secret: clone(secret)}, nil
}

// Bytes returns a copy of init_secret (RFC 9420, Section 8), for storing
// the group state; nil once it has been consumed.
func (s *InitSecret) Bytes() []byte { return clone(s.secret) }

// Consumed reports whether s has been used to derive a JoinerSecret and so
// deleted (RFC 9420, Section 9.2).
func (s *InitSecret) Consumed() bool { return s.secret == nil }

// JoinerSecret derives joiner_secret_[n] (RFC 9420, Section 8):
//
//	joiner_secret = ExpandWithLabel(KDF.Extract(init_secret, commit_secret),
//	                                "joiner", GroupContext_[n], KDF.Nh)
//
// commitSecret nil stands for the all-zero commit_secret of a Commit
// without a path (Section 12.4.1). On success s is consumed and zeroed
// (Section 9.2); on error s is unchanged.
func (s *InitSecret) JoinerSecret(commitSecret []byte, gc *GroupContext) (*JoinerSecret, error) {
	// [R-9.2-1]
	if s.secret == nil {
		return nil, errConsumed("init_secret")
	}
	if commitSecret == nil {
		commitSecret = make([]byte, s.suite.Nh())
	}
	if err := checkLen(s.suite, commitSecret, "commit_secret"); err != nil {
		return nil, err
	}
	ctx, err := gc.encodeFor(s.suite)
	if err != nil {
		return nil, err
	}
	prk := s.suite.Extract(s.secret, commitSecret)
	joiner := s.suite.ExpandWithLabel(prk, ciphersuite.LabelJoiner, ctx, s.suite.Nh())
	zero(prk)
	// [R-9.2-4]
	zero(s.secret)
	s.secret = nil
	return &JoinerSecret{suite: s.suite, secret: joiner}, nil
}

// JoinerSecret is joiner_secret_[n] (RFC 9420, Section 8). The committer
// sends it to new members in GroupSecrets; a joiner wraps the value it
// received with NewJoinerSecret.
type JoinerSecret struct {
	suite  *ciphersuite.Suite
	secret []byte // nil once consumed
}

// NewJoinerSecret wraps joiner_secret (RFC 9420, Sections 8 and 12.4.3.1),
// which must be KDF.Nh bytes long. The secret is copied.
func NewJoinerSecret(suite *ciphersuite.Suite, secret []byte) (*JoinerSecret, error) {
	if err := checkLen(suite, secret, "joiner_secret"); err != nil {
		return nil, err
	}
	return &JoinerSecret{suite: suite, secret: clone(secret)}, nil
}

// Bytes returns a copy of joiner_secret (RFC 9420, Section 8), the value
// the committer places in GroupSecrets; nil once consumed.
func (j *JoinerSecret) Bytes() []byte { return clone(j.secret) }

// Consumed reports whether j has been used to derive an EpochSecret and so
// deleted (RFC 9420, Section 9.2).
func (j *JoinerSecret) Consumed() bool { return j.secret == nil }

// intermediate returns KDF.Extract(joiner_secret, psk_secret), the value
// that welcome_secret and epoch_secret are both derived from (RFC 9420,
// Section 8). pskSecret nil stands for the all-zero psk_secret.
func intermediate(suite *ciphersuite.Suite, joiner, pskSecret []byte) ([]byte, error) {
	if pskSecret == nil {
		pskSecret = make([]byte, suite.Nh())
	}
	if err := checkLen(suite, pskSecret, "psk_secret"); err != nil {
		return nil, err
	}
	return suite.Extract(joiner, pskSecret), nil
}

// WelcomeSecret derives welcome_secret (RFC 9420, Section 8):
//
//	welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome")
//
// pskSecret nil stands for the all-zero psk_secret of a Commit without
// PreSharedKey proposals (Section 8.4). j is not consumed.
func (j *JoinerSecret) WelcomeSecret(pskSecret []byte) ([]byte, error) {
	// [R-9.2-1]
	if j.secret == nil {
		return nil, errConsumed("joiner_secret")
	}
	return WelcomeSecret(j.suite, j.secret, pskSecret)
}

// WelcomeSecret derives welcome_secret from the raw joiner_secret and
// psk_secret (RFC 9420, Section 8), as a Welcome receiver does before it
// can decrypt the GroupInfo (Section 12.4.3.1). pskSecret nil stands for
// the all-zero psk_secret.
func WelcomeSecret(suite *ciphersuite.Suite, joinerSecret, pskSecret []byte) ([]byte, error) {
	if err := checkLen(suite, joinerSecret, "joiner_secret"); err != nil {
		return nil, err
	}
	m, err := intermediate(suite, joinerSecret, pskSecret)
	if err != nil {
		return nil, err
	}
	defer zero(m)
	return suite.DeriveSecret(m, ciphersuite.LabelWelcome), nil
}

// WelcomeKeyNonce derives the AEAD key and nonce that protect the
// GroupInfo in a Welcome (RFC 9420, Section 12.4.3.1):
//
//	welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
//	welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)
func WelcomeKeyNonce(suite *ciphersuite.Suite, welcomeSecret []byte) (key, nonce []byte) {
	key = suite.ExpandWithLabel(welcomeSecret, ciphersuite.LabelKey, nil, suite.AEADKeySize())
	nonce = suite.ExpandWithLabel(welcomeSecret, ciphersuite.LabelNonce, nil, suite.AEADNonceSize())
	return key, nonce
}

// EpochSecret derives epoch_secret_[n] (RFC 9420, Section 8):
//
//	epoch_secret = ExpandWithLabel(KDF.Extract(joiner_secret, psk_secret),
//	                               "epoch", GroupContext_[n], KDF.Nh)
//
// pskSecret nil stands for the all-zero psk_secret. Derive welcome_secret
// first if it is needed: on success j is consumed and zeroed (Section
// 9.2); on error j is unchanged.
func (j *JoinerSecret) EpochSecret(pskSecret []byte, gc *GroupContext) (*EpochSecret, error) {
	// [R-9.2-1]
	if j.secret == nil {
		return nil, errConsumed("joiner_secret")
	}
	ctx, err := gc.encodeFor(j.suite)
	if err != nil {
		return nil, err
	}
	m, err := intermediate(j.suite, j.secret, pskSecret)
	if err != nil {
		return nil, err
	}
	epoch := j.suite.ExpandWithLabel(m, ciphersuite.LabelEpoch, ctx, j.suite.Nh())
	zero(m)
	// [R-9.2-4]
	zero(j.secret)
	j.secret = nil
	return &EpochSecret{suite: j.suite, secret: epoch}, nil
}

// EpochSecret is epoch_secret_[n] (RFC 9420, Section 8). The creator of a
// group draws the first one at random (Section 11) and wraps it with
// NewEpochSecret.
type EpochSecret struct {
	suite  *ciphersuite.Suite
	secret []byte // nil once consumed
}

// NewEpochSecret wraps epoch_secret (RFC 9420, Sections 8 and 11), which
// must be KDF.Nh bytes long. The secret is copied.
func NewEpochSecret(suite *ciphersuite.Suite, secret []byte) (*EpochSecret, error) {
	if err := checkLen(suite, secret, "epoch_secret"); err != nil {
		return nil, err
	}
	return &EpochSecret{suite: suite, secret: clone(secret)}, nil
}

// Consumed reports whether e has been used to derive the epoch's secrets
// and so deleted (RFC 9420, Section 9.2).
func (e *EpochSecret) Consumed() bool { return e.secret == nil }

// EpochSecrets holds the secrets derived from epoch_secret_[n] (RFC 9420,
// Section 8, Table 4), and init_secret_[n] for the next epoch.
type EpochSecrets struct {
	Suite *ciphersuite.Suite
	// SenderDataSecret = DeriveSecret(epoch_secret, "sender data"),
	// for the sender data key and nonce (Section 6.3.2).
	SenderDataSecret []byte
	// EncryptionSecret = DeriveSecret(epoch_secret, "encryption"), the
	// root of the secret tree (Section 9). NewSecretTree consumes it.
	EncryptionSecret []byte
	// ExporterSecret = DeriveSecret(epoch_secret, "exporter") (Section 8.5).
	ExporterSecret []byte
	// ExternalSecret = DeriveSecret(epoch_secret, "external"), from which
	// the external key pair is derived (Section 8.3).
	ExternalSecret []byte
	// ConfirmationKey = DeriveSecret(epoch_secret, "confirm") (Section 6.1).
	ConfirmationKey []byte
	// MembershipKey = DeriveSecret(epoch_secret, "membership") (Section 6.2).
	MembershipKey []byte
	// ResumptionPSK = DeriveSecret(epoch_secret, "resumption") (Section 8.6).
	ResumptionPSK []byte
	// EpochAuthenticator = DeriveSecret(epoch_secret, "authentication")
	// (Section 8.7).
	EpochAuthenticator []byte
	// InitSecret = DeriveSecret(epoch_secret, "init"), init_secret_[n]
	// for deriving epoch n+1.
	InitSecret *InitSecret
}

// Derive derives every secret of Table 4 and the next init_secret from e
// (RFC 9420, Section 8). e is consumed and zeroed (Section 9.2).
func (e *EpochSecret) Derive() (*EpochSecrets, error) {
	// [R-9.2-1]
	if e.secret == nil {
		return nil, errConsumed("epoch_secret")
	}
	s := e.suite
	d := func(label string) []byte { return s.DeriveSecret(e.secret, label) }
	out := &EpochSecrets{
		Suite:              s,
		SenderDataSecret:   d(ciphersuite.LabelSenderData),
		EncryptionSecret:   d(ciphersuite.LabelEncryption),
		ExporterSecret:     d(ciphersuite.LabelExporter),
		ExternalSecret:     d(ciphersuite.LabelExternal),
		ConfirmationKey:    d(ciphersuite.LabelConfirm),
		MembershipKey:      d(ciphersuite.LabelMembership),
		ResumptionPSK:      d(ciphersuite.LabelResumption),
		EpochAuthenticator: d(ciphersuite.LabelAuthentication),
		InitSecret:         &InitSecret{suite: s, secret: d(ciphersuite.LabelInit)},
	}
	// [R-9.2-4]
	zero(e.secret)
	e.secret = nil
	return out, nil
}

// NewSecretTree builds the epoch's secret tree for nLeaves leaves from
// encryption_secret (RFC 9420, Section 9) and deletes encryption_secret
// from es (Section 9.2): on success es.EncryptionSecret is zeroed and nil.
func (es *EpochSecrets) NewSecretTree(nLeaves uint32, limits Limits) (*SecretTree, error) {
	// [R-9.2-1]
	if es.EncryptionSecret == nil {
		return nil, errConsumed("encryption_secret")
	}
	t, err := NewSecretTree(es.Suite, es.EncryptionSecret, nLeaves, limits)
	if err != nil {
		return nil, err
	}
	// [R-9.2-4]
	zero(es.EncryptionSecret)
	es.EncryptionSecret = nil
	return t, nil
}

// Exporter is MLS-Exporter(label, context, length) over this epoch's
// exporter_secret (RFC 9420, Section 8.5).
func (es *EpochSecrets) Exporter(label string, context []byte, length int) ([]byte, error) {
	return Exporter(es.Suite, es.ExporterSecret, label, context, length)
}

// ExternalKeyPair derives the epoch's external HPKE key pair (RFC 9420,
// Section 8): KEM.DeriveKeyPair(external_secret).
func (es *EpochSecrets) ExternalKeyPair() (priv, pub []byte, err error) {
	return ExternalKeyPair(es.Suite, es.ExternalSecret)
}

// ConfirmationTag computes this epoch's confirmation tag over
// confirmedTranscriptHash (RFC 9420, Section 6.1).
func (es *EpochSecrets) ConfirmationTag(confirmedTranscriptHash []byte) []byte {
	return ConfirmationTag(es.Suite, es.ConfirmationKey, confirmedTranscriptHash)
}

// VerifyConfirmationTag checks tag against this epoch's confirmation key
// (RFC 9420, Sections 6.1 and 12.4.2).
func (es *EpochSecrets) VerifyConfirmationTag(confirmedTranscriptHash, tag []byte) error {
	return VerifyConfirmationTag(es.Suite, es.ConfirmationKey, confirmedTranscriptHash, tag)
}

// Erase zeroes every secret held in es (RFC 9420, Section 9.2), for when
// the epoch is left behind.
func (es *EpochSecrets) Erase() {
	for _, b := range [][]byte{es.SenderDataSecret, es.EncryptionSecret, es.ExporterSecret, es.ExternalSecret,
		es.ConfirmationKey, es.MembershipKey, es.ResumptionPSK, es.EpochAuthenticator} {
		zero(b)
	}
	es.SenderDataSecret, es.EncryptionSecret, es.ExporterSecret, es.ExternalSecret = nil, nil, nil, nil
	es.ConfirmationKey, es.MembershipKey, es.ResumptionPSK, es.EpochAuthenticator = nil, nil, nil, nil
	if es.InitSecret != nil && es.InitSecret.secret != nil {
		zero(es.InitSecret.secret)
		es.InitSecret.secret = nil
	}
}

// Clone returns a deep copy of es (RFC 9420, Section 8), for a group state
// that must stay untouched while a candidate next state is computed.
func (es *EpochSecrets) Clone() *EpochSecrets {
	c := &EpochSecrets{
		Suite:              es.Suite,
		SenderDataSecret:   clone(es.SenderDataSecret),
		EncryptionSecret:   clone(es.EncryptionSecret),
		ExporterSecret:     clone(es.ExporterSecret),
		ExternalSecret:     clone(es.ExternalSecret),
		ConfirmationKey:    clone(es.ConfirmationKey),
		MembershipKey:      clone(es.MembershipKey),
		ResumptionPSK:      clone(es.ResumptionPSK),
		EpochAuthenticator: clone(es.EpochAuthenticator),
	}
	if es.InitSecret != nil {
		c.InitSecret = &InitSecret{suite: es.InitSecret.suite, secret: clone(es.InitSecret.secret)}
	}
	return c
}

func checkLen(suite *ciphersuite.Suite, secret []byte, name string) error {
	if suite == nil {
		return mlserr.New("", mlserr.ErrInvalidInput, "no cipher suite given for %s (RFC 9420, Section 8)", name)
	}
	if len(secret) != suite.Nh() {
		return mlserr.New("", mlserr.ErrInvalidInput, "%s is %d bytes, not KDF.Nh = %d (RFC 9420, Section 8)", name, len(secret), suite.Nh())
	}
	return nil
}

func errConsumed(name string) error {
	return mlserr.New("R-9.2-1", mlserr.ErrInvalidInput, "%s has already been consumed and deleted", name)
}
