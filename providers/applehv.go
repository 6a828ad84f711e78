package providers

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// applehv: virtual machines under Apple's Virtualization framework on
// macOS (podman machine, vfkit). The host serves the config over HTTP on
// vsock port 1024 of the host (context id 2); the guest needs no network.
type applehv struct{}

const (
	applehvHostCID = 2 // VMADDR_CID_HOST
	applehvPort    = 1024
	// applehvURL: the host part is ignored, the connection is the vsock.
	applehvURL   = "http://d/"
	vsockSysfs   = "/sys/devices/virtual/misc/vsock"
	vsockModule  = "vsock"
	applehvShown = "GET http://d/ over vsock (host CID 2, port 1024)"
)

// VsockDialer opens a vsock stream connection; FetchContext.Vsock replaces
// the real one in tests.
type VsockDialer interface {
	DialVsock(ctx context.Context, cid, port uint32) (net.Conn, error)
}

func init() {
	Register(applehv{}, Source{Reads: []string{applehvShown}, Headers: []string{"Accept: application/json"}})
}

func (applehv) Name() string { return "applehv" }

func (applehv) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	dialer := fc.Vsock
	if dialer == nil {
		dialer = kernelVsock{}
		if _, err := os.Stat(filepath.Join(fc.Root, vsockSysfs)); err != nil && fc.Root == "" {
			if out, err := exec.CommandContext(ctx, "modprobe", vsockModule).CombinedOutput(); err != nil {
				fc.logger().Warn("modprobe vsock failed", "error", err, "output", string(out))
			}
		}
	}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialVsock(ctx, applehvHostCID, applehvPort)
		},
	}
	body, err := fc.metadataCallVia(ctx, tr, http.MethodGet, applehvURL, map[string]string{"Accept": "application/json"})
	if err != nil {
		return nil, fmt.Errorf("applehv: config from the host over vsock: %w", err)
	}
	return decodeUserData("applehv", body, false)
}

// kernelVsock dials through the kernel's AF_VSOCK sockets.
type kernelVsock struct{}

func (kernelVsock) DialVsock(ctx context.Context, cid, port uint32) (net.Conn, error) {
	fd, err := unix.Socket(unix.AF_VSOCK, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket AF_VSOCK", err)
	}
	// A vsock connect to the host is answered at once (accepted or
	// reset); it is made blocking and only then handed to the poller.
	if err := unix.Connect(fd, &unix.SockaddrVM{CID: cid, Port: port}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("vsock connect to cid %d port %d: %w", cid, port, err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	// net.FileConn knows no AF_VSOCK; an *os.File on a non-blocking
	// descriptor still reads and writes through the runtime poller, with
	// deadlines.
	return &vsockConn{File: os.NewFile(uintptr(fd), "vsock"), local: vsockAddr{cid: unix.VMADDR_CID_ANY}, remote: vsockAddr{cid, port}}, nil
}

type vsockAddr struct{ cid, port uint32 }

func (vsockAddr) Network() string  { return "vsock" }
func (a vsockAddr) String() string { return fmt.Sprintf("vsock:%d:%d", a.cid, a.port) }

type vsockConn struct {
	*os.File
	local, remote vsockAddr
}

func (c *vsockConn) LocalAddr() net.Addr  { return c.local }
func (c *vsockConn) RemoteAddr() net.Addr { return c.remote }

var _ net.Conn = (*vsockConn)(nil)
