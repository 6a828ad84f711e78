package transpile

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/config"
)

// benchDoc generates a config of about 1.7 MB: 5,000 inline files, 300
// units and 100 users.
func benchDoc() []byte {
	var b strings.Builder
	b.WriteString("variant: fcos\nversion: 1.5.0\npasswd:\n  users:\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "    - name: user%d\n      uid: %d\n      groups: [wheel]\n      ssh_authorized_keys:\n        - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%040d user%d@example.com\n", i, 2000+i, i, i)
	}
	b.WriteString("systemd:\n  units:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "    - name: svc%d.service\n      enabled: true\n      contents: |\n        [Unit]\n        Description=Service %d\n        [Service]\n        ExecStart=/usr/bin/sleep %d\n        [Install]\n        WantedBy=multi-user.target\n", i, i, i)
	}
	b.WriteString("storage:\n  files:\n")
	line := strings.Repeat("abcdefghij", 26)
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "    - path: /etc/app/conf%d.txt\n      mode: 0644\n      contents:\n        inline: |\n          setting-%d = %s\n", i, i, line[:200+i%50])
	}
	return []byte(b.String())
}

func BenchmarkTranslate(b *testing.B) {
	doc := benchDoc()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, rep, err := Translate(doc, Options{}); err != nil {
			b.Fatalf("%v\n%s", err, rep)
		}
	}
}

func TestBenchDocIsValid(t *testing.T) {
	doc := benchDoc()
	if len(doc) < 1_600_000 || len(doc) > 1_900_000 {
		t.Errorf("generated document is %d bytes, want about 1.7 MB", len(doc))
	}
	if _, rep, err := Translate(doc, Options{Strict: true}); err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
}

// BenchmarkValidateShare measures config.Validate alone on the translated
// benchmark config, to tell the transpiler's own cost from validation's.
func BenchmarkValidateShare(b *testing.B) {
	res := TranslateConfig(benchDoc(), Options{})
	for b.Loop() {
		config.Validate(res.Config)
	}
}

// TestMemoryIsBounded translates about 1 MiB of many small entries (the
// shape that costs most per input byte) while sampling the heap: the peak
// must stay a bounded multiple of the input.
func TestMemoryIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n")
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "    - path: /etc/f%d\n      mode: 0644\n      contents:\n        inline: \"hello %d\"\n", i, i)
	}
	src := []byte(b.String())
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var max uint64
		var m runtime.MemStats
		for {
			select {
			case <-done:
				peak <- max
				return
			case <-time.After(2 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > max {
					max = m.HeapAlloc
				}
			}
		}
	}()
	if _, rep, err := Translate(src, Options{}); err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	close(done)
	grew := int64(<-peak) - int64(base.HeapAlloc)
	if limit := int64(80*len(src) + 16<<20); grew > limit {
		t.Errorf("heap grew by %d MiB for %d KiB of YAML; the bound is %d MiB", grew>>20, len(src)>>10, limit>>20)
	}
	t.Logf("heap grew by %d MiB for %d KiB of YAML", grew>>20, len(src)>>10)
}

func TestInputLimit(t *testing.T) {
	src := append([]byte("variant: fcos\nversion: 1.5.0\n#"), make([]byte, MaxInput)...)
	_, rep, err := Translate(src, Options{})
	if err == nil || !strings.Contains(rep.String(), fmt.Sprintf("the limit is %d", MaxInput)) {
		t.Errorf("oversized input: %v\n%s", err, rep)
	}
}
