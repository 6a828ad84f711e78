package providers

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Little-endian field writers for building expected requests and replies
// by hand, from the documented layouts.
func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
func s32(v int32) uint32             { return uint32(v) }

// vbgHeader is struct vbg_ioctl_hdr: size_in, version, type, rc,
// size_out, reserved.
func vbgHeader(sizeIn, sizeOut uint32, rc int32) []byte {
	var b []byte
	b = le32(b, sizeIn)
	b = le32(b, 0x10001)
	b = le32(b, 0)
	b = le32(b, s32(rc))
	b = le32(b, sizeOut)
	b = le32(b, 0)
	return b
}

func TestVirtualBoxIoctlCodes(t *testing.T) {
	t.Parallel()
	// _IOC(READ|WRITE=3, 'V'=0x56, nr, size) = 3<<30 | size<<16 | 0x56<<8 | nr.
	cases := []struct {
		name string
		got  uint32
		want uint32
	}{
		{"connect (156 bytes)", ioctlHGCMConnect, 0xC09C5604},
		{"disconnect (28 bytes)", ioctlHGCMDisconnect, 0xC01C5605},
		{"64-bit call, 4 params (104 bytes)", hgcmLayout64.callIoctl(4), 0xC0685607},
		{"64-bit call, 1 param (56 bytes)", hgcmLayout64.callIoctl(1), 0xC0385607},
		{"32-bit call, 4 params (88 bytes)", hgcmLayout32.callIoctl(4), 0xC0585606},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

func TestVirtualBoxEncodeConnect(t *testing.T) {
	t.Parallel()
	got, err := encodeHGCMConnect("VBoxGuestPropSvc")
	if err != nil {
		t.Fatal(err)
	}
	// Header (in: 24+4+128, out: 24+4), location type 2 (existing local
	// service), service name NUL-padded to 128 bytes.
	want := vbgHeader(156, 28, -225)
	want = le32(want, 2)
	name := make([]byte, 128)
	copy(name, "VBoxGuestPropSvc")
	want = append(want, name...)
	if !bytes.Equal(got, want) {
		t.Fatalf("connect request\n got %x\nwant %x", got, want)
	}
	if _, err := encodeHGCMConnect(strings.Repeat("x", 128)); err == nil {
		t.Fatal("a 128-byte service name leaves no room for its NUL and must be refused")
	}
}

func TestVirtualBoxEncodeDisconnect(t *testing.T) {
	t.Parallel()
	got := encodeHGCMDisconnect(0xdeadbeef)
	want := le32(vbgHeader(28, 24, -225), 0xdeadbeef)
	if !bytes.Equal(got, want) {
		t.Fatalf("disconnect request\n got %x\nwant %x", got, want)
	}
}

func TestVirtualBoxEncodeCall(t *testing.T) {
	t.Parallel()
	name := []byte("/Ignition/Config\x00")
	buf := make([]byte, 4096)
	params := func() []hgcmParam {
		return []hgcmParam{
			{kind: hgcmParamLinIn, buf: name, addr: 0x7f0012345678},
			{kind: hgcmParamLinAddr, buf: buf, addr: 0x7f00aabbcc00},
			u64Param(0x0102030405060708),
			u32Param(0x0a0b0c0d),
		}
	}
	callHeader := func(size uint32) []byte {
		b := vbgHeader(size, size, -225)
		b = le32(b, 42)     // client id
		b = le32(b, 1)      // function: GET_PROP
		b = le32(b, 10000)  // timeout ms
		b = append(b, 1, 0) // interruptible, reserved
		b = le16(b, 4)      // parameter count
		return b
	}

	t.Run("64-bit", func(t *testing.T) {
		got, err := encodeHGCMCall(hgcmLayout64, 42, 1, params())
		if err != nil {
			t.Fatal(err)
		}
		// Parameters are packed: u32 type, then a 12-byte union.
		want := callHeader(40 + 4*16)
		want = le64(le32(le32(want, 5), uint32(len(name))), 0x7f0012345678)
		want = le64(le32(le32(want, 4), 4096), 0x7f00aabbcc00)
		want = le32(le64(le32(want, 2), 0x0102030405060708), 0)
		want = le64(le32(le32(want, 1), 0x0a0b0c0d), 0)
		if !bytes.Equal(got, want) {
			t.Fatalf("call request\n got %x\nwant %x", got, want)
		}
	})
	t.Run("32-bit", func(t *testing.T) {
		p := params()
		p[0].addr, p[1].addr = 0x08001000, 0x08002000
		got, err := encodeHGCMCall(hgcmLayout32, 42, 1, p)
		if err != nil {
			t.Fatal(err)
		}
		// u32 type, then an 8-byte union.
		want := callHeader(40 + 4*12)
		want = le32(le32(le32(want, 5), uint32(len(name))), 0x08001000)
		want = le32(le32(le32(want, 4), 4096), 0x08002000)
		want = le64(le32(want, 2), 0x0102030405060708)
		want = le32(le32(le32(want, 1), 0x0a0b0c0d), 0)
		if !bytes.Equal(got, want) {
			t.Fatalf("call request\n got %x\nwant %x", got, want)
		}
		p[0].addr = 1 << 40
		if _, err := encodeHGCMCall(hgcmLayout32, 42, 1, p); err == nil {
			t.Fatal("a 64-bit address in a 32-bit request must be refused")
		}
	})
}

func TestVirtualBoxDecodeConnect(t *testing.T) {
	t.Parallel()
	id, status, err := decodeHGCMConnect(le32(vbgHeader(156, 28, 0), 7))
	if err != nil || status != 0 || id != 7 {
		t.Fatalf("success reply: id %d, status %d, %v", id, status, err)
	}
	id, status, err = decodeHGCMConnect(le32(vbgHeader(156, 28, -2900), 0))
	if err != nil || status != -2900 || id != 0 {
		t.Fatalf("service missing: id %d, status %d, %v", id, status, err)
	}
	if _, _, err := decodeHGCMConnect(le32(vbgHeader(156, 28, 0), 0)); err == nil {
		t.Fatal("client id 0 on success must be an error")
	}
	if _, _, err := decodeHGCMConnect(make([]byte, 10)); err == nil {
		t.Fatal("a reply shorter than the header must be an error")
	}
}

// getPropReply64 is a GET_PROP reply in the 64-bit layout, as the driver
// leaves it: the service status in the header, the numbers filled in.
func getPropReply64(status int32, timestamp uint64, size uint32) []byte {
	b := vbgHeader(104, 104, status)
	b = le32(le32(le32(b, 42), 1), 10000)
	b = le16(append(b, 1, 0), 4)
	b = le64(le32(le32(b, 5), 17), 0x1000)
	b = le64(le32(le32(b, 4), 4096), 0x2000)
	b = le32(le64(le32(b, 2), timestamp), 0)
	b = le64(le32(le32(b, 1), size), 0)
	return b
}

func TestVirtualBoxDecodeCall(t *testing.T) {
	t.Parallel()
	newParams := func() []hgcmParam {
		return []hgcmParam{
			{kind: hgcmParamLinIn, buf: make([]byte, 17)},
			{kind: hgcmParamLinAddr, buf: make([]byte, 4096)},
			u64Param(0), u32Param(0),
		}
	}
	cases := []struct {
		name       string
		reply      []byte
		wantStatus int32
		wantTS     uint64
		wantSize   uint64
	}{
		{"found", getPropReply64(0, 1700000000123456789, 40), 0, 1700000000123456789, 40},
		{"not found", getPropReply64(-78, 0, 0), -78, 0, 0},
		{"buffer too small", getPropReply64(-41, 0, 9000), -41, 0, 9000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newParams()
			status, err := decodeHGCMCall(hgcmLayout64, c.reply, p)
			if err != nil {
				t.Fatal(err)
			}
			if status != c.wantStatus || p[2].value != c.wantTS || p[3].value != c.wantSize {
				t.Fatalf("status %d, timestamp %d, size %d", status, p[2].value, p[3].value)
			}
		})
	}
	t.Run("type changed", func(t *testing.T) {
		r := getPropReply64(0, 1, 2)
		binary.LittleEndian.PutUint32(r[40+3*16:], 2) // size came back as a u64
		if _, err := decodeHGCMCall(hgcmLayout64, r, newParams()); err == nil {
			t.Fatal("a reply parameter of another type must be an error")
		}
	})
	t.Run("truncated", func(t *testing.T) {
		if _, err := decodeHGCMCall(hgcmLayout64, getPropReply64(0, 1, 2)[:80], newParams()); err == nil {
			t.Fatal("a reply without all parameters must be an error")
		}
	})
	if v := guestPropValue([]byte("{\"a\":1}\x00TRANSIENT, RDONLYGUEST\x00\x00\x00")); v != `{"a":1}` {
		t.Fatalf("value with flags: %q", v)
	}
}

// fakeVBoxHost plays the vboxguest driver and the host's guest property
// service. It parses requests with its own offsets and enforces the
// driver's checks (header version and sizes, the size in the ioctl code,
// known client ids, parameter types) and the service's (parameter counts
// and types, NUL-terminated names of at most 64 bytes). Buffers are
// reached through fake addresses handed out by address().
type fakeVBoxHost struct {
	props         map[string]fakeGuestProp
	connectStatus int32 // answer connects with this when non-zero
	growBy        int   // grow the value each time a buffer is too small
	ioctlErr      error

	bufs        map[uint64][]byte
	nextAddr    uint64
	clients     map[uint32]bool
	nextClient  uint32
	getSizes    []int // buffer size of every GET_PROP
	connects    int
	disconnects int
	closed      bool
}

type fakeGuestProp struct{ value, flags string }

func newFakeVBoxHost(props map[string]fakeGuestProp) *fakeVBoxHost {
	if props == nil {
		props = map[string]fakeGuestProp{}
	}
	return &fakeVBoxHost{props: props, bufs: map[uint64][]byte{}, nextAddr: 0x10000,
		clients: map[uint32]bool{}, nextClient: 0x100}
}

func (h *fakeVBoxHost) address(buf []byte) uint64 {
	h.nextAddr += 0x1000
	h.bufs[h.nextAddr] = buf
	return h.nextAddr
}

func (h *fakeVBoxHost) close() error {
	h.closed = true
	return nil
}

func (h *fakeVBoxHost) ioctl(code uint32, req []byte) error {
	if h.ioctlErr != nil {
		return h.ioctlErr
	}
	le := binary.LittleEndian
	dir, size, typ, nr := code>>30, int(code>>16&0x3fff), code>>8&0xff, code&0xff
	if dir != 3 || typ != 'V' || len(req) < 24 {
		return unix.ENOTTY
	}
	sizeIn, version, reqType, sizeOut := int(le.Uint32(req[0:])), le.Uint32(req[4:]), le.Uint32(req[8:]), int(le.Uint32(req[16:]))
	if version != 0x10001 || reqType != 0 || size != max(sizeIn, sizeOut) || len(req) < size {
		return unix.EINVAL
	}
	setRC := func(rc int32) { le.PutUint32(req[12:], uint32(rc)) }
	setRC(0)
	switch nr {
	case 4:
		if sizeIn != 156 || sizeOut != 28 || le.Uint32(req[24:]) != 2 {
			return unix.EINVAL
		}
		h.connects++
		service := string(bytes.TrimRight(req[28:156], "\x00"))
		switch {
		case h.connectStatus != 0:
			setRC(h.connectStatus)
		case service != "VBoxGuestPropSvc":
			setRC(-2900)
		default:
			h.nextClient++
			h.clients[h.nextClient] = true
			le.PutUint32(req[24:], h.nextClient)
		}
	case 5:
		id := le.Uint32(req[24:])
		if sizeIn != 28 || sizeOut != 24 || !h.clients[id] {
			return unix.EINVAL
		}
		delete(h.clients, id)
		h.disconnects++
	case 6, 7:
		psize := map[uint32]int{6: 12, 7: 16}[nr]
		count := int(le.Uint16(req[38:]))
		if sizeIn != sizeOut || sizeIn < 40+count*psize || !h.clients[le.Uint32(req[24:])] {
			return unix.EINVAL
		}
		params := make([]fakeParam, count)
		for i := range params {
			p, err := h.param(req[40+i*psize:40+(i+1)*psize], psize)
			if err != nil {
				return err
			}
			params[i] = p
		}
		setRC(h.service(le.Uint32(req[28:]), params))
	default:
		return unix.ENOTTY
	}
	return nil
}

// fakeParam is a parsed call parameter; raw is its slot in the request,
// where the host writes numbers back.
type fakeParam struct {
	kind uint32
	raw  []byte
	buf  []byte
}

func (h *fakeVBoxHost) param(raw []byte, psize int) (fakeParam, error) {
	le := binary.LittleEndian
	p := fakeParam{kind: le.Uint32(raw), raw: raw}
	switch p.kind {
	case 1, 2:
	case 4, 5, 6:
		n := int(le.Uint32(raw[4:]))
		addr := uint64(le.Uint32(raw[8:]))
		if psize == 16 {
			addr = le.Uint64(raw[8:])
		}
		buf, ok := h.bufs[addr]
		if !ok || n > len(buf) {
			return p, unix.EFAULT
		}
		p.buf = buf[:n]
	default:
		return p, unix.EINVAL
	}
	return p, nil
}

func (h *fakeVBoxHost) service(fn uint32, params []fakeParam) int32 {
	const invalidParameter = -2
	le := binary.LittleEndian
	if len(params) == 0 || (params[0].kind != 4 && params[0].kind != 5) {
		return invalidParameter
	}
	nameBuf := params[0].buf
	nul := bytes.IndexByte(nameBuf, 0)
	if nul < 1 || nul != len(nameBuf)-1 || len(nameBuf) > 64 {
		return invalidParameter
	}
	name := string(nameBuf[:nul])
	switch fn {
	case 1: // GET_PROP: name, buffer, timestamp (u64), size (u32)
		if len(params) != 4 || (params[1].kind != 4 && params[1].kind != 6) || params[2].kind != 2 || params[3].kind != 1 {
			return invalidParameter
		}
		h.getSizes = append(h.getSizes, len(params[1].buf))
		prop, ok := h.props[name]
		if !ok {
			return -78
		}
		data := prop.value + "\x00" + prop.flags + "\x00"
		le.PutUint32(params[3].raw[4:], uint32(len(data)))
		if len(data) > len(params[1].buf) {
			prop.value += strings.Repeat("x", h.growBy)
			h.props[name] = prop
			return -41
		}
		copy(params[1].buf, data)
		le.PutUint64(params[2].raw[4:], 1700000000000000000)
		return 0
	case 4: // DEL_PROP: name
		if len(params) != 1 {
			return invalidParameter
		}
		if strings.Contains(h.props[name].flags, "RDONLYGUEST") {
			return -10
		}
		delete(h.props, name)
		return 0
	}
	return -1
}

// useFakeVBoxHost routes fc's device opens to h and checks they ask for
// fc.Root/dev/vboxguest.
func useFakeVBoxHost(t *testing.T, fc *FetchContext, h *fakeVBoxHost) {
	t.Helper()
	root := fc.Root
	fc.openVBox = func(path string) (vboxTransport, error) {
		if want := filepath.Join(root, "/dev/vboxguest"); path != want {
			t.Errorf("opened %s, want %s", path, want)
		}
		return h, nil
	}
}

func gzipBase64(t *testing.T, s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestVirtualBoxProvider(t *testing.T) {
	t.Parallel()
	big := `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/big","contents":{"source":"data:,` +
		strings.Repeat("a", 10000) + `"}}]}}`
	cases := []struct {
		name     string
		props    map[string]fakeGuestProp
		want     string
		wantErr  error
		errHas   string
		getSizes []int // when set, the GET buffer sizes expected
	}{
		{name: "ignition property", props: map[string]fakeGuestProp{"/Ignition/Config": {value: userData}}, want: userData},
		{name: "kindling property wins", props: map[string]fakeGuestProp{
			"/Kindling/Config": {value: userData}, "/Ignition/Config": {value: "{}"}}, want: userData},
		{name: "empty kindling property is skipped", props: map[string]fakeGuestProp{
			"/Kindling/Config": {}, "/Ignition/Config": {value: userData}}, want: userData},
		{name: "flags do not leak into the value", props: map[string]fakeGuestProp{
			"/Ignition/Config": {value: userData, flags: "TRANSIENT, RDONLYGUEST"}}, want: userData},
		{name: "none set", wantErr: ErrNoConfig},
		{name: "only an encoding set", props: map[string]fakeGuestProp{"/Ignition/Config/Encoding": {value: "base64"}}, wantErr: ErrNoConfig},
		{name: "value larger than the first buffer", props: map[string]fakeGuestProp{"/Ignition/Config": {value: big}},
			want: big, getSizes: []int{4096, 4096, len(big) + 2, 4096}},
		{name: "base64", props: map[string]fakeGuestProp{
			"/Ignition/Config":          {value: base64.StdEncoding.EncodeToString([]byte(userData))},
			"/Ignition/Config/Encoding": {value: "base64"}}, want: userData},
		{name: "gz+base64", props: map[string]fakeGuestProp{
			"/Kindling/Config":          {value: gzipBase64(t, big)},
			"/Kindling/Config/Encoding": {value: "gz+base64"}}, want: big},
		{name: "unknown encoding", props: map[string]fakeGuestProp{
			"/Ignition/Config": {value: userData}, "/Ignition/Config/Encoding": {value: "rot13"}},
			errHas: `/Ignition/Config: unknown encoding "rot13"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			h := newFakeVBoxHost(c.props)
			fc := &FetchContext{Root: root, DriveWait: time.Millisecond}
			useFakeVBoxHost(t, fc, h)
			got, err := fetch(t, "virtualbox", fc)
			switch {
			case c.wantErr != nil:
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
			case c.errHas != "":
				if err == nil || !strings.Contains(err.Error(), c.errHas) {
					t.Fatalf("err = %v, want one containing %q", err, c.errHas)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != c.want {
					t.Fatalf("got %d bytes %.60q..., want %d bytes", len(got), got, len(c.want))
				}
			}
			if c.getSizes != nil && !equalInts(h.getSizes, c.getSizes) {
				t.Errorf("GET buffer sizes %v, want %v", h.getSizes, c.getSizes)
			}
			if h.connects != 1 || h.disconnects != 1 || len(h.clients) != 0 || !h.closed {
				t.Errorf("session not cleaned up: %d connects, %d disconnects, %d clients left, closed %v",
					h.connects, h.disconnects, len(h.clients), h.closed)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestVirtualBoxGetPropBounds(t *testing.T) {
	t.Parallel()
	connect := func(t *testing.T, h *fakeVBoxHost, l hgcmLayout) *hgcmClient {
		t.Helper()
		c, err := hgcmConnect(h, l, guestPropService)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("32-bit layout", func(t *testing.T) {
		h := newFakeVBoxHost(map[string]fakeGuestProp{"/Ignition/Config": {value: userData, flags: "TRANSIENT"}})
		v, found, err := getGuestProp(connect(t, h, hgcmLayout32), "/Ignition/Config")
		if err != nil || !found || v != userData {
			t.Fatalf("got %q, %v, %v", v, found, err)
		}
	})
	t.Run("value keeps growing", func(t *testing.T) {
		h := newFakeVBoxHost(map[string]fakeGuestProp{"/Ignition/Config": {value: strings.Repeat("v", 5000)}})
		h.growBy = 100
		_, _, err := getGuestProp(connect(t, h, hgcmLayout64), "/Ignition/Config")
		if err == nil || !strings.Contains(err.Error(), "still growing") {
			t.Fatalf("err = %v", err)
		}
		if len(h.getSizes) != guestPropAttempts {
			t.Fatalf("%d reads, want the bound %d", len(h.getSizes), guestPropAttempts)
		}
	})
	t.Run("value over the limit", func(t *testing.T) {
		h := newFakeVBoxHost(map[string]fakeGuestProp{"/Ignition/Config": {value: strings.Repeat("v", 9000)}})
		_, _, err := getGuestPropMax(connect(t, h, hgcmLayout64), "/Ignition/Config", 8<<10)
		if err == nil || !strings.Contains(err.Error(), "more than the 8192 accepted") {
			t.Fatalf("err = %v", err)
		}
		if len(h.getSizes) != 1 {
			t.Fatalf("%d reads; an oversized value must not be fetched", len(h.getSizes))
		}
	})
	t.Run("name too long", func(t *testing.T) {
		h := newFakeVBoxHost(nil)
		if _, _, err := getGuestProp(connect(t, h, hgcmLayout64), "/"+strings.Repeat("n", 63)); err == nil {
			t.Fatal("a 64-character name leaves no room for its NUL and must be refused")
		}
	})
}

func TestVirtualBoxFailures(t *testing.T) {
	t.Parallel()
	t.Run("no device", func(t *testing.T) {
		root := t.TempDir()
		_, err := fetch(t, "virtualbox", &FetchContext{Root: root, DriveWait: time.Millisecond})
		if !errors.Is(err, errNoVBoxGuest) || !strings.Contains(err.Error(), filepath.Join(root, "/dev/vboxguest")) ||
			!strings.Contains(err.Error(), "vboxguest kernel module must be loaded") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not the driver", func(t *testing.T) {
		// A regular file in the device's place: the real transport opens
		// it and the ioctl fails with ENOTTY.
		root := t.TempDir()
		dev := filepath.Join(root, "/dev/vboxguest")
		os.MkdirAll(filepath.Dir(dev), 0o755)
		if err := os.WriteFile(dev, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := fetch(t, "virtualbox", &FetchContext{Root: root, DriveWait: time.Millisecond})
		if !errors.Is(err, unix.ENOTTY) || !strings.Contains(err.Error(), "not a VirtualBox guest driver device") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no guest property service", func(t *testing.T) {
		root := t.TempDir()
		h := newFakeVBoxHost(map[string]fakeGuestProp{"/Ignition/Config": {value: userData}})
		h.connectStatus = -2900
		fc := &FetchContext{Root: root, DriveWait: time.Millisecond}
		useFakeVBoxHost(t, fc, h)
		_, err := fetch(t, "virtualbox", fc)
		if err == nil || !strings.Contains(err.Error(), "no guest property service") || !strings.Contains(err.Error(), "VERR_HGCM_SERVICE_NOT_FOUND") {
			t.Fatalf("err = %v", err)
		}
		if !h.closed {
			t.Error("device left open after a failed connect")
		}
	})
	t.Run("driver error", func(t *testing.T) {
		root := t.TempDir()
		h := newFakeVBoxHost(nil)
		h.ioctlErr = unix.EIO
		fc := &FetchContext{Root: root, DriveWait: time.Millisecond}
		useFakeVBoxHost(t, fc, h)
		_, err := fetch(t, "virtualbox", fc)
		if !errors.Is(err, unix.EIO) || errors.Is(err, ErrNoConfig) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestVirtualBoxRemoveConfig(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	h := newFakeVBoxHost(map[string]fakeGuestProp{
		"/Ignition/Config":          {value: userData},
		"/Ignition/Config/Encoding": {value: ""},
		"/VirtualBox/GuestInfo/OS":  {value: "Linux"},
	})
	fc := &FetchContext{Root: root, DriveWait: time.Millisecond}
	useFakeVBoxHost(t, fc, h)
	var p Provider = virtualbox{}
	r, ok := p.(ConfigRemover)
	if !ok {
		t.Fatal("virtualbox does not implement ConfigRemover")
	}
	if err := r.RemoveConfig(context.Background(), fc); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.props["/Ignition/Config"]; ok {
		t.Error("/Ignition/Config still set")
	}
	if _, ok := h.props["/Ignition/Config/Encoding"]; ok {
		t.Error("/Ignition/Config/Encoding still set")
	}
	if _, ok := h.props["/VirtualBox/GuestInfo/OS"]; !ok {
		t.Error("an unrelated property was deleted")
	}
	if _, err := fetch(t, "virtualbox", fc); !errors.Is(err, ErrNoConfig) {
		t.Errorf("after removal: %v", err)
	}

	h.props["/Kindling/Config"] = fakeGuestProp{value: userData, flags: "RDONLYGUEST"}
	err := r.RemoveConfig(context.Background(), fc)
	if err == nil || !strings.Contains(err.Error(), "VERR_PERMISSION_DENIED") || !strings.Contains(err.Error(), "/Kindling/Config") {
		t.Fatalf("read-only property: %v", err)
	}
}
