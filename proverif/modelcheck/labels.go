package modelcheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// GoStringConsts returns the string constants declared in a Go file, by
// name (the labels of ref/ciphersuite/labels.go).
func GoStringConsts(path string) (map[string]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	consts := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					return nil, fmt.Errorf("%s: constant %s has no value of its own", path, name.Name)
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return nil, fmt.Errorf("%s: constant %s is not a string literal", path, name.Name)
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					return nil, err
				}
				consts[name.Name] = v
			}
		}
	}
	return consts, nil
}

// PVConst is a "const NAME: TYPE" declaration of ProVerif source with the
// string its trailing comment gives, as in
//
//	const mls10_joiner: label [data].  (* "MLS 1.0 joiner" *)
type PVConst struct {
	Name, Type string
	// Annot is the quoted string of the comment on the same line, "" if
	// there is none.
	Annot string
	Line  int
}

var pvConstRe = regexp.MustCompile(`^\s*const\s+([A-Za-z_][A-Za-z0-9_']*)\s*:\s*([A-Za-z_][A-Za-z0-9_']*)[^.]*\.\s*(?:\(\*\s*"([^"]*)"\s*\*\))?`)

// ProVerifConsts returns the one-constant-per-line const declarations of
// ProVerif source.
func ProVerifConsts(src string) []PVConst {
	var cs []PVConst
	for i, line := range strings.Split(src, "\n") {
		if m := pvConstRe.FindStringSubmatch(line); m != nil {
			cs = append(cs, PVConst{Name: m[1], Type: m[2], Annot: m[3], Line: i + 1})
		}
	}
	return cs
}

// ProVerifName is the identifier a ProVerif model gives the label string
// s: "MLS 1.0 " becomes "mls10_", spaces become underscores
// ("MLS 1.0 sender data" -> mls10_sender_data).
func ProVerifName(s string) string {
	rest, ok := strings.CutPrefix(s, "MLS 1.0 ")
	if !ok {
		return ""
	}
	return "mls10_" + strings.ReplaceAll(rest, " ", "_")
}

// TamarinName is the public constant a Tamarin theory uses for the label
// string s: spaces and dots become underscores, since Tamarin constants
// allow neither ("MLS 1.0 sender data" -> 'MLS_1_0_sender_data').
func TamarinName(s string) string {
	return strings.NewReplacer(" ", "_", ".", "_").Replace(s)
}

var tamConstRe = regexp.MustCompile(`'([A-Za-z0-9_]+)'`)

// TamarinConsts returns the distinct public constants ('...') of Tamarin
// source outside comments, sorted.
func TamarinConsts(src string) ([]string, error) {
	code, err := stripTamarinComments(src)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, m := range tamConstRe.FindAllStringSubmatch(code, -1) {
		seen[m[1]] = true
	}
	var cs []string
	for c := range seen {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	return cs, nil
}

// FullLabels maps each complete label string (as it goes into KDFLabel,
// SignContent, EncryptContext or RefHash) to the name of the Go constant
// it comes from: "MLS 1.0 " + Label for the labels that ExpandWithLabel,
// DeriveSecret, SignWithLabel and EncryptWithLabel prefix, and the
// complete labels as they are.
func FullLabels(goConsts map[string]string) map[string]string {
	full := map[string]string{}
	for name, v := range goConsts {
		if !strings.HasPrefix(name, "Label") {
			continue
		}
		if strings.HasPrefix(v, "MLS 1.0 ") {
			full[v] = name
		} else {
			full["MLS 1.0 "+v] = name
		}
	}
	return full
}
