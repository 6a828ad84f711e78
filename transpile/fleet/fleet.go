// Package fleet renders one config per node of a fleet from config
// templates and a nodes file, in parallel, keeping every node's output in
// memory until the whole fleet is known good, so a broken node never
// leaves a half-written output directory behind.
//
// It is the library behind `transpile --each`; see docs/transpile/fleets.md.
package fleet

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path"
	"runtime"
	"strings"
	"sync"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/transpile"
	"github.com/kindling-dev/kindling/transpile/template"
)

// Input is one config template: its file name (for errors) and text.
type Input struct {
	Name string
	Src  []byte
}

// Options steer a fleet's generation.
type Options struct {
	// Transpile are the translation options of every config.
	Transpile transpile.Options
	// Values are given to every node; a node's own values win.
	Values template.Values
	// Workers bounds the nodes rendered at once; 0 means one per CPU.
	Workers int
	// SharedURL, when set, makes every input but the last a base shared
	// by the fleet: it is rendered once (with Values only) into the
	// shared file, and each node gets a small config from the last input
	// that merges the base from SharedURL, pinned by its sha512 hash.
	SharedURL string
	// Warn, when set, receives the findings of a translation that
	// succeeded with warnings, placed in the template: the template's
	// file, the node ("" for the shared base). It may be called from
	// several goroutines at once.
	Warn func(file, node string, findings []Finding)
}

// Generator renders configs for nodes. It is safe for concurrent use.
type Generator struct {
	opts   Options
	inputs []*template.Template // rendered per node
	shared *File                // nil without SharedURL
	merge  config.Resource      // the reference to shared
}

// File is one output file.
type File struct {
	Name string // file name in the output directory
	Data []byte
}

// New parses the templates; with opts.SharedURL it also renders the
// shared base.
func New(inputs []Input, opts Options) (*Generator, error) {
	if len(inputs) == 0 {
		return nil, errors.New("no config templates")
	}
	g := &Generator{opts: opts}
	for _, in := range inputs {
		t, err := template.Parse(in.Name, in.Src)
		if err != nil {
			return nil, err
		}
		g.inputs = append(g.inputs, t)
	}
	if opts.SharedURL == "" {
		return g, nil
	}
	if len(inputs) < 2 {
		return nil, errors.New("a shared base needs two or more inputs: the shared ones, then the per-node one")
	}
	name, err := sharedName(opts.SharedURL)
	if err != nil {
		return nil, err
	}
	base, per := g.inputs[:len(g.inputs)-1], g.inputs[len(g.inputs)-1:]
	data, err := g.translate(base, Node{Values: opts.Values})
	if err != nil {
		return nil, fmt.Errorf("shared base: %w", err)
	}
	sum := sha512.Sum512(data)
	hash := "sha512-" + hex.EncodeToString(sum[:])
	src := opts.SharedURL
	g.shared = &File{Name: name, Data: data}
	g.merge = config.Resource{Source: &src, Verification: config.Verification{Hash: &hash}}
	g.inputs = per
	return g, nil
}

// sharedName is the file the shared base is written to: the last element
// of the URL's path, held to the rules of node names.
func sharedName(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("shared URL %q is not an absolute URL", raw)
	}
	name := path.Base(u.Path)
	if err := CheckName(name); err != nil {
		return "", fmt.Errorf("shared URL %q: its file name: %v", raw, err)
	}
	return name, nil
}

// Shared is the shared base file, nil unless Options.SharedURL was set.
func (g *Generator) Shared() *File { return g.shared }

// Render renders, translates and validates one node's config.
func (g *Generator) Render(n Node) ([]byte, error) {
	return g.translate(g.inputs, n)
}

// translate renders each template with the node's values, translates
// them, merges them in order and marshals the result.
func (g *Generator) translate(inputs []*template.Template, n Node) ([]byte, error) {
	values := g.opts.Values.With(n.Values)
	results := make([]transpile.Result, 0, len(inputs))
	var problems []string
	for _, t := range inputs {
		rendered, err := t.Render(n.Name, values)
		if err != nil {
			return nil, err
		}
		src, err := template.ExpandLocal(t.Name(), rendered, g.opts.Transpile.FilesDir, n.Name, values)
		if err != nil {
			return nil, err
		}
		res := transpile.TranslateConfig(src, g.opts.Transpile)
		fatal := res.Report.IsFatal() || g.opts.Transpile.Strict && res.Report.HasWarnings()
		if fatal || res.Report.HasWarnings() && g.opts.Warn != nil {
			// Positions are in src; they map to template lines unless
			// template: true re-encoded the document.
			tmpl := t
			if !bytes.Equal(rendered, src) {
				tmpl = nil
			}
			found := locate(tmpl, t.Name(), n.Name, values, src, res.Report)
			if fatal {
				problems = append(problems, texts(found))
			} else {
				g.opts.Warn(t.Name(), n.Name, found)
			}
		}
		results = append(results, res)
	}
	if problems != nil {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	merged := transpile.Merge(results)
	if g.shared != nil {
		merged.Config.Ignition.Config.Merge = append([]config.Resource{g.merge}, merged.Config.Ignition.Config.Merge...)
	}
	return transpile.Output(merged, g.opts.Transpile)
}

// NodeError is one node that failed.
type NodeError struct {
	Node string
	Err  error
}

// FleetError lists every node that failed, in the nodes file's order.
type FleetError struct{ Nodes []NodeError }

func (e *FleetError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d node(s) failed; nothing was written", len(e.Nodes))
	for _, n := range e.Nodes {
		msg := n.Err.Error()
		// Template and translation errors name the node themselves.
		if !strings.Contains(msg, fmt.Sprintf("node %q", n.Node)) {
			msg = fmt.Sprintf("node %q: %s", n.Node, msg)
		}
		b.WriteString("\n" + msg)
	}
	return b.String()
}

// extension names a node's file by its output: a JSON config is .ign, an
// openshift MachineConfig (YAML) is .yaml.
func extension(data []byte) string {
	if len(data) > 0 && data[0] != '{' {
		return ".yaml"
	}
	return ".ign"
}

// RenderAll renders every node with a bounded number of workers. It
// returns all files (the shared base first, then one NAME.ign, or
// NAME.yaml for an openshift MachineConfig, per node in
// the nodes' order) only if every node succeeded; otherwise a *FleetError.
func (g *Generator) RenderAll(nodes []Node) ([]File, error) {
	workers := g.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(nodes))
	out := make([]File, len(nodes))
	errs := make([]error, len(nodes))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i].Data, errs[i] = g.Render(nodes[i])
				out[i].Name = nodes[i].Name + extension(out[i].Data)
			}
		}()
	}
	for i := range nodes {
		next <- i
	}
	close(next)
	wg.Wait()
	var fe FleetError
	for i, err := range errs {
		if err != nil {
			fe.Nodes = append(fe.Nodes, NodeError{nodes[i].Name, err})
		}
	}
	if fe.Nodes != nil {
		return nil, &fe
	}
	if g.shared != nil {
		for _, f := range out {
			if f.Name == g.shared.Name {
				return nil, fmt.Errorf("node file %s has the shared base's name", f.Name)
			}
		}
		out = append([]File{*g.shared}, out...)
	}
	return out, nil
}
