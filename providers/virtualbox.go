package providers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// virtualbox: a guest property the host set, e.g. with
// VBoxManage guestproperty set VM /Ignition/Config "$(cat config.ign)".
// /Kindling/Config is read first, then /Ignition/Config; the first set and
// non-empty one is the config. NAME/Encoding says how it is encoded: unset
// or empty (plain text), "base64" or "gz+base64" (property values are
// text, and VirtualBox 7 hosts cap them at 1 KiB, so compressing helps).
// The properties are read through the vboxguest driver (see
// virtualbox_hgcm.go).
type virtualbox struct{}

const vboxGuestDevice = "/dev/vboxguest"

var (
	vboxConfigProps = []string{"/Kindling/Config", "/Ignition/Config"}
	// errNoVBoxGuest: the driver's device node is missing.
	errNoVBoxGuest = errors.New("the vboxguest kernel module must be loaded (is this a VirtualBox VM?)")
)

func init() { Register(virtualbox{}, Source{Reads: []string{"guest property " + vboxConfigProps[1]}}) }

func (virtualbox) Name() string { return "virtualbox" }

func (virtualbox) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	s, err := openGuestProps(ctx, fc)
	if err != nil {
		return nil, fmt.Errorf("virtualbox: %w", err)
	}
	defer s.close(fc)
	for _, name := range vboxConfigProps {
		value, found, err := getGuestProp(s.client, name)
		if err != nil {
			return nil, fmt.Errorf("virtualbox: %w", err)
		}
		if !found || value == "" {
			continue
		}
		enc, _, err := getGuestProp(s.client, name+"/Encoding")
		if err != nil {
			return nil, fmt.Errorf("virtualbox: %w", err)
		}
		// Same encodings as vmware's guestinfo (decodeGuestinfo, vmware.go).
		out, err := decodeGuestinfo(value, strings.TrimSpace(enc))
		if err != nil {
			return nil, fmt.Errorf("virtualbox: guest property %s: %w", name, err)
		}
		return out, nil
	}
	return nil, ErrNoConfig
}

// RemoveConfig deletes the config properties, which any root process in
// the VM could otherwise read for as long as it runs. Properties the host
// marked read-only for the guest (RDONLYGUEST) cannot be deleted.
func (virtualbox) RemoveConfig(ctx context.Context, fc *FetchContext) error {
	s, err := openGuestProps(ctx, fc)
	if err != nil {
		return fmt.Errorf("virtualbox: %w", err)
	}
	defer s.close(fc)
	for _, name := range vboxConfigProps {
		for _, n := range []string{name, name + "/Encoding"} {
			if err := delGuestProp(s.client, n); err != nil {
				return fmt.Errorf("virtualbox: %w", err)
			}
		}
	}
	return nil
}

// guestPropSession is an open device with a guest property client.
type guestPropSession struct {
	t      vboxTransport
	client *hgcmClient
}

func openGuestProps(ctx context.Context, fc *FetchContext) (*guestPropSession, error) {
	t, err := waitVBoxDevice(ctx, fc)
	if err != nil {
		return nil, err
	}
	c, err := hgcmConnect(t, nativeHGCMLayout(), guestPropService)
	if err != nil {
		t.close()
		var se *vboxStatusError
		if errors.As(err, &se) && se.status == vboxErrServiceNotFound {
			return nil, fmt.Errorf("the host offers no guest property service: %w", err)
		}
		return nil, err
	}
	return &guestPropSession{t: t, client: c}, nil
}

// close disconnects and closes the device; failures only matter to the
// log, the answer was already read.
func (s *guestPropSession) close(fc *FetchContext) {
	if err := s.client.disconnect(); err != nil {
		fc.logger().Warn("virtualbox: disconnect failed", "error", err)
	}
	if err := s.t.close(); err != nil {
		fc.logger().Warn("virtualbox: closing the device failed", "error", err)
	}
}

// waitVBoxDevice opens the driver's device. The module is normally loaded
// by udev when it sees the VirtualBox PCI device; if the node is missing,
// try loading it, then wait a little for the node to appear.
func waitVBoxDevice(ctx context.Context, fc *FetchContext) (vboxTransport, error) {
	path := filepath.Join(fc.Root, vboxGuestDevice)
	deadline := time.Now().Add(fc.driveWait())
	triedModprobe := fc.Root != "" // never load modules for a test root
	open := openVBoxDevice
	if fc.openVBox != nil {
		open = fc.openVBox // a fake host
	}
	for {
		t, err := open(path)
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("opening %s: %w", path, err)
		}
		if !triedModprobe {
			triedModprobe = true
			if out, err := exec.CommandContext(ctx, "modprobe", "vboxguest").CombinedOutput(); err != nil {
				fc.logger().Warn("modprobe vboxguest failed", "error", err, "output", string(out))
			}
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s not found: %w", path, errNoVBoxGuest)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// vboxDevice is the real driver, reached with ioctl(2).
type vboxDevice struct{ f *os.File }

func openVBoxDevice(path string) (vboxTransport, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return vboxDevice{f: f}, nil
}

func (d vboxDevice) ioctl(code uint32, req []byte) error {
	defer runtime.KeepAlive(d.f)
	for attempt := 1; ; attempt++ {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, d.f.Fd(), uintptr(code), uintptr(unsafe.Pointer(unsafe.SliceData(req))))
		switch {
		case errno == 0:
			return nil
		case errno == unix.EINTR && attempt < 3:
			// Every request we send can safely be sent again.
			continue
		case errno == unix.ENOTTY:
			return fmt.Errorf("%s is not a VirtualBox guest driver device: %w", d.f.Name(), errno)
		default:
			return fmt.Errorf("ioctl %#x on %s: %w", code, d.f.Name(), errno)
		}
	}
}

func (d vboxDevice) address(buf []byte) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
}

func (d vboxDevice) close() error { return d.f.Close() }
