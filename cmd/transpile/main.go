// Command transpile turns the human YAML dialect into a JSON config.
//
//	transpile [flags] [INPUT...]
//
// Several inputs are merged in order, later ones winning. Exit status: 0
// success, 1 invalid input (or warnings under --strict), 2 usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/transpile"
)

const version = "transpile (kindling) 0.1.0"

type flags struct {
	pretty, strict, check, raw, version bool
	filesDir, output, format            string
}

func parseFlags(args []string, stderr io.Writer) (*flags, []string, error) {
	f := &flags{}
	fs := flag.NewFlagSet("transpile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	both := func(p *bool, long, short, help string) {
		fs.BoolVar(p, long, false, help)
		fs.BoolVar(p, short, false, "short for --"+long)
	}
	both(&f.pretty, "pretty", "p", "indent the output")
	both(&f.strict, "strict", "s", "fail on warnings")
	both(&f.check, "check", "c", "validate only; print nothing on success")
	both(&f.raw, "raw", "r", "openshift: write the bare config, not a MachineConfig")
	fs.StringVar(&f.filesDir, "files-dir", "", "directory that local references are read below")
	fs.StringVar(&f.filesDir, "d", "", "short for --files-dir")
	fs.StringVar(&f.output, "output", "", "write the output to FILE instead of stdout")
	fs.StringVar(&f.output, "o", "", "short for --output")
	fs.StringVar(&f.format, "format", "text", "diagnostics format: text or json")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: transpile [flags] [INPUT...]\nReads YAML (variant/version) from INPUTs or stdin and writes the JSON config.\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if f.format != "text" && f.format != "json" {
		return nil, nil, fmt.Errorf("--format must be text or json, not %q", f.format)
	}
	return f, fs.Args(), nil
}

type input struct {
	name string
	src  []byte
}

func readInputs(names []string, stdin io.Reader) ([]input, error) {
	if len(names) == 0 {
		src, err := io.ReadAll(io.LimitReader(stdin, transpile.MaxInput+1))
		return []input{{"", src}}, err
	}
	var ins []input
	for _, n := range names {
		src, err := readBounded(n)
		if err != nil {
			return nil, err
		}
		ins = append(ins, input{n, src})
	}
	return ins, nil
}

// readBounded reads an input file (a pipe such as <(...) included) up to
// one byte past the limit, so an oversized input is reported by the
// translation instead of filling memory.
func readBounded(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, transpile.MaxInput+1))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f, names, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 2
	}
	if f.version {
		fmt.Fprintln(stdout, version)
		return 0
	}
	ins, err := readInputs(names, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	opts := transpile.Options{FilesDir: f.filesDir, Pretty: f.pretty, Raw: f.raw, Strict: f.strict}
	var results []transpile.Result
	failed := false
	for _, in := range ins {
		res := transpile.TranslateConfig(in.src, opts)
		printReport(stderr, f.format, in, res.Report)
		failed = failed || res.Report.IsFatal() || f.strict && res.Report.HasWarnings()
		results = append(results, res)
	}
	if failed {
		return 1
	}
	out, err := transpile.Output(transpile.Merge(results), opts)
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	if f.check {
		return 0
	}
	if f.output != "" {
		err = os.WriteFile(f.output, out, 0o644)
	} else {
		_, err = stdout.Write(out)
	}
	if err != nil {
		fmt.Fprintln(stderr, "transpile:", err)
		return 1
	}
	return 0
}

// printReport writes the findings of one input: with --format json always
// one object per input (provision validate's shape), so a consumer never
// has to tell "no findings" from "no output".
func printReport(w io.Writer, format string, in input, rep report.Report) {
	name := in.name
	if name == "" {
		name = "<stdin>"
	}
	if format == "json" {
		b, _ := rep.JSON(name)
		fmt.Fprintln(w, string(b))
		return
	}
	if len(rep.Entries) > 0 {
		rep.Pretty(w, name, in.src)
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
