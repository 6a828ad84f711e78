package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ignition "github.com/coreos/ignition/v2/config"
	"github.com/vincent-petithory/dataurl"

	"github.com/kindling-dev/kindling/internal/resource"
)

// TestFetchDataURLsLikeIgnition: for every data URL in the wild configs
// and a set of edge cases, Kindling's fetcher decodes it exactly when
// Ignition's validator accepts it, and to the bytes Ignition would write.
func TestFetchDataURLsLikeIgnition(t *testing.T) {
	urls := []string{
		"data:,hello", "data:,hello%20world", "data:,", "data:;base64,aGk=", "data:;BASE64,aGk=",
		"data:;base64,YWI", "data:;base64,YW I=", "data:,a b", "data:,a+b", "data:text/plain",
		"data:text/plain;charset=utf-8,a%2Cb", `data:text/plain;charset="utf-8",x`, "data:,%zz",
		"data:;base64,@@@", "data:application/octet-stream;base64,AAEC", "data:text/plain;base64,",
		"data:,{}", "data:,%7B%7D", "data:;charset=utf-8;base64,aGk=", "DATA:,x", "data:;base64,aGk=\n",
	}
	urls = append(urls, wildDataURLs(t)...)
	f := resource.New(resource.Options{Offline: true})
	agree := 0
	for _, u := range urls {
		cfg, _ := json.Marshal(map[string]any{
			"ignition": map[string]any{"version": "3.6.0"},
			"storage":  map[string]any{"files": []any{map[string]any{"path": "/a", "contents": map[string]any{"source": u}}}},
		})
		_, rpt, err := ignition.Parse(cfg)
		ignAccepts := err == nil && !rpt.IsFatal()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, ferr := f.Fetch(ctx, resource.Request{URL: u})
		cancel()
		if ignAccepts != (ferr == nil) {
			t.Errorf("%.80q: Ignition accepts: %v; Kindling fetch error: %v", u, ignAccepts, ferr)
			continue
		}
		if ferr == nil {
			du, err := dataurl.DecodeString(u)
			if err != nil || !bytes.Equal(du.Data, got) {
				t.Errorf("%.80q: Kindling wrote different bytes than Ignition would", u)
				continue
			}
		}
		agree++
	}
	t.Logf("%d data URLs, verdict and bytes agree on %d", len(urls), agree)
}

// wildDataURLs collects the data: sources of ../shared/wild-configs/ign.
func wildDataURLs(t *testing.T) []string {
	dir := filepath.Join("..", "..", "..", "shared", "wild-configs", "ign")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Logf("no wild configs (%v); edge cases only", err)
		return nil
	}
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if json.Unmarshal(b, &doc) != nil {
			continue
		}
		collect(doc, &out)
	}
	return out
}

func collect(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if s, ok := c.(string); ok && k == "source" && strings.HasPrefix(s, "data:") {
				*out = append(*out, s)
			}
			collect(c, out)
		}
	case []any:
		for _, c := range v {
			collect(c, out)
		}
	}
}
