package vectors

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// passiveClientCase is one case of the passive-client files: a client that
// holds key_package and its three private keys joins with welcome (and
// ratchet_tree when the Welcome's GroupInfo does not carry the tree, and
// external_psks when the Welcome or a Commit injects them), then follows
// the group through epochs: in each, the proposals are delivered and then
// the commit, after which its epoch_authenticator must be the expected
// one (RFC 9420, Sections 8.7, 12.4.2 and 12.4.3.1).
type passiveClientCase struct {
	CipherSuite               uint16               `json:"cipher_suite"`
	ExternalPSKs              []passiveExternalPSK `json:"external_psks"`
	KeyPackage                HexBytes             `json:"key_package"` // MLSMessage(KeyPackage)
	SignaturePriv             HexBytes             `json:"signature_priv"`
	EncryptionPriv            HexBytes             `json:"encryption_priv"`
	InitPriv                  HexBytes             `json:"init_priv"`
	Welcome                   HexBytes             `json:"welcome"`      // MLSMessage(Welcome)
	RatchetTree               *HexBytes            `json:"ratchet_tree"` // optional
	InitialEpochAuthenticator HexBytes             `json:"initial_epoch_authenticator"`
	Epochs                    []passiveClientEpoch `json:"epochs"`
}

// passiveExternalPSK is an external PSK the passive client holds (RFC
// 9420, Section 8.4).
type passiveExternalPSK struct {
	PSKID HexBytes `json:"psk_id"`
	PSK   HexBytes `json:"psk"`
}

// passiveClientEpoch is one epoch of a passive-client case: proposal
// messages, then the Commit that ends the epoch.
type passiveClientEpoch struct {
	Proposals          []HexBytes `json:"proposals"` // MLSMessage(PublicMessage or PrivateMessage)
	Commit             HexBytes   `json:"commit"`
	EpochAuthenticator HexBytes   `json:"epoch_authenticator"`
}

func init() {
	var all []uint16
	for _, id := range ciphersuite.All() {
		all = append(all, uint16(id))
	}
	for _, k := range []struct {
		name string
		gen  func(uint16, io.Reader) (any, error)
	}{
		{"passive-client-welcome", generatePassiveWelcome},
		{"passive-client-handling-commit", generatePassiveHandlingCommit},
		{"passive-client-random", generatePassiveRandom},
	} {
		Register(&Kind{
			Name:     k.name,
			Files:    []string{k.name + ".json"},
			Verify:   verifyPassiveClient,
			Generate: k.gen,
			Suites:   all,
		})
	}
}

func verifyPassiveClient(data []byte, rep *Report) error {
	cases, err := decodeCases[passiveClientCase](data)
	if err != nil {
		return err
	}
	for i := range cases {
		rep.Case(i, func(c *Checker) { checkPassiveClient(c, &cases[i]) })
	}
	return nil
}

// vectorClock returns the instant at which the case's KeyPackage lifetimes
// are judged (RFC 9420, Section 7.3). The official passive-client-welcome
// KeyPackages expired on 2024-03-02, so wall time would reject vectors that
// were valid when they were made. The clock is instead an instant the
// vector itself declares valid: the middle of the intersection of the
// lifetimes of the joiner's KeyPackage and of every key_package LeafNode of
// the tree it joins. (In passive-client-handling-commit the joiner's
// lifetime is 0 to 2^64-1 while the members' end in 2025, so the joiner's
// lifetime alone is not enough.) The instant is capped at 2^62 seconds,
// which time.Time can hold. It reports false when the intersection is
// empty.
func vectorClock(lifetimes []tree.Lifetime) (time.Time, bool) {
	const maxSeconds = uint64(1) << 62
	lo, hi := uint64(0), ^uint64(0)
	for _, lt := range lifetimes {
		lo, hi = max(lo, lt.NotBefore), min(hi, lt.NotAfter)
	}
	if hi < lo || lo > maxSeconds {
		return time.Time{}, false
	}
	t := min(lo+(hi-lo)/2, maxSeconds)
	return time.Unix(int64(t), 0).UTC(), true
}

// joinLifetimes returns the lifetimes of kp and of the key_package
// LeafNodes of the tree the Welcome joins: rt, or the GroupInfo's
// ratchet_tree extension, read by opening the Welcome (RFC 9420, Section
// 12.4.3.1).
func joinLifetimes(wel *group.Welcome, kp *group.KeyPackage, initPriv []byte, psks group.PSKLookup, rt *tree.RatchetTree) ([]tree.Lifetime, error) {
	signer := group.SignerFromRatchetTreeExtension()
	if rt != nil {
		signer = group.SignerFromTree(rt)
	}
	ow, err := group.OpenWelcome(wel, kp, initPriv, psks, signer)
	if err != nil {
		return nil, err
	}
	t := rt
	if t == nil {
		if t, err = ow.GroupInfo.RatchetTree(); err != nil {
			return nil, err
		}
	}
	out := []tree.Lifetime{kp.LeafNode.Lifetime}
	for i := uint32(0); t != nil && i < t.NumLeaves(); i++ {
		if l := t.Leaf(treemath.LeafIndex(i)); l != nil && l.LeafNodeSource == tree.SourceKeyPackage {
			out = append(out, l.Lifetime)
		}
	}
	return out, nil
}

// vectorMaxLifetime is the longest KeyPackage lifetime the case's
// application accepts (RFC 9420, Section 7.2): mlsref's default, or the
// joiner's own lifetime when that is longer (the handling-commit and random
// vectors use lifetimes from 0 to 2^64-1, which they evidently accept).
func vectorMaxLifetime(lt tree.Lifetime) time.Duration {
	total := lt.NotAfter - lt.NotBefore
	if total <= uint64(tree.DefaultMaxLifetime/time.Second) {
		return 0
	}
	if total >= uint64(1<<63-1)/uint64(time.Second) {
		return -1
	}
	return time.Duration(total) * time.Second
}

// checkPassiveClient follows test-vectors.md ("Passive Client Scenarios").
func checkPassiveClient(c *Checker, tc *passiveClientCase) {
	s, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("%v", err)
		return
	}
	kpm := decodeMessage(c, "key_package", tc.KeyPackage, framing.WireFormatKeyPackage)
	wm := decodeMessage(c, "welcome", tc.Welcome, framing.WireFormatWelcome)
	if kpm == nil || wm == nil {
		return
	}
	kp := kpm.KeyPackage
	Equal(c, "key_package.cipher_suite", uint16(kp.CipherSuite), tc.CipherSuite)
	// The three private keys must be those of the KeyPackage's public keys.
	if pub, err := s.SignaturePublicKey(tc.SignaturePriv); c.NoErr("signature_priv: public key", err) {
		c.Bytes("key_package.leaf_node.signature_key (from signature_priv)", pub, kp.LeafNode.SignatureKey)
	}
	if pub, err := s.HPKEPublicKey(tc.EncryptionPriv); c.NoErr("encryption_priv: public key", err) {
		c.Bytes("key_package.leaf_node.encryption_key (from encryption_priv)", pub, kp.LeafNode.EncryptionKey)
	}
	if pub, err := s.HPKEPublicKey(tc.InitPriv); c.NoErr("init_priv: public key", err) {
		c.Bytes("key_package.init_key (from init_priv)", pub, kp.InitKey)
	}
	var rt *tree.RatchetTree
	if tc.RatchetTree != nil {
		rt = new(tree.RatchetTree)
		if err := codec.Decode(*tc.RatchetTree, rt); !c.NoErr("ratchet_tree: decode", err) {
			return
		}
	}
	if c.Failed() {
		return
	}
	psks := group.PSKMap{}
	for _, p := range tc.ExternalPSKs {
		psks[string(p.PSKID)] = p.PSK
	}
	lifetimes, err := joinLifetimes(wm.Welcome, kp, tc.InitPriv, psks.Lookup, rt)
	if err != nil {
		failOrSkip(c, "join from welcome: open", err)
		return
	}
	now, ok := vectorClock(lifetimes)
	if !ok {
		c.Failf("the lifetimes of the KeyPackage and of the tree's key_package leaves have no instant in common")
		return
	}
	cfg := group.Config{
		// The passive client never sends: its randomness is never drawn.
		Rand:        seeded.New("passive client"),
		Now:         func() time.Time { return now },
		MaxLifetime: vectorMaxLifetime(kp.LeafNode.Lifetime),
		PSKs:        psks.Lookup,
		// Keep every past epoch's resumption_psk a case may name.
		ResumptionPSKEpochs: len(tc.Epochs) + 1,
	}
	priv := &group.KeyPackagePrivate{InitPriv: tc.InitPriv, EncryptionPriv: tc.EncryptionPriv, SignaturePriv: tc.SignaturePriv}
	g, err := group.JoinGroup(wm.Welcome, kp, priv, rt, cfg)
	if err != nil {
		failOrSkip(c, "join from welcome", err)
		return
	}
	c.Bytes("initial_epoch_authenticator", g.EpochAuthenticator(), tc.InitialEpochAuthenticator)
	for e := range tc.Epochs {
		ep := &tc.Epochs[e]
		for j, pb := range ep.Proposals {
			m, err := group.DecodeMLSMessage(pb)
			if !c.NoErr(fmt.Sprintf("epochs[%d].proposals[%d]: decode", e, j), err) {
				return
			}
			if _, err := g.Process(m); err != nil {
				failOrSkip(c, fmt.Sprintf("epochs[%d].proposals[%d]: process", e, j), err)
				return
			}
		}
		m, err := group.DecodeMLSMessage(ep.Commit)
		if !c.NoErr(fmt.Sprintf("epochs[%d].commit: decode", e), err) {
			return
		}
		rcv, err := g.Process(m)
		if err != nil {
			failOrSkip(c, fmt.Sprintf("epochs[%d].commit: process", e), err)
			return
		}
		if rcv.ContentType != framing.ContentTypeCommit {
			c.Failf("epochs[%d].commit: a %v message, not a Commit", e, rcv.ContentType)
			return
		}
		if rcv.Removed {
			c.Failf("epochs[%d].commit: removes the passive client", e)
			return
		}
		c.Bytes(fmt.Sprintf("epochs[%d].epoch_authenticator", e), g.EpochAuthenticator(), ep.EpochAuthenticator)
		if c.Failed() {
			return
		}
	}
}

// failOrSkip records err: a feature mlsref does not implement yet makes
// the case one that could not run, anything else a failure.
func failOrSkip(c *Checker, step string, err error) {
	if errors.Is(err, mlserr.ErrUnsupported) {
		c.Skip("%s: %v", step, err)
		return
	}
	c.Failf("%s: %v", step, err)
}
