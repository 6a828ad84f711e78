package providers

import (
	"context"
	"errors"
	"time"

	"github.com/kindling-dev/kindling/internal/resource"
)

// openstack: a config drive (label config-2) or the metadata service,
// whichever answers first. Both may be enabled; neither is guaranteed.
// Offline, only the drive is looked for, briefly; without it the fetch
// stage tries both once the network is up.
type openstack struct{}

var openstackMetadata = simpleHTTP{name: "openstack", url: "http://169.254.169.254/openstack/latest/user_data"}

func init() {
	src := openstackMetadata.source()
	src.Reads = append([]string{"config drive config-2|CONFIG-2: " + openstackUserData}, src.Reads...)
	Register(openstack{}, src)
}

func (openstack) Name() string { return "openstack" }

type answer struct {
	data []byte
	err  error
}

// definitive says whether an answer settles the question.
func (a answer) definitive() bool { return a.err == nil || errors.Is(a.err, ErrNoConfig) }

func (openstack) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	labels := []string{"config-2", "CONFIG-2"}
	if fc.Offline {
		dev, err := fc.waitDrive(ctx, labels, 2*time.Second)
		if err != nil {
			return nil, resource.ErrNeedsNetwork
		}
		return readFromDrive(ctx, dev, []string{openstackUserData})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan answer, 2)
	go func() {
		dev, err := fc.waitDrive(ctx, labels, fc.driveWait())
		if err != nil {
			results <- answer{err: err}
			return
		}
		data, err := readFromDrive(ctx, dev, []string{openstackUserData})
		results <- answer{data, err}
	}()
	go func() {
		data, err := openstackMetadata.FetchConfig(ctx, fc)
		results <- answer{data, err}
	}()
	first := <-results
	if first.definitive() {
		return first.data, first.err
	}
	second := <-results
	if second.definitive() {
		return second.data, second.err
	}
	if errors.Is(first.err, errNoDrive) {
		return nil, second.err
	}
	return nil, first.err
}
