package main

import (
	"fmt"
	"io"
	"os"

	"github.com/kindling-dev/kindling/transpile"
)

func init() {
	register("validate", command{
		summary: "check a config and print what is wrong with it, with line and column",
		run:     runValidate,
	})
}

func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("validate", `Usage: provision validate [--format text|json] [FILE|-]

Checks a config (JSON of any spec version from 3.0.0 to 3.6.0, or the YAML
dialect of transpile, recognised by its variant key) and prints
each finding to stderr as
    LEVEL: PATH (FILE:LINE:COL): MESSAGE
followed by the offending source line with a caret under the column.
With --format json the findings go to stdout as one JSON object
{"file": NAME, "entries": [{level, path, line, column, message}...]}, the
shape transpile --format json prints too. Reads stdin when FILE is - or absent.

Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error.

Flags:`, stderr)
	format := fs.String("format", "text", "report format: text or json")
	filesDir := fs.String("files-dir", "", "for YAML configs: directory that local file references are read below")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "provision validate: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "provision validate: at most one FILE")
		fs.Usage()
		return exitUsage
	}
	name, data, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "provision validate: %v\n", err)
		return exitFail
	}
	_, rep, err := transpile.ParseAny(data, transpile.Options{FilesDir: *filesDir})
	if *format == "json" {
		out, _ := rep.JSON(name)
		fmt.Fprintln(stdout, string(out))
	} else {
		rep.Pretty(stderr, name, data)
	}
	if err != nil {
		return exitFail
	}
	return exitOK
}

// readInput reads the named file, or stdin for "" and "-".
func readInput(name string, stdin io.Reader) (string, []byte, error) {
	if name == "" || name == "-" {
		data, err := io.ReadAll(stdin)
		return "<stdin>", data, err
	}
	data, err := os.ReadFile(name)
	return name, data, err
}
