package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/specdoc"
)

func init() {
	register("schema", command{
		summary: "print the JSON Schema of a spec version",
		run:     runSchema,
	})
	register("docs", command{
		summary: "write (or --check) the generated spec reference pages",
		run:     runDocs,
	})
}

func runSchema(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("schema", "Usage: provision schema [--version V]\n\nPrints a JSON Schema for configs of spec version V (default the newest),\nfor editors and CI checks. `provision validate` checks much more.\n\nFlags:", stderr)
	version := fs.String("version", config.Newest.String(), "spec version")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	v, err := config.ParseVersion(*version)
	if err != nil || fs.NArg() > 0 {
		if err != nil {
			fmt.Fprintf(stderr, "provision schema: %v\n", err)
		}
		return exitUsage
	}
	out, err := specdoc.JSONSchema(v)
	if err != nil {
		fmt.Fprintf(stderr, "provision schema: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(stdout, string(out))
	return exitOK
}

// generatedDocs returns every generated file, by name relative to DIR.
func generatedDocs() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, v := range config.Versions {
		files[specdoc.FileName(v)] = []byte(specdoc.Markdown(v))
		schema, err := specdoc.JSONSchema(v)
		if err != nil {
			return nil, err
		}
		files[fmt.Sprintf("schema-%s.json", v)] = append(schema, '\n')
	}
	return files, nil
}

func runDocs(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("docs", "Usage: provision docs [--check] DIR\n\nWrites one reference page and one JSON Schema per spec version into DIR,\nor with --check fails when any of them is missing or out of date.\n\nFlags:", stderr)
	check := fs.Bool("check", false, "only check that DIR is up to date")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	dir := fs.Arg(0)
	files, err := generatedDocs()
	if err != nil {
		fmt.Fprintf(stderr, "provision docs: %v\n", err)
		return exitFail
	}
	stale := 0
	for name, want := range files {
		path := filepath.Join(dir, name)
		if *check {
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
				fmt.Fprintf(stderr, "provision docs: %s is out of date; run `make docs`\n", path)
				stale++
			}
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintf(stderr, "provision docs: %v\n", err)
			return exitFail
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			fmt.Fprintf(stderr, "provision docs: %v\n", err)
			return exitFail
		}
	}
	if stale > 0 {
		return exitFail
	}
	if !*check {
		fmt.Fprintf(stdout, "wrote %d files to %s\n", len(files), dir)
	}
	return exitOK
}
