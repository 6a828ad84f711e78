package providers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kindling-dev/kindling/internal/resource"
)

// cloudstack: the config drive (label config-2) when the network offering
// attaches one, else the virtual router's metadata service. The router is
// the DHCP server that leased the primary interface its address, so its
// address comes from systemd-networkd's lease files. Offline only the
// drive is looked for; without it the fetch stage asks the router once the
// network is up.
type cloudstack struct{}

const (
	cloudstackDriveFile = "cloudstack/userdata/user_data.txt"
	// cloudstackDriveWait: the drive is attached when the VM is created,
	// so it is there from boot; waiting longer would only delay VMs whose
	// offering uses the router instead.
	cloudstackDriveWait = 2 * time.Second
	// networkdLeases holds one file per interface, named by its index.
	networkdLeases = "/run/systemd/netif/leases"
)

var cloudstackDriveLabels = []string{"config-2", "CONFIG-2"}

func init() {
	Register(cloudstack{}, Source{Reads: []string{
		"config drive " + strings.Join(cloudstackDriveLabels, "|") + ": " + cloudstackDriveFile,
		"GET http://ROUTER/latest/user-data (ROUTER: the DHCP server of " + networkdLeases + ")"}})
}

func (cloudstack) Name() string { return "cloudstack" }

func (cloudstack) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	wait := cloudstackDriveWait
	if fc.DriveWait > 0 && fc.DriveWait < wait {
		wait = fc.DriveWait
	}
	dev, err := fc.waitDrive(ctx, cloudstackDriveLabels, wait)
	if err == nil {
		return readFromDrive(ctx, dev, []string{cloudstackDriveFile})
	}
	if !errors.Is(err, errNoDrive) {
		return nil, fmt.Errorf("cloudstack: %w", err)
	}
	if fc.Offline {
		return nil, fmt.Errorf("cloudstack: no config drive (labels %v), the virtual router must be asked: %w",
			cloudstackDriveLabels, resource.ErrNeedsNetwork)
	}
	router, err := dhcpServer(filepath.Join(fc.Root, networkdLeases))
	if err != nil {
		return nil, fmt.Errorf("cloudstack: no config drive (labels %v), and the virtual router is unknown: %w",
			cloudstackDriveLabels, err)
	}
	fc.logger().Debug("asking the cloudstack virtual router", "router", router)
	body, err := fc.metadataCall(ctx, http.MethodGet, fc.metadataURL(cloudstackUserDataURL(router)), nil)
	if statusOf(err) == http.StatusNotFound {
		return nil, ErrNoConfig
	}
	if err != nil {
		return nil, fmt.Errorf("cloudstack virtual router %s: %w", router, err)
	}
	return decodeUserData("cloudstack", body, false)
}

// cloudstackUserDataURL is where the virtual router serves user data.
func cloudstackUserDataURL(router netip.Addr) string {
	host := router.Unmap().String()
	if router.Unmap().Is6() {
		host = "[" + host + "]"
	}
	return "http://" + host + "/latest/user-data"
}

// dhcpServer returns the SERVER_ADDRESS of the lease of the primary
// interface: the one with the lowest interface index that has a lease
// naming a server (lo, index 1, never has one).
func dhcpServer(dir string) (netip.Addr, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("reading DHCP leases: %w", err)
	}
	type lease struct {
		index int
		path  string
	}
	var leases []lease
	for _, e := range entries {
		if i, err := strconv.Atoi(e.Name()); err == nil && e.Type().IsRegular() {
			leases = append(leases, lease{i, filepath.Join(dir, e.Name())})
		}
	}
	sort.Slice(leases, func(a, b int) bool { return leases[a].index < leases[b].index })
	for _, l := range leases {
		addr, err := leaseServer(l.path)
		if err != nil {
			return netip.Addr{}, err
		}
		if addr.IsValid() {
			return addr, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no DHCP lease with a SERVER_ADDRESS in %s", dir)
}

// leaseServer reads SERVER_ADDRESS= from one networkd lease file; the zero
// Addr means the key is absent.
func leaseServer(path string) (netip.Addr, error) {
	f, err := os.Open(path)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("reading DHCP lease: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || key != "SERVER_ADDRESS" {
			continue
		}
		addr, err := netip.ParseAddr(strings.Trim(value, `"`))
		if err != nil {
			return netip.Addr{}, fmt.Errorf("DHCP lease %s: SERVER_ADDRESS %q is not an IP address", path, value)
		}
		return addr, nil
	}
	if err := sc.Err(); err != nil {
		return netip.Addr{}, fmt.Errorf("reading DHCP lease %s: %w", path, err)
	}
	return netip.Addr{}, nil
}
