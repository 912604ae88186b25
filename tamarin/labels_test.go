package tamarin

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mlsref/mlsref/proverif/modelcheck"
)

// notModelled lists the labels of ref/ciphersuite that no Tamarin theory
// uses: PSKs, the exporter's MLS-Exporter, external commits, the
// handshake ratchet, ratchet generations beyond the first, KeyPackages,
// LeafNode signatures and references are not modelled. A new label in
// labels.go must be used by a theory or added here.
var notModelled = map[string]bool{
	"LabelDerivedPSK":          true,
	"LabelExported":            true,
	"LabelExternalInitSecret":  true,
	"LabelHandshake":           true,
	"LabelLeafNodeTBS":         true,
	"LabelKeyPackageTBS":       true,
	"LabelKeyPackageReference": true,
	"LabelProposalReference":   true,
}

// rawInfo lists the constants that are spelled like a bare label but are
// the plain KDF.Expand info of welcome_key and welcome_nonce (RFC 9420,
// Section 12.4.3.1), which no "MLS 1.0 " prefix precedes.
var rawInfo = map[string]bool{"key": true, "nonce": true}

// caseAliases maps the constants that cannot be TamarinName of their label
// to the label: Tamarin rejects public names that differ only in case, and
// the RFC has both "welcome" (DeriveSecret of welcome_secret) and
// "Welcome" (EncryptWithLabel of the GroupSecrets), so the theories write
// the latter 'MLS_1_0_Welcome_enc'.
var caseAliases = map[string]string{"MLS_1_0_Welcome_enc": "MLS 1.0 Welcome"}

// TestLabels checks that every label constant ('MLS_1_0_...') of the
// theories and of mls.splib is the Tamarin name of a label of
// ref/ciphersuite/labels.go, that the secret-tree contexts 'left' and
// 'right' are those of labels.go, that no constant is a label without its
// "MLS 1.0 " prefix, that every theory includes mls.splib, and that every
// label of labels.go is used or listed in notModelled.
func TestLabels(t *testing.T) {
	goConsts, err := modelcheck.GoStringConsts(filepath.Join("..", "ref", "ciphersuite", "labels.go"))
	if err != nil {
		t.Fatal(err)
	}
	byTamarin := map[string]string{} // 'MLS_1_0_joiner' -> LabelJoiner
	bare := map[string]string{}      // 'joiner' -> LabelJoiner
	fullLabels := modelcheck.FullLabels(goConsts)
	for full, goName := range fullLabels {
		byTamarin[modelcheck.TamarinName(full)] = goName
		bare[modelcheck.TamarinName(strings.TrimPrefix(full, "MLS 1.0 "))] = goName
	}
	aliased := map[string]bool{}
	for _, full := range caseAliases {
		aliased[modelcheck.TamarinName(full)] = true
	}
	lower := map[string]string{}
	for c := range byTamarin {
		if other, ok := lower[strings.ToLower(c)]; ok && !aliased[c] && !aliased[other] {
			t.Errorf("'%s' and '%s' differ only in case, which Tamarin rejects; give one an alias in caseAliases", c, other)
		}
		lower[strings.ToLower(c)] = c
	}
	for alias, full := range caseAliases {
		goName, ok := fullLabels[full]
		if !ok {
			t.Errorf("caseAliases: %q is not a label of labels.go", full)
			continue
		}
		delete(byTamarin, modelcheck.TamarinName(full))
		byTamarin[alias] = goName
	}
	contexts := map[string]string{}
	for _, name := range []string{"TreeContextLeft", "TreeContextRight"} {
		v, ok := goConsts[name]
		if !ok {
			t.Fatalf("labels.go has no %s", name)
		}
		contexts[modelcheck.TamarinName(v)] = name
	}

	theories, err := filepath.Glob("*.spthy")
	if err != nil || len(theories) == 0 {
		t.Fatalf("no theories: %v", err)
	}
	used := map[string]bool{}
	for _, f := range append([]string{"mls.splib"}, theories...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if f != "mls.splib" && !strings.Contains(string(src), `#include "mls.splib"`) {
			t.Errorf("%s does not include mls.splib", f)
		}
		consts, err := modelcheck.TamarinConsts(string(src))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range consts {
			if strings.HasPrefix(c, "MLS_1_0_") {
				goName, ok := byTamarin[c]
				if !ok {
					t.Errorf("%s: '%s' is not \"MLS 1.0 \" + a label of ref/ciphersuite/labels.go, spelled as TamarinName spells it", f, c)
					continue
				}
				used[goName] = true
				continue
			}
			if goName, ok := contexts[c]; ok {
				used[goName] = true
				continue
			}
			if goName, ok := bare[c]; ok && !rawInfo[c] {
				t.Errorf("%s: '%s' is the label %s without its prefix; write '%s'", f, c, goName, modelcheck.TamarinName("MLS 1.0 "+goConsts[goName]))
			}
		}
	}
	var missing []string
	for name := range goConsts {
		if !used[name] && !notModelled[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("labels of ref/ciphersuite/labels.go used by no theory and not in notModelled: %v", missing)
	}
	for name := range notModelled {
		if used[name] {
			t.Errorf("%s is listed in notModelled but a theory uses it", name)
		}
		if _, ok := goConsts[name]; !ok {
			t.Errorf("notModelled lists %s, which labels.go does not declare", name)
		}
	}
}
