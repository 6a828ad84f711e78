package fleet

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/transpile/template"
)

// benchTemplate is the size of docs/examples/demo.yaml: a user, a systemd
// unit, three files; per node a hostname, an IP, an SSH key and one file.
const benchTemplate = `variant: fcos
version: 1.5.0
passwd:
  users:
    - name: core
      gecos: Fleet User
      groups: [sudo]
      ssh_authorized_keys:
        - {{ json .key }}
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      overwrite: true
      contents:
        inline: {{ json .name }}
    - path: /etc/NetworkManager/system-connections/eth0.nmconnection
      mode: 0600
      contents:
        inline: |
          [connection]
          id=eth0
          type=ethernet
          interface-name=eth0
          [ipv4]
          method=manual
          addresses={{ .ip }}/24
          gateway=10.0.0.1
    - path: /usr/local/bin/heartbeat
      mode: 0755
      contents:
        inline: |
          #!/bin/sh
          # Records that the service runs.
          while :; do
            date -u +%FT%TZ > /var/lib/heartbeat
            sleep 5
          done
  directories:
    - path: /var/lib/www
      mode: 0750
      user:
        name: core
systemd:
  units:
    - name: heartbeat.service
      enabled: true
      contents: |
        [Unit]
        Description=Heartbeat of {{ .name }}

        [Service]
        ExecStart=/usr/local/bin/heartbeat
        User=root

        [Install]
        WantedBy=multi-user.target
`

func benchNodes(n int) []Node {
	nodes := make([]Node, n)
	for i := range nodes {
		name := fmt.Sprintf("node-%05d", i)
		nodes[i] = Node{Name: name, Values: template.Values{
			"name": name,
			"ip":   fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			"key":  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + strconv.Itoa(1_000_000+i) + " admin@fleet",
		}}
	}
	return nodes
}

// BenchmarkFleet10k renders, translates and validates 10,000 per-node
// configs in one process (goal under 3 s, bar 10 s) and reports the peak
// resident memory of the process.
func BenchmarkFleet10k(b *testing.B) {
	g, err := New([]Input{{"fleet.yaml", []byte(benchTemplate)}}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	nodes := benchNodes(10_000)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		files, err := g.RenderAll(nodes)
		if err != nil || len(files) != len(nodes) {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/fleet")
	// CPU time tells the work apart from waiting on a shared machine.
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/fleet")
	b.ReportMetric(peakRSS(), "peak-RSS-MiB")
}

// cpuTime is the user and system time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS reads the process's high-water mark of resident memory.
func peakRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.Atoi(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))))
			return float64(kb) / 1024
		}
	}
	return 0
}

// The benchmark's configs are what they claim: every node valid, with its
// own hostname, address and key.
func TestBenchFleetIsValid(t *testing.T) {
	g, err := New([]Input{{"fleet.yaml", []byte(benchTemplate)}}, Options{Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		t.Fatal(err)
	}
	files, err := g.RenderAll(benchNodes(3))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		cfg, rep, err := config.Parse(f.Data)
		if err != nil || rep.HasWarnings() {
			t.Fatalf("%s: %v %s", f.Name, err, rep)
		}
		if !bytes.Contains(f.Data, []byte(fmt.Sprintf("node-%05d", i))) || !bytes.Contains(f.Data, []byte(fmt.Sprintf("10.0.0.%d%%2F24", i))) || len(cfg.Systemd.Units) != 1 || len(cfg.Storage.Files) != 3 {
			t.Fatalf("%s: %s", f.Name, f.Data)
		}
	}
}
