package disks

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tangServer serves tang on 127.0.0.1 the way inetd would: one tangd
// process per connection, the connection as its stdin and stdout.
func tangServer(t *testing.T) (url, thumbprint string) {
	t.Helper()
	for _, p := range []string{"/usr/libexec/tangd", "/usr/libexec/tangd-keygen", "clevis"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("tang/clevis not installed (%s): scripts/deps.sh disks", p)
		}
	}
	keys := t.TempDir()
	if out, err := exec.Command("/usr/libexec/tangd-keygen", keys).CombinedOutput(); err != nil {
		t.Fatalf("tangd-keygen: %v: %s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				f, err := conn.(*net.TCPConn).File()
				if err != nil {
					return
				}
				defer f.Close()
				cmd := exec.Command("/usr/libexec/tangd", keys)
				cmd.Stdin, cmd.Stdout = f, f
				if cmd.Start() != nil {
					return
				}
				done := make(chan struct{})
				go func() { cmd.Wait(); close(done) }()
				select {
				case <-done:
				case <-time.After(30 * time.Second):
					cmd.Process.Kill()
					<-done
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String(), signingThumbprint(t, keys)
}

// signingThumbprint is the thumbprint of the tang key that signs
// advertisements, which clevis checks the advertisement against.
func signingThumbprint(t *testing.T, keys string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(keys, "*.jwk"))
	for _, f := range files {
		if exec.Command("jose", "jwk", "use", "-i", f, "-r", "-u", "verify").Run() != nil {
			continue
		}
		out, err := exec.Command("jose", "jwk", "thp", "-i", f).Output()
		if err != nil {
			t.Fatalf("jose jwk thp: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	t.Fatal("tangd-keygen made no signing key")
	return ""
}

// advertisement fetches the server's advertisement, for offline binding.
func advertisement(t *testing.T, url string) string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url + "/adv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /adv: %d %v", resp.StatusCode, err)
	}
	return string(body)
}

// TestLuksClevisTang binds a new volume to a real tang server. Without
// device-mapper the volume cannot be opened, so the binding is checked with
// clevis luks pass (which asks tang) and cryptsetup --test-passphrase.
func TestLuksClevisTang(t *testing.T) {
	needLoop(t)
	url, thp := tangServer(t)
	adv := advertisement(t, url)
	cases := []struct{ version, tang string }{
		{"3.2.0", fmt.Sprintf(`{"url":%q,"thumbprint":%q}`, url, thp)}, // clevis arrived in 3.2.0
		// With the advertisement in the config, binding needs no network
		// (advertisement arrived in 3.4.0); the server still answers unlocks.
		{"3.6.0", fmt.Sprintf(`{"url":%q,"thumbprint":%q,"advertisement":%q}`, url, thp, adv)},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			dev := loopDisk(t, 64)
			name := "kindling-test-tang"
			closeLuks(t, name)
			runDir, err := runStage(t, parse(t, c.version, fmt.Sprintf(`{"luks":[{"name":%q,"device":%q,"clevis":{"tang":[%s]}}]}`, name, dev, c.tang)))
			if kernelHas("misc", "device-mapper") {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat("/dev/mapper/" + name); err != nil {
					t.Errorf("volume not open: %v", err)
				}
				// Only clevis unlocks it: the setup key is gone.
				if strings.Count(luksDump(t, dev), "luks2\n") != 1 {
					t.Errorf("expected exactly one keyslot:\n%s", luksDump(t, dev))
				}
			} else {
				mustFail(t, err, "storage.luks.0", "opening")
			}
			if dump := luksDump(t, dev); !strings.Contains(dump, "clevis") {
				t.Fatalf("no clevis token:\n%s", dump)
			}
			pass, err := exec.Command("clevis", "luks", "pass", "-d", dev, "-s", "1").Output()
			if err != nil {
				t.Fatalf("clevis luks pass (asks tang): %v", err)
			}
			test := exec.Command("cryptsetup", "open", "--test-passphrase", "--key-file", "-", dev)
			test.Stdin = strings.NewReader(string(pass))
			if out, err := test.CombinedOutput(); err != nil {
				t.Errorf("the clevis passphrase does not open the volume: %v: %s", err, out)
			}
			if _, err := os.Stat(runDir + "/" + KeyFileDir + "/" + name); err == nil {
				t.Errorf("a key file was left for a clevis volume")
			}
		})
	}
}
