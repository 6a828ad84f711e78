package testutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rootFiles are the files of a target root the files stage reads:
// account databases useradd --root accepts, with root, a "svc" user
// (uid 900), groups "sudo" (27), "svc" (900) and "svcgrp" (901), and the
// id ranges of login.defs.
var rootFiles = map[string]string{
	"etc/passwd":  "root:x:0:0:root:/root:/bin/sh\nsvc:x:900:900::/var/lib/svc:/bin/false\n",
	"etc/group":   "root:x:0:\nsudo:x:27:\nsvc:x:900:\nsvcgrp:x:901:\n",
	"etc/shadow":  "root:*:19000:0:99999:7:::\nsvc:!:19000::::::\n",
	"etc/gshadow": "root:*::\nsudo:*::\nsvc:!::\nsvcgrp:!::\n",
	"etc/login.defs": "UID_MIN 1000\nUID_MAX 60000\nGID_MIN 1000\nGID_MAX 60000\n" +
		"SYS_UID_MIN 100\nSYS_UID_MAX 999\nSYS_GID_MIN 100\nSYS_GID_MAX 999\n",
}

// FillRoot writes the files of a minimal target root into dir, then
// extra (a path relative to dir → contents), which may add files or
// replace the standard ones, and returns dir. Shadow files get mode 0600
// as on a real system, the others 0644.
func FillRoot(tb testing.TB, dir string, extra map[string]string) string {
	tb.Helper()
	for _, files := range []map[string]string{rootFiles, extra} {
		for name, body := range files {
			writeRootFile(tb, filepath.Join(dir, name), body)
		}
	}
	return dir
}

// NewRoot is FillRoot into a new directory "root" of a temporary
// directory (mode 0755, as a real root).
func NewRoot(tb testing.TB, extra map[string]string) string {
	tb.Helper()
	return FillRoot(tb, filepath.Join(tb.TempDir(), "root"), extra)
}

func writeRootFile(tb testing.TB, p, body string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	mode := os.FileMode(0o644)
	if strings.Contains(filepath.Base(p), "shadow") {
		mode = 0o600
	}
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		tb.Fatal(err)
	}
}
