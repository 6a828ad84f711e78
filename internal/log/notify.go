package log

import (
	"fmt"
	"net"
	"os"
	"strings"
)

// Notify sends state (e.g. "STATUS=files: 12 of 40 written") to the service
// manager named by $NOTIFY_SOCKET. Without that variable it does nothing:
// we are not running under systemd, or not as a notify-aware service.
func Notify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	// A leading "@" names a socket in the abstract namespace.
	if strings.HasPrefix(path, "@") {
		path = "\x00" + path[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	return nil
}

// Status reports a one-line progress message (STATUS=...). Newlines would
// start a new assignment, so they are flattened.
func Status(format string, args ...any) {
	msg := strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")
	_ = Notify("STATUS=" + msg)
}
