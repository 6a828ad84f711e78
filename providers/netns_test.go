package providers

import (
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

const netnsHelperEnv = "KINDLING_PROVIDERS_NETNS_HELPER"

// TestAWSInNetworkNamespace runs the aws, gcp and vultr providers
// unchanged (real address 169.254.169.254, port 80, no DNS) against fake
// metadata services inside a network namespace this test creates, by
// re-running the test binary there.
func TestAWSInNetworkNamespace(t *testing.T) {
	t.Parallel()
	runInNetns(t, "^TestNetnsHelper$", netnsHelperEnv, "169.254.169.254/32")
}

// TestNetnsHelper is the part that runs inside the namespace.
func TestNetnsHelper(t *testing.T) {
	if os.Getenv(netnsHelperEnv) == "" {
		t.Skip("only run by TestAWSInNetworkNamespace")
	}
	l, err := net.Listen("tcp", "169.254.169.254:80")
	if err != nil {
		t.Fatal(err)
	}
	imds := &fakeIMDS{userData: userData}
	mux := http.NewServeMux()
	mux.Handle("/latest/", imds)
	mux.Handle("/2019-10-01/", imds)
	// GCE's metadata server refuses requests without Metadata-Flavor:
	// Google and marks its answers with the same header.
	mux.HandleFunc("/computeMetadata/v1/instance/attributes/user-data", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata-Flavor") != "Google" {
			http.Error(w, "Missing Metadata-Flavor:Google header.", http.StatusForbidden)
			return
		}
		w.Header().Set("Metadata-Flavor", "Google")
		w.Write([]byte(userData))
	})
	mux.HandleFunc("/user-data/user-data", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(userData)) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	defer srv.Close()
	got, err := fetch(t, "aws", &FetchContext{MaxAttempts: 3, HTTPTimeout: 2 * time.Second})
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
	if imds.puts.Load() != 1 || imds.gets.Load() != 1 {
		t.Fatalf("IMDS saw %d token and %d data requests, want 1 and 1", imds.puts.Load(), imds.gets.Load())
	}
	for _, platform := range []string{"gcp", "vultr"} {
		got, err := fetch(t, platform, &FetchContext{MaxAttempts: 3, HTTPTimeout: 2 * time.Second})
		if err != nil || string(got) != userData {
			t.Fatalf("%s: got %q, %v", platform, got, err)
		}
	}
}
