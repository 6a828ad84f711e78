package fetch

import (
	"context"
	"errors"
	"testing"

	"github.com/kindling-dev/kindling/providers"
	"github.com/kindling-dev/kindling/stages"
)

// removable is a platform whose config can be removed; it records the
// calls so the test sees that Cleanup reached it.
type removable struct {
	name    string
	removed *int
	err     error
}

func (r removable) Name() string { return r.name }
func (r removable) FetchConfig(context.Context, *providers.FetchContext) ([]byte, error) {
	return nil, providers.ErrNoConfig
}
func (r removable) RemoveConfig(context.Context, *providers.FetchContext) error {
	*r.removed++
	return r.err
}

func TestCleanupRemovesTheConfigWhereThePlatformCan(t *testing.T) {
	t.Parallel()
	var ok, failing int
	// The test's platforms, in front of the real ones.
	own := map[string]providers.Provider{
		"test-removable":        removable{name: "test-removable", removed: &ok},
		"test-removable-broken": removable{name: "test-removable-broken", removed: &failing, err: errors.New("read-only")},
	}
	opts := Options{Providers: func(name string) (providers.Provider, error) {
		if p, found := own[name]; found {
			return p, nil
		}
		return providers.Get(name)
	}}

	if err := Cleanup(context.Background(), &stages.Env{Platform: "test-removable"}, opts); err != nil || ok != 1 {
		t.Fatalf("cleanup: %v, removed %d times", err, ok)
	}
	err := Cleanup(context.Background(), &stages.Env{Platform: "test-removable-broken"}, opts)
	if err == nil || failing != 1 {
		t.Fatalf("a failed removal must be reported: %v (%d calls)", err, failing)
	}
	// A platform without the capability has nothing to do.
	if err := Cleanup(context.Background(), &stages.Env{Platform: "qemu"}, opts); err != nil {
		t.Fatalf("qemu: %v", err)
	}
	if err := Cleanup(context.Background(), &stages.Env{Platform: "no-such-platform"}, opts); err == nil {
		t.Fatal("an unknown platform must be an error")
	}
}
