package main

import (
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/stages"
)

// TestStagesDescribeThemselves: every linked stage has a summary for help,
// and the stages provision apply picks follow from their descriptions.
func TestStagesDescribeThemselves(t *testing.T) {
	t.Parallel()
	for _, name := range stages.Order {
		s, err := stages.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if stages.InfoOf(s).Summary == "" {
			t.Errorf("stage %s has no summary", name)
		}
	}
	var inRoot []string
	for _, name := range stages.Order {
		if s, _ := stages.Get(name); stages.InfoOf(s).InRoot {
			inRoot = append(inRoot, name)
		}
	}
	if got := strings.Join(inRoot, " "); got != "mount files umount" {
		t.Errorf("stages whose --root must exist: %q", got)
	}
	if got := strings.Join(stages.Default.ConfigStages(false), " "); got != "kargs files" {
		t.Errorf("apply without --with-disks runs %q", got)
	}
	if got := strings.Join(stages.Default.ConfigStages(true), " "); got != "kargs disks mount files umount" {
		t.Errorf("apply --with-disks runs %q", got)
	}
}
