package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/mlsref/mlsref/proptest"
)

func TestCampaignClean(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, "campaign", "prop", "--duration", "1s", "--batch", "1", "--progress", "300ms", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"campaign prop: clean after", "sequences,", "steps,", "checks,", "operation kinds"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("a clean campaign saved %d files", len(files))
	}
}

// TestCampaignSavesFailure runs a campaign on a property that fails once a
// drawn number exceeds 5, and checks that the shrunk case is saved in the
// directory asked for and that replaying it fails again.
func TestCampaignSavesFailure(t *testing.T) {
	orig := campaignProperty
	defer func() { campaignProperty = orig }()
	failing := func(rt *rapid.T) {
		if n := rapid.IntRange(0, 100).Draw(rt, "n"); n > 5 {
			rt.Fatalf("n = %d", n)
		}
	}
	campaignProperty = func(proptest.Config) func(*rapid.T) { return failing }
	dir := t.TempDir()
	code, out, _ := runCmd(t, "campaign", "prop", "--duration", "20s", "--dir", dir, "--workers", "1")
	if code != 1 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "replay it with") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, proptest.TestName+"-*.fail"))
	if len(files) != 1 {
		t.Fatalf("%d fail files in %s", len(files), dir)
	}
	if _, err := os.Stat("testdata"); err == nil {
		t.Error("the campaign left rapid's testdata directory behind")
	}
	res := proptest.Run("replay", proptest.RunOptions{FailFile: files[0]}, failing)
	if !res.Failed || !strings.Contains(res.Report, "n = 6") {
		t.Fatalf("the saved case does not replay the shrunk failure:\n%s", res.Report)
	}
}

func TestCampaignUsage(t *testing.T) {
	for _, args := range [][]string{{"campaign"}, {"campaign", "fuzz"}, {"campaign", "prop", "--duration", "0s"}, {"campaign", "prop", "extra"}} {
		if code, _, _ := runCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
