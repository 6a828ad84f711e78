package stages

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/config"
)

// recorder is a stage that records its runs into a shared log.
type recorder struct {
	name string
	log  *[]string
	fail bool
	info Info
}

func (r recorder) Name() string { return r.name }
func (r recorder) Info() Info   { return r.info }

// recorderInfo is what the real stages say about themselves.
var recorderInfo = map[string]Info{
	"fetch-offline": {MakesConfig: true},
	"fetch":         {MakesConfig: true},
	"disks":         {Devices: true},
	"mount":         {Mounts: true},
	"umount":        {Unmounts: true},
}

func (r recorder) Run(_ context.Context, env *Env, cfg *config.Config) error {
	entry := r.name
	if cfg == nil {
		entry += "(no config)"
	}
	*r.log = append(*r.log, entry)
	if r.fail {
		return errors.New("boom")
	}
	return nil
}

// withStages returns a registry of recorders named after the real stages.
func withStages(t *testing.T, failing string) (Registry, *[]string) {
	t.Helper()
	reg := Registry{}
	var log []string
	for _, n := range Order {
		reg.Register(recorder{name: n, log: &log, fail: n == failing, info: recorderInfo[n]})
	}
	return reg, &log
}

func TestRunOrderAndUmountAfterFailure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		names   []string
		failing string
		want    string
		wantErr string
	}{
		{[]string{"files", "kargs"}, "", "kargs files", ""},
		{[]string{"umount", "files", "mount", "disks", "kargs"}, "", "kargs disks mount files umount", ""},
		// A failure after mount still unmounts.
		{[]string{"kargs", "disks", "mount", "files", "umount"}, "files", "kargs disks mount files umount", "files: boom"},
		// A failure before mount does not.
		{[]string{"kargs", "disks", "mount", "files", "umount"}, "disks", "kargs disks", "disks: boom"},
	}
	for _, tc := range cases {
		reg, log := withStages(t, tc.failing)
		env := &Env{RunDir: t.TempDir(), Stages: reg}
		err := Run(context.Background(), env, tc.names, &config.Config{})
		if got := strings.Join(*log, " "); got != tc.want {
			t.Errorf("%v: ran %q, want %q", tc.names, got, tc.want)
		}
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
			t.Errorf("%v: error %v, want %q", tc.names, err, tc.wantErr)
		}
		for _, n := range *log {
			if _, ok := env.Timings[n]; !ok {
				t.Errorf("no timing for %s", n)
			}
		}
	}
	reg, _ := withStages(t, "")
	if err := Run(context.Background(), &Env{Stages: reg}, []string{"nope"}, &config.Config{}); err == nil {
		t.Error("unknown stage accepted")
	}
}

func TestRunOneLoadsCacheAndKeepsTimings(t *testing.T) {
	t.Parallel()
	reg, log := withStages(t, "")
	dir := t.TempDir()
	cache := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cache, []byte(`{"ignition":{"version":"3.2.0"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, TimingsFile), []byte(`{"fetch":1.5}`), 0o644)

	env := &Env{ConfigCache: cache, UserConfigProvided: true, Stages: reg}
	if err := RunOne(context.Background(), env, "fetch-offline"); err != nil {
		t.Fatal(err)
	}
	if err := RunOne(context.Background(), env, "files"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(*log, " "); got != "fetch-offline(no config) files" {
		t.Errorf("ran %q", got)
	}
	if env.Timings["fetch"] != 1500*time.Millisecond {
		t.Errorf("earlier timing lost: %v", env.Timings)
	}
	data, _ := os.ReadFile(filepath.Join(dir, TimingsFile))
	var saved map[string]float64
	if json.Unmarshal(data, &saved) != nil || len(saved) != 3 {
		t.Errorf("saved timings %s", data)
	}

	// The fetch stages' marker turns userConfigProvided off.
	if err := (&Env{ConfigCache: cache}).RecordUserConfig(false); err != nil {
		t.Fatal(err)
	}
	env.UserConfigProvided = true
	if err := RunOne(context.Background(), env, "files"); err != nil {
		t.Fatal(err)
	}
	if env.UserConfigProvided {
		t.Error("no-user-config marker ignored")
	}

	// A broken cache fails with a clear message.
	os.WriteFile(cache, []byte(`{`), 0o600)
	if err := RunOne(context.Background(), env, "files"); err == nil || !strings.Contains(err.Error(), "cached config") {
		t.Errorf("got %v", err)
	}
}

func TestRequestReboot(t *testing.T) {
	t.Parallel()
	env := &Env{ConfigCache: filepath.Join(t.TempDir(), "run", "config.json")}
	if err := env.RequestReboot("kargs changed"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(env.RunDirPath(), RebootNeededFile))
	if err != nil || string(data) != "kargs changed\n" {
		t.Errorf("%q %v", data, err)
	}
}

// TestConfigStagesFromInfo: which stages provision apply runs follows from
// what each stage says about itself.
func TestConfigStagesFromInfo(t *testing.T) {
	t.Parallel()
	reg, _ := withStages(t, "")
	if got := strings.Join(reg.ConfigStages(false), " "); got != "kargs files" {
		t.Errorf("without devices: %q", got)
	}
	if got := strings.Join(reg.ConfigStages(true), " "); got != "kargs disks mount files umount" {
		t.Errorf("with devices: %q", got)
	}
}

// TestQuietLeavesTheCallersEnv: a stage run without a logger logs nowhere
// and leaves the Env its caller holds (possibly shared) as it was.
func TestQuietLeavesTheCallersEnv(t *testing.T) {
	t.Parallel()
	env := &Env{Root: "/sysroot"}
	q := env.Quiet()
	if q.Log == nil || q.Root != "/sysroot" {
		t.Fatalf("quiet env: %+v", q)
	}
	if env.Log != nil {
		t.Error("Quiet changed the caller's Env")
	}
	if q.Quiet() != q {
		t.Error("an Env with a logger must be returned as is")
	}
}
