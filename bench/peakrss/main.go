// Command peakrss prints the peak resident memory of `provision validate`
// on a 64 MiB JSON config and of `transpile` on a 25 MiB YAML config (the
// sizes of issue #12), each measured from the child's rusage. It builds
// both binaries from the repository it runs in.
//
//	go run ./bench/peakrss [-json-mib 64] [-yaml-mib 25]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	jsonMiB := flag.Int("json-mib", 64, "size of the JSON config given to provision validate, in MiB")
	yamlMiB := flag.Int("yaml-mib", 25, "size of the YAML config given to transpile, in MiB")
	flag.Parse()
	dir, err := os.MkdirTemp("", "kindling-peakrss-*")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	for _, c := range []string{"provision", "transpile"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, c), "./cmd/"+c).CombinedOutput()
		if err != nil {
			fail(fmt.Errorf("building %s: %v\n%s", c, err, out))
		}
	}
	inputs := []struct {
		what, name string
		data       []byte
		bin        string
		args       []string
	}{
		{fmt.Sprintf("provision validate, %d MiB JSON, many files", *jsonMiB), "many.json", BigJSON(*jsonMiB << 20), "provision", []string{"validate"}},
		{fmt.Sprintf("provision validate, %d MiB JSON, one data URL", *jsonMiB), "one.json", OneDataURLJSON(*jsonMiB << 20), "provision", []string{"validate"}},
		{fmt.Sprintf("transpile, %d MiB YAML, many files", *yamlMiB), "many.yaml", BigYAML(*yamlMiB << 20), "transpile", nil},
		{fmt.Sprintf("transpile, %d MiB YAML, one inline file", *yamlMiB), "one.yaml", OneInlineYAML(*yamlMiB << 20), "transpile", nil},
	}
	for _, in := range inputs {
		p := filepath.Join(dir, in.name)
		if err := os.WriteFile(p, in.data, 0o600); err != nil {
			fail(err)
		}
		report(in.what, filepath.Join(dir, in.bin), append(in.args, p)...)
		os.Remove(p)
	}
}

// report runs one command with its output discarded and prints its exit
// status and peak RSS.
func report(what, bin string, args ...string) {
	cmd := exec.Command(bin, args...)
	err := cmd.Run()
	status := "ok"
	if err != nil {
		status = err.Error()
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	fmt.Printf("%-48s peak RSS %7.1f MiB  (%s)\n", what, float64(rss)/1024, status)
}

// BigJSON is a valid config of about size bytes: many files with small
// inline contents, the shape a generated config has.
func BigJSON(size int) []byte {
	var b strings.Builder
	b.Grow(size + 1024)
	b.WriteString(`{"ignition":{"version":"3.4.0"},"storage":{"files":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"path":"/etc/gen/f%07d","mode":420,"contents":{"source":"data:,%s"}}`, i, strings.Repeat("x", 200))
	}
	b.WriteString("]}}")
	return []byte(b.String())
}

// BigYAML is a valid Butane-dialect config of about size bytes: many
// files with inline contents.
func BigYAML(size int) []byte {
	var b strings.Builder
	b.Grow(size + 1024)
	b.WriteString("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "    - path: /etc/gen/f%07d\n      mode: 0644\n      contents:\n        inline: %s\n", i, strings.Repeat("x", 200))
	}
	return []byte(b.String())
}

// OneDataURLJSON is a valid config of about size bytes that is one file
// with a percent-encoded data URL.
func OneDataURLJSON(size int) []byte {
	return []byte(`{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/big","contents":{"source":"data:,` +
		strings.Repeat("a%20", size/4) + `"}}]}}`)
}

// OneInlineYAML is a valid Butane-dialect config of about size bytes that
// is one file with a long inline string.
func OneInlineYAML(size int) []byte {
	return []byte("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/big\n      contents:\n        inline: " +
		strings.Repeat("ab ", size/3) + "\n")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "peakrss:", err)
	os.Exit(1)
}
