package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestGenThenVerify generates a file, verifies it (exit 0, one line
// "FILE: N passed, 0 failed"), then breaks one expected value and checks
// that verify reports the failure and exits non-zero.
func TestGenThenVerify(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, "vectors", "gen", "tree-math", "--seed", "cmd-test")
	if code != 0 {
		t.Fatalf("gen exit %d: %s", code, errs)
	}
	good := filepath.Join(dir, "tree-math.json")
	if err := os.WriteFile(good, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "vectors", "verify", good)
	if code != 0 || !regexp.MustCompile(`^`+regexp.QuoteMeta(good)+`: [1-9][0-9]* passed, 0 failed\n$`).MatchString(out) {
		t.Fatalf("verify of generated file: exit %d, output %q", code, out)
	}

	var cases []map[string]any
	if err := json.Unmarshal([]byte(mustRead(t, good)), &cases); err != nil {
		t.Fatal(err)
	}
	cases[0]["n_nodes"] = cases[0]["n_nodes"].(float64) + 2
	broken, _ := json.Marshal(cases)
	bad := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(bad, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "vectors", "verify", "--type", "tree-math", bad)
	if code == 0 || !strings.Contains(out, ": "+itoa(len(cases)-1)+" passed, 1 failed") {
		t.Fatalf("verify of broken file: exit %d, output %q", code, out)
	}
	// Without --type, the type of "broken.json" cannot be inferred.
	if code, out, _ = runCmd(t, "vectors", "verify", bad); code == 0 || !strings.Contains(out, "could not run") {
		t.Fatalf("verify without type: exit %d, output %q", code, out)
	}
}

func TestGenIsReproducible(t *testing.T) {
	_, a, _ := runCmd(t, "vectors", "gen", "tree-math", "--seed", "x")
	_, b, _ := runCmd(t, "vectors", "gen", "tree-math", "--seed", "x")
	_, c, _ := runCmd(t, "vectors", "gen", "tree-math", "--seed", "y")
	if a != b || a == c {
		t.Fatalf("same seed must give the same bytes and another seed other bytes")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nope"},
		{"vectors"},
		{"vectors", "gen"},
		{"vectors", "gen", "no-such-type"},
		{"vectors", "verify", "--type", "no-such-type", "x.json"},
		{"vectors", "gen", "tree-math", "--suite", "banana"},
	} {
		if code, _, _ := runCmd(t, args...); code == 0 {
			t.Errorf("%q: exit 0, want non-zero", args)
		}
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
