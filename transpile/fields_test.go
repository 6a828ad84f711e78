package transpile

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
)

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"httpHeaders": "http_headers", "sizeMiB": "size_mib", "startMiB": "start_mib",
		"typeGuid": "type_guid", "sshAuthorizedKeys": "ssh_authorized_keys",
		"httpsProxy": "https_proxy", "noProxy": "no_proxy", "uuid": "uuid",
		"httpResponseHeaders": "http_response_headers", "wipePartitionEntry": "wipe_partition_entry",
		"certificateAuthorities": "certificate_authorities", "tpm2": "tpm2",
	} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEveryFieldReachable walks the whole model and checks every JSON
// field has a dialect key (ignition.version alone is set by the variant).
func TestEveryFieldReachable(t *testing.T) {
	seen := map[reflect.Type]bool{}
	count := 0
	var walk func(reflect.Type, string)
	walk = func(tp reflect.Type, pattern string) {
		for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice {
			tp = tp.Elem()
		}
		if tp.Kind() != reflect.Struct || seen[tp] {
			return
		}
		seen[tp] = true
		fields := fieldsOf(tp)
		var visit func(reflect.Type)
		visit = func(st reflect.Type) {
			for i := 0; i < st.NumField(); i++ {
				sf := st.Field(i)
				if sf.Anonymous {
					visit(sf.Type)
					continue
				}
				name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
				if pattern+"."+name == ".ignition.version" {
					continue
				}
				count++
				if f, ok := fields[snake(name)]; !ok || f.jsonName != name {
					t.Errorf("%s%s.%s has no dialect key", tp, pattern, name)
				}
				walk(sf.Type, pattern+"."+name)
			}
		}
		visit(tp)
	}
	walk(reflect.TypeOf(config.Config{}), "")
	if count < 80 {
		t.Errorf("only %d fields walked; the model has far more", count)
	}
}
