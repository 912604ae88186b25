package vectors

import (
	"encoding/hex"
	"fmt"
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/schedule"
)

// keyScheduleCase is one case of key-schedule.json: a chain of epochs of
// the key schedule of RFC 9420, Section 8, for one cipher suite.
type keyScheduleCase struct {
	CipherSuite       uint16          `json:"cipher_suite"`
	GroupID           HexBytes        `json:"group_id"`
	InitialInitSecret HexBytes        `json:"initial_init_secret"`
	Epochs            []keyScheduleEp `json:"epochs"`
}

type keyScheduleEp struct {
	// Chosen by the generator.
	TreeHash                HexBytes `json:"tree_hash"`
	CommitSecret            HexBytes `json:"commit_secret"`
	PSKSecret               HexBytes `json:"psk_secret"`
	ConfirmedTranscriptHash HexBytes `json:"confirmed_transcript_hash"`

	// Computed.
	GroupContext       HexBytes   `json:"group_context"`
	JoinerSecret       HexBytes   `json:"joiner_secret"`
	WelcomeSecret      HexBytes   `json:"welcome_secret"`
	InitSecret         HexBytes   `json:"init_secret"`
	SenderDataSecret   HexBytes   `json:"sender_data_secret"`
	EncryptionSecret   HexBytes   `json:"encryption_secret"`
	ExporterSecret     HexBytes   `json:"exporter_secret"`
	EpochAuthenticator HexBytes   `json:"epoch_authenticator"`
	ExternalSecret     HexBytes   `json:"external_secret"`
	ConfirmationKey    HexBytes   `json:"confirmation_key"`
	MembershipKey      HexBytes   `json:"membership_key"`
	ResumptionPSK      HexBytes   `json:"resumption_psk"`
	ExternalPub        HexBytes   `json:"external_pub"`
	Exporter           ksExporter `json:"exporter"`
}

// ksExporter is one MLS-Exporter call (RFC 9420, Section 8.5). As
// test-vectors.md says, the label is a plain string (it happens to look
// like hex in the official file and is used as it is), while the context
// is hex.
type ksExporter struct {
	Label   string   `json:"label"`
	Context HexBytes `json:"context"`
	Length  uint32   `json:"length"`
	Secret  HexBytes `json:"secret"`
}

func init() {
	Register(&Kind{
		Name:     "key-schedule",
		Files:    []string{"key-schedule.json"},
		Verify:   verifyKeySchedule,
		Generate: generateKeySchedule,
		Suites:   ksSuites(),
	})
}

// ksSuites lists the IDs of every suite ref/ciphersuite implements.
func ksSuites() []uint16 {
	var out []uint16
	for _, id := range ciphersuite.All() {
		out = append(out, uint16(id))
	}
	return out
}

func verifyKeySchedule(data []byte, rep *Report) error {
	cases, err := decodeCases[keyScheduleCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkKeySchedule(c, &tc) })
	}
	return nil
}

// ksEpochOutputs is what the key schedule computes for one epoch.
type ksEpochOutputs struct {
	groupContext, joiner, welcome []byte
	secrets                       *schedule.EpochSecrets
	externalPub, exported         []byte
}

// runKeyScheduleEpoch derives one epoch from init (consumed), following
// test-vectors.md: GroupContext with epoch n, empty extensions, then the
// key schedule with commit_secret and psk_secret.
func runKeyScheduleEpoch(s *ciphersuite.Suite, groupID []byte, n uint64, init *schedule.InitSecret, ep *keyScheduleEp) (*ksEpochOutputs, error) {
	gc := &schedule.GroupContext{
		Version:                 schedule.MLS10,
		CipherSuite:             s.ID(),
		GroupID:                 groupID,
		Epoch:                   n,
		TreeHash:                ep.TreeHash,
		ConfirmedTranscriptHash: ep.ConfirmedTranscriptHash,
		Extensions:              extension.List{},
	}
	out := &ksEpochOutputs{}
	var err error
	if out.groupContext, err = gc.Marshal(); err != nil {
		return nil, fmt.Errorf("encoding GroupContext: %w", err)
	}
	joiner, err := init.JoinerSecret(ep.CommitSecret, gc)
	if err != nil {
		return nil, fmt.Errorf("joiner_secret: %w", err)
	}
	out.joiner = joiner.Bytes()
	psk := []byte(ep.PSKSecret)
	if len(psk) == 0 {
		psk = nil // absent: the all-zero psk_secret
	}
	if out.welcome, err = joiner.WelcomeSecret(psk); err != nil {
		return nil, fmt.Errorf("welcome_secret: %w", err)
	}
	epoch, err := joiner.EpochSecret(psk, gc)
	if err != nil {
		return nil, fmt.Errorf("epoch_secret: %w", err)
	}
	if out.secrets, err = epoch.Derive(); err != nil {
		return nil, fmt.Errorf("epoch secrets: %w", err)
	}
	if out.externalPub, err = schedule.ExternalPub(s, out.secrets.ExternalSecret); err != nil {
		return nil, fmt.Errorf("external_pub: %w", err)
	}
	if out.exported, err = out.secrets.Exporter(ep.Exporter.Label, ep.Exporter.Context, int(ep.Exporter.Length)); err != nil {
		return nil, fmt.Errorf("MLS-Exporter: %w", err)
	}
	return out, nil
}

func checkKeySchedule(c *Checker, tc *keyScheduleCase) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("%v", err)
		return
	}
	if len(tc.Epochs) == 0 {
		c.Failf("no epochs")
		return
	}
	init, err := schedule.NewInitSecret(s, tc.InitialInitSecret)
	if !c.NoErr("initial_init_secret", err) {
		return
	}
	for n := range tc.Epochs {
		ep := &tc.Epochs[n]
		f := func(name string) string { return fmt.Sprintf("epochs[%d].%s", n, name) }
		out, err := runKeyScheduleEpoch(s, tc.GroupID, uint64(n), init, ep)
		if !c.NoErr(fmt.Sprintf("epochs[%d]", n), err) {
			return
		}
		es := out.secrets
		c.Bytes(f("group_context"), out.groupContext, ep.GroupContext)
		c.Bytes(f("joiner_secret"), out.joiner, ep.JoinerSecret)
		c.Bytes(f("welcome_secret"), out.welcome, ep.WelcomeSecret)
		c.Bytes(f("init_secret"), es.InitSecret.Bytes(), ep.InitSecret)
		c.Bytes(f("sender_data_secret"), es.SenderDataSecret, ep.SenderDataSecret)
		c.Bytes(f("encryption_secret"), es.EncryptionSecret, ep.EncryptionSecret)
		c.Bytes(f("exporter_secret"), es.ExporterSecret, ep.ExporterSecret)
		c.Bytes(f("epoch_authenticator"), es.EpochAuthenticator, ep.EpochAuthenticator)
		c.Bytes(f("external_secret"), es.ExternalSecret, ep.ExternalSecret)
		c.Bytes(f("confirmation_key"), es.ConfirmationKey, ep.ConfirmationKey)
		c.Bytes(f("membership_key"), es.MembershipKey, ep.MembershipKey)
		c.Bytes(f("resumption_psk"), es.ResumptionPSK, ep.ResumptionPSK)
		c.Bytes(f("external_pub"), out.externalPub, ep.ExternalPub)
		c.Bytes(f("exporter.secret"), out.exported, ep.Exporter.Secret)
		init = es.InitSecret
	}
}

// generateKeySchedule returns one case of five epochs for suite, every
// input drawn from rand and every output computed with ref/schedule. The
// psk_secret of one epoch in two is all zero, as when a Commit carries no
// PreSharedKey proposals.
func generateKeySchedule(suite uint16, rand io.Reader) (any, error) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	g := &ksRand{r: rand}
	nh := s.Nh()
	tc := keyScheduleCase{CipherSuite: suite, GroupID: g.bytes(nh), InitialInitSecret: g.bytes(nh)}
	init, err := schedule.NewInitSecret(s, tc.InitialInitSecret)
	if err != nil {
		return nil, err
	}
	for n := 0; n < 5; n++ {
		ep := keyScheduleEp{
			TreeHash:                g.bytes(nh),
			CommitSecret:            g.bytes(nh),
			PSKSecret:               make(HexBytes, nh),
			ConfirmedTranscriptHash: g.bytes(nh),
			Exporter: ksExporter{
				Label:   hex.EncodeToString(g.bytes(nh)),
				Context: g.bytes(nh),
				Length:  uint32(nh),
			},
		}
		if n%2 == 1 {
			ep.PSKSecret = g.bytes(nh)
		}
		if g.err != nil {
			return nil, fmt.Errorf("key-schedule: reading randomness: %w", g.err)
		}
		out, err := runKeyScheduleEpoch(s, tc.GroupID, uint64(n), init, &ep)
		if err != nil {
			return nil, err
		}
		es := out.secrets
		ep.GroupContext = out.groupContext
		ep.JoinerSecret = out.joiner
		ep.WelcomeSecret = out.welcome
		ep.InitSecret = es.InitSecret.Bytes()
		ep.SenderDataSecret = es.SenderDataSecret
		ep.EncryptionSecret = es.EncryptionSecret
		ep.ExporterSecret = es.ExporterSecret
		ep.EpochAuthenticator = es.EpochAuthenticator
		ep.ExternalSecret = es.ExternalSecret
		ep.ConfirmationKey = es.ConfirmationKey
		ep.MembershipKey = es.MembershipKey
		ep.ResumptionPSK = es.ResumptionPSK
		ep.ExternalPub = out.externalPub
		ep.Exporter.Secret = out.exported
		tc.Epochs = append(tc.Epochs, ep)
		init = es.InitSecret
	}
	return []keyScheduleCase{tc}, nil
}

// ksRand draws generator inputs from a reader, keeping the first error.
type ksRand struct {
	r   io.Reader
	err error
}

func (g *ksRand) bytes(n int) HexBytes {
	b := make(HexBytes, n)
	if _, err := io.ReadFull(g.r, b); err != nil && g.err == nil {
		g.err = err
	}
	return b
}
