package workspace

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dirInfo is a workspace directory's FileInfo as os.Stat gives it on Linux.
type dirInfo struct{ st *syscall.Stat_t }

func (dirInfo) Name() string          { return "workspace" }
func (dirInfo) Size() int64           { return 4096 }
func (dirInfo) Mode() fs.FileMode     { return fs.ModeDir | 0o755 }
func (dirInfo) ModTime() time.Time    { return time.Time{} }
func (dirInfo) IsDir() bool           { return true }
func (i dirInfo) Sys() any            { return i.st }
func ownedBy(uid, gid uint32) dirInfo { return dirInfo{&syscall.Stat_t{Uid: uid, Gid: gid}} }

func TestOwnerFor(t *testing.T) {
	for _, tc := range []struct {
		name string
		euid int
		ws   fs.FileInfo
		want owner
	}{
		{"root in the runner's checkout (GitHub)", 0, ownedBy(1001, 118), owner{uid: 1001, gid: 118, set: true}},
		{"root in root's workspace", 0, ownedBy(0, 0), owner{}},
		{"root in a workspace owned by uid 0, group other", 0, ownedBy(0, 118), owner{}},
		{"the runner user itself", 1001, ownedBy(1001, 118), owner{}},
		{"another user cannot give files away", 1002, ownedBy(1001, 118), owner{}},
		{"no stat information", 0, dirInfo{nil}, owner{}},
	} {
		if got := ownerFor(tc.euid, tc.ws); !cmp.Equal(got, tc.want, cmp.AllowUnexported(owner{})) {
			t.Errorf("%s: ownerFor = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// As the runner runs the container: root, in a checkout owned by uid 1001.
// Both a new file and a replaced root-owned one end up the checkout's.
func TestWriteAsRootGivesFilesToTheWorkspaceOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (the runner runs container actions as root); covered by TestOwnerFor otherwise")
	}
	ws := t.TempDir()
	if err := os.Chown(ws, 1001, 1002); err != nil {
		t.Skip("cannot give the workspace away here:", err)
	}
	os.WriteFile(filepath.Join(ws, "report.json"), []byte("old"), 0o644) // root's, as before this change
	d, err := Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, name := range []string{"state.json", "report.json"} {
		if err := d.Write(name, []byte("x")); err != nil {
			t.Fatal(err)
		}
		info, err := os.Lstat(filepath.Join(ws, name))
		if err != nil {
			t.Fatal(err)
		}
		st := info.Sys().(*syscall.Stat_t)
		if st.Uid != 1001 || st.Gid != 1002 || info.Mode().Perm() != 0o644 {
			t.Errorf("%s: uid %d gid %d mode %v; want 1001, 1002, -rw-r--r--", name, st.Uid, st.Gid, info.Mode())
		}
	}
}
