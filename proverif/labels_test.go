package proverif

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mlsref/mlsref/proverif/modelcheck"
)

// notModelled lists the labels of ref/ciphersuite that no ProVerif model
// uses: PSKs, the exporter and external commits are not modelled, and
// proposals are sent by value. A new label in labels.go must be added to
// mls.pvl or here.
var notModelled = map[string]bool{
	"LabelDerivedPSK":         true,
	"LabelExported":           true,
	"LabelExternalInitSecret": true,
	"LabelProposalReference":  true,
}

// TestLabels checks that every label constant of mls.pvl spells, in its
// comment, the label of ref/ciphersuite/labels.go it stands for, that its
// name is derived from that string, that the models declare no labels of
// their own and use no undeclared one, and that every label of labels.go
// is modelled or listed in notModelled.
func TestLabels(t *testing.T) {
	goConsts, err := modelcheck.GoStringConsts(filepath.Join("..", "ref", "ciphersuite", "labels.go"))
	if err != nil {
		t.Fatal(err)
	}
	full := modelcheck.FullLabels(goConsts)
	lib, err := os.ReadFile("mls.pvl")
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	usedGo := map[string]bool{}
	for _, c := range modelcheck.ProVerifConsts(string(lib)) {
		switch c.Type {
		case "label":
			if c.Annot == "" {
				t.Errorf("mls.pvl:%d: label %s has no comment with its string", c.Line, c.Name)
				continue
			}
			goName, ok := full[c.Annot]
			if !ok {
				t.Errorf("mls.pvl:%d: %s: %q is not \"MLS 1.0 \" + a label of ref/ciphersuite/labels.go", c.Line, c.Name, c.Annot)
				continue
			}
			if want := modelcheck.ProVerifName(c.Annot); c.Name != want {
				t.Errorf("mls.pvl:%d: the label %q must be named %s, not %s", c.Line, c.Annot, want, c.Name)
			}
			declared[c.Name] = true
			usedGo[goName] = true
		case "bitstring":
			if !strings.HasPrefix(c.Name, "ctx_") {
				continue
			}
			goName := map[string]string{"left": "TreeContextLeft", "right": "TreeContextRight"}[c.Annot]
			if goName == "" || goConsts[goName] != c.Annot {
				t.Errorf("mls.pvl:%d: context %s: %q is not a secret-tree context of labels.go", c.Line, c.Name, c.Annot)
				continue
			}
			if want := "ctx_" + c.Annot; c.Name != want {
				t.Errorf("mls.pvl:%d: the context %q must be named %s, not %s", c.Line, c.Annot, want, c.Name)
			}
			usedGo[goName] = true
		}
	}
	var missing []string
	for name := range goConsts {
		if !usedGo[name] && !notModelled[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("labels of ref/ciphersuite/labels.go neither in mls.pvl nor in notModelled: %v", missing)
	}

	models, err := filepath.Glob("*.pv")
	if err != nil || len(models) == 0 {
		t.Fatalf("no models: %v", err)
	}
	ident := regexp.MustCompile(`\bmls10_[A-Za-z0-9_]+`)
	for _, m := range models {
		src, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range modelcheck.ProVerifConsts(string(src)) {
			if c.Type == "label" || strings.HasPrefix(c.Name, "mls10_") || strings.HasPrefix(c.Name, "ctx_") {
				t.Errorf("%s:%d: %s: models declare no labels; declare it in mls.pvl", m, c.Line, c.Name)
			}
		}
		for _, id := range ident.FindAllString(string(src), -1) {
			if !declared[id] {
				t.Errorf("%s: uses %s, which mls.pvl does not declare", m, id)
			}
		}
	}
}
