package resource

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/pin/tftp/v3"
)

// tftpGet reads a file over TFTP (octet mode). Transfers are streamed
// through a pipe so the caller's hash and writer see bytes as they arrive.
func (f *Fetcher) tftpGet(ctx context.Context, u *url.URL) (io.ReadCloser, error) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "69")
	}
	c, err := tftp.NewClient(host)
	if err != nil {
		return nil, permanent(fmt.Errorf("tftp: %w", err))
	}
	timeout := f.opts.HTTPResponseHeaders
	if timeout <= 0 {
		timeout = DefaultHTTPResponseHeaders
	}
	c.SetTimeout(min(timeout, 5*time.Second))
	c.SetRetries(3)
	wt, err := c.Receive(strings.TrimPrefix(u.Path, "/"), "octet")
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "not found") || strings.Contains(err.Error(), "code: 1") {
			return nil, fmt.Errorf("%w: tftp: %v", ErrNotFound, err)
		}
		return nil, fmt.Errorf("tftp: %w", err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := wt.WriteTo(pw)
		pw.CloseWithError(err)
	}()
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	return &closeHook{ReadCloser: pr, hook: func() { stop() }}, nil
}

type closeHook struct {
	io.ReadCloser
	hook func()
}

func (c *closeHook) Close() error {
	c.hook()
	return c.ReadCloser.Close()
}
