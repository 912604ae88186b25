package modelcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Config says what Check checks.
type Config struct {
	Tool   string // "proverif" or "tamarin"
	Dir    string // the folder of the models
	Prover string // the prover's executable; "" runs no prover
	// Lib is the ProVerif library passed with -lib (proverif only).
	Lib string
	// Timeout bounds one prover run: a ProVerif model, or one Tamarin lemma.
	Timeout time.Duration
	// Record rewrites the times in the sidecars of models whose results
	// all match.
	Record bool
	// Filter, if not nil, selects models by file name.
	Filter *regexp.Regexp
	// Missing says why no prover runs when Prover is "" (default: the
	// prover is not installed).
	Missing string
	// Claims lists the claims that need at least one correct model and one
	// broken variant among the models checked (none: no coverage check).
	Claims []int
	Out    io.Writer
}

// Counts is the outcome of Check.
type Counts struct{ Passed, Failed, Skipped int }

// Model is a model file with its sidecar and queries.
type model struct {
	name    string // file name within Dir
	path    string
	sidecar *Sidecar
	queries []Query
}

func (c Config) ext() string {
	if c.Tool == "tamarin" {
		return ".spthy"
	}
	return ".pv"
}

// Check runs the static checks on every model of c.Dir and, when a prover
// is given, the prover; it prints one line per model and returns the
// counts. A model whose static checks pass but that no prover ran is
// skipped; any failed check fails it.
func Check(c Config) (Counts, error) {
	var n Counts
	if c.Tool != "proverif" && c.Tool != "tamarin" {
		return n, fmt.Errorf("unknown tool %q", c.Tool)
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return n, err
	}
	c.Dir = dir
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		return n, err
	}
	ext := c.ext()
	models := map[string]bool{}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if strings.HasSuffix(e.Name(), ext) {
			models[e.Name()] = true
			if c.Filter == nil || c.Filter.MatchString(e.Name()) {
				names = append(names, e.Name())
			}
		}
	}
	sort.Strings(names)
	// Sidecars without a model fail.
	for _, e := range entries {
		if m, ok := strings.CutSuffix(e.Name(), ".expected"); ok && !models[m] {
			fmt.Fprintf(c.Out, "FAIL  %s: sidecar without a model %s\n", e.Name(), m)
			n.Failed++
		}
	}
	if len(names) == 0 {
		fmt.Fprintf(c.Out, "FAIL  no %s models in %s\n", ext, c.Dir)
		n.Failed++
		fmt.Fprintf(c.Out, "%d passed, %d failed, %d skipped\n", n.Passed, n.Failed, n.Skipped)
		return n, nil
	}
	if c.Missing == "" {
		c.Missing = strings.ToUpper(c.Tool) + " NOT INSTALLED"
	}
	if c.Prover == "" {
		fmt.Fprintf(c.Out, "\n*** %s: the models are only checked statically; their results are NOT verified ***\n\n", c.Missing)
	}
	checked := map[string]*model{}
	for _, name := range names {
		m, err := c.static(name, models)
		if err != nil {
			fmt.Fprintf(c.Out, "FAIL  %s: %v\n", name, err)
			n.Failed++
			continue
		}
		checked[name] = m
		if c.Prover == "" {
			fmt.Fprintf(c.Out, "SKIP  %s: *** %s, RESULTS NOT VERIFIED *** (static checks passed: %d %s, sanity %v, kind %s)\n",
				name, c.Missing, len(m.queries), c.unit(), m.sidecar.Sanity, m.sidecar.Kind)
			n.Skipped++
			continue
		}
		if err := c.run(m); err != nil {
			fmt.Fprintf(c.Out, "FAIL  %s: %v\n", name, err)
			n.Failed++
			continue
		}
		n.Passed++
	}
	if err := c.coverage(checked); err != nil {
		fmt.Fprintf(c.Out, "FAIL  claim coverage: %v\n", err)
		n.Failed++
	}
	fmt.Fprintf(c.Out, "%d passed, %d failed, %d skipped\n", n.Passed, n.Failed, n.Skipped)
	return n, nil
}

func (c Config) unit() string {
	if c.Tool == "tamarin" {
		return "lemmas"
	}
	return "queries"
}

// static checks a model without the prover.
func (c Config) static(name string, models map[string]bool) (*model, error) {
	m := &model{name: name, path: filepath.Join(c.Dir, name)}
	src, err := os.ReadFile(m.path)
	if err != nil {
		return nil, err
	}
	if c.Tool == "tamarin" {
		m.queries, err = TamarinLemmas(string(src))
	} else {
		m.queries, err = ProVerifQueries(string(src))
	}
	if err != nil {
		return nil, err
	}
	sc, err := ReadSidecar(m.path+".expected", c.Tool)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no sidecar %s.expected", name)
	}
	if err != nil {
		return nil, err
	}
	m.sidecar = sc
	if len(m.queries) != len(sc.Results) {
		return nil, fmt.Errorf("the model has %d %s, the sidecar %d results", len(m.queries), c.unit(), len(sc.Results))
	}
	broken := strings.Contains(name, "_broken_")
	if broken != (sc.Kind == "broken") {
		return nil, fmt.Errorf("kind %s, but the file name %s \"_broken_\"", sc.Kind, map[bool]string{true: "contains", false: "lacks"}[broken])
	}
	if sc.Kind == "broken" {
		if !models[sc.Base] {
			return nil, fmt.Errorf("base model %q does not exist", sc.Base)
		}
		sanity := map[int]bool{}
		for _, i := range sc.Sanity {
			sanity[i] = true
		}
		found := false
		for _, r := range sc.Results {
			if r.Result == failure[c.Tool] && !sanity[r.Index] {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("a broken variant must expect at least one %s result besides its sanity queries", failure[c.Tool])
		}
	}
	for _, i := range sc.Sanity {
		q := m.queries[i-1]
		if !q.Reachability {
			return nil, fmt.Errorf("sanity %s %d (%s) is not a reachability %s", strings.TrimSuffix(c.unit(), "s"), i, q.Text, map[string]string{"proverif": "query", "tamarin": "(exists-trace) lemma"}[c.Tool])
		}
		if got := sc.Results[i-1].Result; got != sanityResult[c.Tool] {
			return nil, fmt.Errorf("sanity %d expects %q; it must expect %q (reachable)", i, got, sanityResult[c.Tool])
		}
	}
	return m, nil
}

// run runs the prover on m and compares its results with the sidecar.
func (c Config) run(m *model) error {
	var got []string
	secs := map[int]float64{}
	var total time.Duration
	switch c.Tool {
	case "proverif":
		args := []string{}
		if c.Lib != "" {
			args = append(args, "-lib", c.Lib)
		}
		args = append(args, m.path)
		start := time.Now()
		out, times, err := c.exec(args, "RESULT ")
		total = time.Since(start)
		if err != nil {
			return err
		}
		got, err = ParseProVerifSummary(out)
		if err != nil {
			return err
		}
		if len(got) != len(m.queries) {
			return fmt.Errorf("ProVerif reported %d results for %d queries", len(got), len(m.queries))
		}
		// The i-th RESULT line, in the order ProVerif proves the queries,
		// gives the time up to that query; ProVerif proves them in order.
		prev := time.Duration(0)
		for i, t := range times {
			if i < len(got) {
				secs[i+1] = (t - prev).Seconds()
				prev = t
			}
		}
	case "tamarin":
		for i, q := range m.queries {
			start := time.Now()
			out, _, err := c.exec([]string{"--prove=" + q.Text, m.path}, "")
			d := time.Since(start)
			total += d
			if err != nil {
				return fmt.Errorf("lemma %s: %w", q.Text, err)
			}
			if tamarinWellformedness(out) {
				return fmt.Errorf("tamarin-prover reports wellformedness warnings")
			}
			sum, err := ParseTamarinSummary(out)
			if err != nil {
				return fmt.Errorf("lemma %s: %w", q.Text, err)
			}
			r, ok := sum[q.Text]
			if !ok {
				return fmt.Errorf("lemma %s: not in the summary", q.Text)
			}
			got = append(got, r)
			secs[i+1] = d.Seconds()
		}
	}
	var bad []string
	for i, e := range m.sidecar.Results {
		if got[i] != e.Result {
			bad = append(bad, fmt.Sprintf("%s %d (%s): expected %s, got %s", strings.TrimSuffix(c.unit(), "s"), i+1, m.queries[i].Text, e.Result, got[i]))
		}
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	fmt.Fprintf(c.Out, "PASS  %s: %d %s as expected (%.1fs)\n", m.name, len(got), c.unit(), total.Seconds())
	for i, e := range m.sidecar.Results {
		fmt.Fprintf(c.Out, "        %2d %-16s %7.1fs  %s\n", i+1, got[i], secs[i+1], e.Note)
	}
	if c.Record {
		if err := os.WriteFile(m.path+".expected", m.sidecar.Record(secs), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// exec runs the prover with args under the timeout; it returns its output
// and the time since the start at which each output line starting with
// mark arrived.
func (c Config) exec(args []string, mark string) (string, []time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Prover, args...)
	cmd.Dir = c.Dir
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	var out strings.Builder
	var times []time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		var line []byte
		for {
			k, err := pr.Read(buf)
			for _, b := range buf[:k] {
				line = append(line, b)
				if b == '\n' {
					// "RESULT (but ...)" lines qualify the line before.
					if mark != "" && strings.HasPrefix(string(line), mark) && !strings.HasPrefix(string(line), mark+"(") {
						times = append(times, time.Since(start))
					}
					out.Write(line)
					line = line[:0]
				}
			}
			if err != nil {
				out.Write(line)
				return
			}
		}
	}()
	err := cmd.Wait()
	pw.Close()
	<-done
	if ctx.Err() != nil {
		return "", nil, fmt.Errorf("timed out after %s", c.Timeout)
	}
	if err != nil {
		tail := out.String()
		if len(tail) > 600 {
			tail = tail[len(tail)-600:]
		}
		return "", nil, fmt.Errorf("%s failed: %v: %s", filepath.Base(c.Prover), err, tail)
	}
	return out.String(), times, nil
}

// coverage checks that every claim of c.Claims has a correct model and a
// broken variant among the models that passed their static checks.
func (c Config) coverage(ms map[string]*model) error {
	if len(c.Claims) == 0 || c.Filter != nil {
		return nil
	}
	correct, broken := map[int]bool{}, map[int]bool{}
	for _, m := range ms {
		for _, cl := range m.sidecar.Claims {
			if m.sidecar.Kind == "broken" {
				broken[cl] = true
			} else {
				correct[cl] = true
			}
		}
	}
	var miss []string
	for _, cl := range c.Claims {
		if !correct[cl] {
			miss = append(miss, fmt.Sprintf("claim %d has no correct model", cl))
		}
		if !broken[cl] {
			miss = append(miss, fmt.Sprintf("claim %d has no broken variant", cl))
		}
	}
	if len(miss) > 0 {
		return errors.New(strings.Join(miss, "; "))
	}
	return nil
}
