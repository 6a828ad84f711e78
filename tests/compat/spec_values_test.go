package compat

import (
	"fmt"
	"testing"

	"github.com/kindling-dev/kindling/config"
)

// specValueInputs put each source that the spec's ARN and data URL checks
// and the per-version value table decide into a config of every version:
// Kindling reads ARNs with internal/s3arn and data URLs with the
// reference's own library, and takes per-version values from the spec
// table, so the verdicts must match the reference's.
func specValueInputs() []validateInput {
	sources := []string{
		"arn:aws:s3:::b/k", "arn::s3:::b/k", "arn:aws-eusc:s3:::b/k", "arn:aws:s3:a/b::", "arn:aws:s3:::b",
		"arn:aws:s3:us-west-2:1:accesspoint/ap", "arn:aws:s3:us-west-2:1:accesspoint/ap/k",
		"arn:aws:s3:us-west-2:1:accesspoint/ap/object/k?versionId=", "arn:aws:s3:::b/k?versionId=1",
		"arn:aws:iam::1:user/x", "arn:aws:s3", "arn:aws:s3:::b/k#frag", "ARN:aws:s3:::b/k", "arn://aws:s3:::b/k",
		"data:;BASE64,aGk=", "data:;base64,aGk", "data:text/plain;charset=\"utf-8\",x", "data:text/plain;charset,x",
		"gs://b/o", "GS://b/o", "tftp://h/f", "s3://b/k?versionId=",
	}
	var inputs []validateInput
	for _, v := range config.Versions {
		for _, src := range sources {
			doc := fmt.Sprintf(`{"ignition":{"version":%q},"storage":{"files":[{"path":"/a","contents":{"source":%q}}]}}`, v, src)
			inputs = append(inputs, validateInput{fmt.Sprintf("%s %s", v, src), []byte(doc)})
		}
		for _, hash := range []string{"sha256-" + hexDigits(64), "sha512-" + hexDigits(128), "sha1-" + hexDigits(40)} {
			doc := fmt.Sprintf(`{"ignition":{"version":%q},"storage":{"files":[{"path":"/a","contents":{"source":"data:,x","verification":{"hash":%q}}}]}}`, v, hash)
			inputs = append(inputs, validateInput{fmt.Sprintf("%s hash %.8s", v, hash), []byte(doc)})
		}
		for _, format := range []string{"ext4", "btrfs", "xfs", "vfat", "swap", "none", "zfs"} {
			doc := fmt.Sprintf(`{"ignition":{"version":%q},"storage":{"filesystems":[{"device":"/dev/vdb","format":%q}]}}`, v, format)
			inputs = append(inputs, validateInput{fmt.Sprintf("%s format %s", v, format), []byte(doc)})
		}
		for _, pin := range []string{"tang", "tpm2", "sss", "yubikey"} {
			doc := fmt.Sprintf(`{"ignition":{"version":%q},"storage":{"luks":[{"name":"l","device":"/dev/vdb","clevis":{"custom":{"pin":%q,"config":"{}"}}}]}}`, v, pin)
			inputs = append(inputs, validateInput{fmt.Sprintf("%s pin %s", v, pin), []byte(doc)})
		}
	}
	return inputs
}

func hexDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "0123456789abcdef"[i%16]
	}
	return string(b)
}

// TestValidateSpecValues compares the verdicts on specValueInputs.
func TestValidateSpecValues(t *testing.T) {
	compareInputs(specValueInputs()).check(t, "spec values")
}
