// Package kola boots the test OS (tests/kola/build-os.sh) under QEMU with a
// config and checks the provisioned machine: inside the VM through a check
// script delivered by fw_cfg, and afterwards on the disk images from the
// host. Each test is a directory under tests/kola/tests; see README.md.
package kola

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/kindling-dev/kindling/transpile"
)

// Spec is a test directory's test.json.
type Spec struct {
	// Delivery is how the config reaches the VM: "fw_cfg" (QEMU's
	// opt/com.coreos/config), "url" (kindling.config.url= pointing at an
	// HTTP server on the host) or "none".
	Delivery string `json:"delivery"`
	// Expect is "success" (the check script must pass) or "failure" (the
	// boot must stop in the emergency target with FailureMessage shown).
	Expect         string `json:"expect"`
	FailureMessage string `json:"failureMessage"`
	// Disks are extra virtio disks, visible in the VM as
	// /dev/disk/by-id/virtio-NAME.
	Disks []Disk `json:"disks"`
	// Boots is how many times to boot; the kindling.firstboot argument is
	// passed only while the root carries /boot/kindling.firstboot, as a
	// boot loader would.
	Boots int `json:"boots"`
	// KernelArgs are added to every boot's command line. They are Go
	// templates: {{.ServerURL}} is the URL of the host's HTTP server as the
	// guest sees it (http://10.0.2.2:PORT), {{.Port}} its port.
	KernelArgs []string `json:"kernelArgs"`
	// Platform is the kindling.platform.id of a first boot: "metal" for
	// the url delivery, "qemu" otherwise unless set.
	Platform string `json:"platform"`
	// Network gives the VM QEMU user networking, through which it reaches
	// the host's HTTP server. The url delivery and kernel arguments that
	// use {{.ServerURL}} turn it on by themselves.
	Network bool `json:"network"`
	// Fetched names files of the test directory (or "config.ign", the
	// config as delivered) the VM must have fetched from the host's HTTP
	// server by the end of the test.
	Fetched []string `json:"fetched"`
	// ExpectReboot: the first boot must end with Kindling rebooting the
	// machine (changed kernel arguments) instead of reaching the real
	// root; the boots after it run the checks.
	ExpectReboot bool `json:"expectReboot"`
	// Transpile: the test's config.yaml is turned into JSON on the host
	// (local files below the test directory) before delivery. Without it a
	// config.yaml is delivered as is, and provision translates it.
	Transpile bool `json:"transpile"`
}

// Disk is an extra disk image.
type Disk struct {
	Name    string `json:"name"`
	SizeMiB int    `json:"sizeMiB"`
	// Prepare is a host shell command run with $DISK set to the image file
	// (e.g. "mkfs.ext4 -L keep $DISK") before the first boot.
	Prepare string `json:"prepare"`
}

// Result is what one test run produced.
type Result struct {
	Consoles  []string // serial console output of each boot
	Boots     []Boot   // what each boot showed of provisioning
	RootImage string
	Disks     map[string]string // disk name -> image file
	Elapsed   []time.Duration
	Served    map[string]int // name -> times the host's HTTP server served it
}

// Boot is what the harness learned about one boot, for the check that a
// machine is provisioned on its first boot only (CheckProvisionedOnce).
type Boot struct {
	// FirstBoot: kindling.firstboot was on the command line.
	FirstBoot bool
	// BootID is the kernel's boot id, printed by kola-check; empty when
	// the boot never reached the real root's multi-user target.
	BootID string
	// Provisioned is "yes" when the boot's journal shows the files stage,
	// "no" when it does not, empty when kola-check did not run.
	Provisioned string
	// ResultBootID is the provisioningBootID of the root image's
	// /etc/.kindling-result.json after the boot; empty without one.
	ResultBootID string
}

// Env locates the built test OS.
type Env struct {
	Cache   string // holds vmlinuz, initrd.img, root.img
	WorkDir string // per-test scratch space
	Timeout time.Duration
	// Console, when set, receives the serial console live (the demo).
	Console io.Writer
}

// Run runs the test in dir.
func (e Env) Run(ctx context.Context, dir string) (*Result, error) {
	spec, err := readSpec(dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Disks: map[string]string{}}
	res.RootImage = filepath.Join(e.WorkDir, "root.img")
	if err := copySparse(filepath.Join(e.Cache, "root.img"), res.RootImage); err != nil {
		return nil, err
	}
	if script := filepath.Join(dir, "prepare-root.sh"); fileExists(script) {
		if err := prepareRoot(script, res.RootImage); err != nil {
			return nil, err
		}
	}
	for _, d := range spec.Disks {
		img := filepath.Join(e.WorkDir, "disk-"+d.Name+".img")
		if err := makeDisk(img, d); err != nil {
			return nil, err
		}
		res.Disks[d.Name] = img
	}
	srv, err := serveDir(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		srv.Close()
		res.Served = srv.served()
	}()
	kargs, err := renderArgs(spec.KernelArgs, srv.port)
	if err != nil {
		return nil, fmt.Errorf("%s/test.json: kernelArgs: %w", dir, err)
	}

	configName := "config.json"
	if !fileExists(filepath.Join(dir, configName)) && fileExists(filepath.Join(dir, "config.yaml")) {
		configName = "config.yaml"
	}
	config, err := srv.render(configName)
	if err != nil && spec.Delivery != "none" {
		return nil, err
	}
	if spec.Transpile && err == nil {
		config, err = transpileConfig(config, dir)
		if err != nil {
			return nil, err
		}
		srv.override(configName, config)
	}
	configFile := filepath.Join(e.WorkDir, "config.ign")
	if err := os.WriteFile(configFile, config, 0o600); err != nil {
		return nil, err
	}
	// The config as delivered is also served as config.ign, for kernel
	// arguments like ignition.config.url={{.ServerURL}}/config.ign.
	srv.override("config.ign", config)
	for boot := 0; boot < spec.Boots; boot++ {
		firstBoot, err := hasStamp(res.RootImage)
		if err != nil {
			return res, err
		}
		args := []string{"root=LABEL=root", "rw", "console=ttyS0", "panic=-1", "systemd.show_status=1"}
		args = append(args, kargs...)
		if firstBoot {
			args = append(args, "kindling.firstboot", "kindling.platform.id="+spec.platform())
			if spec.Delivery == "url" {
				// Bare metal: the config URL comes from the command line.
				args = append(args, fmt.Sprintf("kindling.config.url=%s/%s", guestURL(srv.port), configName))
			}
		}
		start := time.Now()
		console, err := e.boot(ctx, spec, res, args, configFile, dir)
		res.Consoles = append(res.Consoles, console)
		res.Elapsed = append(res.Elapsed, time.Since(start))
		b, infoErr := bootInfo(console, firstBoot, res.RootImage)
		res.Boots = append(res.Boots, b)
		if infoErr != nil && err == nil {
			err = infoErr
		}
		if boot == 0 && spec.ExpectReboot {
			err = wantReboot(console, err)
		}
		if err != nil {
			return res, fmt.Errorf("boot %d: %w", boot+1, err)
		}
	}
	return res, nil
}

// platform is the kindling.platform.id of a first boot.
func (s Spec) platform() string {
	switch {
	case s.Platform != "":
		return s.Platform
	case s.Delivery == "url":
		return "metal"
	}
	return "qemu"
}

// network reports whether the VM gets a network card: whenever the test
// needs the host's HTTP server.
func (s Spec) network() bool {
	if s.Network || s.Delivery == "url" {
		return true
	}
	for _, a := range s.KernelArgs {
		if strings.Contains(a, ".ServerURL") {
			return true
		}
	}
	return false
}

// guestURL is the host's HTTP server as the guest sees it: QEMU user
// networking maps 10.0.2.2 to the host's loopback, where it listens.
func guestURL(port int) string { return fmt.Sprintf("http://10.0.2.2:%d", port) }

// renderArgs expands the templates in test.json's kernel arguments.
func renderArgs(args []string, port int) ([]string, error) {
	data := struct {
		ServerURL string
		Port      int
	}{guestURL(port), port}
	out := make([]string, 0, len(args))
	for _, a := range args {
		tmpl, err := template.New("arg").Option("missingkey=error").Parse(a)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		if err := tmpl.Execute(&b, data); err != nil {
			return nil, err
		}
		out = append(out, b.String())
	}
	return out, nil
}

func readSpec(dir string) (Spec, error) {
	spec := Spec{Delivery: "fw_cfg", Expect: "success", Boots: 1}
	data, err := os.ReadFile(filepath.Join(dir, "test.json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return spec, err
	}
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&spec); err != nil {
			return spec, fmt.Errorf("%s/test.json: %w", dir, err)
		}
	}
	return spec, nil
}

// Verdict lines printed on the serial console.
var (
	passLine      = "KOLA-RESULT: PASS"
	failLine      = "KOLA-RESULT: FAIL"
	emergencyLine = "Entering emergency mode"
	kindlingFail  = "kindling: provisioning FAILED"
)

func (e Env) boot(ctx context.Context, spec Spec, res *Result, args []string, configFile, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	qargs := []string{
		// -cpu qemu64,+rdrand: TCG's default CPU model has no RDRAND, so the guest
		// kernel's random pool stays unseeded for a long time and every
		// tool that makes a UUID (sfdisk, mke2fs, cryptsetup) stalls for
		// seconds waiting for entropy. Real machines and clouds have RDRAND
		// or virtio-rng; this makes the VM behave like them. (-cpu max has
		// RDRAND too, but its wider features run slower under TCG.)
		"-accel", "tcg", "-cpu", "qemu64,+rdrand", "-m", "1024", "-smp", "2", "-nographic", "-no-reboot",
		"-kernel", filepath.Join(e.Cache, "vmlinuz"),
		"-initrd", filepath.Join(e.Cache, "initrd.img"),
		"-append", strings.Join(args, " "),
	}
	qargs = append(qargs, virtioDisk(res.RootImage, "root")...)
	for _, d := range spec.Disks {
		qargs = append(qargs, virtioDisk(res.Disks[d.Name], d.Name)...)
	}
	if spec.Delivery == "fw_cfg" {
		qargs = append(qargs, "-fw_cfg", "name=opt/com.coreos/config,file="+configFile)
	}
	if check := filepath.Join(dir, "check.sh"); fileExists(check) {
		qargs = append(qargs, "-fw_cfg", "name=opt/kindling.test/check,file="+check)
	}
	if spec.network() {
		// User networking: the guest reaches the host's loopback as 10.0.2.2.
		qargs = append(qargs, "-nic", "user,model=virtio-net-pci")
	} else {
		qargs = append(qargs, "-nic", "none")
	}
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", qargs...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return "", err
	}
	var console strings.Builder
	verdict := ""
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		console.WriteString(line + "\n")
		if e.Console != nil {
			fmt.Fprintln(e.Console, line)
		}
		switch {
		case strings.Contains(line, passLine):
			verdict = "pass"
		case strings.Contains(line, failLine):
			verdict = "fail"
		case strings.Contains(line, emergencyLine):
			// The VM now waits for a root login that never comes.
			verdict = "emergency"
			cmd.Process.Kill()
		}
	}
	waitErr := cmd.Wait()
	out := console.String()
	if ctx.Err() != nil {
		return out, fmt.Errorf("timed out after %s", e.Timeout)
	}
	switch verdict {
	case "pass":
		return out, nil
	case "fail":
		return out, errors.New("the check script failed in the VM")
	case "emergency":
		return out, ErrEmergency
	}
	return out, fmt.Errorf("%w (%v)", ErrNoVerdict, waitErr)
}

// ErrNoVerdict means the VM stopped before the check unit printed a
// verdict (a reboot ends QEMU, which runs with -no-reboot).
var ErrNoVerdict = errors.New("the VM stopped without a verdict")

// rebootUnit is the unit that reboots after provisioning changed kernel
// arguments; its name shows on the console when it starts.
const rebootUnit = "kindling-reboot"

// wantReboot turns the outcome of a boot that must end in Kindling's
// reboot into an error unless it did.
func wantReboot(console string, err error) error {
	switch {
	case errors.Is(err, ErrNoVerdict) && strings.Contains(console, rebootUnit):
		return nil
	case err == nil:
		return errors.New("the machine reached the real root; want a reboot to apply kernel arguments")
	case errors.Is(err, ErrNoVerdict):
		return fmt.Errorf("the VM stopped without %s having run: %w", rebootUnit, err)
	}
	return err
}

// virtioDisk attaches an image as a virtio disk whose serial shows up in
// the guest as /dev/disk/by-id/virtio-SERIAL (the -drive serial= shortcut
// is gone from current QEMU).
func virtioDisk(image, serial string) []string {
	id := "disk-" + serial
	return []string{
		"-drive", "file=" + image + ",format=raw,if=none,id=" + id,
		"-device", "virtio-blk-pci,drive=" + id + ",serial=" + serial,
	}
}

// ErrEmergency means the boot stopped in the emergency target.
var ErrEmergency = errors.New("the boot stopped in the emergency target")

// hasStamp reports whether the root image holds /boot/kindling.firstboot.
func hasStamp(img string) (bool, error) {
	out, err := exec.Command("debugfs", "-R", "stat /boot/kindling.firstboot", img).CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("debugfs: %v: %s", err, out)
	}
	return !bytes.Contains(out, []byte("File not found")), nil
}

func makeDisk(img string, d Disk) error {
	size := d.SizeMiB
	if size == 0 {
		size = 512
	}
	f, err := os.Create(img)
	if err != nil {
		return err
	}
	err = f.Truncate(int64(size) << 20)
	f.Close()
	if err != nil || d.Prepare == "" {
		return err
	}
	cmd := exec.Command("sh", "-ec", d.Prepare)
	cmd.Env = append(os.Environ(), "DISK="+img)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("preparing disk %s: %v: %s", d.Name, err, out)
	}
	return nil
}

func copySparse(from, to string) error {
	if out, err := exec.Command("cp", "--sparse=always", from, to).CombinedOutput(); err != nil {
		return fmt.Errorf("cp %s: %v: %s", from, err, out)
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// server serves a test directory on 127.0.0.1, rendering templates in
// every file: {{PORT}} becomes the server's port and {{SHA512 NAME}} the
// sha512 of another served file (so configs can verify their children).
type server struct {
	dir       string
	port      int
	srv       *http.Server
	mu        sync.Mutex
	hits      map[string]int
	overrides map[string][]byte // served instead of the file of that name
}

func (s *server) override(name string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overrides[name] = data
}

func serveDir(dir string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, port: ln.Addr().(*net.TCPAddr).Port, hits: map[string]int{}, overrides: map[string][]byte{}}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *server) Close() { s.srv.Close() }

// served is a copy of the request counts by name.
func (s *server) served() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.hits))
	for k, v := range s.hits {
		out[k] = v
	}
	return out
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.URL.Path)
	s.mu.Lock()
	s.hits[name]++
	data, overridden := s.overrides[name]
	s.mu.Unlock()
	var err error
	if !overridden {
		data, err = s.render(name)
	}
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Write(data)
}

var sha512Template = regexp.MustCompile(`\{\{SHA512 ([^}]+)\}\}`)

func (s *server) render(name string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return nil, err
	}
	data = bytes.ReplaceAll(data, []byte("{{PORT}}"), []byte(fmt.Sprint(s.port)))
	var renderErr error
	data = sha512Template.ReplaceAllFunc(data, func(m []byte) []byte {
		other, err := s.render(string(sha512Template.FindSubmatch(m)[1]))
		if err != nil {
			renderErr = err
			return m
		}
		sum := sha512.Sum512(other)
		return []byte(hex.EncodeToString(sum[:]))
	})
	return data, renderErr
}

// transpileConfig turns a YAML config into the JSON config, as a user
// would with the transpile command before handing it to the platform.
func transpileConfig(yamlConfig []byte, filesDir string) ([]byte, error) {
	out, rep, err := transpile.Translate(yamlConfig, transpile.Options{FilesDir: filesDir, Pretty: true, Strict: true})
	if err != nil {
		return nil, fmt.Errorf("transpiling config.yaml: %w\n%s", err, rep)
	}
	return out, nil
}

// BuildTags are the build tags of the shipped provision binary (see the
// Makefile): no HTTP/2, which no metadata service or config server needs.
const BuildTags = "nethttpomithttp2"

// BuildOS builds the provision binary from the repository and the test OS
// (build-os.sh) into cache, logging progress to log.
func BuildOS(repo, cache string, log io.Writer) error {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	provision := filepath.Join(cache, "provision")
	build := exec.Command("go", "build", "-tags", BuildTags, "-trimpath", "-ldflags", "-s -w", "-o", provision, "./cmd/provision")
	build.Dir = repo
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v: %s", err, out)
	}
	cmd := exec.Command(filepath.Join(repo, "tests/kola/build-os.sh"))
	cmd.Env = append(os.Environ(), "KOLA_CACHE="+cache, "KINDLING_PROVISION="+provision)
	cmd.Stdout, cmd.Stderr = log, log
	return cmd.Run()
}
