package proptest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	mutantsFlag = flag.Bool("mutants", false, "plant each bug of the mutant list in ref/ (through go build -overlay, the sources untouched) and require TestGroupStateMachine to catch it")
	mutantsRun  = flag.String("mutants.run", "", "only the mutants whose name matches this regular expression")
)

// mutant is a realistic bug planted in ref/: a transformation of one
// source file, applied at build time with go's -overlay flag.
type mutant struct {
	name, file, bug string
	edit            func(src string) (string, error)
}

// replace returns an edit that replaces the single occurrence of old.
func replace(old, new string) func(string) (string, error) {
	return func(src string) (string, error) {
		if n := strings.Count(src, old); n != 1 {
			return "", fmt.Errorf("the text to replace occurs %d times: %q", n, old)
		}
		return strings.Replace(src, old, new, 1), nil
	}
}

// edits returns an edit that applies each of es in turn.
func edits(es ...func(string) (string, error)) func(string) (string, error) {
	return func(src string) (string, error) {
		for _, e := range es {
			var err error
			if src, err = e(src); err != nil {
				return "", err
			}
		}
		return src, nil
	}
}

// move returns an edit that cuts the text from start up to (not
// including) end and pastes it before at.
func move(start, end, at string) func(string) (string, error) {
	return func(src string) (string, error) {
		i, j := strings.Index(src, start), strings.Index(src, end)
		if i < 0 || j < i || strings.Count(src, at) != 1 {
			return "", fmt.Errorf("anchors not found")
		}
		block := src[i:j]
		src = src[:i] + src[j:]
		k := strings.Index(src, at)
		return src[:k] + block + src[k:], nil
	}
}

// mutants are the planted bugs, each one a mistake an implementer could
// make, and each one that the state machine must catch.
var mutants = []mutant{
	{"gap-off-by-one", "ref/schedule/secret_tree.go", "a generation exactly MaxGenerationGap ahead is refused (Section 15.3)",
		replace("uint64(gen)-r.next > uint64(t.limits.MaxGenerationGap)", "uint64(gen)-r.next >= uint64(t.limits.MaxGenerationGap)")},
	{"skipped-keys-off-by-one", "ref/schedule/secret_tree.go", "a jump keeps one skipped key less than the limit (Sections 9.2, 15.3)",
		replace("uint64(gen)-j <= uint64(t.limits.MaxSkippedKeys)", "uint64(gen)-j < uint64(t.limits.MaxSkippedKeys)")},
	{"replay-accepted", "ref/schedule/secret_tree.go", "a decrypted application generation is not consumed, so replays decrypt (Section 9.2)",
		replace("\tt.advance(&lr[i], gen)\n\treturn nil\n", "\tif rt != ApplicationRatchet {\n\t\tt.advance(&lr[i], gen)\n\t}\n\treturn nil\n")},
	{"adds-before-removes", "ref/group/proposal_list.go", "Adds are applied before Removes (Section 12.3)",
		move("\t// [R-12.3-5]\n", "\t// [R-12.3-6]\n", "\t// [R-12.2-16] every member must support")},
	{"remove-keeps-path", "ref/tree/add_remove.go", "a Remove does not blank the removed leaf's direct path (Section 12.1.3)",
		replace("\t// [R-12.1.3-3]\n\tif err := t.BlankDirectPath(i); err != nil {\n\t\treturn err\n\t}\n", "")},
	{"remove-no-truncate", "ref/tree/add_remove.go", "the tree is not truncated after a Remove (Sections 7.7, 12.1.3)",
		replace("\t// [R-12.1.3-4]\n\tt.Truncate()\n", "")},
	{"add-always-extends", "ref/tree/add_remove.go", "an Add extends the tree instead of filling the leftmost blank leaf (Section 12.1.1)",
		replace("\ti, ok := t.LeftmostBlankLeaf()\n\tif !ok {", "\ti, ok := t.LeftmostBlankLeaf()\n\tok = false\n\tif !ok {")},
	{"no-unmerged-leaves", "ref/tree/add_remove.go", "an Add does not record the new leaf as unmerged above it (Section 12.1.1)",
		replace("\t\t\tq.UnmergedLeaves = slices.Insert(q.UnmergedLeaves, pos, i)\n", "\t\t\t_ = pos\n")},
	{"stale-epoch-accepted", "ref/group/group_message.go", "a message of a past epoch passes the epoch check (Sections 12.1, 12.4.2)",
		replace("if epoch == g.ctx.Epoch {", "if epoch <= g.ctx.Epoch {")},
	{"application-with-pending", "ref/group/group_message.go", "application data is sent while proposals are pending (Section 12.4)",
		replace("if len(g.pending) > 0 {", "if len(g.pending) > 1000 {")},
	{"removed-member-stays", "ref/group/group_commit.go", "a member removed by a Commit does not notice (Section 12.1.3)",
		replace("if applied.selfRemoved {", "if applied.selfRemoved && false {")},
	{"remove-without-path", "ref/group/proposal_list.go", "a Remove is not a path-required proposal (Section 12.4)",
		// Remove moves to the no-path case: taken out of the path case
		// alone, it would fall to the default (unknown types), which
		// requires a path.
		replace("case ProposalTypeUpdate, ProposalTypeRemove, ProposalTypeExternalInit, ProposalTypeGroupContextExtensions:\n\t\t\treturn true\n\t\tcase ProposalTypeAdd, ProposalTypePSK, ProposalTypeReInit:",
			"case ProposalTypeUpdate, ProposalTypeExternalInit, ProposalTypeGroupContextExtensions:\n\t\t\treturn true\n\t\tcase ProposalTypeAdd, ProposalTypePSK, ProposalTypeReInit, ProposalTypeRemove:")},
	// Both the group's parameters and those of what a member sends
	// (sendParams, R-7.3-10) skip lifetimes.
	{"expired-keypackage-accepted", "ref/group/group.go", "KeyPackage lifetimes are not checked (Sections 7.3, 10.1)",
		edits(replace("SkipLifetime: cfg.SkipLifetime,", "SkipLifetime: true,"), replace("q.SkipLifetime = false", "q.SkipLifetime = true"))},
	{"membership-tag-unchecked", "ref/framing/membership_tag.go", "a PublicMessage's membership tag is not verified (Section 6.2)",
		replace("\tif err := pm.VerifyMembershipTag(suite, membershipKey, ctx); err != nil {\n\t\treturn nil, err\n\t}\n", "")},
	{"welcome-without-path-secret", "ref/group/group_commit.go", "the Welcome carries no path_secret, so joiners miss their ancestors' keys (Section 12.4.3.1)",
		replace("gs.PathSecret = &PathSecret{PathSecret: ps}", "_ = ps")},
}

// TestMutants plants each bug of mutants in a copy of ref/ seen only by
// the compiler (go test -overlay) and runs TestGroupStateMachine against
// it, which must fail with a rapid failure (not a build error). It takes a
// few minutes, so it runs only with -mutants.
func TestMutants(t *testing.T) {
	if !*mutantsFlag {
		t.Skip("planting bugs in ref/ recompiles and reruns the state machine per bug (minutes): run with -mutants")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(*mutantsRun)
	caught := 0
	ran := 0
	for _, m := range mutants {
		if !re.MatchString(m.name) {
			continue
		}
		ran++
		t.Run(m.name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(root, m.file))
			if err != nil {
				t.Fatal(err)
			}
			mutated, err := m.edit(string(src))
			if err != nil {
				t.Fatalf("%s no longer applies to %s: %v", m.name, m.file, err)
			}
			dir := t.TempDir()
			mf := filepath.Join(dir, filepath.Base(m.file))
			if err := os.WriteFile(mf, []byte(mutated), 0o644); err != nil {
				t.Fatal(err)
			}
			ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, m.file): mf}})
			ovf := filepath.Join(dir, "overlay.json")
			if err := os.WriteFile(ovf, ov, 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			cmd := exec.Command("go", "test", "-overlay="+ovf, "-count=1", "-run=^"+TestName+"$", "./proptest",
				"-rapid.checks=1000", "-rapid.nofailfile", "-rapid.shrinktime=5s", "-timeout=10m")
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			switch {
			case err == nil:
				t.Errorf("NOT CAUGHT: %s (%s) survived 1000 sequences", m.name, m.bug)
			case !strings.Contains(string(out), "[rapid] failed") && !strings.Contains(string(out), "[rapid] panic"):
				t.Errorf("%s: the run failed without a property failure (build error?):\n%s", m.name, out)
			default:
				caught++
				t.Logf("caught in %v: %s", time.Since(start).Round(time.Second), firstFailure(string(out)))
			}
		})
	}
	t.Logf("%d of %d planted bugs caught", caught, ran)
}

// firstFailure returns rapid's one-line failure message from a test
// output.
func firstFailure(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "[rapid] failed"); i >= 0 {
			return strings.TrimSpace(l[i:])
		}
		if i := strings.Index(l, "[rapid] panic"); i >= 0 {
			return strings.TrimSpace(l[i:])
		}
	}
	return ""
}
