package fetch

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/providers"
	"github.com/kindling-dev/kindling/stages"
)

func writeCmdline(t *testing.T, root, cmdline string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "proc/cmdline"), []byte(cmdline+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCmdlineURLOnAnyPlatform: ignition.platform.id=qemu with
// ignition.config.url= and nothing in fw_cfg provisions from the URL (it
// used to give an unprovisioned machine); with a fw_cfg config as well, the
// URL still wins, as in Ignition, which asks the command line first.
func TestCmdlineURLOnAnyPlatform(t *testing.T) {
	fromURL := `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/from-url"}]}}`
	fromFwCfg := `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/from-fwcfg"}]}}`
	var accept atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Get("Accept"))
		w.Write([]byte(fromURL))
	}))
	defer srv.Close()
	for _, withFwCfg := range []bool{false, true} {
		t.Run(fmt.Sprintf("fw_cfg=%v", withFwCfg), func(t *testing.T) {
			root := setHostRoot(t)
			writeCmdline(t, root, "quiet ignition.platform.id=qemu ignition.config.url="+srv.URL+"/node.ign")
			if withFwCfg {
				raw := filepath.Join(root, "/sys/firmware/qemu_fw_cfg/by_name/opt/com.coreos/config/raw")
				os.MkdirAll(filepath.Dir(raw), 0o755)
				os.WriteFile(raw, []byte(fromFwCfg), 0o644)
			}
			dir := t.TempDir()
			env := &stages.Env{ConfigCache: filepath.Join(dir, "config.json")}
			// Offline, the http URL needs the network: the fetch stage does it.
			if err := run(t, "fetch-offline", env); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, NeedsNetworkMarker)); err != nil {
				t.Fatalf("fetch-offline left no needs-network marker: %v", err)
			}
			if err := run(t, "fetch", env); err != nil {
				t.Fatal(err)
			}
			cfg := readCache(t, env.ConfigCache)
			if len(cfg.Storage.Files) != 1 || cfg.Storage.Files[0].Path != "/etc/from-url" {
				t.Fatalf("want the config from the URL, got %+v", cfg.Storage.Files)
			}
			if !env.UserConfigProvided {
				t.Error("UserConfigProvided not set")
			}
		})
	}
	if a, _ := accept.Load().(string); !strings.HasPrefix(a, "application/vnd.coreos.ignition+json;version=3.6.0") {
		t.Errorf("config fetch sent Accept %q", a)
	}
}

// TestNoSecretInStageOutput: a config URL with a password and a signed
// query fails in several ways; neither the stage's error nor anything it
// logged carries the secrets.
func TestNoSecretInStageOutput(t *testing.T) {
	const pass, sig = "pa55word", "S1GNATURE"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/500":
			w.WriteHeader(http.StatusInternalServerError)
		case "/redirect":
			http.Redirect(w, r, "/redirect?again="+sig, http.StatusFound)
		case "/invalid.ign":
			// Invalid: the same secret source twice. The report quotes it.
			src := fmt.Sprintf("http://u:%s@%s/c?X-Amz-Signature=%s", pass, r.Host, sig)
			fmt.Fprintf(w, "{\"ignition\":{\"version\":\"3.6.0\",\"config\":{\"merge\":[\n{\"source\":%q},\n{\"source\":%q}]}}}", src, src)
		case "/user.ign":
			// A valid config whose merge child, with secrets of its own, is missing.
			fmt.Fprintf(w, `{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"http://u:%s@%s/missing?X-Amz-Signature=%s"}]}}}`, pass, r.Host, sig)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	secret := func(path string) string {
		return strings.Replace(srv.URL, "http://", "http://admin:"+pass+"@", 1) + path + "?X-Amz-Signature=" + sig
	}
	for _, path := range []string{"/500", "/404", "/redirect", "/user.ign", "/invalid.ign"} {
		t.Run(path, func(t *testing.T) {
			root := setHostRoot(t)
			writeCmdline(t, root, "ignition.platform.id=qemu ignition.config.url="+secret(path))
			var logs bytes.Buffer
			env := &stages.Env{ConfigCache: filepath.Join(t.TempDir(), "config.json"), FetchTimeout: 2 * time.Second,
				Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			err := run(t, "fetch", env)
			if err == nil {
				t.Fatal("fetch succeeded")
			}
			out := err.Error() + "\n" + logs.String()
			if strings.Contains(out, pass) || strings.Contains(out, sig) {
				t.Fatalf("secret in the output:\n%s", out)
			}
			if path != "/invalid.ign" && strings.Count(err.Error(), "fetching ") != 1 {
				t.Errorf("want one \"fetching\" prefix: %v", err)
			}
			t.Log(err)
		})
	}
}

// TestCmdlineConfigFetchIsBounded: the config URL is held to the
// config size limit.
func TestCmdlineConfigFetchIsBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for range 40 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	root := setHostRoot(t)
	writeCmdline(t, root, "ignition.platform.id=metal kindling.config.url="+srv.URL+"/big.ign")
	err := run(t, "fetch", &stages.Env{ConfigCache: filepath.Join(t.TempDir(), "config.json")})
	if err == nil || !strings.Contains(err.Error(), "resource.MaxConfigSize") {
		t.Fatalf("err = %v, want resource.MaxConfigSize named", err)
	}
	_ = providers.ConfigURLArgs
}
