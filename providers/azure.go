package providers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// azure: the VM's user data from IMDS first; when none is set, the custom
// data in ovf-env.xml on the provisioning CD-ROM (a UDF or iso9660 disc
// without a fixed label), base64 in the CustomData element.
type azure struct{}

var azureIMDS = simpleHTTP{name: "azure",
	url:     "http://169.254.169.254/metadata/instance/compute/userData?api-version=2021-01-01&format=text",
	headers: map[string]string{"Metadata": "true"}, base64: true, retry: []int{410, 429}}

// ovfEnvSource is the provisioning CD-ROM's custom data.
const ovfEnvSource = "ovf-env.xml CustomData on the provisioning CD-ROM (UDF or iso9660)"

func init() {
	src := azureIMDS.source()
	src.Reads = append(src.Reads, ovfEnvSource)
	Register(azure{}, src)
}

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
// document. The element is found by its local name (namespace prefixes
// vary). Its text is base64, so a full XML decoder would only add weight to
// the binary; entities and CDATA are still honoured.
func customDataFromOVF(doc []byte) ([]byte, error) {
	text, found, err := elementText(string(doc), "CustomData")
	if err != nil {
		return nil, fmt.Errorf("azure: ovf-env.xml: %w", err)
	}
	text = strings.TrimSpace(text)
	if !found || text == "" {
		return nil, ErrNoConfig
	}
	out, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("azure: CustomData is not valid base64: %w", err)
	}
	return out, nil
}

// elementText finds the first element whose local name is local and
// returns its character data.
func elementText(doc, local string) (string, bool, error) {
	for i := 0; ; {
		lt := strings.IndexByte(doc[i:], '<')
		if lt < 0 {
			return "", false, nil
		}
		start := i + lt + 1
		gt := strings.IndexByte(doc[start:], '>')
		if gt < 0 {
			return "", false, errors.New("unterminated tag")
		}
		tag := doc[start : start+gt]
		i = start + gt + 1
		name, _, _ := strings.Cut(tag, " ")
		name = strings.TrimRight(strings.TrimSpace(name), "/")
		if _, after, ok := strings.Cut(name, ":"); ok {
			name = after
		}
		if name != local || strings.HasPrefix(tag, "/") {
			continue
		}
		if strings.HasSuffix(tag, "/") {
			return "", true, nil
		}
		closing := closingTag(doc[i:], local)
		if closing < 0 {
			return "", false, fmt.Errorf("element %s is not closed", local)
		}
		text, err := charData(doc[i : i+closing])
		return text, true, err
	}
}

// closingTag finds the closing tag </prefix:local> or </local>.
func closingTag(rest, local string) int {
	for off := 0; ; {
		j := strings.Index(rest[off:], "</")
		if j < 0 {
			return -1
		}
		at := off + j
		end := strings.IndexByte(rest[at:], '>')
		if end < 0 {
			return -1
		}
		name := strings.TrimSpace(rest[at+2 : at+end])
		if _, after, ok := strings.Cut(name, ":"); ok {
			name = after
		}
		if name == local {
			return at
		}
		off = at + 2
	}
}

// charData resolves CDATA sections and the predefined and numeric entities.
func charData(raw string) (string, error) {
	var b strings.Builder
	for raw != "" {
		switch {
		case strings.HasPrefix(raw, "<![CDATA["):
			body, rest, ok := strings.Cut(raw[len("<![CDATA["):], "]]>")
			if !ok {
				return "", errors.New("unterminated CDATA section")
			}
			b.WriteString(body)
			raw = rest
		case raw[0] == '&':
			ent, rest, ok := strings.Cut(raw[1:], ";")
			if !ok {
				return "", errors.New("unterminated entity")
			}
			r, err := entity(ent)
			if err != nil {
				return "", err
			}
			b.WriteString(r)
			raw = rest
		case raw[0] == '<':
			return "", errors.New("unexpected markup inside CustomData")
		default:
			n := strings.IndexAny(raw, "&<")
			if n < 0 {
				n = len(raw)
			}
			b.WriteString(raw[:n])
			raw = raw[n:]
		}
	}
	return b.String(), nil
}

func entity(name string) (string, error) {
	switch name {
	case "lt":
		return "<", nil
	case "gt":
		return ">", nil
	case "amp":
		return "&", nil
	case "quot":
		return "\"", nil
	case "apos":
		return "'", nil
	}
	base, digits := 10, strings.TrimPrefix(name, "#")
	if digits == name {
		return "", fmt.Errorf("unknown entity &%s;", name)
	}
	if rest, ok := strings.CutPrefix(digits, "x"); ok {
		base, digits = 16, rest
	}
	n, err := strconv.ParseUint(digits, base, 21)
	if err != nil {
		return "", fmt.Errorf("bad character reference &%s;", name)
	}
	return string(rune(n)), nil
}

// azurestack: Azure Stack Hub has no IMDS user data; only the custom data
// on the provisioning CD-ROM.
type azurestack struct{}

func init() { Register(azurestack{}, Source{Reads: []string{ovfEnvSource}}) }

func (azurestack) Name() string { return "azurestack" }

func (azurestack) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	return azureCustomData(ctx, fc)
}
