// Command peakrss prints the peak resident memory of `provision validate`
// on a 64 MiB JSON config and of `transpile` on a 25 MiB YAML config (the
// sizes of issue #12), each measured from the child's rusage. It builds
// both binaries from the repository it runs in.
//
// Inputs are streamed to files, never held whole: a child started by
// os/exec shares this process's memory until it execs (vfork), and the
// kernel counts this process's high-water mark into the child's Maxrss.
//
//	go run ./bench/peakrss [-json-mib 64] [-yaml-mib 25]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/kindling-dev/kindling/internal/bigconfig"
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
		what  string
		write func(io.Writer)
		bin   string
		args  []string
	}{
		{fmt.Sprintf("provision validate, %d MiB JSON, many files", *jsonMiB), bigconfig.ManyFilesJSON(*jsonMiB << 20), "provision", []string{"validate"}},
		{fmt.Sprintf("provision validate, %d MiB JSON, one data URL", *jsonMiB), bigconfig.OneDataURLJSON(*jsonMiB << 20), "provision", []string{"validate"}},
		{fmt.Sprintf("transpile, %d MiB YAML, many files", *yamlMiB), bigconfig.ManyFilesYAML(*yamlMiB << 20), "transpile", nil},
		{fmt.Sprintf("transpile, %d MiB YAML, one inline file", *yamlMiB), oneInlineYAML(*yamlMiB << 20), "transpile", nil},
		// Just under transpile's input limit (8 MiB), so it is translated.
		{"transpile, 7 MiB YAML, many files", bigconfig.ManyFilesYAML(7 << 20), "transpile", nil},
	}
	for _, in := range inputs {
		p := filepath.Join(dir, "input")
		if err := writeFile(p, in.write); err != nil {
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

func writeFile(p string, write func(io.Writer)) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	write(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// oneInlineYAML is a valid Butane-dialect config of about size bytes
// that is one file with a long inline string.
func oneInlineYAML(size int) func(io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/big\n      contents:\n        inline: ")
		for i := 0; i < size/3; i++ {
			io.WriteString(w, "ab ")
		}
		io.WriteString(w, "\n")
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "peakrss:", err)
	os.Exit(1)
}
