package providers

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func ovfEnv(customData string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" xmlns:wa="http://schemas.microsoft.com/windowsazure">
  <wa:ProvisioningSection>
    <wa:LinuxProvisioningConfigurationSet>
      <wa:HostName>vm1</wa:HostName>
      <wa:CustomData>%s</wa:CustomData>
    </wa:LinuxProvisioningConfigurationSet>
  </wa:ProvisioningSection>
</Environment>`, customData)
}

func TestCustomDataFromOVF(t *testing.T) {
	t.Parallel()
	got, err := customDataFromOVF([]byte(ovfEnv(base64.StdEncoding.EncodeToString([]byte(userData)))))
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := customDataFromOVF([]byte(ovfEnv(""))); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("empty CustomData: %v", err)
	}
	if _, err := customDataFromOVF([]byte(`<Environment><HostName>x</HostName></Environment>`)); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("no CustomData: %v", err)
	}
	if _, err := customDataFromOVF([]byte(ovfEnv("!!!"))); err == nil || errors.Is(err, ErrNoConfig) {
		t.Fatalf("bad base64: %v", err)
	}
}

// TestCustomDataForms: the other spellings an OVF document may use.
func TestCustomDataForms(t *testing.T) {
	t.Parallel()
	enc := base64.StdEncoding.EncodeToString([]byte(userData))
	for name, doc := range map[string]string{
		"no prefix":           `<Environment><CustomData>` + enc + `</CustomData></Environment>`,
		"other prefix, attrs": `<ns1:CustomData a="b">` + enc + `</ns1:CustomData>`,
		"cdata":               `<wa:CustomData><![CDATA[` + enc + `]]></wa:CustomData>`,
		"entities":            `<wa:CustomData>&#x20;` + enc + `&#10;</wa:CustomData>`,
		"after a lookalike":   `<wa:CustomDataX>no</wa:CustomDataX><wa:CustomData>` + enc + `</wa:CustomData>`,
	} {
		got, err := customDataFromOVF([]byte(doc))
		if err != nil || string(got) != userData {
			t.Errorf("%s: got %q, %v", name, got, err)
		}
	}
	if _, err := customDataFromOVF([]byte(`<wa:CustomData/>`)); !errors.Is(err, ErrNoConfig) {
		t.Errorf("self-closing: %v", err)
	}
	for name, doc := range map[string]string{
		"unclosed":       `<wa:CustomData>abc`,
		"bad entity":     `<wa:CustomData>&nope;</wa:CustomData>`,
		"nested markup":  `<wa:CustomData>a<b/>c</wa:CustomData>`,
		"unclosed cdata": `<wa:CustomData><![CDATA[abc</wa:CustomData>`,
	} {
		if _, err := customDataFromOVF([]byte(doc)); err == nil || errors.Is(err, ErrNoConfig) {
			t.Errorf("%s: want an error, got %v", name, err)
		}
	}
}

// TestAzureFallsBackToCDROM: IMDS has no user data, so the custom data on
// the provisioning disc (a real filesystem on a loop device) is used.
func TestAzureFallsBackToCDROM(t *testing.T) {
	needRoot(t, "genisoimage", "mkfs.ext4", "losetup")
	dev := drive(t, "iso9660", "rd_rdfe", map[string]string{
		"ovf-env.xml": ovfEnv(base64.StdEncoding.EncodeToString([]byte(userData))),
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata") != "true" {
			http.Error(w, "no", http.StatusBadRequest)
		}
		// 200 with an empty body: no user data set.
	}))
	defer srv.Close()
	fc := testContext(srv)
	fc.FindDrive = only(dev)
	got, err := fetch(t, "azure", fc)
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
	fc.FindDrive = func([]string) (string, error) { return "", errNoDrive }
	if _, err := fetch(t, "azure", fc); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("no disc: %v", err)
	}
}

func TestAzureStack(t *testing.T) {
	needRoot(t, "genisoimage", "mkfs.ext4", "losetup")
	dev := drive(t, "iso9660", "rd_rdfe", map[string]string{
		"ovf-env.xml": ovfEnv(base64.StdEncoding.EncodeToString([]byte(userData))),
	})
	got, err := fetch(t, "azurestack", &FetchContext{FindDrive: only(dev)})
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
}
