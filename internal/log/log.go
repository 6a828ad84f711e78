// Package log sends provisioning logs where an operator will look: the
// systemd journal when it is running (as in the initramfs), standard error
// otherwise. Every record names the stage it came from. It also reports
// progress to systemd with sd_notify STATUS= lines.
package log

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
)

// Options choose the destination.
type Options struct {
	Stage string    // named in every line and as KINDLING_STAGE in the journal
	Debug bool      // include debug records
	Out   io.Writer // when set (or when no journal is running), write text lines here
}

// New returns a logger for one stage. It writes to the journal when its
// socket answers and opts.Out is nil, else to opts.Out (default stderr).
func New(opts Options) *slog.Logger {
	level := slog.LevelInfo
	if opts.Debug {
		level = slog.LevelDebug
	}
	h := &handler{level: level, stage: opts.Stage}
	if opts.Out != nil {
		h.out = &textSink{w: opts.Out}
		return slog.New(h)
	}
	stderr := &textSink{w: os.Stderr}
	h.out = stderr
	if journal.Enabled() {
		h.out = journalSink{fallback: stderr}
	}
	return slog.New(h)
}

// sink receives finished records.
type sink interface {
	send(level slog.Level, stage, msg string, fields map[string]string) error
}

// handler formats records as "msg key=value ..." and hands them to a sink.
type handler struct {
	level slog.Level
	stage string
	out   sink
	attrs []slog.Attr
	group string
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	fields := map[string]string{}
	add := func(a slog.Attr) bool {
		a.Value = a.Value.Resolve()
		if a.Equal(slog.Attr{}) {
			return true
		}
		key := a.Key
		if h.group != "" {
			key = h.group + "." + key
		}
		val := a.Value.String()
		if a.Value.Kind() == slog.KindDuration {
			val = a.Value.Duration().Round(time.Millisecond).String()
		}
		fmt.Fprintf(&b, " %s=%s", key, quote(val))
		fields[key] = val
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	return h.out.send(r.Level, h.stage, b.String(), fields)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	c := *h
	if c.group != "" {
		name = c.group + "." + name
	}
	c.group = name
	return &c
}

func quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// textSink writes one line per record: "kindling[STAGE]: LEVEL msg".
type textSink struct {
	mu sync.Mutex
	w  io.Writer
}

func (t *textSink) send(level slog.Level, stage, msg string, _ map[string]string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	prefix := "kindling"
	if stage != "" {
		prefix += "[" + stage + "]"
	}
	_, err := fmt.Fprintf(t.w, "%s: %s %s\n", prefix, strings.ToLower(level.String()), msg)
	return err
}

// journalSink sends records with go-systemd's client of journald's native
// protocol, which also passes records too large for a datagram through a
// memfd. A record the journal refuses goes to fallback instead.
type journalSink struct {
	fallback sink
}

// priority maps slog levels to syslog priorities.
func priority(l slog.Level) journal.Priority {
	switch {
	case l >= slog.LevelError:
		return journal.PriErr
	case l >= slog.LevelWarn:
		return journal.PriWarning
	case l >= slog.LevelInfo:
		return journal.PriInfo
	default:
		return journal.PriDebug
	}
}

func (j journalSink) send(level slog.Level, stage, msg string, fields map[string]string) error {
	vars := map[string]string{"SYSLOG_IDENTIFIER": "kindling"}
	if stage != "" {
		vars["KINDLING_STAGE"] = stage
	}
	for k, v := range fields {
		if name := journalFieldName(k); name != "" {
			vars["KINDLING_"+name] = v
		}
	}
	// The stage leads the message so `journalctl -t kindling` reads as a
	// timeline without asking for extra fields.
	text := msg
	if stage != "" {
		text = stage + ": " + msg
	}
	if err := journal.Send(text, priority(level), vars); err != nil {
		return j.fallback.send(level, stage, msg, fields)
	}
	return nil
}

// journalFieldName turns an attribute key into a valid journal field name
// (upper case letters, digits, underscore), or "" when nothing is left.
func journalFieldName(k string) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(k) {
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), "_")
}
