package files

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/stages"
)

// spoolThreshold is how much of one resource is kept in memory before it
// moves to an (unlinked) temporary file, so large images do not need that
// much RAM.
const spoolThreshold = 16 << 20

// fetchWorkers bounds concurrent fetches: enough to overlap network
// round trips, few enough to be polite to the servers.
const fetchWorkers = 8

// blob is fetched, verified content waiting to be written.
type blob struct {
	mem  []byte
	file *os.File // set once the content outgrew the memory limit
	// limit replaces spoolThreshold when set (tests spill small blobs).
	limit int
}

// memLimit is how many bytes b keeps in memory.
func (b *blob) memLimit() int {
	if b.limit > 0 {
		return b.limit
	}
	return spoolThreshold
}

// reader returns the content from its start.
func (b *blob) reader() (io.Reader, error) {
	if b.file == nil {
		return bytes.NewReader(b.mem), nil
	}
	if _, err := b.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return b.file, nil
}

func (b *blob) close() {
	if b.file != nil {
		b.file.Close()
	}
}

// Reset discards everything written, so the fetcher can retry a download
// cut in the middle from the start (it looks for this method).
func (b *blob) Reset() {
	b.close()
	b.mem, b.file = b.mem[:0], nil
}

// Write buffers in memory and spills to a temporary file past the threshold.
func (b *blob) Write(p []byte) (int, error) {
	if b.file == nil && len(b.mem)+len(p) <= b.memLimit() {
		b.mem = append(b.mem, p...)
		return len(p), nil
	}
	if b.file == nil {
		f, err := os.CreateTemp("", "kindling-fetch-*")
		if err != nil {
			return 0, err
		}
		os.Remove(f.Name()) // lives only as long as the descriptor
		if _, err := f.Write(b.mem); err != nil {
			f.Close()
			return 0, err
		}
		b.file, b.mem = f, nil
	}
	return b.file.Write(p)
}

// fetchJob is one resource to fetch and where its result goes.
type fetchJob struct {
	path report.Path
	what string
	res  config.Resource
	out  **blob
}

// fetchAll fetches and verifies every job before anything is written, so a
// missing resource or a wrong hash leaves the target untouched. On error
// every blob fetched so far is released.
func fetchAll(parent context.Context, env *stages.Env, jobs []fetchJob) error {
	if len(jobs) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	work := make(chan *fetchJob)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	workers := min(fetchWorkers, len(jobs))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				b := &blob{}
				err := env.Fetcher.FetchTo(ctx, resource.RequestFrom(j.res), b)
				if err != nil {
					b.close()
					mu.Lock()
					if firstErr == nil {
						firstErr = stages.Errorf(j.path, j.what, "%w", err) // names the redacted URL
						cancel()
					}
					mu.Unlock()
					continue
				}
				*j.out = b
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		work <- &jobs[i]
	}
	close(work)
	wg.Wait()
	if firstErr == nil && parent.Err() != nil {
		firstErr = parent.Err() // interrupted: some jobs never ran
	}
	if firstErr != nil {
		for _, j := range jobs {
			if *j.out != nil {
				(*j.out).close()
				*j.out = nil
			}
		}
		return firstErr
	}
	return nil
}
