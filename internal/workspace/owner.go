package workspace

import (
	"io/fs"
	"os"
	"syscall"
)

// owner is whose the files the action writes are made: on GitHub the
// container runs as root while the steps after it run as the runner user
// (uid 1001 on hosted runners), who owns the checkout. A root-owned state
// file can still be replaced by `git` there, but not edited in place
// (`jq … > state.json`, `>>`): "Permission denied".
type owner struct {
	uid, gid int
	set      bool // false: leave files to whoever runs the action
}

// ownerFor decides the owner of the files written in a workspace, from the
// effective uid of the process and the workspace directory's FileInfo:
// the workspace's owner when running as root in a workspace that belongs
// to someone else; nobody otherwise (a non-root process cannot give files
// away, and root's own workspace needs nothing).
func ownerFor(euid int, ws fs.FileInfo) owner {
	st, ok := ws.Sys().(*syscall.Stat_t)
	if euid != 0 || !ok || st == nil || st.Uid == 0 {
		return owner{}
	}
	return owner{uid: int(st.Uid), gid: int(st.Gid), set: true}
}

// give hands a file just created, before it is renamed into place, to the
// owner. Best effort: where root may not give files away (a user
// namespace that does not map the owner, NFS with root squashing) the file
// stays root's, as it always was, and the state it holds is still saved.
func (o owner) give(f *os.File) {
	if o.set {
		f.Chown(o.uid, o.gid)
	}
}
