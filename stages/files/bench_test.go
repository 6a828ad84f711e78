package files

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/stages"
)

// benchConfig is a large config: 5,000 files with data: contents spread
// over 500 directories, 500 symlinks and 300 enabled units with drop-ins.
func benchConfig(b *testing.B, withContents bool) *config.Config {
	b.Helper()
	type res struct {
		Source string `json:"source"`
	}
	type node struct {
		Path     string `json:"path"`
		Mode     int    `json:"mode,omitempty"`
		Contents *res   `json:"contents,omitempty"`
		Target   string `json:"target,omitempty"`
	}
	type unit struct {
		Name     string `json:"name"`
		Enabled  bool   `json:"enabled"`
		Contents string `json:"contents"`
	}
	var dirs, files, links []node
	var units []unit
	for d := range 500 {
		dirs = append(dirs, node{Path: fmt.Sprintf("/srv/d%03d", d), Mode: 0o750})
	}
	for f := range 5000 {
		n := node{Path: fmt.Sprintf("/srv/d%03d/file%04d.conf", f%500, f)}
		if withContents {
			n.Contents = &res{Source: fmt.Sprintf("data:,setting%%3D%d%%0A", f)}
		}
		files = append(files, n)
	}
	for l := range 500 {
		links = append(links, node{Path: fmt.Sprintf("/srv/link%03d", l), Target: fmt.Sprintf("/srv/d%03d", l)})
	}
	for u := range 300 {
		units = append(units, unit{
			Name:     fmt.Sprintf("bench%03d.service", u),
			Enabled:  true,
			Contents: "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
		})
	}
	doc := map[string]any{
		"ignition": map[string]any{"version": "3.6.0"},
		"storage":  map[string]any{"directories": dirs, "files": files, "links": links},
		"systemd":  map[string]any{"units": units},
	}
	data, err := json.Marshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	cfg, rep, err := config.Parse(data)
	if err != nil {
		b.Fatalf("%v\n%v", err, rep)
	}
	return &cfg
}

// BenchmarkFilesStage runs the whole files stage (fetching data: URLs,
// writing every node, enabling units, the result file and the final
// syncfs) on a fresh root each time. Target: under 0.6 s per run.
//
// The root is on tmpfs (/dev/shm) so the figure is the stage's own cost;
// BenchmarkFilesStageDisk runs it on the disk of the test directory and
// BenchmarkCreateBaselineDisk shows what the bare creation of as many
// files costs there, since that dominates on slow virtual disks.
func BenchmarkFilesStage(b *testing.B) { benchmarkFilesStage(b, true, shmDir(b)) }

// BenchmarkFilesStageNoFetch is the same with empty files: the cost of
// writing alone, without the fetcher.
func BenchmarkFilesStageNoFetch(b *testing.B) { benchmarkFilesStage(b, false, shmDir(b)) }

// BenchmarkFilesStageDisk is BenchmarkFilesStage on a disk filesystem.
func BenchmarkFilesStageDisk(b *testing.B) { benchmarkFilesStage(b, true, "") }

// BenchmarkCreateBaselineDisk creates 5,000 one-byte files in 500
// directories with plain os calls: the floor for any files stage there.
func BenchmarkCreateBaselineDisk(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		for f := range 5000 {
			d := filepath.Join(dir, fmt.Sprintf("d%03d", f%500))
			if err := os.MkdirAll(d, 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, fmt.Sprint(f)), []byte("x"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// shmDir is a parent directory on tmpfs, or "" (the test temp dir) when
// the machine has none.
func shmDir(b *testing.B) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		return "/dev/shm"
	}
	return ""
}

func benchmarkFilesStage(b *testing.B, withContents bool, parent string) {
	cfg := benchConfig(b, withContents)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir, err := os.MkdirTemp(parent, "kindling-bench-")
		if err != nil {
			b.Fatal(err)
		}
		root := fillRoot(b, dir)
		env := &stages.Env{Root: root, RunDir: b.TempDir(), Fetcher: resource.New(resource.Options{})}
		b.StartTimer()
		err = (stage{}).Run(context.Background(), env, cfg)
		b.StopTimer()
		os.RemoveAll(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
