package group

import (
	"bytes"
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// PathSecret is the path secret of the lowest node shared by the direct
// paths of the committer and a new member (RFC 9420, Section 12.4.3.1).
//
//	struct {
//	  opaque path_secret<V>;
//	} PathSecret;
type PathSecret struct {
	PathSecret []byte
}

// MarshalMLS encodes ps (RFC 9420, Section 12.4.3.1).
func (ps *PathSecret) MarshalMLS(w *codec.Writer) { w.Opaque(ps.PathSecret) }

// UnmarshalMLS decodes ps (RFC 9420, Section 12.4.3.1).
func (ps *PathSecret) UnmarshalMLS(r *codec.Reader) { ps.PathSecret = r.OpaqueCopy() }

// GroupSecrets are the secrets a Welcome encrypts to each new member (RFC
// 9420, Section 12.4.3.1). PathSecret is nil when absent.
//
//	struct {
//	  opaque joiner_secret<V>;
//	  optional<PathSecret> path_secret;
//	  PreSharedKeyID psks<V>;
//	} GroupSecrets;
type GroupSecrets struct {
	JoinerSecret []byte
	PathSecret   *PathSecret
	PSKs         []schedule.PreSharedKeyID
}

// MarshalMLS encodes gs (RFC 9420, Section 12.4.3.1).
func (gs *GroupSecrets) MarshalMLS(w *codec.Writer) {
	w.Opaque(gs.JoinerSecret)
	w.Optional(gs.PathSecret != nil, func(w *codec.Writer) { gs.PathSecret.MarshalMLS(w) })
	w.Vector(func(w *codec.Writer) {
		for i := range gs.PSKs {
			gs.PSKs[i].MarshalMLS(w)
		}
	})
}

// UnmarshalMLS decodes gs (RFC 9420, Section 12.4.3.1). PSKs is never nil
// after a successful decode.
func (gs *GroupSecrets) UnmarshalMLS(r *codec.Reader) {
	*gs = GroupSecrets{PSKs: []schedule.PreSharedKeyID{}}
	gs.JoinerSecret = r.OpaqueCopy()
	if r.Optional() {
		gs.PathSecret = new(PathSecret)
		gs.PathSecret.UnmarshalMLS(r)
	}
	r.Vector(func(r *codec.Reader) {
		var id schedule.PreSharedKeyID
		id.UnmarshalMLS(r)
		gs.PSKs = append(gs.PSKs, id)
	})
}

// DecodeGroupSecrets decodes exactly b as GroupSecrets (RFC 9420, Section
// 12.4.3.1).
func DecodeGroupSecrets(b []byte) (*GroupSecrets, error) {
	gs := new(GroupSecrets)
	if err := codec.Decode(b, gs); err != nil {
		return nil, err
	}
	return gs, nil
}

// EncryptedGroupSecrets is the GroupSecrets of one new member, encrypted to
// the init_key of its KeyPackage (RFC 9420, Section 12.4.3.1).
//
//	struct {
//	  KeyPackageRef new_member;
//	  HPKECiphertext encrypted_group_secrets;
//	} EncryptedGroupSecrets;
//
// where KeyPackageRef is opaque<V> (RFC 9420, Section 5.2).
type EncryptedGroupSecrets struct {
	NewMember             []byte
	EncryptedGroupSecrets tree.HPKECiphertext
}

// MarshalMLS encodes e (RFC 9420, Section 12.4.3.1).
func (e *EncryptedGroupSecrets) MarshalMLS(w *codec.Writer) {
	w.Opaque(e.NewMember)
	e.EncryptedGroupSecrets.MarshalMLS(w)
}

// UnmarshalMLS decodes e (RFC 9420, Section 12.4.3.1).
func (e *EncryptedGroupSecrets) UnmarshalMLS(r *codec.Reader) {
	*e = EncryptedGroupSecrets{}
	e.NewMember = r.OpaqueCopy()
	e.EncryptedGroupSecrets.UnmarshalMLS(r)
}

// Welcome brings new members into the group (RFC 9420, Section 12.4.3.1):
// a GroupInfo encrypted under a key derived from the joiner_secret, and
// that joiner_secret (in GroupSecrets) encrypted to each new member.
//
//	struct {
//	  CipherSuite cipher_suite;
//	  EncryptedGroupSecrets secrets<V>;
//	  opaque encrypted_group_info<V>;
//	} Welcome;
type Welcome struct {
	CipherSuite        ciphersuite.ID
	Secrets            []EncryptedGroupSecrets
	EncryptedGroupInfo []byte
}

// MarshalMLS encodes w (RFC 9420, Section 12.4.3.1).
func (wel *Welcome) MarshalMLS(w *codec.Writer) {
	w.U16(uint16(wel.CipherSuite))
	w.Vector(func(w *codec.Writer) {
		for i := range wel.Secrets {
			wel.Secrets[i].MarshalMLS(w)
		}
	})
	w.Opaque(wel.EncryptedGroupInfo)
}

// UnmarshalMLS decodes wel (RFC 9420, Section 12.4.3.1). Secrets is never
// nil after a successful decode. The cipher suite is not checked here: an
// unknown suite is well-formed, and Open rejects it as unsupported.
func (wel *Welcome) UnmarshalMLS(r *codec.Reader) {
	*wel = Welcome{Secrets: []EncryptedGroupSecrets{}}
	wel.CipherSuite = ciphersuite.ID(r.U16())
	r.Vector(func(r *codec.Reader) {
		var e EncryptedGroupSecrets
		e.UnmarshalMLS(r)
		wel.Secrets = append(wel.Secrets, e)
	})
	wel.EncryptedGroupInfo = r.OpaqueCopy()
}

// Marshal returns the encoding of wel (RFC 9420, Section 12.4.3.1), or the
// error of a field too long to encode.
func (wel *Welcome) Marshal() ([]byte, error) { return marshal(wel) }

// DecodeWelcome decodes exactly b as a Welcome (RFC 9420, Section
// 12.4.3.1), without the MLSMessage header.
func DecodeWelcome(b []byte) (*Welcome, error) {
	wel := new(Welcome)
	if err := codec.Decode(b, wel); err != nil {
		return nil, err
	}
	return wel, nil
}

// welcomeKeyNonce derives welcome_key and welcome_nonce from joiner_secret
// and psk_secret (RFC 9420, Sections 8 and 12.4.3.1):
//
//	welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome")
//	welcome_nonce  = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
//	welcome_key    = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)
//
// welcome_secret is deleted once key and nonce are derived.
func welcomeKeyNonce(suite *ciphersuite.Suite, joinerSecret, pskSecret []byte) (key, nonce []byte, err error) {
	ws, err := schedule.WelcomeSecret(suite, joinerSecret, pskSecret)
	if err != nil {
		return nil, nil, err
	}
	key, nonce = schedule.WelcomeKeyNonce(suite, ws)
	clear(ws)
	return key, nonce, nil
}

// NewMember is a new member a Welcome is encrypted to: its KeyPackage and
// the GroupSecrets it is to receive (RFC 9420, Section 12.4.3.1).
type NewMember struct {
	KeyPackage   *KeyPackage
	GroupSecrets *GroupSecrets
}

// NewWelcome builds a Welcome for members (RFC 9420, Section 12.4.3.1):
// it encrypts gi with the welcome key and nonce derived from joinerSecret
// and pskSecret (nil for the all-zero psk_secret of a Commit without PSKs),
// then encrypts each member's GroupSecrets to the init_key of its
// KeyPackage with EncryptWithLabel(init_key, "Welcome",
// encrypted_group_info, group_secrets). The HPKE ephemeral keys are drawn
// from rand. Each KeyPackage must use the Welcome's cipher suite.
func NewWelcome(suite *ciphersuite.Suite, joinerSecret, pskSecret []byte, gi *GroupInfo, members []NewMember, rand io.Reader) (*Welcome, error) {
	giBytes, err := gi.Marshal()
	if err != nil {
		return nil, err
	}
	key, nonce, err := welcomeKeyNonce(suite, joinerSecret, pskSecret)
	if err != nil {
		return nil, err
	}
	encGI, err := suite.Seal(key, nonce, nil, giBytes)
	clear(key)
	clear(nonce)
	if err != nil {
		return nil, err
	}
	wel := &Welcome{CipherSuite: suite.ID(), Secrets: []EncryptedGroupSecrets{}, EncryptedGroupInfo: encGI}
	for i, m := range members {
		if m.KeyPackage == nil || m.GroupSecrets == nil {
			return nil, mlserr.New("", mlserr.ErrInvalidInput, "new member %d lacks its KeyPackage or GroupSecrets (RFC 9420, Section 12.4.3.1)", i)
		}
		if m.KeyPackage.CipherSuite != suite.ID() {
			return nil, mlserr.New("", mlserr.ErrInvalidInput, "new member %d has a KeyPackage for cipher suite %v, not the Welcome's %v (RFC 9420, Section 12.4.3.1)", i, m.KeyPackage.CipherSuite, suite.ID())
		}
		ref, err := m.KeyPackage.RefWith(suite)
		if err != nil {
			return nil, err
		}
		gs, err := marshal(m.GroupSecrets)
		if err != nil {
			return nil, err
		}
		kemOutput, ct, err := suite.EncryptWithLabel(m.KeyPackage.InitKey, ciphersuite.LabelWelcomeEncryption, encGI, gs, rand)
		clear(gs)
		if err != nil {
			return nil, err
		}
		wel.Secrets = append(wel.Secrets, EncryptedGroupSecrets{
			NewMember:             ref,
			EncryptedGroupSecrets: tree.HPKECiphertext{KEMOutput: kemOutput, Ciphertext: ct},
		})
	}
	return wel, nil
}

// PSKLookup returns the secret of the PSK that id names, or false when the
// client does not hold it (RFC 9420, Sections 8.4 and 12.4.3.1). For a
// resumption PSK the secret is the resumption_psk of the group and epoch
// that id names.
type PSKLookup func(id *schedule.PreSharedKeyID) ([]byte, bool)

// SignerKeyFunc returns the signature public key of the member that signed
// gi, the LeafNode at leaf index gi.Signer of the group's ratchet tree (RFC
// 9420, Section 12.4.3.1). It is called after gi has been decrypted, so it
// may take the tree from gi's ratchet_tree extension.
type SignerKeyFunc func(gi *GroupInfo) ([]byte, error)

// SignerFromTree returns a SignerKeyFunc that reads the signer's key from t
// (RFC 9420, Section 12.4.3.1): a blank or missing leaf is an error of
// class mlserr.ErrInvalidWelcome.
func SignerFromTree(t *tree.RatchetTree) SignerKeyFunc {
	return func(gi *GroupInfo) ([]byte, error) {
		return signerKey(t, gi.Signer)
	}
}

// SignerFromRatchetTreeExtension returns a SignerKeyFunc that reads the
// signer's key from the ratchet_tree extension of the GroupInfo (RFC 9420,
// Sections 12.4.3.1 and 12.4.3.3). A GroupInfo without one is an error of
// class mlserr.ErrInvalidWelcome.
func SignerFromRatchetTreeExtension() SignerKeyFunc {
	return func(gi *GroupInfo) ([]byte, error) {
		t, err := gi.RatchetTree()
		if err != nil {
			return nil, mlserr.Wrap("", mlserr.ErrInvalidWelcome, err, "the GroupInfo's ratchet_tree extension does not decode (RFC 9420, Section 12.4.3.3)")
		}
		// [R-12.4.3.1-1]
		if t == nil {
			return nil, mlserr.New("R-12.4.3.1-1", mlserr.ErrInvalidWelcome, "the GroupInfo has no ratchet_tree extension and no tree was supplied")
		}
		return signerKey(t, gi.Signer)
	}
}

// SignerKey returns a SignerKeyFunc that always returns pub, for a caller
// that already knows the signer's key (RFC 9420, Section 12.4.3.1).
func SignerKey(pub []byte) SignerKeyFunc {
	return func(*GroupInfo) ([]byte, error) { return pub, nil }
}

func signerKey(t *tree.RatchetTree, signer uint32) ([]byte, error) {
	leaf := t.Leaf(treemath.LeafIndex(signer))
	// [R-12.4.3-4]
	if leaf == nil {
		return nil, mlserr.New("R-12.4.3-4", mlserr.ErrInvalidWelcome, "the GroupInfo's signer %d is a blank leaf or lies outside the ratchet tree of %d leaves", signer, t.NumLeaves())
	}
	return leaf.SignatureKey, nil
}

// OpenedWelcome is what OpenWelcome learns from a Welcome (RFC 9420,
// Section 12.4.3.1): the decrypted GroupSecrets, the PSKs they name with
// their secrets (in order) and the resulting psk_secret, and the decrypted
// GroupInfo, whose signature has been verified.
type OpenedWelcome struct {
	Suite        *ciphersuite.Suite
	GroupSecrets *GroupSecrets
	PSKs         []schedule.PSK
	PSKSecret    []byte
	GroupInfo    *GroupInfo
}

// OpenWelcome performs the cryptographic steps of joining via a Welcome
// (RFC 9420, Section 12.4.3.1), for the client that holds kp and initPriv,
// the private key of kp.InitKey:
//
//   - find the entry of wel.Secrets whose new_member is the KeyPackageRef of
//     kp under the Welcome's cipher suite, which must be kp's;
//   - decrypt it with DecryptWithLabel(initPriv, "Welcome",
//     encrypted_group_info, ...) and decode the GroupSecrets;
//   - look up every PSK the GroupSecrets name with psks (nil means the
//     client holds none), allowing at most one resumption PSK with usage
//     reinit or branch, and compute psk_secret;
//   - derive welcome_secret, welcome_key and welcome_nonce and decrypt the
//     GroupInfo;
//   - verify the GroupInfo's signature with the key signer returns;
//   - check that the GroupInfo's cipher suite is kp's.
//
// The rest of the join (group_id uniqueness, support of the GroupContext
// extensions, ratchet tree validation, locating the joiner's leaf, path
// secrets, the key schedule and confirmation tag) is left to the caller;
// DeriveEpoch performs the last two.
func OpenWelcome(wel *Welcome, kp *KeyPackage, initPriv []byte, psks PSKLookup, signer SignerKeyFunc) (*OpenedWelcome, error) {
	suite, err := ciphersuite.Lookup(wel.CipherSuite)
	if err != nil {
		return nil, err
	}
	// [R-12.4.3.1-2]
	if kp.CipherSuite != wel.CipherSuite {
		return nil, mlserr.New("R-12.4.3.1-2", mlserr.ErrInvalidWelcome, "the KeyPackage's cipher suite %v is not the Welcome's %v", kp.CipherSuite, wel.CipherSuite)
	}
	ref, err := kp.RefWith(suite)
	if err != nil {
		return nil, err
	}
	var mine *EncryptedGroupSecrets
	for i := range wel.Secrets {
		if bytes.Equal(wel.Secrets[i].NewMember, ref) {
			mine = &wel.Secrets[i]
			break
		}
	}
	// [R-12.4.3.1-2]
	if mine == nil {
		return nil, mlserr.New("R-12.4.3.1-2", mlserr.ErrInvalidWelcome, "no entry of the Welcome's secrets is for this KeyPackage (ref %x)", ref)
	}

	// [R-12.4.3.1-3]
	gsBytes, err := suite.DecryptWithLabel(initPriv, ciphersuite.LabelWelcomeEncryption, wel.EncryptedGroupInfo,
		mine.EncryptedGroupSecrets.KEMOutput, mine.EncryptedGroupSecrets.Ciphertext)
	if err != nil {
		return nil, mlserr.Wrap("R-12.4.3.1-3", mlserr.ErrDecryption, err, "encrypted_group_secrets do not decrypt with the KeyPackage's init private key")
	}
	gs, err := DecodeGroupSecrets(gsBytes)
	clear(gsBytes)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrInvalidWelcome, err, "the decrypted GroupSecrets do not decode (RFC 9420, Section 12.4.3.1)")
	}
	if len(gs.JoinerSecret) != suite.Nh() {
		return nil, mlserr.New("", mlserr.ErrInvalidWelcome, "joiner_secret is %d bytes, not KDF.Nh = %d (RFC 9420, Sections 8 and 12.4.3.1)", len(gs.JoinerSecret), suite.Nh())
	}

	resolved, err := resolvePSKs(gs.PSKs, psks)
	if err != nil {
		return nil, err
	}
	pskSecret, err := schedule.PSKSecret(suite, resolved)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrInvalidWelcome, err, "cannot compute psk_secret from the GroupSecrets' PSKs (RFC 9420, Section 8.4)")
	}

	key, nonce, err := welcomeKeyNonce(suite, gs.JoinerSecret, pskSecret)
	if err != nil {
		return nil, err
	}
	giBytes, err := suite.Open(key, nonce, nil, wel.EncryptedGroupInfo)
	clear(key)
	clear(nonce)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrDecryption, err, "encrypted_group_info does not decrypt with welcome_key and welcome_nonce (RFC 9420, Section 12.4.3.1)")
	}
	gi, err := DecodeGroupInfo(giBytes)
	if err != nil {
		return nil, mlserr.Wrap("", mlserr.ErrInvalidWelcome, err, "the decrypted GroupInfo does not decode (RFC 9420, Section 12.4.3.1)")
	}

	if signer == nil {
		signer = SignerFromRatchetTreeExtension()
	}
	pub, err := signer(gi)
	if err != nil {
		return nil, err
	}
	if err := gi.VerifySignature(suite, pub); err != nil {
		return nil, err
	}

	if gi.GroupContext.CipherSuite != kp.CipherSuite {
		return nil, mlserr.New("", mlserr.ErrInvalidWelcome, "the GroupInfo's cipher suite %v is not the KeyPackage's %v (RFC 9420, Section 12.4.3.1)", gi.GroupContext.CipherSuite, kp.CipherSuite)
	}
	return &OpenedWelcome{Suite: suite, GroupSecrets: gs, PSKs: resolved, PSKSecret: pskSecret, GroupInfo: gi}, nil
}

// resolvePSKs looks up the secret of every PSK the GroupSecrets name (RFC
// 9420, Section 12.4.3.1).
func resolvePSKs(ids []schedule.PreSharedKeyID, lookup PSKLookup) ([]schedule.PSK, error) {
	out := make([]schedule.PSK, 0, len(ids))
	special := 0
	for i := range ids {
		id := &ids[i]
		if id.PSKType == schedule.PSKTypeResumption && (id.Usage == schedule.UsageReinit || id.Usage == schedule.UsageBranch) {
			special++
			if special > 1 {
				return nil, mlserr.New("", mlserr.ErrInvalidWelcome, "the GroupSecrets name more than one resumption PSK with usage reinit or branch (RFC 9420, Section 12.4.3.1)")
			}
		}
		var secret []byte
		ok := false
		if lookup != nil {
			secret, ok = lookup(id)
		}
		// [R-8.4-1] the joiner must inject the very PSKs the
		// GroupSecrets name, as the Commit's members do; one it does not
		// hold is an error (Section 12.4.3.1).
		if !ok {
			return nil, mlserr.New("R-8.4-1", mlserr.ErrInvalidWelcome, "the GroupSecrets name PSK %d (%v), which this client does not hold (RFC 9420, Section 12.4.3.1)", i, id.PSKType)
		}
		out = append(out, schedule.PSK{ID: id.Clone(), Secret: secret})
	}
	return out, nil
}

// DeriveEpoch runs the key schedule of the epoch the Welcome joins from
// the joiner_secret, psk_secret and the GroupInfo's GroupContext, and
// verifies the GroupInfo's confirmation_tag with the derived
// confirmation_key over its confirmed_transcript_hash (RFC 9420, Sections 8
// and 12.4.3.1). A mismatch is an error of class
// mlserr.ErrInvalidConfirmationTag.
func (ow *OpenedWelcome) DeriveEpoch() (*schedule.EpochSecrets, error) {
	js, err := schedule.NewJoinerSecret(ow.Suite, ow.GroupSecrets.JoinerSecret)
	if err != nil {
		return nil, err
	}
	es, err := js.EpochSecret(ow.PSKSecret, &ow.GroupInfo.GroupContext)
	if err != nil {
		return nil, err
	}
	secrets, err := es.Derive()
	if err != nil {
		return nil, err
	}
	if err := secrets.VerifyConfirmationTag(ow.GroupInfo.GroupContext.ConfirmedTranscriptHash, ow.GroupInfo.ConfirmationTag); err != nil {
		secrets.Erase()
		return nil, mlserr.Wrap("", mlserr.ErrInvalidConfirmationTag, err, "the GroupInfo's confirmation_tag does not verify with the joined epoch's confirmation_key (RFC 9420, Section 12.4.3.1)")
	}
	return secrets, nil
}
