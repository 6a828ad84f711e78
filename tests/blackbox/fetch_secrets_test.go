package blackbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFetchPrintsNoSecrets runs provision's fetch stage on configs whose
// references carry a password and a signed query, failing every way a
// fetch fails, and searches everything the binary printed for them.
func TestFetchPrintsNoSecrets(t *testing.T) {
	const pass, sig = "hunter2pw", "SIGNATUREvalue"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/500":
			w.WriteHeader(http.StatusInternalServerError)
		case "/loop":
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		case "/file":
			http.Redirect(w, r, "file:///etc/shadow?"+sig, http.StatusFound)
		case "/wrong":
			w.Write([]byte(`{"ignition":{"version":"3.4.0"}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	secret := strings.Replace(srv.URL, "http://", "http://admin:"+pass+"@", 1)
	refs := map[string]string{
		"404":         `{"source":"` + secret + `/404?X-Amz-Signature=` + sig + `"}`,
		"500":         `{"source":"` + secret + `/500?X-Amz-Signature=` + sig + `"}`,
		"loop":        `{"source":"` + secret + `/loop?X-Amz-Signature=` + sig + `"}`,
		"file":        `{"source":"` + secret + `/file?X-Amz-Signature=` + sig + `"}`,
		"refused":     `{"source":"http://admin:` + pass + `@127.0.0.1:1/c?X-Amz-Signature=` + sig + `"}`,
		"bad hash":    `{"source":"` + secret + `/wrong?X-Amz-Signature=` + sig + `","verification":{"hash":"sha512-` + strings.Repeat("0", 128) + `"}}`,
		"data secret": `{"source":"data:,` + pass + `","verification":{"hash":"sha512-` + strings.Repeat("0", 128) + `"}}`,
	}
	for name, ref := range refs {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "user.json")
			cfg := fmt.Sprintf(`{"ignition":{"version":"3.4.0","config":{"merge":[%s]}}}`, ref)
			if err := os.WriteFile(src, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("KINDLING_CONFIG_FILE", src)
			r := run(t, "fetch", "--log-to-stdout", "--platform", "file", "--fetch-timeout", "3s",
				"--config-cache", filepath.Join(t.TempDir(), "config.json"))
			if r.code == 0 {
				t.Fatalf("fetch succeeded:\n%s", r.output)
			}
			if strings.Contains(r.output, pass) || strings.Contains(r.output, sig) {
				t.Fatalf("a secret reached the output:\n%s", r.output)
			}
			if !strings.Contains(r.output, "ignition.config.merge.0") {
				t.Errorf("the error does not name the config path:\n%s", r.output)
			}
		})
	}
}
