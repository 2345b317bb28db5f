// Package workspace reads and writes the action's files, confined to the
// workspace directory. A path input can name only a file inside it (os.Root
// enforces that, symlinks included); the files the action owns (state,
// report, the copy of a corrupt state) are never read or written through a
// symlink; only regular files are read, and never more than maxFileBytes.
package workspace

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"
)

// maxFileBytes bounds every file read: far above a real state file or
// process list (10,000 processes is about 1 MB), far below what would
// exhaust the runner's memory.
const maxFileBytes = 64 << 20

// Dir is the workspace.
type Dir struct {
	path  string
	root  *os.Root
	owner owner
}

// Open opens the workspace directory.
func Open(path string) (*Dir, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("workspace %s: %w", abs, err)
	}
	info, err := root.Stat(".")
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("workspace %s: %w", abs, err)
	}
	return &Dir{path: abs, root: root, owner: ownerFor(os.Geteuid(), info)}, nil
}

// Abs is where a workspace-relative path is on this machine (in a
// container action, under /github/workspace).
func (d *Dir) Abs(rel string) string { return filepath.Join(d.path, rel) }

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// Rel turns a path input into a clean path relative to the workspace, or
// says why it cannot be one: control characters (they could add lines to
// the runner's files), or a place outside the workspace.
func (d *Dir) Rel(p string) (string, error) {
	if strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return "", errors.New("contains a control character")
	}
	if strings.TrimSpace(p) == "" {
		return "", errors.New("is empty")
	}
	rel := filepath.Clean(p)
	if filepath.IsAbs(p) {
		r, err := filepath.Rel(d.path, rel)
		if err != nil {
			return "", fmt.Errorf("%s is outside the workspace %s", p, d.path)
		}
		rel = r
	}
	if rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the workspace %s; use a path relative to it", p, d.path)
	}
	return rel, nil
}

// ReadOwn reads a file the action owns (the state file): it must be a
// regular file and not a symlink. A missing file is fs.ErrNotExist.
func (d *Dir) ReadOwn(name string) ([]byte, error) {
	info, err := d.root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(name, info)
	}
	f, err := d.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The file opened must be the one looked at: not swapped for a link
	// in between.
	if opened, err := f.Stat(); err != nil || !os.SameFile(info, opened) {
		return nil, fmt.Errorf("%s changed while it was opened", name)
	}
	return readBounded(f, name)
}

// ReadInput reads an input file (a process list). It may be a symlink to
// another file in the workspace; it must be a regular file.
func (d *Dir) ReadInput(name string) ([]byte, error) {
	f, err := d.open(name)
	if err != nil {
		return nil, d.linkNotFollowed(name, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(name, info)
	}
	return readBounded(f, name)
}

// linkNotFollowed is err, the failure to open name, unless name is a
// symbolic link: then it says where the link leads, which is not a file
// in the workspace (outside it, or nothing), rather than the root's "path
// escapes from parent" or a "does not exist" of a link that does.
func (d *Dir) linkNotFollowed(name string, err error) error {
	info, lerr := d.root.Lstat(name)
	if lerr != nil || info.Mode()&fs.ModeSymlink == 0 {
		return err
	}
	target, lerr := d.root.Readlink(name)
	if lerr != nil {
		return err
	}
	return fmt.Errorf("%s is a symbolic link to %s, which is not a file in the workspace %s: a link may lead only to a file inside it", name, target, d.path)
}

// open opens for reading without blocking: a FIFO would otherwise wait for
// a writer forever, before any deadline applies.
func (d *Dir) open(name string) (*os.File, error) {
	return d.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

func readBounded(f *os.File, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxFileBytes>>20)
	}
	return data, nil
}

// CheckWritable says whether name can be written by Write: missing, or a
// regular file. Called before any request, so a bad path fails early.
func (d *Dir) CheckWritable(name string) error {
	info, err := d.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !info.Mode().IsRegular():
		return notRegular(name, info)
	}
	return nil
}

// Write replaces name with data atomically: a temporary file beside it,
// synced, renamed over it. When the action runs as root in a workspace
// owned by another user (as on GitHub), the file is made that user's
// before it appears, so later steps can edit it. It refuses to replace anything but a regular
// file, so it never writes through a symlink or over a device.
func (d *Dir) Write(name string, data []byte) error {
	if err := d.CheckWritable(name); err != nil {
		return err
	}
	var suffix [8]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".tmp-"+hex.EncodeToString(suffix[:]))
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	d.owner.give(f)
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = d.root.Rename(tmp, name)
	}
	if werr != nil {
		d.root.Remove(tmp)
		return werr
	}
	// Make the rename itself durable.
	if dir, err := d.root.Open(filepath.Dir(name)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}

func notRegular(name string, info fs.FileInfo) error {
	what := "not a regular file"
	switch m := info.Mode(); {
	case m&fs.ModeSymlink != 0:
		what = "a symlink; the action does not follow links for the files it owns"
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		what = "a device"
	}
	return fmt.Errorf("%s is %s", name, what)
}
