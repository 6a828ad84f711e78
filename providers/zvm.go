package providers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/internal/resource"
)

// zvm: IBM z/VM guests. The config is a file of type "ign" punched to the
// guest's virtual reader (device 0.0.000c), e.g. with
// `vmur punch -r -u GUEST -N config.ign`. As Ignition does, the vmur driver
// is loaded, the reader set online (freed from the cio_ignore list first
// if need be), the spool listed with `vmur list`, and the first file whose
// type is "ign" received with `vmur receive`. All tools are s390-tools.
type zvm struct{}

const zvmReader = "000c"

func init() {
	Register(zvm{}, Source{Reads: []string{"z/VM reader " + zvmReader + ": first spool file of type ign (vmur list, vmur receive)"}})
}

func (zvm) Name() string { return "zvm" }

func (zvm) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	if _, err := command.Run(ctx, "modprobe", "vmur"); err != nil {
		return nil, fmt.Errorf("zvm: loading the vmur module: %w", err)
	}
	if err := zvmOnlineReader(ctx); err != nil {
		return nil, err
	}
	list, err := command.Run(ctx, "vmur", "li")
	if err != nil {
		return nil, fmt.Errorf("zvm: listing the reader: %w", err)
	}
	spoolID, ok := zvmConfigSpoolID(list)
	if !ok {
		return nil, ErrNoConfig
	}
	dir, err := os.MkdirTemp("", "kindling-zvm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// A fixed name: the spool file's own name is the sender's choice.
	out := filepath.Join(dir, "config.ign")
	if _, err := command.Run(ctx, "vmur", "re", "-f", spoolID, out); err != nil {
		return nil, fmt.Errorf("zvm: receiving spool file %s: %w", spoolID, err)
	}
	data, err := readConfigFile(out)
	if err != nil {
		return nil, fmt.Errorf("zvm: %w", err)
	}
	// Reader records are fixed-length: the tail is padded with NULs.
	data = bytes.Trim(data, "\x00")
	if len(data) == 0 {
		return nil, ErrNoConfig
	}
	return data, nil
}

// zvmOnlineReader sets the reader online, freeing it from the cio_ignore
// list when the first try fails, then lets udev catch up.
func zvmOnlineReader(ctx context.Context) error {
	if _, err := command.Run(ctx, "chccwdev", "-e", zvmReader); err != nil {
		if _, err := command.Run(ctx, "cio_ignore", "-r", zvmReader); err != nil {
			return fmt.Errorf("zvm: exposing reader device %s: %w", zvmReader, err)
		}
		if _, err := command.Run(ctx, "chccwdev", "-e", zvmReader); err != nil {
			return fmt.Errorf("zvm: setting reader device %s online: %w", zvmReader, err)
		}
	}
	if _, err := command.Run(ctx, "udevadm", "settle"); err != nil {
		return fmt.Errorf("zvm: udevadm settle: %w", err)
	}
	return nil
}

// zvmConfigSpoolID reads `vmur li` output, a header line then one line per
// spool file, e.g.
//
//	ORIGINID FILE CLASS RECORDS  CPY HOLD DATE  TIME     NAME      TYPE DIST
//	T6360025 0463 V DCP 00000002 001 NONE 06/11 15:07:42 config    ign  T6360025
//
// and returns the FILE (spool id) of the first line whose TYPE is "ign".
// As in Ignition, an empty line ends the list.
func zvmConfigSpoolID(list string) (string, bool) {
	for _, line := range strings.Split(list, "\n") {
		f := strings.Fields(line)
		if len(f) <= 1 {
			break
		}
		if len(f) >= 11 && f[10] == "ign" {
			return f[1], true
		}
	}
	return "", false
}

// readConfigFile reads a config from a local file, device or pseudo-file,
// held to resource.MaxConfigSize.
func readConfigFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, resource.MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > resource.MaxConfigSize {
		return nil, fmt.Errorf("%s: %w: more than %d bytes (resource.MaxConfigSize)", path, resource.ErrTooLarge, resource.MaxConfigSize)
	}
	return data, nil
}

// isNotExist is errors.Is(err, fs.ErrNotExist).
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
