package log

import (
	"fmt"
	"strings"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notify sends state (e.g. "STATUS=files: 12 of 40 written") to the service
// manager named by $NOTIFY_SOCKET, through go-systemd's sd_notify client.
// Without that variable it does nothing: we are not running under systemd,
// or not as a notify-aware service.
func Notify(state string) error {
	if _, err := daemon.SdNotify(false, state); err != nil {
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
