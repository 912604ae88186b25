package ciphersuite_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// rfcText returns the text of RFC 9420 from ../shared next to the module,
// skipping the test (failing it in CI) when it is absent.
func rfcText(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			b, err := os.ReadFile(filepath.Join(d, "..", "shared", "rfc9420.txt"))
			if err != nil {
				if os.Getenv("CI") != "" {
					t.Fatalf("RFC text missing in CI: %v", err)
				}
				t.Skipf("RFC 9420 text not found next to the module: %v", err)
			}
			return string(b)
		}
	}
	t.Fatal("module root not found")
	return ""
}

// TestLabelsAppearInRFC parses labels.go and checks that every constant is
// a quoted string of RFC 9420, so a misspelt label cannot go unnoticed, and
// that the constants are distinct.
func TestLabelsAppearInRFC(t *testing.T) {
	rfc := rfcText(t)
	f, err := parser.ParseFile(token.NewFileSet(), "labels.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s is not a string literal", name.Name)
				continue
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			n++
			if other, dup := seen[v]; dup {
				t.Errorf("%s and %s are both %q", name.Name, other, v)
			}
			seen[v] = name.Name
			if !strings.Contains(rfc, `"`+v+`"`) {
				t.Errorf("%s = %q does not appear quoted in RFC 9420", name.Name, v)
			}
		}
		return true
	})
	if n < 33 {
		t.Errorf("found only %d label constants", n)
	}
}
