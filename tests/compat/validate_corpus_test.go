package compat

import (
	"bytes"
	"crypto/sha256"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	butane "github.com/coreos/butane/config"
	butanecommon "github.com/coreos/butane/config/common"
	"github.com/coreos/ignition/v2/tests/register"
	_ "github.com/coreos/ignition/v2/tests/registry"
)

// An input of the differential validator test: a short name that says where
// it came from, and the bytes both validators get.
type validateInput struct {
	name string
	data []byte
}

// The corpus sources, in the order they are reported. Each is a function so
// a source that cannot be read (a missing module, no wild-configs) is
// skipped on its own.
var validateSources = []struct {
	name string
	load func(t testing.TB) []validateInput
}{
	{"ignition-docs", ignitionDocInputs},
	{"ignition-go-literals", ignitionLiteralInputs},
	{"ignition-registry", ignitionRegistryInputs},
	{"butane-docs", butaneDocInputs},
	{"wild-ign", wildIgnInputs},
	{"wild-bu", wildButaneInputs},
}

// moduleDir finds a module's source directory as the go command resolves
// it for this module, so the version is the one go.mod pins.
func moduleDir(t testing.TB, path string) string {
	moduleDirs.Do(func() {
		moduleDirCache = map[string]string{}
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		out, err := exec.Command(goTool, "list", "-m", "-f", "{{.Path}} {{.Dir}}", "all").Output()
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(out), "\n") {
			if p, dir, ok := strings.Cut(line, " "); ok && dir != "" {
				moduleDirCache[p] = dir
			}
		}
	})
	dir := moduleDirCache[path]
	if dir == "" {
		t.Fatalf("source of module %s not found (go list -m all)", path)
	}
	return dir
}

var (
	moduleDirs     sync.Once
	moduleDirCache map[string]string
)

// wildConfigsDir is the shared collection of published configs beside the
// repository; tests that need it skip when it is missing.
func wildConfigsDir(t testing.TB) string {
	dir, err := wildConfigsDirErr()
	if err != nil {
		t.Skipf("wild configs not found: %v", err)
	}
	return dir
}

func wildConfigsDirErr() (string, error) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "wild-configs"))
	if err == nil {
		_, err = os.Stat(dir)
	}
	return dir, err
}

// mdPage is one Markdown page: its file name and its text.
type mdPage struct {
	name string
	text []byte
}

// markdownPages reads every Markdown page in dir, in name order.
func markdownPages(t testing.TB, dir string) []mdPage {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	pages := make([]mdPage, 0, len(paths))
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, mdPage{filepath.Base(p), text})
	}
	return pages
}

// codeBlocks returns the fenced code blocks of a markdown text whose info
// string is lang.
func codeBlocks(md, lang string) []string {
	var blocks []string
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```"+lang {
			continue
		}
		var b strings.Builder
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			b.WriteString(lines[i])
			b.WriteByte('\n')
		}
		blocks = append(blocks, b.String())
	}
	return blocks
}

func looksLikeConfig(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "{") && strings.Contains(s, `"ignition"`)
}

func ignitionDocInputs(t testing.TB) []validateInput {
	dir := filepath.Join(moduleDir(t, "github.com/coreos/ignition/v2"), "docs")
	var out []validateInput
	for _, page := range markdownPages(t, dir) {
		for i, b := range codeBlocks(string(page.text), "json") {
			if looksLikeConfig(b) {
				out = append(out, validateInput{page.name + "#" + strconv.Itoa(i), []byte(b)})
			}
		}
	}
	return out
}

// ignitionLiteralInputs collects every Go string literal in the reference's
// config and tests packages that is a config, e.g. the inputs of its parser
// tests.
func ignitionLiteralInputs(t testing.TB) []validateInput {
	root := moduleDir(t, "github.com/coreos/ignition/v2")
	var out []validateInput
	for _, sub := range []string{"config", "tests", "internal"} {
		filepath.WalkDir(filepath.Join(root, sub), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && looksLikeConfig(s) {
					out = append(out, validateInput{rel + ":" + strconv.Itoa(fset.Position(lit.Pos()).Line), []byte(s)})
				}
				return true
			})
			return nil
		})
	}
	return out
}

// ignitionRegistryInputs are the configs of the reference's blackbox tests,
// positive and negative, at every version they are registered for.
func ignitionRegistryInputs(t testing.TB) []validateInput {
	var out []validateInput
	for _, kind := range []register.TestType{register.PositiveTest, register.NegativeTest} {
		for _, test := range register.Tests[kind] {
			if looksLikeConfig(test.Config) {
				out = append(out, validateInput{test.Name + "@" + test.ConfigVersion, []byte(test.Config)})
			}
		}
	}
	return out
}

// butaneDocInputs are the Ignition outputs of the YAML examples in Butane's
// docs, and the JSON configs those docs show.
func butaneDocInputs(t testing.TB) []validateInput {
	dir := filepath.Join(moduleDir(t, "github.com/coreos/butane"), "docs")
	var out []validateInput
	for _, page := range markdownPages(t, dir) {
		md, base := page.text, page.name
		for i, b := range codeBlocks(string(md), "yaml") {
			if !strings.Contains(b, "variant:") {
				continue
			}
			if js, ok := butaneTranslate([]byte(b), ""); ok {
				out = append(out, validateInput{base + "#yaml" + strconv.Itoa(i), js})
			}
		}
		for i, b := range codeBlocks(string(md), "json") {
			if looksLikeConfig(b) {
				out = append(out, validateInput{base + "#json" + strconv.Itoa(i), []byte(b)})
			}
		}
	}
	return out
}

// butaneTranslate is the reference transpiler's Ignition output for a YAML
// config, or false when it rejects the config.
func butaneTranslate(yaml []byte, filesDir string) ([]byte, bool) {
	opts := butanecommon.TranslateBytesOptions{Raw: true}
	opts.FilesDir = filesDir
	js, rpt, err := butane.TranslateBytes(yaml, opts)
	if err != nil || rpt.IsFatal() {
		return nil, false
	}
	return js, true
}

func wildIgnInputs(t testing.TB) []validateInput {
	dir := filepath.Join(wildConfigsDir(t), "ign")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	var out []validateInput
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, validateInput{"ign/" + filepath.Base(f), data})
	}
	return out
}

// wildButaneInputs translates every wild YAML config with the reference
// transpiler (local: files from wild-configs/files) and keeps the outputs it
// produced. Translation is the slow part, so it runs once per test binary.
var wildButaneInputs = func() func(t testing.TB) []validateInput {
	var once sync.Once
	var out []validateInput
	return func(t testing.TB) []validateInput {
		root := wildConfigsDir(t)
		once.Do(func() {
			files, _ := filepath.Glob(filepath.Join(root, "bu", "*"))
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					continue
				}
				if js, ok := butaneTranslate(data, filepath.Join(root, "files")); ok {
					out = append(out, validateInput{"bu/" + filepath.Base(f), js})
				}
			}
		})
		return out
	}
}()

// dedupe drops inputs whose bytes another input already has, keeping the
// first name; sources are read in a fixed order, so reports are stable.
func dedupe(in []validateInput, seen map[[32]byte]bool) []validateInput {
	var out []validateInput
	for _, x := range in {
		h := sha256.Sum256(bytes.TrimSpace(x.data))
		if seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, x)
	}
	return out
}
