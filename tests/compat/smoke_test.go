package compat

import (
	"testing"

	butane "github.com/coreos/butane/config"
	butanecommon "github.com/coreos/butane/config/common"
	ignition "github.com/coreos/ignition/v2/config"
	"github.com/coreos/ignition/v2/tests/register"
	_ "github.com/coreos/ignition/v2/tests/registry"

	kconfig "github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/transpile"
)

func TestReferencesLink(t *testing.T) {
	_, rpt, err := ignition.Parse([]byte(`{"ignition":{"version":"3.6.0"}}`))
	if err != nil || rpt.IsFatal() {
		t.Fatalf("ignition rejects minimal config: %v %v", err, rpt)
	}
	_, _, err = butane.TranslateBytes([]byte("variant: fcos\nversion: 1.6.0\n"), butanecommon.TranslateBytesOptions{})
	if err != nil {
		t.Fatalf("butane: %v", err)
	}
	if len(register.Tests[register.PositiveTest]) == 0 {
		t.Fatal("no registered positive tests")
	}
	_ = kconfig.Parse
	_ = transpile.Translate
}
