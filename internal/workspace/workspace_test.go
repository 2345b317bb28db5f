package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func open(t *testing.T) (*Dir, string) {
	t.Helper()
	ws := t.TempDir()
	d, err := Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, ws
}

func TestRel(t *testing.T) {
	t.Parallel()
	d, ws := open(t)
	for in, want := range map[string]string{
		"state.json":                  "state.json",
		"./dir/../state.json":         "state.json",
		filepath.Join(ws, "a/b.json"): "a/b.json",
	} {
		if got, err := d.Rel(in); err != nil || got != want {
			t.Errorf("Rel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, wantErr := range map[string]string{
		"/dev/null":           "outside the workspace",
		"/etc/passwd":         "outside the workspace",
		"../x.json":           "outside the workspace",
		".":                   "outside the workspace",
		"a\nb.json":           "control character",
		"state.json\r":        "control character",
		"  ":                  "empty",
		ws + "/../other.json": "outside the workspace",
	} {
		if _, err := d.Rel(in); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("Rel(%q) error = %v, want %q", in, err, wantErr)
		}
	}
}

func TestOwnFilesAreNeverReadOrWrittenThroughALink(t *testing.T) {
	t.Parallel()
	d, ws := open(t)
	secret := filepath.Join(ws, "secret.txt")
	os.WriteFile(secret, []byte("ROUTING-KEY"), 0o644)
	os.Symlink(secret, filepath.Join(ws, "state.json"))
	if _, err := d.ReadOwn("state.json"); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("ReadOwn through a symlink: %v", err)
	}
	if err := d.Write("state.json", []byte("x")); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("Write through a symlink: %v", err)
	}
	if b, _ := os.ReadFile(secret); string(b) != "ROUTING-KEY" {
		t.Errorf("the link's target was overwritten: %q", b)
	}
	// A link out of the workspace is refused even for input files.
	os.Symlink("/etc/hostname", filepath.Join(ws, "ids.txt"))
	if _, err := d.ReadInput("ids.txt"); err == nil {
		t.Error("ReadInput followed a link out of the workspace")
	}
	// A link inside it is fine for input files.
	os.WriteFile(filepath.Join(ws, "real.txt"), []byte("ids"), 0o644)
	os.Symlink("real.txt", filepath.Join(ws, "alias.txt"))
	if b, err := d.ReadInput("alias.txt"); err != nil || string(b) != "ids" {
		t.Errorf("ReadInput(alias) = %q, %v", b, err)
	}
}

func TestOnlyRegularFilesAreRead(t *testing.T) {
	t.Parallel()
	d, ws := open(t)
	if err := syscall.Mkfifo(filepath.Join(ws, "fifo"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, read := range []func(string) ([]byte, error){d.ReadOwn, d.ReadInput} {
		if _, err := read("fifo"); err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("read a FIFO: %v", err)
		}
	}
	os.Mkdir(filepath.Join(ws, "dir"), 0o755)
	if err := d.CheckWritable("dir"); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("CheckWritable(dir) = %v", err)
	}
	if _, err := d.ReadOwn("missing.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadsAreBounded(t *testing.T) {
	t.Parallel()
	d, ws := open(t)
	f, _ := os.Create(filepath.Join(ws, "huge.txt"))
	f.Truncate(maxFileBytes + 1) // sparse: costs no disk
	f.Close()
	if _, err := d.ReadInput("huge.txt"); err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("huge file: %v", err)
	}
}

func TestWriteIsAtomicAndLeavesNoTemporaryFile(t *testing.T) {
	t.Parallel()
	d, ws := open(t)
	if err := d.Write("state.json", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := d.Write("state.json", []byte("two")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(ws)
	if len(entries) != 1 {
		t.Errorf("workspace holds %v", entries)
	}
	if b, _ := d.ReadOwn("state.json"); string(b) != "two" {
		t.Errorf("content %q", b)
	}
	if err := d.Write("no-such-dir/state.json", []byte("x")); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}

// An input file that is a link the root does not follow (out of the
// workspace, or to nothing) says where it leads; not the root's "path
// escapes from parent", nor a "does not exist" of a link that exists.
func TestAnInputLinkNotFollowedSaysWhereItLeads(t *testing.T) {
	t.Parallel()
	d, ws := open(t)
	for name, target := range map[string]string{"out.txt": "/etc/hostname", "dangling.txt": "gone.txt"} {
		if err := os.Symlink(target, filepath.Join(ws, name)); err != nil {
			t.Fatal(err)
		}
		_, err := d.ReadInput(name)
		if err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), name+" is a symbolic link to "+target+", which is not a file in the workspace") {
			t.Errorf("ReadInput(%s) = %v", name, err)
		}
	}
	if _, err := d.ReadInput("missing.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadInput(missing) = %v, want a file that does not exist", err)
	}
}
