package modelcheck

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const goodSidecar = `# a comment
kind correct
claim 1 2
sanity 1
prover ProVerif 2.05
1 false 0.5 # sanity
2 true 12.25
3 cannot be proved 1.0 # note
`

func TestParseSidecar(t *testing.T) {
	s, err := ParseSidecar([]byte(goodSidecar), "proverif")
	if err != nil {
		t.Fatal(err)
	}
	want := []Expected{{1, "false", 0.5, "sanity"}, {2, "true", 12.25, ""}, {3, "cannot be proved", 1.0, "note"}}
	if diff := cmp.Diff(want, s.Results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if s.Kind != "correct" || !cmp.Equal(s.Claims, []int{1, 2}) || !cmp.Equal(s.Sanity, []int{1}) || s.Prover != "ProVerif 2.05" {
		t.Errorf("header: %+v", s)
	}
}

func TestParseSidecarErrors(t *testing.T) {
	tests := []struct {
		name, text, tool string
	}{
		{"no kind", "claim 1\nsanity 1\n1 false 0\n", "proverif"},
		{"bad kind", "kind fine\nclaim 1\nsanity 1\n1 false 0\n", "proverif"},
		{"no claim", "kind correct\nsanity 1\n1 false 0\n", "proverif"},
		{"claim out of range", "kind correct\nclaim 8\nsanity 1\n1 false 0\n", "proverif"},
		{"no sanity", "kind correct\nclaim 1\n1 false 0\n", "proverif"},
		{"sanity out of range", "kind correct\nclaim 1\nsanity 2\n1 false 0\n", "proverif"},
		{"index gap", "kind correct\nclaim 1\nsanity 1\n1 false 0\n3 true 0\n", "proverif"},
		{"unknown result", "kind correct\nclaim 1\nsanity 1\n1 maybe 0\n", "proverif"},
		{"tamarin result for proverif", "kind correct\nclaim 1\nsanity 1\n1 verified 0\n", "proverif"},
		{"proverif result for tamarin", "kind correct\nclaim 1\nsanity 1\n1 true 0\n", "tamarin"},
		{"no time", "kind correct\nclaim 1\nsanity 1\n1 false\n", "proverif"},
		{"broken without base", "kind broken\nclaim 1\nsanity 1\n1 false 0\n", "proverif"},
		{"correct with base", "kind correct\nbase x.pv\nclaim 1\nsanity 1\n1 false 0\n", "proverif"},
		{"no results", "kind correct\nclaim 1\nsanity 1\n", "proverif"},
		{"garbage", "kind correct\nclaim 1\nsanity 1\n1 false 0\nhello\n", "proverif"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseSidecar([]byte(tc.text), tc.tool); err == nil {
				t.Errorf("ParseSidecar accepted\n%s", tc.text)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	s, err := ParseSidecar([]byte(goodSidecar), "proverif")
	if err != nil {
		t.Fatal(err)
	}
	got := string(s.Record(map[int]float64{1: 3.14159, 3: 120}))
	want := strings.Replace(strings.Replace(goodSidecar, "1 false 0.5 # sanity", "1 false 3.1 # sanity", 1),
		"3 cannot be proved 1.0 # note", "3 cannot be proved 120.0 # note", 1)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Record (-want +got):\n%s", diff)
	}
	if _, err := ParseSidecar([]byte(got), "proverif"); err != nil {
		t.Errorf("recorded sidecar does not parse: %v", err)
	}
}

const pvModel = `(* a model; query in a comment: query attacker(x). *)
free c: channel.
free s: bitstring [private].
event E(bitstring).
event F(bitstring).
query attacker(s).
query x: bitstring, y: bitstring; event(E(x)) && attacker(x); event(E(x)) ==> event(F(x)).
query x: bitstring; inj-event(E(x)) ==> inj-event(F(x)).
process new k: bitstring; event E(k); out(c, (k, (s, k)))
`

func TestProVerifQueries(t *testing.T) {
	qs, err := ProVerifQueries(pvModel)
	if err != nil {
		t.Fatal(err)
	}
	want := []Query{
		{"attacker(s)", true},
		{"event(E(x)) && attacker(x)", true},
		{"event(E(x)) ==> event(F(x))", false},
		{"inj-event(E(x)) ==> inj-event(F(x))", false},
	}
	if diff := cmp.Diff(want, qs); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

func TestProVerifQueriesErrors(t *testing.T) {
	for name, src := range map[string]string{
		"unclosed comment": "(* x\nquery attacker(s).",
		"unbalanced":       "query attacker(s.",
		"no final dot":     "query attacker(s)",
		"unsupported":      "noninterf s.\nquery attacker(s).",
	} {
		if _, err := ProVerifQueries(src); err == nil {
			t.Errorf("%s: ProVerifQueries accepted %q", name, src)
		}
	}
}

func TestParseProVerifSummary(t *testing.T) {
	out := `RESULT not attacker(s[]) is true.
--------------------------------------------------------------
Verification summary:

Query not attacker(s[]) is true.

Query event(E(x)) ==> event(F(x)) is false.

Query inj-event(E(x)) ==> inj-event(F(x)) cannot be proved.

--------------------------------------------------------------
`
	got, err := ParseProVerifSummary(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"true", "false", "cannot be proved"}, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if _, err := ParseProVerifSummary("Error: syntax error"); err == nil {
		t.Error("accepted output without a summary")
	}
}

const tamTheory = `theory T
begin
builtins: hashing
/* lemma hidden: "All #i. F() @ i" */
rule A: [ Fr(~k) ] --[ Sent('MLS_1_0_joiner', ~k) ]-> [ Out(h(~k)) ] // 'not_a_label'
lemma exec: exists-trace "Ex k #i. Sent('MLS_1_0_joiner', k) @ i"
lemma secret [reuse]:
  all-traces "All k #i. Sent('MLS_1_0_joiner', k) @ i ==> not (Ex #j. K(k) @ j)"
lemma plain: "All k #i. Sent('MLS_1_0_joiner', k) @ i ==> not (Ex #j. K(k) @ j)"
end
`

func TestTamarinLemmas(t *testing.T) {
	qs, err := TamarinLemmas(tamTheory)
	if err != nil {
		t.Fatal(err)
	}
	want := []Query{{"exec", true}, {"secret", false}, {"plain", false}}
	if diff := cmp.Diff(want, qs); diff != "" {
		t.Errorf("lemmas (-want +got):\n%s", diff)
	}
	cs, err := TamarinConsts(tamTheory)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"MLS_1_0_joiner"}, cs); diff != "" {
		t.Errorf("constants (-want +got):\n%s", diff)
	}
	for name, src := range map[string]string{
		"no theory":        "lemma x: \"F\"",
		"no end":           "theory T begin lemma x: \"F\"",
		"unclosed comment": "theory T begin /* x end",
		"unbalanced":       "theory T begin rule A: [ Fr(~k) ]--[]->[ Out(h(~k) ] end",
	} {
		if _, err := TamarinLemmas(src); err == nil {
			t.Errorf("%s: TamarinLemmas accepted %q", name, src)
		}
	}
}

func TestParseTamarinSummary(t *testing.T) {
	out := `==============================================================================
summary of summaries:

analyzed: t.spthy

  processing time: 0.08s

  sec (all-traces): verified (3 steps)
  exec (exists-trace): verified (2 steps)
  lbl (exists-trace): falsified - no trace found (1 steps)
  other (all-traces): analysis incomplete (1 steps)

==============================================================================
`
	got, err := ParseTamarinSummary(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"sec": "verified", "exec": "verified", "lbl": "falsified", "other": "analysis incomplete"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestLabelNames(t *testing.T) {
	for in, want := range map[string][2]string{
		"MLS 1.0 sender data":          {"mls10_sender_data", "MLS_1_0_sender_data"},
		"MLS 1.0 KeyPackage Reference": {"mls10_KeyPackage_Reference", "MLS_1_0_KeyPackage_Reference"},
		"joiner":                       {"", "joiner"},
	} {
		if got := ProVerifName(in); got != want[0] {
			t.Errorf("ProVerifName(%q) = %q, want %q", in, got, want[0])
		}
		if got := TamarinName(in); got != want[1] {
			t.Errorf("TamarinName(%q) = %q, want %q", in, got, want[1])
		}
	}
	full := FullLabels(map[string]string{"LabelJoiner": "joiner", "LabelRef": "MLS 1.0 Ref", "TreeContextLeft": "left"})
	if diff := cmp.Diff(map[string]string{"MLS 1.0 joiner": "LabelJoiner", "MLS 1.0 Ref": "LabelRef"}, full); diff != "" {
		t.Errorf("FullLabels (-want +got):\n%s", diff)
	}
}

// writeDir makes a folder of models from name -> content.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	smallModel  = "free c: channel.\nfree s: bitstring [private].\nevent E.\nquery event(E).\nquery attacker(s).\nprocess event E; out(c, s)\n"
	smallGood   = "kind correct\nclaim 1\nsanity 1\n1 false 0.1\n2 true 0.1\n"
	smallBroken = "kind broken\nclaim 1\nbase m.pv\nsanity 1\n1 false 0.1\n2 false 0.1\n"
	// fakeProver prints a summary saying the first query is false and the
	// second one whatever $FAKE_SECOND says.
	fakeProver = "#!/bin/sh\nprintf 'RESULT a is false.\\nRESULT b is %s.\\nVerification summary:\\n\\nQuery not event(E) is false.\\n\\nQuery not attacker(s[]) is %s.\\n' \"$FAKE_SECOND\" \"$FAKE_SECOND\"\n"
)

func TestCheckStatic(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  Counts
	}{
		{"fine", map[string]string{"m.pv": smallModel, "m.pv.expected": smallGood, "m_broken_x.pv": smallModel, "m_broken_x.pv.expected": smallBroken}, Counts{Skipped: 2}},
		{"missing sidecar", map[string]string{"m.pv": smallModel}, Counts{Failed: 1}},
		{"orphan sidecar", map[string]string{"m.pv": smallModel, "m.pv.expected": smallGood, "gone.pv.expected": smallGood}, Counts{Failed: 1, Skipped: 1}},
		{"query count", map[string]string{"m.pv": smallModel, "m.pv.expected": "kind correct\nclaim 1\nsanity 1\n1 false 0.1\n"}, Counts{Failed: 1}},
		{"sanity not reachability", map[string]string{"m.pv": strings.Replace(smallModel, "query event(E).", "query event(E) ==> event(E).", 1), "m.pv.expected": smallGood}, Counts{Failed: 1}},
		{"sanity expects true", map[string]string{"m.pv": smallModel, "m.pv.expected": "kind correct\nclaim 1\nsanity 1\n1 true 0.1\n2 true 0.1\n"}, Counts{Failed: 1}},
		{"broken without attack", map[string]string{"m.pv": smallModel, "m.pv.expected": smallGood, "m_broken_x.pv": smallModel,
			"m_broken_x.pv.expected": strings.Replace(smallBroken, "2 false", "2 true", 1)}, Counts{Failed: 1, Skipped: 1}},
		{"broken without base model", map[string]string{"m_broken_x.pv": smallModel, "m_broken_x.pv.expected": smallBroken}, Counts{Failed: 1}},
		{"broken name, correct kind", map[string]string{"m.pv": smallModel, "m.pv.expected": smallGood, "m_broken_x.pv": smallModel, "m_broken_x.pv.expected": smallGood}, Counts{Failed: 1, Skipped: 1}},
		{"syntax", map[string]string{"m.pv": smallModel + "(* open", "m.pv.expected": smallGood}, Counts{Failed: 1}},
		{"no models", map[string]string{"readme": "x"}, Counts{Failed: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			got, err := Check(Config{Tool: "proverif", Dir: writeDir(t, tc.files), Timeout: time.Minute, Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("counts %+v, want %+v\n%s", got, tc.want, out.String())
			}
			if !strings.Contains(out.String(), "passed, ") {
				t.Errorf("no final count line:\n%s", out.String())
			}
			if got.Skipped > 0 && !strings.Contains(out.String(), "NOT INSTALLED") {
				t.Errorf("a skip does not say the prover is not installed:\n%s", out.String())
			}
		})
	}
}

func TestCheckClaimCoverage(t *testing.T) {
	var out bytes.Buffer
	dir := writeDir(t, map[string]string{"m.pv": smallModel, "m.pv.expected": smallGood})
	got, err := Check(Config{Tool: "proverif", Dir: dir, Timeout: time.Minute, Out: &out, Claims: []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Failed != 1 || !strings.Contains(out.String(), "claim 1 has no broken variant") || !strings.Contains(out.String(), "claim 2 has no correct model") {
		t.Errorf("counts %+v\n%s", got, out.String())
	}
}

func TestCheckWithProver(t *testing.T) {
	tests := []struct {
		name, second string
		timeout      time.Duration
		want         Counts
	}{
		{"match", "true", time.Minute, Counts{Passed: 1}},
		{"mismatch", "false", time.Minute, Counts{Failed: 1}},
		{"no summary", "", time.Minute, Counts{Failed: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"m.pv": smallModel, "m.pv.expected": smallGood, "prover": fakeProver})
			t.Setenv("FAKE_SECOND", tc.second)
			var out bytes.Buffer
			got, err := Check(Config{Tool: "proverif", Dir: dir, Prover: filepath.Join(dir, "prover"), Timeout: tc.timeout, Out: &out, Record: true})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("counts %+v, want %+v\n%s", got, tc.want, out.String())
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		dir := writeDir(t, map[string]string{"m.pv": smallModel, "m.pv.expected": smallGood, "prover": "#!/bin/sh\nexec sleep 10\n"})
		var out bytes.Buffer
		got, err := Check(Config{Tool: "proverif", Dir: dir, Prover: filepath.Join(dir, "prover"), Timeout: 200 * time.Millisecond, Out: &out})
		if err != nil {
			t.Fatal(err)
		}
		if got != (Counts{Failed: 1}) || !strings.Contains(out.String(), "timed out") {
			t.Errorf("counts %+v\n%s", got, out.String())
		}
	})
}

const (
	tamSmall       = "theory T\nbegin\nlemma exec: exists-trace \"Ex #i. E() @ i\"\nlemma sec: \"All #i. E() @ i ==> F() @ i\"\nend\n"
	tamSmallGood   = "kind correct\nclaim 1\nsanity 1\n1 verified 0.1\n2 verified 0.1\n"
	tamSmallBroken = "kind broken\nclaim 1\nbase t.spthy\nsanity 1\n1 verified 0.1\n2 falsified 0.1\n"
	// fakeTamarin answers --prove=LEMMA with a summary in which exec is
	// verified and sec is whatever $FAKE_SEC says; $FAKE_WARN adds a
	// wellformedness warning.
	fakeTamarin = "#!/bin/sh\nlemma=${1#--prove=}\nres=verified\n[ \"$lemma\" = sec ] && res=$FAKE_SEC\n" +
		"[ -n \"$FAKE_WARN\" ] && printf 'WARNING: 1 wellformedness check failed!\\n'\n" +
		"printf '==========\\nsummary of summaries:\\n\\nanalyzed: t.spthy\\n\\n  %s (all-traces): %s (3 steps)\\n\\n==========\\n' \"$lemma\" \"$res\"\n"
)

// TestCheckTamarin runs Check on Tamarin theories, statically and with a
// fake tamarin-prover, one lemma per run, including the claim coverage.
func TestCheckTamarin(t *testing.T) {
	static := []struct {
		name  string
		files map[string]string
		want  Counts
	}{
		{"fine", map[string]string{"t.spthy": tamSmall, "t.spthy.expected": tamSmallGood, "t_broken_x.spthy": tamSmall, "t_broken_x.spthy.expected": tamSmallBroken}, Counts{Skipped: 2}},
		{"sanity not exists-trace", map[string]string{"t.spthy": strings.Replace(tamSmall, "exists-trace ", "", 1), "t.spthy.expected": tamSmallGood}, Counts{Failed: 1}},
		{"lemma count", map[string]string{"t.spthy": tamSmall, "t.spthy.expected": "kind correct\nclaim 1\nsanity 1\n1 verified 0.1\n"}, Counts{Failed: 1}},
		{"broken without attack", map[string]string{"t.spthy": tamSmall, "t.spthy.expected": tamSmallGood, "t_broken_x.spthy": tamSmall,
			"t_broken_x.spthy.expected": strings.Replace(tamSmallBroken, "2 falsified", "2 verified", 1)}, Counts{Failed: 1, Skipped: 1}},
		{"claim not covered", map[string]string{"t.spthy": tamSmall, "t.spthy.expected": strings.Replace(tamSmallGood, "claim 1", "claim 2", 1),
			"t_broken_x.spthy": tamSmall, "t_broken_x.spthy.expected": tamSmallBroken}, Counts{Failed: 1, Skipped: 2}},
	}
	for _, tc := range static {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			c := Config{Tool: "tamarin", Dir: writeDir(t, tc.files), Timeout: time.Minute, Out: &out}
			if tc.name == "claim not covered" {
				c.Claims = []int{1}
			}
			got, err := Check(c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("counts %+v, want %+v\n%s", got, tc.want, out.String())
			}
		})
	}
	prover := []struct {
		name, sec, warn string
		want            Counts
	}{
		{"match", "verified", "", Counts{Passed: 1}},
		{"falsified", "falsified - found trace", "", Counts{Failed: 1}},
		{"incomplete", "analysis incomplete", "", Counts{Failed: 1}},
		{"wellformedness warning", "verified", "1", Counts{Failed: 1}},
	}
	for _, tc := range prover {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"t.spthy": tamSmall, "t.spthy.expected": tamSmallGood, "prover": fakeTamarin})
			t.Setenv("FAKE_SEC", tc.sec)
			t.Setenv("FAKE_WARN", tc.warn)
			var out bytes.Buffer
			got, err := Check(Config{Tool: "tamarin", Dir: dir, Prover: filepath.Join(dir, "prover"), Timeout: time.Minute, Out: &out, Record: true})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("counts %+v, want %+v\n%s", got, tc.want, out.String())
			}
			if tc.want.Passed == 1 {
				sc, err := ReadSidecar(filepath.Join(dir, "t.spthy.expected"), "tamarin")
				if err != nil {
					t.Fatal(err)
				}
				if len(sc.Results) != 2 || sc.Results[1].Result != "verified" {
					t.Errorf("recorded sidecar: %+v", sc.Results)
				}
			}
		})
	}
}
