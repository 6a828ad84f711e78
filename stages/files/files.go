// Package files is the files stage: it fetches and verifies every file's
// contents first, then creates groups and users, writes directories, files
// and links, systemd units and drop-ins, /etc/crypttab entries, and finally
// the result file. Everything lands inside the target root (see
// internal/rootfs), whatever symlinks the image holds.
package files

import (
	"context"
	"fmt"
	"time"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/rootfs"
	"github.com/kindling-dev/kindling/stages"
)

func init() { stages.Register(stage{}) }

type stage struct{}

func (stage) Name() string { return "files" }

func (stage) Run(ctx context.Context, env *stages.Env, cfg *config.Config) error {
	start := time.Now()
	env = env.Quiet()
	root, err := rootfs.Open(env.Root)
	if err != nil {
		return err
	}
	defer root.Close()
	p := &provisioner{env: env, cfg: cfg, root: root}
	defer p.release()

	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"checking paths, owners and units", p.plan},
		{"fetching contents", p.fetchContents},
		{"users and groups", p.passwd},
		{"files, directories and links", p.nodes},
		{"systemd units", p.units},
		{"crypttab", p.crypttab},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.fn(ctx); err != nil {
			return err
		}
		env.Log.Debug("step done", "step", s.name, "took", time.Since(t0))
	}
	if err := p.writeResult(time.Since(start)); err != nil {
		return err
	}
	if err := root.Sync(); err != nil {
		return fmt.Errorf("syncing the target root: %w", err)
	}
	return nil
}

// provisioner carries one run's state.
type provisioner struct {
	env  *stages.Env
	cfg  *config.Config
	root *rootfs.Root

	// storage is the config's nodes with their paths resolved inside the
	// root (plan); messages use the config's own paths.
	storage   config.Storage
	unitPlans []unitPlan // per systemd.units entry, from planUnits

	contents []*blob   // per storage.files entry; nil: no source
	appends  [][]*blob // per storage.files entry, per append entry
	luksKeys []*blob   // per storage.luks entry with a keyFile source
	accts    *accounts
}

func (p *provisioner) release() {
	for _, b := range p.contents {
		if b != nil {
			b.close()
		}
	}
	for _, list := range p.appends {
		for _, b := range list {
			if b != nil {
				b.close()
			}
		}
	}
	for _, b := range p.luksKeys {
		if b != nil {
			b.close()
		}
	}
}

// fetchContents fetches every file's contents and appended fragments, and
// LUKS key files that crypttab will reference, before the first write.
func (p *provisioner) fetchContents(ctx context.Context) error {
	files := p.cfg.Storage.Files
	p.contents = make([]*blob, len(files))
	p.appends = make([][]*blob, len(files))
	var jobs []fetchJob
	for i, f := range files {
		path := report.Path{"storage", "files", i}
		if hasSource(f.Contents) {
			jobs = append(jobs, fetchJob{path: path.Append("contents"), what: f.Path, res: f.Contents, out: &p.contents[i]})
		}
		p.appends[i] = make([]*blob, len(f.Append))
		for j, a := range f.Append {
			if hasSource(a) {
				jobs = append(jobs, fetchJob{path: path.Append("append", j), what: f.Path, res: a, out: &p.appends[i][j]})
			}
		}
	}
	luks := p.cfg.Storage.Luks
	p.luksKeys = make([]*blob, len(luks))
	for i, l := range luks {
		if hasSource(l.KeyFile) && !p.haveDisksKeyFile(l.Name) {
			jobs = append(jobs, fetchJob{path: report.Path{"storage", "luks", i, "keyFile"}, what: l.Name, res: l.KeyFile, out: &p.luksKeys[i]})
		}
	}
	if len(jobs) > 0 {
		p.status("files: fetching %d resources", len(jobs))
	}
	return fetchAll(ctx, p.env, jobs)
}

func hasSource(r config.Resource) bool { return r.Source != nil && *r.Source != "" }

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
