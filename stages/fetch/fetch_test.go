package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/providers"
	"github.com/kindling-dev/kindling/stages"
)

const userCfg = `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/hello","contents":{"source":"data:,hi"}}]}}`

// harness runs fetch stages of its own against a temporary host root,
// so tests share no package state and can run in parallel.
type harness struct {
	root string
	opts Options
}

func newHarness(t *testing.T) *harness {
	root := t.TempDir()
	return &harness{root: root, opts: Options{HostRoot: root}}
}

// useConfigFile makes the file platform read path.
func (h *harness) useConfigFile(path string) {
	h.opts.Customize = func(fc *providers.FetchContext) { fc.ConfigFile = path }
}

// run runs the named fetch stage with the harness's options.
func (h *harness) run(t *testing.T, name string, env *stages.Env) error {
	t.Helper()
	var s Stage
	switch name { // the test's own table of the two stages
	case "fetch-offline":
		s = Stage{Offline: true, Options: h.opts}
	case "fetch":
		s = Stage{Options: h.opts}
	default:
		t.Fatalf("not a fetch stage: %s", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s.Run(ctx, env, nil)
}

func readCache(t *testing.T, path string) config.Config {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("cache mode %v, want 0600", st.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg config.Config
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("cache is not a config: %v\n%s", err, data)
	}
	return cfg
}

func TestFetchFilePlatform(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "user.ign")
	os.WriteFile(src, []byte(userCfg), 0o644)
	h.useConfigFile(src)
	for _, stage := range []string{"fetch-offline", "fetch"} {
		t.Run(stage, func(t *testing.T) {
			cache := filepath.Join(t.TempDir(), "run", "kindling", "config.json")
			env := &stages.Env{Platform: "file", ConfigCache: cache}
			if err := h.run(t, stage, env); err != nil {
				t.Fatal(err)
			}
			cfg := readCache(t, cache)
			if len(cfg.Storage.Files) != 1 || cfg.Storage.Files[0].Path != "/etc/hello" {
				t.Fatalf("cache content wrong: %+v", cfg.Storage)
			}
			if !env.UserConfigProvided {
				t.Error("UserConfigProvided not set")
			}
		})
	}
}

func TestFetchNoUserConfig(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.useConfigFile(filepath.Join(t.TempDir(), "absent.ign"))
	cache := filepath.Join(t.TempDir(), "config.json")
	env := &stages.Env{Platform: "file", ConfigCache: cache, UserConfigProvided: true}
	if err := h.run(t, "fetch", env); err != nil {
		t.Fatal(err)
	}
	if env.UserConfigProvided {
		t.Error("UserConfigProvided should be false")
	}
	if cfg := readCache(t, cache); cfg.Ignition.Version == "" || len(cfg.Storage.Files) != 0 {
		t.Fatalf("want an empty config, got %+v", cfg)
	}
	// A later stage is another process: it learns it only from the run
	// directory, starting from the command's default (provided).
	if got := laterStageSees(t, cache); got {
		t.Error("a later stage believes a user config was provided (result file would say so)")
	}
	// A second boot's fetch with a user config removes the marker again.
	src := filepath.Join(t.TempDir(), "user.ign")
	os.WriteFile(src, []byte(userCfg), 0o644)
	h.useConfigFile(src)
	os.Remove(cache)
	if err := h.run(t, "fetch", &stages.Env{Platform: "file", ConfigCache: cache}); err != nil {
		t.Fatal(err)
	}
	if got := laterStageSees(t, cache); !got {
		t.Error("a later stage believes no user config was provided")
	}
}

// probe is a stage that records what the runner told it.
type probe struct{ saw *bool }

func (probe) Name() string { return "probe-user-config" }
func (p probe) Run(_ context.Context, env *stages.Env, _ *config.Config) error {
	*p.saw = env.UserConfigProvided
	return nil
}

// laterStageSees runs a config-reading stage the way its own process
// would and returns its Env.UserConfigProvided.
func laterStageSees(t *testing.T, cache string) bool {
	t.Helper()
	var saw bool
	reg := stages.Registry{}
	reg.Register(probe{saw: &saw})
	env := &stages.Env{ConfigCache: cache, UserConfigProvided: true, Stages: reg}
	if err := stages.RunOne(context.Background(), env, "probe-user-config"); err != nil {
		t.Fatal(err)
	}
	return saw
}

// TestOfflineDefersToFetch: a remote merge reference makes fetch-offline
// leave a marker and no cache; the fetch stage then renders it and removes
// the marker.
func TestOfflineDefersToFetch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	root := h.root
	child := `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/child"}]}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(child)) }))
	defer srv.Close()
	user := fmt.Sprintf(`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":%q}]}}}`, srv.URL+"/child.ign")
	os.MkdirAll(filepath.Join(root, "proc"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/cmdline"), []byte("quiet ignition.platform.id=file\n"), 0o644)
	src := filepath.Join(root, "user.ign")
	os.WriteFile(src, []byte(user), 0o644)
	h.useConfigFile(src)

	dir := t.TempDir()
	cache := filepath.Join(dir, "config.json")
	marker := filepath.Join(dir, NeedsNetworkMarker)
	env := &stages.Env{ConfigCache: cache} // platform from the command line
	if err := h.run(t, "fetch-offline", env); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cache); err == nil {
		t.Fatal("fetch-offline wrote a cache although the config needs the network")
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("no needs-network marker: %v", err)
	}
	if err := h.run(t, "fetch", env); err != nil {
		t.Fatal(err)
	}
	cfg := readCache(t, cache)
	if len(cfg.Storage.Files) != 1 || cfg.Storage.Files[0].Path != "/etc/child" {
		t.Fatalf("merged child missing: %+v", cfg.Storage)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("marker still there after fetch: %v", err)
	}
}

func TestOfflineNetworkPlatformAndFetchFromMetadata(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/openstack/latest/user_data" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(userCfg))
	}))
	defer srv.Close()
	h.opts.Customize = func(fc *providers.FetchContext) {
		fc.MetadataURL = srv.URL
		fc.MaxAttempts = 2
		// No config drive, whatever loop devices other tests have attached.
		fc.FindDrive = func([]string) (string, error) { return "", errors.New("no drive in this test") }
	}
	dir := t.TempDir()
	env := &stages.Env{Platform: "openstack", ConfigCache: filepath.Join(dir, "config.json")}
	if err := h.run(t, "fetch-offline", env); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, NeedsNetworkMarker)); err != nil {
		t.Fatalf("no marker: %v", err)
	}
	if err := h.run(t, "fetch", env); err != nil {
		t.Fatal(err)
	}
	if cfg := readCache(t, env.ConfigCache); len(cfg.Storage.Files) != 1 {
		t.Fatalf("cache: %+v", cfg.Storage)
	}
}

func TestFetchErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	root := h.root
	os.MkdirAll(filepath.Join(root, "proc"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/cmdline"), []byte("quiet"), 0o644)
	cache := filepath.Join(t.TempDir(), "config.json")
	if err := h.run(t, "fetch", &stages.Env{ConfigCache: cache}); err == nil {
		t.Error("no platform accepted")
	}
	if err := h.run(t, "fetch", &stages.Env{Platform: "nonesuch", ConfigCache: cache}); err == nil {
		t.Error("unknown platform accepted")
	}
	src := filepath.Join(root, "bad.ign")
	os.WriteFile(src, []byte(`{"ignition":{"version":"9.9.9"}}`), 0o644)
	h.useConfigFile(src)
	if err := h.run(t, "fetch", &stages.Env{Platform: "file", ConfigCache: cache}); err == nil {
		t.Error("invalid config accepted")
	}
	if _, err := os.Stat(cache); err == nil {
		t.Error("cache written for an invalid config")
	}
}

// TestSystemUserConfigPreemptsPlatform: as in Ignition, a system user
// config (embedded in the image or initramfs) is used instead of the
// platform's config.
func TestSystemUserConfigPreemptsPlatform(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	system := `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/from-system"}]}}`
	if err := os.MkdirAll(filepath.Join(h.root, "etc/kindling"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.root, "etc/kindling/user.ign"), []byte(system), 0o644); err != nil {
		t.Fatal(err)
	}
	platform := filepath.Join(h.root, "platform.ign")
	if err := os.WriteFile(platform, []byte(`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/from-platform"}]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.useConfigFile(platform)
	cache := filepath.Join(t.TempDir(), "config.json")
	if err := h.run(t, "fetch", &stages.Env{ConfigCache: cache, Platform: "file"}); err != nil {
		t.Fatal(err)
	}
	cfg := readCache(t, cache)
	if len(cfg.Storage.Files) != 1 || cfg.Storage.Files[0].Path != "/etc/from-system" {
		t.Fatalf("want the system user config alone, got %+v", cfg.Storage)
	}
}

// idleWhenNoFiles is an Idler stage: idle when the config writes no file.
type idleWhenNoFiles struct{ name string }

func (s idleWhenNoFiles) Name() string { return s.name }
func (idleWhenNoFiles) Run(context.Context, *stages.Env, *config.Config) error {
	return nil
}
func (idleWhenNoFiles) Idle(cfg *config.Config) bool { return len(cfg.Storage.Files) == 0 }

// TestIdleMarkersFollowTheEnvsRegistry: the fetch stage records idle
// stages from the registry of its Env, not the package default.
func TestIdleMarkersFollowTheEnvsRegistry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	src := filepath.Join(t.TempDir(), "user.ign")
	os.WriteFile(src, []byte(userCfg), 0o644) // writes /etc/hello
	h.useConfigFile(src)
	reg := stages.Registry{}
	reg.Register(idleWhenNoFiles{name: "files"})   // busy: the config has a file
	reg.Register(idleWhenNoFiles{name: "disks"})   // a stand-in that is busy too
	reg.Register(idleWhenNoFiles{name: "no-such"}) // not in stages.Order: never marked
	runDir := t.TempDir()
	idle := filepath.Join(runDir, stages.IdleDir)
	// Markers a previous config left: the busy ones must go.
	if err := stages.SetIdle(runDir, "files", true); err != nil {
		t.Fatal(err)
	}
	env := &stages.Env{Platform: "file", ConfigCache: filepath.Join(runDir, "config.json"), Stages: reg}
	if err := h.run(t, "fetch", env); err != nil {
		t.Fatal(err)
	}
	// The file platform keeps no config to remove: cleanup is idle too.
	if got := idleMarkers(t, idle); got != "[cleanup]" {
		t.Errorf("idle markers %s, want [cleanup]: the registry's stages have work", got)
	}
	// With no file in the config, the registry's stages in Order are idle.
	os.WriteFile(src, []byte(`{"ignition":{"version":"3.6.0"}}`), 0o644)
	os.Remove(env.ConfigCache)
	if err := h.run(t, "fetch", env); err != nil {
		t.Fatal(err)
	}
	if got := idleMarkers(t, idle); got != "[cleanup disks files]" {
		t.Errorf("idle markers %s, want [cleanup disks files] (the Env's registry, in stages.Order)", got)
	}
}

func idleMarkers(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return fmt.Sprint(names)
}
