package render

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/resource"
)

// fileCfg is a config creating one file whose contents name its origin.
func fileCfg(path, origin string, extra string) string {
	return fmt.Sprintf(`{"ignition":{"version":"3.6.0"%s},"storage":{"files":[{"path":%q,"contents":{"source":"data:,%s"}}]}}`, extra, path, origin)
}

func sha512Of(s string) string {
	sum := sha512.Sum512([]byte(s))
	return "sha512-" + hex.EncodeToString(sum[:])
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// files maps path -> contents source of the rendered config.
func files(cfg config.Config) map[string]string {
	out := map[string]string{}
	for _, f := range cfg.Storage.Files {
		src := ""
		if f.Contents.Source != nil {
			src = *f.Contents.Source
		}
		out[f.Path] = src
	}
	return out
}

func render(t *testing.T, user string, opts Options) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if opts.Fetch.MaxAttempts == 0 {
		opts.Fetch.MaxAttempts = 2
	}
	var data []byte
	if user != "" {
		data = []byte(user)
	}
	return Render(ctx, data, opts)
}

func serve(t *testing.T, docs map[string]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(d))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestMergeAndReplaceOverHTTP(t *testing.T) {
	t.Parallel()
	child1 := fileCfg("/etc/a", "child1", "")
	child2 := fileCfg("/etc/b", "child2", "")
	grandchild := fileCfg("/etc/c", "grandchild", "")
	docs := map[string]string{"/c1": child1, "/c2": child2, "/gc": grandchild}
	srv := serve(t, docs)
	// A child with its own merge reference: resolved recursively.
	docs["/withgc"] = fmt.Sprintf(`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":%q}]}}}`, srv.URL+"/gc")
	docs["/replacement"] = fileCfg("/etc/replaced", "replacement", "")

	merge := func(refs ...string) string {
		return fmt.Sprintf(`,"config":{"merge":[%s]}`, strings.Join(refs, ","))
	}
	ref := func(path, hash string) string {
		if hash == "" {
			return fmt.Sprintf(`{"source":%q}`, srv.URL+path)
		}
		return fmt.Sprintf(`{"source":%q,"verification":{"hash":%q}}`, srv.URL+path, hash)
	}

	t.Run("merge in order with hashes", func(t *testing.T) {
		user := fileCfg("/etc/a", "user", merge(ref("/c1", sha512Of(child1)), ref("/c2", sha512Of(child2)), ref("/withgc", "")))
		res, err := render(t, user, Options{Root: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		got := files(res.Config)
		want := map[string]string{"/etc/a": "data:,child1", "/etc/b": "data:,child2", "/etc/c": "data:,grandchild"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("files = %v, want %v", got, want)
		}
		if res.Config.Ignition.Config.Merge != nil {
			t.Error("merge references left in the rendered config")
		}
		if res.UserSource != "provider" {
			t.Errorf("UserSource = %q", res.UserSource)
		}
	})
	t.Run("hash mismatch fails", func(t *testing.T) {
		user := fileCfg("/etc/a", "user", merge(ref("/c1", sha512Of("something else"))))
		_, err := render(t, user, Options{Root: t.TempDir()})
		if !errors.Is(err, resource.ErrHashMismatch) {
			t.Fatalf("err = %v, want hash mismatch", err)
		}
		if !strings.Contains(err.Error(), "ignition.config.merge.0") {
			t.Errorf("error does not name the config path: %v", err)
		}
	})
	t.Run("replace", func(t *testing.T) {
		user := fileCfg("/etc/a", "user", fmt.Sprintf(`,"config":{"replace":%s}`, ref("/replacement", sha512Of(docs["/replacement"]))))
		res, err := render(t, user, Options{Root: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		got := files(res.Config)
		if len(got) != 1 || got["/etc/replaced"] != "data:,replacement" {
			t.Fatalf("files = %v", got)
		}
	})
	t.Run("missing child", func(t *testing.T) {
		user := fileCfg("/etc/a", "user", merge(ref("/nope", "")))
		if _, err := render(t, user, Options{Root: t.TempDir()}); !errors.Is(err, resource.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("offline needs network", func(t *testing.T) {
		user := fileCfg("/etc/a", "user", merge(ref("/c1", "")))
		_, err := render(t, user, Options{Root: t.TempDir(), Fetch: resource.Options{Offline: true}})
		if !errors.Is(err, resource.ErrNeedsNetwork) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("depth bound", func(t *testing.T) {
		docs["/loop"] = fmt.Sprintf(`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":%q}]}}}`, srv.URL+"/loop")
		_, err := render(t, docs["/loop"], Options{Root: t.TempDir(), MaxDepth: 3})
		if err == nil || !strings.Contains(err.Error(), "deeper than 3") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestBaseAndSystemConfigs(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	write(t, filepath.Join(root, BaseDir, "20-b.ign"), fileCfg("/etc/x", "base20", ""))
	write(t, filepath.Join(root, BaseDir, "10-a.ign"), fileCfg("/etc/x", "base10", ""))
	write(t, filepath.Join(root, BaseDir, "10-a.txt"), "not a config")
	write(t, filepath.Join(root, BasePlatformDir, "qemu", "00.ign"), fileCfg("/etc/y", "platform", ""))
	write(t, filepath.Join(root, BasePlatformDir, "aws", "00.ign"), fileCfg("/etc/y", "aws", ""))

	res, err := render(t, fileCfg("/etc/z", "user", ""), Options{Root: root, Platform: "qemu"})
	if err != nil {
		t.Fatal(err)
	}
	got := files(res.Config)
	want := map[string]string{"/etc/x": "data:,base20", "/etc/y": "data:,platform", "/etc/z": "data:,user"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("files = %v, want %v", got, want)
	}

	// User beats base for the same path.
	res, err = render(t, fileCfg("/etc/y", "user", ""), Options{Root: root, Platform: "qemu"})
	if err != nil {
		t.Fatal(err)
	}
	if files(res.Config)["/etc/y"] != "data:,user" {
		t.Fatalf("user did not win: %v", files(res.Config))
	}

	// No provider config: only base configs.
	res, err = render(t, "", Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if res.UserSource != "" || len(res.Config.Storage.Files) != 1 {
		t.Fatalf("base only: source %q files %v", res.UserSource, files(res.Config))
	}

	// System user configs: /run beats /etc beats /usr/lib, only without a provider config.
	write(t, filepath.Join(root, "/usr/lib/kindling/user.ign"), fileCfg("/etc/s", "usrlib", ""))
	write(t, filepath.Join(root, "/etc/kindling/user.ign"), fileCfg("/etc/s", "etc", ""))
	res, err = render(t, "", Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if files(res.Config)["/etc/s"] != "data:,etc" || !strings.HasSuffix(res.UserSource, "/etc/kindling/user.ign") {
		t.Fatalf("system user config: %q %v", res.UserSource, files(res.Config))
	}
	write(t, filepath.Join(root, "/run/kindling/user.ign"), fileCfg("/etc/s", "run", ""))
	res, _ = render(t, "", Options{Root: root})
	if files(res.Config)["/etc/s"] != "data:,run" {
		t.Fatalf("/run should win: %v", files(res.Config))
	}
	res, _ = render(t, fileCfg("/etc/p", "provider", ""), Options{Root: root})
	if _, ok := files(res.Config)["/etc/s"]; ok {
		t.Fatalf("system user config applied although the provider gave one: %v", files(res.Config))
	}
}

func TestInvalidAndMissing(t *testing.T) {
	t.Parallel()
	if _, err := render(t, `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"relative"}]}}`, Options{Root: t.TempDir()}); err == nil {
		t.Fatal("invalid config accepted")
	}
	if _, err := render(t, `{"ignition":`, Options{Root: t.TempDir()}); err == nil {
		t.Fatal("syntax error accepted")
	}
	res, err := render(t, "", Options{Root: t.TempDir()})
	if err != nil || res.UserSource != "" || res.Config.Ignition.Version != config.Newest.String() {
		t.Fatalf("nothing at all: want an empty config, got %+v, %v", res, err)
	}
}
