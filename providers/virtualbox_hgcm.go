package providers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// The VirtualBox guest driver (vboxguest, in mainline Linux since 4.16 and
// in the Guest Additions) lets user space talk to host services over HGCM
// (host-guest communication manager): connect to a service by name, call
// its functions with typed parameters, disconnect. Each step is one ioctl
// on /dev/vboxguest whose argument is a request that the driver overwrites
// with its reply. The layouts below are those of the Linux UAPI headers
// linux/vboxguest.h and linux/vbox_vmmdev_types.h; every field is
// little-endian (VirtualBox guests are x86 or arm64).
//
// This file only builds and parses requests, so it can be tested without
// the device; vboxTransport carries them.

// Request header (struct vbg_ioctl_hdr): size_in, version, type, rc,
// size_out, reserved; six 32-bit fields.
const (
	vbgHdrSize        = 24
	vbgHdrVersion     = 0x10001
	vbgHdrTypeDefault = 0
	vbgHdrOffRC       = 12
)

// HGCM request sizes and offsets.
const (
	// connect: header, location type, 128-byte service name; the reply
	// is the header and the client id.
	hgcmServiceNameLen   = 128
	hgcmConnectInSize    = vbgHdrSize + 4 + hgcmServiceNameLen
	hgcmConnectOutSize   = vbgHdrSize + 4
	hgcmLocLocalhostLive = 2 // VMMDEV_HGCM_LOC_LOCALHOST_EXISTING
	// disconnect: header and client id; the reply is the header alone.
	hgcmDisconnectInSize  = vbgHdrSize + 4
	hgcmDisconnectOutSize = vbgHdrSize
	// call: header, client id, function, timeout (ms), interruptible
	// (u8), reserved (u8), parameter count (u16), then the parameters.
	hgcmCallHdrSize = vbgHdrSize + 16
)

// HGCM parameter types (enum vmmdev_hgcm_function_parameter_type); user
// space may use only these five.
const (
	hgcmParamU32     = 1
	hgcmParamU64     = 2
	hgcmParamLinAddr = 4 // buffer the host reads and writes
	hgcmParamLinIn   = 5 // buffer the host only reads
	hgcmParamLinOut  = 6 // buffer the host only writes
)

// VirtualBox status codes (IPRT/VBox err.h) the guest property service and
// the driver answer with; negative is failure.
const (
	vboxErrPermissionDenied = -10
	vboxErrBufferOverflow   = -41
	vboxErrNotFound         = -78
	vboxErrInternal         = -225 // written into requests, replaced by the driver
	vboxErrServiceNotFound  = -2900
)

// hgcmLayout is the shape of a call's parameters: 64-bit processes use
// 16-byte parameters (type, then an 8-byte-address union, packed) with
// ioctl function 7; 32-bit ones 12-byte parameters with function 6.
type hgcmLayout struct {
	paramSize int
	callNr    uint32
}

var (
	hgcmLayout64 = hgcmLayout{paramSize: 16, callNr: 7}
	hgcmLayout32 = hgcmLayout{paramSize: 12, callNr: 6}
)

// nativeHGCMLayout is the layout the driver expects from this process.
func nativeHGCMLayout() hgcmLayout {
	if unsafe.Sizeof(uintptr(0)) == 8 {
		return hgcmLayout64
	}
	return hgcmLayout32
}

// vbgIoctl is Linux's _IOC(_IOC_READ|_IOC_WRITE, 'V', nr, size): the
// driver checks that the size in the code matches the request.
func vbgIoctl(nr, size uint32) uint32 {
	const readWrite = 3
	return readWrite<<30 | (size&0x3fff)<<16 | 'V'<<8 | nr
}

var (
	ioctlHGCMConnect    = vbgIoctl(4, hgcmConnectInSize)
	ioctlHGCMDisconnect = vbgIoctl(5, hgcmDisconnectInSize)
)

func (l hgcmLayout) callIoctl(nparams int) uint32 {
	return vbgIoctl(l.callNr, uint32(hgcmCallHdrSize+nparams*l.paramSize))
}

// putHeader writes a request header. rc starts as an internal-error value
// so a reply the driver never filled in cannot pass for success.
func putHeader(b []byte, sizeIn, sizeOut uint32) {
	le := binary.LittleEndian
	le.PutUint32(b[0:], sizeIn)
	le.PutUint32(b[4:], vbgHdrVersion)
	le.PutUint32(b[8:], vbgHdrTypeDefault)
	canary := int32(vboxErrInternal)
	le.PutUint32(b[12:], uint32(canary))
	le.PutUint32(b[16:], sizeOut)
	le.PutUint32(b[20:], 0)
}

// replyStatus is the VirtualBox status the driver put in a reply header.
func replyStatus(b []byte) (int32, error) {
	if len(b) < vbgHdrSize {
		return 0, fmt.Errorf("reply of %d bytes is shorter than its header", len(b))
	}
	return int32(binary.LittleEndian.Uint32(b[vbgHdrOffRC:])), nil
}

// encodeHGCMConnect builds a request to connect to a host service.
func encodeHGCMConnect(service string) ([]byte, error) {
	if len(service) >= hgcmServiceNameLen {
		return nil, fmt.Errorf("service name %q longer than %d bytes", service, hgcmServiceNameLen-1)
	}
	b := make([]byte, hgcmConnectInSize)
	putHeader(b, hgcmConnectInSize, hgcmConnectOutSize)
	binary.LittleEndian.PutUint32(b[vbgHdrSize:], hgcmLocLocalhostLive)
	copy(b[vbgHdrSize+4:], service) // NUL-padded by make
	return b, nil
}

// decodeHGCMConnect returns the status of a connect reply and, on
// success, the client id that later calls name.
func decodeHGCMConnect(b []byte) (clientID uint32, status int32, err error) {
	if status, err = replyStatus(b); err != nil {
		return 0, 0, err
	}
	if status < 0 {
		return 0, status, nil
	}
	if len(b) < hgcmConnectOutSize {
		return 0, status, fmt.Errorf("connect reply of %d bytes has no client id", len(b))
	}
	clientID = binary.LittleEndian.Uint32(b[vbgHdrSize:])
	if clientID == 0 {
		return 0, status, errors.New("connect reply has client id 0")
	}
	return clientID, status, nil
}

// encodeHGCMDisconnect builds a request to drop a client.
func encodeHGCMDisconnect(clientID uint32) []byte {
	b := make([]byte, hgcmDisconnectInSize)
	putHeader(b, hgcmDisconnectInSize, hgcmDisconnectOutSize)
	binary.LittleEndian.PutUint32(b[vbgHdrSize:], clientID)
	return b
}

// hgcmParam is one call parameter: a number, or a buffer the host reads or
// fills, which the request names by its address.
type hgcmParam struct {
	kind  uint32 // hgcmParam*
	value uint64 // numbers: sent, and replaced by the host's answer
	buf   []byte // buffers
	addr  uint64 // buffers: the address the driver sees buf at
}

func u32Param(v uint32) hgcmParam { return hgcmParam{kind: hgcmParamU32, value: uint64(v)} }
func u64Param(v uint64) hgcmParam { return hgcmParam{kind: hgcmParamU64, value: v} }

// hgcmCallTimeoutMS bounds how long the driver waits for the host to
// complete one call; guest property calls answer at once.
const hgcmCallTimeoutMS = 10_000

// encodeHGCMCall builds a call request for function fn of a client.
func encodeHGCMCall(l hgcmLayout, clientID, fn uint32, params []hgcmParam) ([]byte, error) {
	size := hgcmCallHdrSize + len(params)*l.paramSize
	b := make([]byte, size)
	// A call's reply has the size of its request: the parameters come back.
	putHeader(b, uint32(size), uint32(size))
	le := binary.LittleEndian
	le.PutUint32(b[24:], clientID)
	le.PutUint32(b[28:], fn)
	le.PutUint32(b[32:], hgcmCallTimeoutMS)
	b[36] = 1 // interruptible: a signal may end the wait
	b[37] = 0
	le.PutUint16(b[38:], uint16(len(params)))
	for i, p := range params {
		off := hgcmCallHdrSize + i*l.paramSize
		le.PutUint32(b[off:], p.kind)
		switch p.kind {
		case hgcmParamU32:
			le.PutUint32(b[off+4:], uint32(p.value))
		case hgcmParamU64:
			le.PutUint64(b[off+4:], p.value)
		case hgcmParamLinAddr, hgcmParamLinIn, hgcmParamLinOut:
			if uint64(len(p.buf)) > 1<<32-1 {
				return nil, fmt.Errorf("parameter %d: buffer of %d bytes too large", i, len(p.buf))
			}
			le.PutUint32(b[off+4:], uint32(len(p.buf)))
			if l.paramSize == 16 {
				le.PutUint64(b[off+8:], p.addr)
			} else {
				if p.addr > 1<<32-1 {
					return nil, fmt.Errorf("parameter %d: address %#x does not fit 32 bits", i, p.addr)
				}
				le.PutUint32(b[off+8:], uint32(p.addr))
			}
		default:
			return nil, fmt.Errorf("parameter %d: unsupported type %d", i, p.kind)
		}
	}
	return b, nil
}

// decodeHGCMCall returns the status of a call reply (the host service's
// answer) and copies the numbers the host wrote back into params; buffer
// contents were written straight into the buffers.
func decodeHGCMCall(l hgcmLayout, b []byte, params []hgcmParam) (int32, error) {
	status, err := replyStatus(b)
	if err != nil {
		return 0, err
	}
	if want := hgcmCallHdrSize + len(params)*l.paramSize; len(b) < want {
		return status, fmt.Errorf("call reply of %d bytes, want %d", len(b), want)
	}
	le := binary.LittleEndian
	for i := range params {
		off := hgcmCallHdrSize + i*l.paramSize
		got := le.Uint32(b[off:])
		switch params[i].kind {
		case hgcmParamU32, hgcmParamU64:
			if got != params[i].kind {
				return status, fmt.Errorf("reply parameter %d has type %d, sent %d", i, got, params[i].kind)
			}
			if got == hgcmParamU32 {
				params[i].value = uint64(le.Uint32(b[off+4:]))
			} else {
				params[i].value = le.Uint64(b[off+4:])
			}
		}
	}
	return status, nil
}

// vboxTransport carries requests to the guest driver.
type vboxTransport interface {
	// ioctl issues request code with req as its argument; the driver
	// writes its reply over req. The error is the system call's, not
	// the VirtualBox status in the reply.
	ioctl(code uint32, req []byte) error
	// address is where the driver finds buf. buf must stay reachable
	// (and unmoved: heap memory) until the ioctl naming it returns.
	address(buf []byte) uint64
	close() error
}

// hgcmClient is a connection to one host service.
type hgcmClient struct {
	t       vboxTransport
	layout  hgcmLayout
	service string
	id      uint32
}

// vboxStatusError is a failure status from the driver or a host service.
type vboxStatusError struct {
	op     string
	status int32
}

var vboxStatusNames = map[int32]string{
	vboxErrPermissionDenied: "VERR_PERMISSION_DENIED",
	vboxErrBufferOverflow:   "VERR_BUFFER_OVERFLOW",
	vboxErrNotFound:         "VERR_NOT_FOUND",
	vboxErrInternal:         "VERR_INTERNAL_ERROR (the driver did not answer)",
	vboxErrServiceNotFound:  "VERR_HGCM_SERVICE_NOT_FOUND",
}

func (e *vboxStatusError) Error() string {
	name := vboxStatusNames[e.status]
	if name == "" {
		return fmt.Sprintf("%s: VirtualBox status %d", e.op, e.status)
	}
	return fmt.Sprintf("%s: %s (%d)", e.op, name, e.status)
}

// hgcmConnect connects to a host service.
func hgcmConnect(t vboxTransport, l hgcmLayout, service string) (*hgcmClient, error) {
	req, err := encodeHGCMConnect(service)
	if err != nil {
		return nil, err
	}
	if err := t.ioctl(ioctlHGCMConnect, req); err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", service, err)
	}
	id, status, err := decodeHGCMConnect(req)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", service, err)
	}
	if status < 0 {
		return nil, &vboxStatusError{op: "connecting to " + service, status: status}
	}
	return &hgcmClient{t: t, layout: l, service: service, id: id}, nil
}

// call runs function fn; the returned status is the service's answer.
func (c *hgcmClient) call(fn uint32, params []hgcmParam) (int32, error) {
	for i := range params {
		if params[i].buf != nil {
			params[i].addr = c.t.address(params[i].buf)
		}
	}
	req, err := encodeHGCMCall(c.layout, c.id, fn, params)
	if err != nil {
		return 0, err
	}
	err = c.t.ioctl(c.layout.callIoctl(len(params)), req)
	// The request holds the buffers' addresses only as numbers; keep
	// the buffers alive until the driver is done with them.
	runtime.KeepAlive(params)
	if err != nil {
		return 0, fmt.Errorf("%s function %d: %w", c.service, fn, err)
	}
	return decodeHGCMCall(c.layout, req, params)
}

// disconnect drops the client.
func (c *hgcmClient) disconnect() error {
	req := encodeHGCMDisconnect(c.id)
	if err := c.t.ioctl(ioctlHGCMDisconnect, req); err != nil {
		return fmt.Errorf("disconnecting from %s: %w", c.service, err)
	}
	status, err := replyStatus(req)
	if err != nil {
		return err
	}
	if status < 0 {
		return &vboxStatusError{op: "disconnecting from " + c.service, status: status}
	}
	return nil
}

// The guest property service: named UTF-8 values the host sets (e.g.
// VBoxManage guestproperty set VM NAME VALUE) and the guest can read.
const (
	guestPropService = "VBoxGuestPropSvc"
	guestPropGet     = 1 // name (in), buffer (out), timestamp (u64 out), size (u32 out)
	guestPropDel     = 4 // name (in)
	// A name's size, terminator included, is at most 64 bytes.
	guestPropMaxName = 64
)

// Bounds on reading one value. Hosts since VirtualBox 7 accept values up
// to 1 KiB, older ones far more; the out-of-tree driver refuses user
// buffers over 1 MiB. The value can change between two calls, so the
// "buffer too small" answer is followed a bounded number of times.
const (
	guestPropFirstBuf = 4 << 10
	guestPropMaxBuf   = 1 << 20
	guestPropAttempts = 4
)

func guestPropName(name string) ([]byte, error) {
	if len(name)+1 > guestPropMaxName {
		return nil, fmt.Errorf("guest property name %q longer than %d bytes", name, guestPropMaxName-1)
	}
	return append([]byte(name), 0), nil
}

// getGuestProp reads a guest property; found is false when it is unset.
func getGuestProp(c *hgcmClient, name string) (value string, found bool, err error) {
	return getGuestPropMax(c, name, guestPropMaxBuf)
}

// getGuestPropMax is getGuestProp refusing values that need more than
// maxBuf bytes (a parameter so tests can reach the bound cheaply).
func getGuestPropMax(c *hgcmClient, name string, maxBuf int) (value string, found bool, err error) {
	nameBuf, err := guestPropName(name)
	if err != nil {
		return "", false, err
	}
	size := guestPropFirstBuf
	for attempt := 1; ; attempt++ {
		params := []hgcmParam{
			{kind: hgcmParamLinIn, buf: nameBuf},
			{kind: hgcmParamLinAddr, buf: make([]byte, size)},
			u64Param(0), // timestamp
			u32Param(0), // size the value and flags need
		}
		status, err := c.call(guestPropGet, params)
		if err != nil {
			return "", false, err
		}
		switch status {
		case vboxErrNotFound:
			return "", false, nil
		case vboxErrBufferOverflow:
			need := int(params[3].value)
			switch {
			case need <= size:
				return "", false, fmt.Errorf("guest property %s: host wants %d bytes after refusing %d", name, need, size)
			case need > maxBuf:
				return "", false, fmt.Errorf("guest property %s: value needs %d bytes, more than the %d accepted", name, need, maxBuf)
			case attempt >= guestPropAttempts:
				return "", false, fmt.Errorf("guest property %s: still growing after %d reads", name, attempt)
			}
			size = need
			continue
		}
		if status < 0 {
			return "", false, &vboxStatusError{op: "reading guest property " + name, status: status}
		}
		return guestPropValue(params[1].buf), true, nil
	}
}

// guestPropValue extracts the value from a GET reply buffer, which holds
// the value and the property's flags, each NUL-terminated.
func guestPropValue(buf []byte) string {
	return cString(buf)
}

// delGuestProp deletes a guest property; deleting an unset one succeeds.
func delGuestProp(c *hgcmClient, name string) error {
	nameBuf, err := guestPropName(name)
	if err != nil {
		return err
	}
	status, err := c.call(guestPropDel, []hgcmParam{{kind: hgcmParamLinIn, buf: nameBuf}})
	if err != nil {
		return err
	}
	if status < 0 {
		return &vboxStatusError{op: "deleting guest property " + name, status: status}
	}
	return nil
}
