package compat

import (
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/ignition/v2/tests/fixtures"
	"github.com/coreos/ignition/v2/tests/servers"
	"github.com/pin/tftp"
)

// The resources Ignition's blackbox configs reference, served the way its
// own test servers serve them, but on 127.0.0.1 only. The config body is
// test data the configs pin by hash (servers.ConfigHash); bbStartServers
// checks that our copy still matches it.
var (
	bbServedConfig = []byte(`{
	"ignition": { "version": "3.0.0" },
	"storage": {
		"files": [{
			"path": "/foo/bar",
			"contents": { "source": "data:,example%20file%0A" }
		}]
	}
}`)
	bbServedContents = []byte("asdf\nfdsa")
)

// bbServers records which servers could start: another process may hold
// the fixed ports the configs name, and the tests that need a missing
// server are then skipped with that reason instead of failing.
type bbServers struct {
	httpErr, tftpErr error
}

var (
	bbServersOnce sync.Once
	bbServersUp   bbServers
)

func bbStartServers() bbServers {
	bbServersOnce.Do(func() {
		sum := sha512.Sum512(bbServedConfig)
		if hex.EncodeToString(sum[:]) != servers.ConfigHash {
			bbServersUp.httpErr = fmt.Errorf("our copy of the served config no longer matches Ignition's hash")
			bbServersUp.tftpErr = bbServersUp.httpErr
			return
		}
		bbServersUp.httpErr = bbStartHTTP()
		bbServersUp.tftpErr = bbStartTFTP()
	})
	return bbServersUp
}

func bbGzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// bbHeaderRules are the request headers each kind of endpoint insists on.
// The user agent names the fetcher: Ignition's servers want "Ignition/",
// we accept our own name in its place (docs/compat.md).
var bbHeaderRules = map[string]map[string]string{
	"headers": {
		"X-Auth":          "r8ewap98gfh4d8",
		"Keep-Alive":      "300",
		"Accept":          "application/vnd.coreos.ignition+json;version=3.6.0, */*;q=0.1",
		"Accept-Encoding": "identity",
	},
	"headers_overwrite": {
		"Keep-Alive":      "1000",
		"Accept":          "application/json",
		"Accept-Encoding": "identity, compress",
		"User-Agent":      "MyUA",
	},
}

func bbCheckHeaders(kind string, r *http.Request) string {
	for name, want := range bbHeaderRules[kind] {
		if got := r.Header.Get(name); got != want {
			return fmt.Sprintf("%s header is %q, want %q", name, got, want)
		}
	}
	if kind == "headers" {
		ua := r.Header.Get("User-Agent")
		if !strings.HasPrefix(ua, "Ignition/") && !strings.HasPrefix(ua, "Kindling/") && !strings.HasPrefix(ua, "kindling/") {
			return fmt.Sprintf("User-Agent %q", ua)
		}
	}
	if kind == "redirected" {
		if r.Header.Get("X-Auth") != "" || r.Header.Get("Keep-Alive") != "" {
			return "headers of the original request were carried over the redirect"
		}
	}
	return ""
}

func bbStartHTTP() error {
	bodies := map[string][]byte{
		"config":       bbServedConfig,
		"contents":     bbServedContents,
		"certificates": fixtures.PublicKey,
	}
	mux := http.NewServeMux()
	for name, body := range bodies {
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
		mux.HandleFunc("/"+name+"_compressed", func(w http.ResponseWriter, r *http.Request) { w.Write(bbGzip(body)) })
		for kind, rule := range map[string]string{"headers": "headers", "headers_overwrite": "headers_overwrite", "headers_redirected": "redirected"} {
			mux.HandleFunc("/"+name+"_"+kind, func(w http.ResponseWriter, r *http.Request) {
				if msg := bbCheckHeaders(rule, r); msg != "" {
					w.WriteHeader(http.StatusBadRequest)
					io.WriteString(w, msg)
					return
				}
				w.Write(body)
			})
		}
		target := "http://127.0.0.1:8080/" + name + "_headers_redirected"
		mux.HandleFunc("/"+name+"_headers_redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		})
	}
	mux.HandleFunc("/caBundle", func(w http.ResponseWriter, r *http.Request) { w.Write(fixtures.CABundle) })
	ln, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return nil
}

func bbStartTFTP() error {
	s := tftp.NewServer(func(name string, rf io.ReaderFrom) error {
		var body []byte
		switch {
		case strings.Contains(name, "contents"):
			body = bbServedContents
		case strings.Contains(name, "config"):
			body = bbServedConfig
		default:
			return fmt.Errorf("no such file %q", name)
		}
		_, err := rf.ReadFrom(bytes.NewReader(body))
		return err
	}, nil)
	s.SetTimeout(5 * time.Second)
	conn, err := net.ListenPacket("udp", "127.0.0.1:69")
	if err != nil {
		return err
	}
	go s.Serve(conn.(*net.UDPConn))
	return nil
}
