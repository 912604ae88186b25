package group

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/tree"
)

// appProposalType is an application-defined proposal type for the tests
// (RFC 9420, Section 13.1); appBody its body, an opaque<V>.
const appProposalType ProposalType = 0xF0A1

type appBody struct{ Data []byte }

func (b *appBody) MarshalMLS(w *codec.Writer)   { w.Opaque(b.Data) }
func (b *appBody) UnmarshalMLS(r *codec.Reader) { b.Data = r.OpaqueCopy() }

var errBadBody = errors.New("the application refuses this body")

// appRoundTrip encodes m and decodes it with the application's types.
func appRoundTrip(t *testing.T, m *MLSMessage, g *Group) *MLSMessage {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeMLSMessageWith(b, g.cfg.Proposals)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// appConfig registers appProposalType; strict handlers refuse the body
// "bad".
func appConfig(seed string, strict bool) Config {
	cfg := testConfig(seed)
	cfg.Proposals = ProposalHandlers{appProposalType: {
		Decode: func(r *codec.Reader) codec.Marshaler {
			b := new(appBody)
			b.UnmarshalMLS(r)
			return b
		},
		Validate: func(body codec.Marshaler, _ framing.Sender) error {
			if strict && string(body.(*appBody).Data) == "bad" {
				return errBadBody
			}
			return nil
		},
	}}
	return cfg
}

// appKP returns a KeyPackage whose capabilities list appProposalType when
// supports is set.
func appKP(t *testing.T, s *ciphersuite.Suite, name string, supports bool) (*KeyPackage, *KeyPackagePrivate) {
	t.Helper()
	caps := &tree.Capabilities{
		Versions:     []tree.ProtocolVersion{tree.MLS10},
		CipherSuites: []ciphersuite.ID{s.ID()},
		Extensions:   []extension.ExtensionType{},
		Proposals:    []tree.ProposalType{},
		Credentials:  []credential.CredentialType{credential.Basic},
	}
	params := &KeyPackageParams{Credential: credential.NewBasic([]byte(name)), Now: fixedClock, Capabilities: caps}
	if supports {
		caps.Proposals = append(caps.Proposals, appProposalType)
		params.Proposals = appConfig(name, false).Proposals
	}
	kp, priv, err := NewKeyPackage(s, params, seeded.New("app kp "+name))
	if err != nil {
		t.Fatal(err)
	}
	return kp, priv
}

// appGroup returns alice (permissive handler) and bob (strict handler),
// both supporting appProposalType, and carol, who does not, when withCarol.
func appGroup(t *testing.T, withCarol bool) []*member {
	t.Helper()
	s := mustSuite(t, testSuite)
	akp, apriv := appKP(t, s, "alice", true)
	alice, err := NewGroup([]byte("app group"), akp, apriv, nil, appConfig("alice", false))
	if err != nil {
		t.Fatal(err)
	}
	bkp, bpriv := appKP(t, s, "bob", true)
	pc := pskCommit(t, alice, &CommitOptions{Adds: []*KeyPackage{bkp}})
	bob, err := JoinGroup(pc.Welcome, bkp, bpriv, nil, appConfig("bob", true))
	if err != nil {
		t.Fatal(err)
	}
	ms := []*member{{name: "alice", g: alice}, {name: "bob", g: bob}}
	if withCarol {
		ckp, cpriv := appKP(t, s, "carol", false)
		ms = commitAndDeliver(t, ms, 0, &CommitOptions{Adds: []*KeyPackage{ckp}}, []*member{{name: "carol"}}, []*KeyPackage{ckp}, []*KeyPackagePrivate{cpriv})
	}
	return ms
}

// TestCustomProposal has a member propose an application-defined type
// that every member supports and registered; another decodes it, keeps it
// across a save and restore of its state, and commits it by reference.
func TestCustomProposal(t *testing.T) {
	ms := appGroup(t, false)
	alice, bob := ms[0].g, ms[1].g
	p, err := NewCustomProposal(appProposalType, &appBody{Data: []byte("hello")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := alice.Propose(p, false)
	if err != nil {
		t.Fatal(err)
	}
	rcv, err := bob.Process(appRoundTrip(t, m, bob))
	if err != nil {
		t.Fatal(err)
	}
	if rcv.Proposal.ProposalType != appProposalType {
		t.Fatalf("received proposal type 0x%04x", uint16(rcv.Proposal.ProposalType))
	}
	if diff := cmp.Diff(&appBody{Data: []byte("hello")}, rcv.Proposal.Custom); diff != "" {
		t.Fatalf("received body (-want +got):\n%s", diff)
	}
	// The pending proposal survives the state encoding.
	b, err := UnmarshalGroup(state(t, bob), appConfig("bob again", true))
	if err != nil {
		t.Fatal(err)
	}
	ms[1].g = b
	ms = commitAndDeliver(t, ms, 1, nil, nil, nil, nil)
	if ms[0].g.Epoch() != 2 || !bytes.Equal(ms[0].g.EpochAuthenticator(), ms[1].g.EpochAuthenticator()) {
		t.Fatal("the members disagree after the Commit")
	}
	// NewCustomProposal refuses the types it must not carry.
	for _, bad := range []ProposalType{0, ProposalTypeAdd, ProposalTypeGroupContextExtensions, 0x3A3A} {
		if _, err := NewCustomProposal(bad, &appBody{}); !errors.Is(err, mlserr.ErrInvalidInput) {
			t.Errorf("NewCustomProposal(0x%04x): err = %v, want ErrInvalidInput", uint16(bad), err)
		}
	}
}

// TestCustomProposalRejects checks the refusals of RFC 9420, Sections
// 12.2 and 13.2 for application-defined proposal types, each leaving the
// state unchanged.
func TestCustomProposalRejects(t *testing.T) {
	p, err := NewCustomProposal(appProposalType, &appBody{Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a member does not support it: not proposed", func(t *testing.T) {
		ms := appGroup(t, true)
		before := state(t, ms[0].g)
		_, err := ms[0].g.Propose(p, true)
		if !errors.Is(err, mlserr.ErrUnsupported) || mlserr.RequirementOf(err) != "R-13.2-1" {
			t.Fatalf("err = %v, want R-13.2-1", err)
		}
		if !bytes.Equal(before, state(t, ms[0].g)) {
			t.Fatal("the state changed")
		}
	})
	t.Run("a member does not support it: not committed", func(t *testing.T) {
		ms := appGroup(t, true)
		list := []committedProposal{{proposal: p, sender: framing.MemberSender(0)}}
		err := ms[1].g.validateProposalList(list, 0)
		if !errors.Is(err, mlserr.ErrInvalidProposal) || mlserr.RequirementOf(err) != "R-13.2-1" {
			t.Fatalf("err = %v, want R-13.2-1", err)
		}
	})
	t.Run("an unregistered type does not decode", func(t *testing.T) {
		ms := appGroup(t, false)
		// As a PublicMessage, it does not even decode as an MLSMessage.
		m, err := ms[0].g.Propose(p, true)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeMLSMessage(b); !errors.Is(err, mlserr.ErrUnsupported) {
			t.Fatalf("DecodeMLSMessage: err = %v, want ErrUnsupported", err)
		}
		// As a PrivateMessage, a member that did not register the type
		// refuses it once decrypted.
		m, err = ms[0].g.Propose(p, false)
		if err != nil {
			t.Fatal(err)
		}
		plain := ms[1].g.clone()
		plain.cfg.Proposals = nil
		before := state(t, plain)
		if _, err := plain.Process(roundTrip(t, m)); !errors.Is(err, mlserr.ErrUnsupported) {
			t.Fatalf("err = %v, want ErrUnsupported", err)
		}
		if !bytes.Equal(before, state(t, plain)) {
			t.Fatal("the state changed")
		}
		// Nor can this member propose it.
		if _, err := plain.Propose(p, true); !errors.Is(err, mlserr.ErrUnsupported) {
			t.Fatalf("proposing an unregistered type: err = %v, want ErrUnsupported", err)
		}
	})
	t.Run("the application refuses the body", func(t *testing.T) {
		ms := appGroup(t, false)
		alice, bob := ms[0].g, ms[1].g
		bad, err := NewCustomProposal(appProposalType, &appBody{Data: []byte("bad")})
		if err != nil {
			t.Fatal(err)
		}
		m, err := alice.Propose(bad, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Process(appRoundTrip(t, m, bob)); err != nil {
			t.Fatal(err)
		}
		pc, err := alice.Commit(&CommitOptions{PublicMessage: true})
		if err != nil {
			t.Fatal(err)
		}
		before := state(t, bob)
		if _, err := bob.Process(roundTrip(t, pc.Message)); !errors.Is(err, mlserr.ErrInvalidProposal) || !errors.Is(err, errBadBody) {
			t.Fatalf("err = %v, want ErrInvalidProposal wrapping the application's error", err)
		}
		if !bytes.Equal(before, state(t, bob)) {
			t.Fatal("the state changed")
		}
	})
}

// TestCustomProposalByValue commits application-defined proposals by value,
// in a PrivateMessage and in a PublicMessage Commit; a member that did not
// register the type cannot decode such a Commit, and a strict member
// refuses a body its application rejects (RFC 9420, Sections 12.2, 12.4
// and 13.2).
func TestCustomProposalByValue(t *testing.T) {
	body := func(s string) *Proposal {
		p, err := NewCustomProposal(appProposalType, &appBody{Data: []byte(s)})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, public := range []bool{false, true} {
		ms := appGroup(t, false)
		alice, bob := ms[0].g, ms[1].g
		pc, err := alice.Commit(&CommitOptions{Custom: []*Proposal{body("one"), body("two")}, PublicMessage: public})
		if err != nil {
			t.Fatal(err)
		}
		// A member without the handler does not get past decoding.
		plain := bob.clone()
		plain.cfg.Proposals = nil
		b, err := pc.Message.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if public {
			if _, err := DecodeMLSMessage(b); !errors.Is(err, mlserr.ErrUnsupported) {
				t.Fatalf("public: DecodeMLSMessage: err = %v, want ErrUnsupported", err)
			}
		} else if _, err := plain.Process(roundTrip(t, pc.Message)); !errors.Is(err, mlserr.ErrUnsupported) {
			t.Fatalf("private: err = %v, want ErrUnsupported", err)
		}
		if _, err := bob.Process(appRoundTrip(t, pc.Message, bob)); err != nil {
			t.Fatalf("public=%v: %v", public, err)
		}
		if err := alice.MergePendingCommit(pc); err != nil {
			t.Fatal(err)
		}
		agreeWith(t, alice, bob)

		// The strict bob refuses "bad" by value.
		pc, err = alice.Commit(&CommitOptions{Custom: []*Proposal{body("bad")}, PublicMessage: public})
		if err != nil {
			t.Fatal(err)
		}
		before := state(t, bob)
		if _, err := bob.Process(appRoundTrip(t, pc.Message, bob)); !errors.Is(err, mlserr.ErrInvalidProposal) || !errors.Is(err, errBadBody) {
			t.Fatalf("public=%v: err = %v, want the application's refusal", public, err)
		}
		if !bytes.Equal(before, state(t, bob)) {
			t.Fatal("the state changed")
		}
	}
	// Only application-defined types go in CommitOptions.Custom.
	ms := appGroup(t, false)
	if _, err := ms[0].g.Commit(&CommitOptions{Custom: []*Proposal{{ProposalType: ProposalTypeRemove, Remove: &Remove{Removed: 1}}}}); !errors.Is(err, mlserr.ErrInvalidInput) {
		t.Fatalf("a Remove in Custom: err = %v, want ErrInvalidInput", err)
	}
}
