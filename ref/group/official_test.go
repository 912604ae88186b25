package group_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/group"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/vectors"
)

type wireStruct interface {
	codec.Marshaler
	codec.Unmarshaler
}

// readOfficial reads an official vector file as a list of objects of hex
// strings (and numbers), failing in CI and skipping elsewhere when it is
// missing.
func readOfficial(t *testing.T, name string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectors.DefaultDir(), name))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("official vectors missing in CI: %v", err)
		}
		t.Skipf("official vectors not found (%v); set MLS_TEST_VECTORS to the mlswg test-vectors directory", err)
	}
	var cases []map[string]any
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func unhex(t *testing.T, v any) []byte {
	t.Helper()
	s, _ := v.(string)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOfficialMessagesRoundTrip decodes every field of the official
// messages.json with its struct and checks the re-encoding.
func TestOfficialMessagesRoundTrip(t *testing.T) {
	cases := readOfficial(t, "messages.json")
	structs := map[string]func() wireStruct{
		"mls_welcome":                       func() wireStruct { return new(group.MLSMessage) },
		"mls_group_info":                    func() wireStruct { return new(group.MLSMessage) },
		"mls_key_package":                   func() wireStruct { return new(group.MLSMessage) },
		"ratchet_tree":                      func() wireStruct { return new(tree.RatchetTree) },
		"group_secrets":                     func() wireStruct { return new(group.GroupSecrets) },
		"add_proposal":                      func() wireStruct { return new(group.Add) },
		"update_proposal":                   func() wireStruct { return new(group.Update) },
		"remove_proposal":                   func() wireStruct { return new(group.Remove) },
		"pre_shared_key_proposal":           func() wireStruct { return new(group.PreSharedKey) },
		"re_init_proposal":                  func() wireStruct { return new(group.ReInit) },
		"external_init_proposal":            func() wireStruct { return new(group.ExternalInit) },
		"group_context_extensions_proposal": func() wireStruct { return new(group.GroupContextExtensions) },
		"commit":                            func() wireStruct { return new(group.Commit) },
		"public_message_application":        func() wireStruct { return new(group.MLSMessage) },
		"public_message_proposal":           func() wireStruct { return new(group.MLSMessage) },
		"public_message_commit":             func() wireStruct { return new(group.MLSMessage) },
		"private_message":                   func() wireStruct { return new(group.MLSMessage) },
	}
	for i, c := range cases {
		if len(c) != len(structs) {
			t.Errorf("case %d has %d fields, want %d", i, len(c), len(structs))
		}
		for field, v := range c {
			mk, ok := structs[field]
			if !ok {
				t.Errorf("case %d: unknown field %q", i, field)
				continue
			}
			b := unhex(t, v)
			x := mk()
			if err := codec.Decode(b, x); err != nil {
				t.Errorf("case %d %s: %v", i, field, err)
				continue
			}
			if re := codec.Encode(x); !bytes.Equal(re, b) {
				t.Errorf("case %d %s: re-encoding differs", i, field)
			}
		}
	}
}

// TestOfficialWelcome opens every Welcome of the official welcome.json: the
// KeyPackageRef must name one entry, the GroupSecrets and GroupInfo must
// decrypt, the signature verify with signer_pub and the confirmation tag
// with the derived key.
func TestOfficialWelcome(t *testing.T) {
	for i, c := range readOfficial(t, "welcome.json") {
		kpm, err := group.DecodeMLSMessage(unhex(t, c["key_package"]))
		if err != nil || kpm.KeyPackage == nil {
			t.Fatalf("case %d: key_package: %v", i, err)
		}
		wm, err := group.DecodeMLSMessage(unhex(t, c["welcome"]))
		if err != nil || wm.Welcome == nil {
			t.Fatalf("case %d: welcome: %v", i, err)
		}
		ref, err := kpm.KeyPackage.Ref()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range wm.Welcome.Secrets {
			found = found || bytes.Equal(s.NewMember, ref)
		}
		if !found {
			t.Errorf("case %d: KeyPackageRef %x names no entry of the Welcome", i, ref)
		}
		ow, err := group.OpenWelcome(wm.Welcome, kpm.KeyPackage, unhex(t, c["init_priv"]), nil, group.SignerKey(unhex(t, c["signer_pub"])))
		if err != nil {
			t.Errorf("case %d: OpenWelcome: %v", i, err)
			continue
		}
		if _, err := ow.DeriveEpoch(); err != nil {
			t.Errorf("case %d: DeriveEpoch: %v", i, err)
		}
	}
}
