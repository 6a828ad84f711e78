package config

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"testing"
)

// Sizes of the large config: a big cluster node's worth of everything.
const (
	largeFiles = 5000
	largeUnits = 300
	largeUsers = 100
)

func refTo[T any](v T) *T { return &v } // for building configs in Go

// largeConfig builds a spec 3.6.0 config of about 1 MB: files with a mix
// of inline data, plain URLs, hashed URLs and modes; units with drop-ins and
// [Install] sections; users with SSH keys and groups.
func largeConfig() Config {
	cfg := Config{Ignition: Ignition{Version: "3.6.0"}}
	for i := range largeFiles {
		cfg.Storage.Files = append(cfg.Storage.Files, largeFile(i))
	}
	for i := range largeUnits {
		cfg.Systemd.Units = append(cfg.Systemd.Units, largeUnit(i))
	}
	for i := range largeUsers {
		cfg.Passwd.Users = append(cfg.Passwd.Users, largeUser(i))
	}
	return cfg
}

func largeFile(i int) File {
	f := File{Node: Node{Path: fmt.Sprintf("/etc/app/%02d/file-%d.conf", i/100, i)}}
	switch i % 4 {
	case 0: // inline contents
		f.Contents.Source = refTo(fmt.Sprintf("data:,setting%%3D%d%%0Aenabled%%3Dtrue%%0A", i))
		f.Mode = refTo(0o644)
	case 1: // plain URL
		f.Contents.Source = refTo(fmt.Sprintf("https://config.example.com/nodes/%d/files/%d", i%50, i))
	case 2: // URL with sha512 and an owner
		sum := sha512.Sum512([]byte{byte(i), byte(i >> 8)})
		f.Contents.Source = refTo(fmt.Sprintf("https://assets.example.com/blobs/%d.tar", i))
		f.Contents.Verification.Hash = refTo("sha512-" + hex.EncodeToString(sum[:]))
		f.Mode = refTo(0o600)
		f.User.Name = refTo("core")
		f.Overwrite = refTo(true)
	case 3: // URL with sha256, compression and a header
		sum := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		f.Contents.Source = refTo(fmt.Sprintf("https://assets.example.com/blobs/%d.gz", i))
		f.Contents.Compression = refTo("gzip")
		f.Contents.Verification.Hash = refTo("sha256-" + hex.EncodeToString(sum[:]))
		f.Contents.HTTPHeaders = []HTTPHeader{{Name: "X-Node", Value: refTo(fmt.Sprint(i % 50))}}
		f.Mode = refTo(0o755)
	}
	return f
}

func largeUnit(i int) Unit {
	return Unit{
		Name:    fmt.Sprintf("app-worker-%d.service", i),
		Enabled: refTo(i%3 != 0),
		Contents: refTo(fmt.Sprintf("[Unit]\nDescription=Application worker %d\nAfter=network-online.target\nWants=network-online.target\n\n"+
			"[Service]\nType=simple\nExecStart=/usr/local/bin/worker --id %d --config /etc/app/conf.d/%04d\nRestart=on-failure\n\n"+
			"[Install]\nWantedBy=multi-user.target\n", i, i, i%50)),
		Dropins: []Dropin{
			{Name: "10-env.conf", Contents: refTo(fmt.Sprintf("[Service]\nEnvironment=WORKER_ID=%d\nEnvironment=LOG_LEVEL=info\n", i))},
			{Name: "20-limits.conf", Contents: refTo("[Service]\nLimitNOFILE=65536\nMemoryMax=512M\n")},
		},
	}
}

func largeUser(i int) PasswdUser {
	u := PasswdUser{
		Name:   fmt.Sprintf("user%03d", i),
		UID:    refTo(2000 + i),
		Groups: []string{"wheel", "docker", fmt.Sprintf("team%d", i%10)},
		Shell:  refTo("/bin/bash"),
	}
	for k := range 3 {
		sum := sha512.Sum512([]byte{byte(i), byte(k)})
		u.SSHAuthorizedKeys = append(u.SSHAuthorizedKeys,
			fmt.Sprintf("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%s user%03d-key%d@example.com", hex.EncodeToString(sum[:24]), i, k))
	}
	return u
}

func largeConfigJSON(tb testing.TB) []byte {
	data, err := Marshal(largeConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// TestLargeConfigIsValid makes sure the benchmark measures a config that
// parses cleanly, with everything in it, and is about the intended size.
func TestLargeConfigIsValid(t *testing.T) {
	data := largeConfigJSON(t)
	t.Logf("large config: %d bytes", len(data))
	if n := len(data); n < 900_000 || n > 1_300_000 {
		t.Errorf("large config is %d bytes, want about 1 MB", n)
	}
	cfg, rep, err := Parse(data)
	if err != nil {
		t.Fatalf("large config does not parse: %v\n%s", err, rep)
	}
	if len(rep.Entries) != 0 {
		t.Errorf("large config has findings:\n%s", rep)
	}
	if len(cfg.Storage.Files) != largeFiles || len(cfg.Systemd.Units) != largeUnits || len(cfg.Passwd.Users) != largeUsers {
		t.Errorf("parsed %d files, %d units, %d users", len(cfg.Storage.Files), len(cfg.Systemd.Units), len(cfg.Passwd.Users))
	}
}

// BenchmarkParseLarge parses and validates a 1 MB config (5,000 files,
// 300 units, 100 users). Target: well under 100 ms per parse.
func BenchmarkParseLarge(b *testing.B) {
	data := largeConfigJSON(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, rep, err := Parse(data); err != nil {
			b.Fatalf("%v\n%s", err, rep)
		}
	}
}

// BenchmarkMergeLarge merges the large config with a child that overrides a
// tenth of its files and units and adds as many again.
func BenchmarkMergeLarge(b *testing.B) {
	parent := largeConfig()
	child := Config{Ignition: Ignition{Version: "3.6.0"}}
	for i := 0; i < largeFiles*2; i += 10 {
		child.Storage.Files = append(child.Storage.Files, largeFile(i))
	}
	for i := 0; i < largeUnits*2; i += 10 {
		child.Systemd.Units = append(child.Systemd.Units, largeUnit(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		if got := Merge(parent, child); len(got.Storage.Files) != largeFiles+largeFiles/10 {
			b.Fatalf("merged %d files", len(got.Storage.Files))
		}
	}
}
