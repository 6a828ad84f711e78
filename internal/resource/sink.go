package resource

import (
	"bytes"
	"fmt"
	"io"
)

// Resetter is a writer that can discard everything written to it, so a
// fetch cut in the middle can be retried from the start. Reset must drop
// all of its content (FetchTo calls it only to undo a failed attempt).
type Resetter interface {
	Reset()
}

// rewindable wraps the caller's writer, counts what was written and knows
// how to undo it.
type rewindable struct {
	w       io.Writer
	start   int64 // offset of an io.Seeker at the start of the fetch
	written int64
}

func newRewindable(w io.Writer) (*rewindable, error) {
	r := &rewindable{w: w}
	if s, ok := w.(io.Seeker); ok {
		off, err := s.Seek(0, io.SeekCurrent)
		if err == nil {
			r.start = off
		}
	}
	return r, nil
}

func (r *rewindable) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	r.written += int64(n)
	return n, err
}

// rewind undoes every write of the failed attempt.
func (r *rewindable) rewind() error {
	if r.written == 0 {
		return nil
	}
	switch w := r.w.(type) {
	case *bytes.Buffer:
		// Drop only this fetch's bytes, not what the buffer held before.
		w.Truncate(w.Len() - int(r.written))
	case Resetter:
		w.Reset()
	case io.Seeker:
		if _, err := w.Seek(r.start, io.SeekStart); err != nil {
			return fmt.Errorf("rewinding the destination: %w", err)
		}
		if t, ok := w.(interface{ Truncate(int64) error }); ok {
			if err := t.Truncate(r.start); err != nil {
				return fmt.Errorf("truncating the destination: %w", err)
			}
		}
	default:
		return fmt.Errorf("%d bytes already written to a destination that cannot be rewound", r.written)
	}
	r.written = 0
	return nil
}

// limited fails a write that would take the total past max, so an
// oversized resource (or a decompression bomb) stops at the limit instead
// of filling memory or the disk.
type limited struct {
	w    io.Writer
	max  int64
	name string
	n    int64
}

// limitWriter wraps w with req's MaxSize, if any. The count restarts with
// each attempt, as the sink is rewound.
func limitWriter(w io.Writer, req Request) io.Writer {
	if req.MaxSize <= 0 {
		return w
	}
	name := req.LimitName
	if name == "" {
		name = "the size limit"
	}
	return &limited{w: w, max: req.MaxSize, name: name}
}

func (l *limited) Write(p []byte) (int, error) {
	if l.n+int64(len(p)) > l.max {
		return 0, permanent(fmt.Errorf("%w: more than %d bytes (%s)", ErrTooLarge, l.max, l.name))
	}
	n, err := l.w.Write(p)
	l.n += int64(n)
	return n, err
}
