package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/transpile"
	"github.com/kindling-dev/kindling/transpile/fleet"
	"github.com/kindling-dev/kindling/transpile/reverse"
	"github.com/kindling-dev/kindling/transpile/template"
)

// fleetFlags are the flags of templating (--var, --vars, --each, --shared)
// and of the reverse translation (--reverse, --variant).
type fleetFlags struct {
	vars, varsFiles listFlag
	each, shared    string
	workers         int
	reverse         bool
	variant         string
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func addFleetFlags(fs *flag.FlagSet, ff *fleetFlags) {
	fs.Var(&ff.vars, "var", "NAME=VALUE: render the inputs as templates with this value (repeatable)")
	fs.Var(&ff.varsFiles, "vars", "FILE: render the inputs as templates with the values of this YAML mapping (repeatable)")
	fs.StringVar(&ff.each, "each", "", "FILE: render one config per node of this nodes file (YAML list or mapping, or .csv) into the --output directory")
	fs.StringVar(&ff.shared, "shared", "", "URL: with --each, every input but the last is one shared base served at URL; node configs merge it by hash")
	fs.IntVar(&ff.workers, "workers", 0, "with --each, nodes rendered at once (default: one per CPU)")
	fs.BoolVar(&ff.reverse, "reverse", false, "write the YAML dialect for a JSON config")
	fs.StringVar(&ff.variant, "variant", "fcos", "with --reverse, the variant to write")
}

// active says whether the inputs are templates or JSON to reverse.
// Templating is opt-in: only values or a nodes file turn it on, so a
// config whose contents hold "{{" is never rendered by surprise.
func (ff *fleetFlags) active() bool {
	return ff.reverse || ff.templating()
}

func (ff *fleetFlags) templating() bool {
	return len(ff.vars) > 0 || len(ff.varsFiles) > 0 || ff.each != ""
}

func runFleet(f *flags, ins []input, opts transpile.Options, stdout, stderr io.Writer) int {
	ff := &f.fleet
	if ff.reverse && ff.templating() || ff.shared != "" && ff.each == "" {
		fmt.Fprintln(stderr, "transpile: --reverse does not combine with templating, and --shared needs --each")
		return 2
	}
	if ff.reverse {
		return runReverse(f, ins, stdout, stderr)
	}
	values, err := commonValues(ff)
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	var inputs []fleet.Input
	for _, in := range ins {
		inputs = append(inputs, fleet.Input{Name: displayName(in.name), Src: in.src})
	}
	w := &warnings{out: stderr, format: f.format, seen: map[string]bool{}}
	g, err := fleet.New(inputs, fleet.Options{Transpile: opts, Values: values, Workers: ff.workers, SharedURL: ff.shared, Warn: w.print})
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	if ff.each == "" {
		out, err := g.Render(fleet.Node{})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		if f.check {
			return 0
		}
		return writeOutput(f.output, out, stdout, stderr)
	}
	return runEach(f, g, stderr)
}

func runEach(f *flags, g *fleet.Generator, stderr io.Writer) int {
	data, err := readBounded(f.fleet.each)
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	nodes, err := fleet.ParseNodes(f.fleet.each, data)
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	files, err := g.RenderAll(nodes)
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	if f.check {
		return 0
	}
	if f.output == "" {
		fmt.Fprintln(stderr, "transpile: --each writes a directory: give it with --output")
		return 2
	}
	if err := fleet.WriteDir(f.output, files); err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	fmt.Fprintf(stderr, "transpile: wrote %d configs to %s\n", len(files), f.output)
	return 0
}

// commonValues reads --vars files in order, then --var pairs, later ones
// winning; a node's own values win over all of them.
func commonValues(ff *fleetFlags) (template.Values, error) {
	values := template.Values{}
	for _, file := range ff.varsFiles {
		data, err := readBounded(file)
		if err != nil {
			return nil, err
		}
		v, err := template.ParseValues(file, data)
		if err != nil {
			return nil, err
		}
		values = values.With(v)
	}
	pairs, err := template.ParseAssignments(ff.vars)
	if err != nil {
		return nil, err
	}
	return values.With(pairs), nil
}

func runReverse(f *flags, ins []input, stdout, stderr io.Writer) int {
	if len(ins) != 1 {
		fmt.Fprintln(stderr, "transpile: --reverse takes one JSON config")
		return 2
	}
	in := ins[0]
	res, err := reverse.Reverse(in.src, reverse.Options{Variant: f.fleet.variant, FilesDir: f.filesDir})
	printReport(stderr, f.format, in, res.Report)
	if err != nil {
		if !errors.Is(err, config.ErrInvalid) || !res.Report.IsFatal() {
			fmt.Fprintln(stderr, "transpile:", err)
		}
		return 1
	}
	if f.strict && res.Report.HasWarnings() {
		return 1
	}
	if res.Literal > 0 {
		fmt.Fprintf(stderr, "transpile: %d file contents kept as data URLs: as inline text they would translate to other bytes in the config\n", res.Literal)
	}
	if f.check {
		return 0
	}
	return writeOutput(f.output, res.YAML, stdout, stderr)
}

func writeOutput(name string, out []byte, stdout, stderr io.Writer) int {
	var err error
	if name != "" {
		err = os.WriteFile(name, out, 0o644)
	} else {
		_, err = stdout.Write(out)
	}
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	return 0
}

func displayName(name string) string {
	if name == "" {
		return "<stdin>"
	}
	return name
}

// warnings prints each distinct warning of a fleet once, naming the first
// node it was seen for: a fleet of 1,000 nodes would otherwise repeat a
// template's warning 1,000 times.
type warnings struct {
	mu     sync.Mutex
	out    io.Writer
	format string
	seen   map[string]bool
}

func (w *warnings) print(file, node string, found []fleet.Finding) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range found {
		e := f.Entry
		key := fmt.Sprintf("%s:%t:%d:%d:%s", file, f.Mapped, e.Line, e.Column, e.Message)
		if w.seen[key] {
			continue
		}
		w.seen[key] = true
		if w.format == "json" {
			js, _ := report.Report{Entries: []report.Entry{e}}.JSON(file)
			fmt.Fprintln(w.out, string(js))
		} else {
			fmt.Fprintln(w.out, f.Text)
		}
	}
}
