package files

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/internal/rootfs"
	"github.com/kindling-dev/kindling/stages"
)

// The directories the mount stage made at or under a new user's home go to
// that user with mode 0700 (useradd leaves an existing home to root);
// others, and those of a user whose home is not to be created, stay as
// the mount stage left them.
func TestHomeMountDirsGoToTheUser(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create users and change owners")
	}
	root := newRoot(t)
	made := []string{"/home/alice", "/home/alice/data", "/home/alice/data/mnt", "/srv", "/srv/mnt", "/home/bob", "/home/bob/mnt"}
	for _, d := range made {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := &stages.Env{Root: root, RunDir: t.TempDir(), Fetcher: resource.New(resource.Options{})}
	if err := env.RecordMadeDirs(made); err != nil {
		t.Fatal(err)
	}
	cfg, rep, err := config.Parse([]byte(`{"ignition":{"version":"3.2.0"},"passwd":{"users":[
		{"name":"alice","uid":2001},
		{"name":"bob","uid":2002,"noCreateHome":true,"homeDir":"/home/bob"}]}}`))
	if err != nil {
		t.Fatalf("%v\n%v", err, rep)
	}
	if err := (stage{}).Run(context.Background(), env, &cfg); err != nil {
		t.Fatal(err)
	}
	alice := lookupGID(t, root, "alice")
	for _, w := range []wantNode{
		{path: "home/alice", mode: os.ModeDir | 0o700, uid: 2001, gid: alice},
		{path: "home/alice/data", mode: os.ModeDir | 0o700, uid: 2001, gid: alice},
		{path: "home/alice/data/mnt", mode: os.ModeDir | 0o700, uid: 2001, gid: alice},
		{path: "srv/mnt", mode: os.ModeDir | 0o755},
		{path: "home/bob/mnt", mode: os.ModeDir | 0o755},
	} {
		checkNode(t, root, w)
	}
}

func lookupGID(t *testing.T, root, name string) int {
	t.Helper()
	r, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	accts, err := readAccounts(r)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := accts.users[name]
	if !ok {
		t.Fatalf("user %q not created", name)
	}
	return a.gid
}

// The mount stage's list survives the trip between the two processes.
func TestMadeDirsRoundTrip(t *testing.T) {
	t.Parallel()
	env := &stages.Env{RunDir: t.TempDir()}
	if got, err := env.MadeDirs(); err != nil || got != nil {
		t.Fatalf("before any mount: %q, %v", got, err)
	}
	want := []string{"/var/lib/a b", "/var/lib/a b/\nc"}
	if err := env.RecordMadeDirs(want); err != nil {
		t.Fatal(err)
	}
	got, err := env.MadeDirs()
	if err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
}
