package main

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
)

// rowRE matches a table row: epoch, members, committer, proposals, epoch
// authenticator prefix, tree hash prefix.
var rowRE = regexp.MustCompile(`(?m)^ *([0-9]+) +([0-9]+) +(m[0-9]+) +(.+?) +([0-9a-f]{8}) +([0-9a-f]{8})$`)

// elapsedRE matches the wall time at the end of the summary line, the one
// part of the output that is not reproducible.
var elapsedRE = regexp.MustCompile(`; [0-9.]+[µnm]?s\n$`)

// lateRE finds the number of application messages read in a later epoch.
var lateRE = regexp.MustCompile(` ([0-9]+) late\)`)

func demoRun(t *testing.T, cfg demoConfig) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := runDemoConfig(cfg, &out)
	return out.String(), err
}

// TestDemoSuites runs a small demo in every cipher suite: it must succeed
// with one row per epoch, numbered from 0, each checked for agreement, and
// show the rejected replay, forged Commit and too-late message.
func TestDemoSuites(t *testing.T) {
	for _, id := range ciphersuite.All() {
		t.Run(id.String(), func(t *testing.T) {
			t.Parallel()
			const epochs = 9
			out, err := demoRun(t, demoConfig{Members: 5, Epochs: epochs, Suite: id, Seed: "test-" + id.String()})
			if err != nil {
				t.Fatalf("demo failed: %v\n%s", err, out)
			}
			rows := rowRE.FindAllStringSubmatch(out, -1)
			if len(rows) != epochs+1 {
				t.Fatalf("%d rows, want %d:\n%s", len(rows), epochs+1, out)
			}
			for i, r := range rows {
				if r[1] != strconv.Itoa(i) {
					t.Errorf("row %d is for epoch %s", i, r[1])
				}
			}
			if !strings.Contains(out, "\nok: 9 epochs, ") {
				t.Errorf("no summary line:\n%s", out)
			}
			// Some messages were read in a later epoch than they were sent.
			if m := lateRE.FindStringSubmatch(out); m == nil || m[1] == "0" {
				t.Errorf("no message delivered late:\n%s", out)
			}
			// The forged Commit is refused under R-12.4.2-2 / R-6.2-2, the
			// replay under R-9.2-1.
			for _, want := range []string{"flipped signature byte: mls: [R-", "(replay): mls: [R-9.2-1]", "byte-identical"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestDemoGrowsToSize checks the build-up: the group starts with its
// creator and reaches the requested size by Adds alone.
func TestDemoGrowsToSize(t *testing.T) {
	out, err := demoRun(t, demoConfig{Members: 20, Epochs: 5, Suite: ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, Seed: "grow"})
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	rows := rowRE.FindAllStringSubmatch(out, -1)
	var sizes []string
	for _, r := range rows {
		sizes = append(sizes, r[2])
	}
	if got, want := strings.Join(sizes[:5], " "), "1 2 4 8 20"; got != want {
		t.Fatalf("group sizes %s, want %s:\n%s", got, want, out)
	}
	for i, want := range []string{"(create)", "add 1", "add 2", "add 4", "add 12"} {
		if !strings.HasPrefix(rows[i][4], want) {
			t.Errorf("epoch %d: proposals %q, want %q", i, rows[i][4], want)
		}
	}
}

// TestDemoReproducible checks that the same seed gives the same output,
// except the elapsed time, and that another seed gives another table.
func TestDemoReproducible(t *testing.T) {
	cfg := demoConfig{Members: 6, Epochs: 7, Suite: ciphersuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, Seed: "same"}
	a, err := demoRun(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := demoRun(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !elapsedRE.MatchString(a) {
		t.Fatalf("summary line does not end with the elapsed time:\n%s", a)
	}
	if elapsedRE.ReplaceAllString(a, "") != elapsedRE.ReplaceAllString(b, "") {
		t.Fatalf("same seed, different output:\n%s\n---\n%s", a, b)
	}
	cfg.Seed = "other"
	c, err := demoRun(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rowRE.FindAllString(a, -1)[3] == rowRE.FindAllString(c, -1)[3] {
		t.Fatalf("another seed gave the same epoch 3:\n%s\n---\n%s", a, c)
	}
}

// TestDemoDisagreementFails loses one Commit on its way to one member:
// that member stays behind, the agreement check must catch it, and the
// command must exit non-zero.
func TestDemoDisagreementFails(t *testing.T) {
	for _, victim := range []string{"m0", "m3"} {
		t.Run(victim, func(t *testing.T) {
			cfg := demoConfig{Members: 5, Epochs: 6, Suite: ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, Seed: "drop",
				DropCommit: func(epoch int, name string) bool { return epoch == 4 && name == victim }}
			out, err := demoRun(t, cfg)
			if !errors.Is(err, errDisagreement) {
				t.Fatalf("err = %v, want a disagreement\n%s", err, out)
			}
			if rows := rowRE.FindAllString(out, -1); len(rows) != 4 {
				t.Fatalf("%d rows before the failure, want 4 (epochs 0 to 3):\n%s", len(rows), out)
			}
			var stdout, stderr bytes.Buffer
			if code := demoExit(cfg, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "FAILED") {
				t.Fatalf("exit %d, stderr %q; want 1 and a failure message", code, stderr.String())
			}
		})
	}
}

func TestDemoUsage(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "--members", "1"},
		{"demo", "--epochs", "0"},
		{"demo", "--suite", "9"},
		{"demo", "--suite", "banana"},
		{"demo", "extra"},
	} {
		if code, _, _ := runCmd(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	code, out, errs := runCmd(t, "demo", "--members", "3", "--epochs", "2", "--seed", "cli")
	if code != 0 || len(rowRE.FindAllString(out, -1)) != 3 {
		t.Fatalf("exit %d, stderr %q, output:\n%s", code, errs, out)
	}
}
