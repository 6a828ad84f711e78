package report

import (
	"encoding/json"
	"testing"
)

func TestJSONDocument(t *testing.T) {
	var empty Report
	b, err := empty.JSON("a.yaml")
	if err != nil || string(b) != `{"file":"a.yaml","entries":[]}` {
		t.Fatalf("empty report: %s %v", b, err)
	}
	var r Report
	r.Warnf(Path{"storage", "files", 0, "mode"}, "careful")
	r.Entries[0].Line, r.Entries[0].Column = 3, 7
	b, err = r.JSON("<stdin>")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		File    string
		Entries []struct {
			Level, Path, Message string
			Line, Column         int
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	e := doc.Entries[0]
	if doc.File != "<stdin>" || len(doc.Entries) != 1 || e.Level != "warning" || e.Path != "storage.files.0.mode" || e.Line != 3 || e.Column != 7 || e.Message != "careful" {
		t.Errorf("round trip: %s -> %+v", b, doc)
	}
}
