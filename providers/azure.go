package providers

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// azure: the VM's user data from IMDS first; when none is set, the custom
// data in ovf-env.xml on the provisioning CD-ROM (a UDF or iso9660 disc
// without a fixed label), base64 in the CustomData element.
type azure struct{}

var azureIMDS = simpleHTTP{name: "azure",
	url:     "http://169.254.169.254/metadata/instance/compute/userData?api-version=2021-01-01&format=text",
	headers: map[string]string{"Metadata": "true"}, base64: true, retry: []int{410, 429}}

func init() { Register(azure{}) }

func (azure) Name() string       { return "azure" }
func (azure) NeedsNetwork() bool { return true }

func (azure) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	data, err := azureIMDS.FetchConfig(ctx, fc)
	if !errors.Is(err, ErrNoConfig) {
		return data, err
	}
	fc.logger().Info("azure: no user data in IMDS, looking for custom data on the provisioning CD-ROM")
	return azureCustomData(ctx, fc)
}

// azureCustomData reads CustomData from the first disc holding an
// ovf-env.xml.
func azureCustomData(ctx context.Context, fc *FetchContext) ([]byte, error) {
	devs, err := fc.ovfCandidates(ctx)
	if err != nil {
		return nil, err
	}
	for _, dev := range devs {
		env, err := readFromDrive(ctx, dev, []string{"ovf-env.xml"})
		if errors.Is(err, ErrNoConfig) {
			continue
		}
		if err != nil {
			fc.logger().Warn("azure: cannot read candidate provisioning disc", "device", dev, "error", err)
			continue
		}
		return customDataFromOVF(env)
	}
	return nil, ErrNoConfig
}

// ovfCandidates lists UDF and iso9660 filesystems.
func (fc *FetchContext) ovfCandidates(ctx context.Context) ([]string, error) {
	if fc.FindDrive != nil {
		dev, err := fc.FindDrive(nil)
		if err != nil {
			return nil, nil
		}
		return []string{dev}, nil
	}
	var devs []string
	for _, t := range []string{"udf", "iso9660"} {
		out, _ := exec.CommandContext(ctx, "blkid", "-c", "/dev/null", "-o", "device", "-t", "TYPE="+t).Output()
		devs = append(devs, strings.Fields(string(out))...)
	}
	return devs, nil
}

// customDataFromOVF returns the decoded CustomData of an OVF environment
// document (namespace prefixes vary, so match the local name).
func customDataFromOVF(doc []byte) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, ErrNoConfig
			}
			return nil, fmt.Errorf("azure: ovf-env.xml: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "CustomData" {
			continue
		}
		var text string
		if err := dec.DecodeElement(&text, &start); err != nil {
			return nil, fmt.Errorf("azure: ovf-env.xml CustomData: %w", err)
		}
		text = strings.TrimSpace(text)
		if text == "" {
			return nil, ErrNoConfig
		}
		out, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return nil, fmt.Errorf("azure: CustomData is not valid base64: %w", err)
		}
		return out, nil
	}
}

// azurestack: Azure Stack Hub has no IMDS user data; only the custom data
// on the provisioning CD-ROM.
type azurestack struct{}

func init() { Register(azurestack{}) }

func (azurestack) Name() string { return "azurestack" }

func (azurestack) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	return azureCustomData(ctx, fc)
}
