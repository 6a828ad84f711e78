package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
)

// scaleway: the user data key "cloud-init" of the instance metadata API.
// The API hands user data only to clients whose TCP source port is below
// 1024, which proves they run as root; so every connection is made from a
// privileged local port. 404 means the key is not set.
type scaleway struct{}

const scalewayUserData = "http://169.254.42.42/user_data/cloud-init"

// Source ports tried, from highest down; bounded so a machine with many
// privileged ports taken fails clearly instead of scanning forever.
const (
	privilegedPortHigh  = 1023
	privilegedPortTries = 128
)

func init() {
	Register(scaleway{}, Source{Reads: []string{"GET " + scalewayUserData + " from a source port below 1024"}})
}

func (scaleway) Name() string       { return "scaleway" }
func (scaleway) NeedsNetwork() bool { return true }

func (scaleway) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	url := fc.metadataURL(scalewayUserData)
	// 429: the API rate-limits; waiting and asking again is the cure.
	body, err := fc.privilegedGet(ctx, url, http.StatusTooManyRequests)
	if statusOf(err) == http.StatusNotFound {
		return nil, ErrNoConfig
	}
	if err != nil {
		return nil, fmt.Errorf("scaleway metadata API: %w", err)
	}
	return decodeUserData("scaleway", body, false)
}

// privilegedGet is a metadata GET whose connections come from a
// privileged source port.
func (fc *FetchContext) privilegedGet(ctx context.Context, url string, retry ...int) ([]byte, error) {
	transport := &http.Transport{
		Proxy:       nil,
		DialContext: dialFromPrivilegedPort,
		// A new connection (and port) per try: a kept-alive one may have
		// been closed by the server meanwhile.
		DisableKeepAlives: true,
	}
	return fc.metadataCallVia(ctx, transport, http.MethodGet, url, nil, retry...)
}

// dialFromPrivilegedPort connects from the highest free local port below
// 1024. A port is skipped when binding it fails (something else holds it)
// or the connection's address tuple is taken (an earlier connection to the
// same server still in TIME_WAIT); any other error is the server's.
func dialFromPrivilegedPort(ctx context.Context, network, addr string) (net.Conn, error) {
	var last error
	low := privilegedPortHigh - privilegedPortTries + 1
	for port := privilegedPortHigh; port >= low; port-- {
		d := net.Dialer{LocalAddr: &net.TCPAddr{Port: port}, Control: reuseAddr}
		conn, err := d.DialContext(ctx, network, addr)
		if err == nil {
			return conn, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) && !errors.Is(err, syscall.EADDRNOTAVAIL) {
			return nil, err
		}
		last = err
	}
	return nil, fmt.Errorf("no free privileged source port in %d-%d: %w", low, privilegedPortHigh, last)
}

// reuseAddr lets us bind a port whose last connection of ours lingers in
// TIME_WAIT; a port someone listens on or holds exclusively still fails.
func reuseAddr(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
