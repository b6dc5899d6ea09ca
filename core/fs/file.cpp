// file.cpp — descriptor tables: fs/file.c.
//
// Models alloc_fd (lowest free number from next_fd, EMFILE at
// RLIMIT_NOFILE), the reserve-then-install split of get_unused_fd_flags and
// fd_install, close_fd/pick_file, dup/dup2 (including do_dup2's EBUSY on a
// reserved slot) and dup_fd for fork. Tables grow like expand_files (64,
// then doubling). Left out: RCU, sysctl_nr_open, close_range.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

namespace {

// expand_files: grow to hold slot `fd` (NR_OPEN_DEFAULT 64, then doubling).
void expand_files(FilesStruct& fs, int fd) {
    if (fd < static_cast<int>(fs.fd.size())) return;
    size_t n = fs.fd.empty() ? 64 : fs.fd.size();
    while (n <= static_cast<size_t>(fd)) n *= 2;
    fs.fd.resize(n);
    fs.open_fds.resize(n);
    fs.close_on_exec.resize(n);
}

}  // namespace

void set_close_on_exec(Kernel& k, FilesId fsid, int fd, bool on) {
    FilesStruct& fs = k.w.files_structs[fsid];
    if (fs.close_on_exec[fd] == on) return;
    fs.close_on_exec[fd] = on;
    link(k, on ? Ev::LinkAdd : Ev::LinkDel, ObjKind::Files, fsid.v, Link::close_on_exec, fd, 0);
}

// __put_unused_fd: clear the open bit; a lower number becomes next_fd.
static void clear_open_fd(Kernel& k, FilesId fsid, int fd) {
    k.w.files_structs[fsid].open_fds[fd] = 0;
    link(k, Ev::LinkDel, ObjKind::Files, fsid.v, Link::open_fd, fd, 0);
    if (fd < k.w.files_structs[fsid].next_fd) KSET(k, fsid, next_fd, fd);
}

// pick_file: empty the slot; no file there means EBADF.
static FileId pick_file(Kernel& k, TaskId t, int fd) {
    KFRAME(k, pick_file);
    FilesId fsid = k.w.tasks[t].files;
    if (!fsid) { kframe_.ret(-EBADF); return FileId{}; }
    FilesStruct& fs = k.w.files_structs[fsid];
    if (fd < 0 || fd >= static_cast<int>(fs.fd.size()) || !fs.fd[fd]) {
        kframe_.ret(-EBADF);
        return FileId{};
    }
    FileId f = fs.fd[fd];
    fs.fd[fd] = FileId{};
    link(k, Ev::LinkDel, ObjKind::Files, fsid.v, Link::fd, fd, f.v);
    clear_open_fd(k, fsid, fd);
    return f;
}

FileId fget(Kernel& k, TaskId t, int fd) {
    const Task& task = k.w.tasks[t];
    if (!task.files || fd < 0) return FileId{};
    const FilesStruct& fs = k.w.files_structs[task.files];
    if (fd >= static_cast<int>(fs.fd.size())) return FileId{};
    return fs.fd[fd];
}

int alloc_fd(Kernel& k, TaskId t, int start, int end, int flags) {
    KFRAME(k, alloc_fd);
    FilesId fsid = k.w.tasks[t].files;
    FilesStruct& fs = k.w.files_structs[fsid];
    int fd = start < fs.next_fd ? fs.next_fd : start;
    while (fd < static_cast<int>(fs.open_fds.size()) && fs.open_fds[fd]) ++fd;
    if (fd >= end) KRET(-EMFILE);
    expand_files(fs, fd);
    if (start <= fs.next_fd) KSET(k, fsid, next_fd, fd + 1);
    k.w.files_structs[fsid].open_fds[fd] = 1;
    link(k, Ev::LinkAdd, ObjKind::Files, fsid.v, Link::open_fd, fd, 0);
    set_close_on_exec(k, fsid, fd, flags & O_CLOEXEC);
    KRET(fd);
}

int get_unused_fd_flags(Kernel& k, TaskId t, int flags) {
    KFRAME(k, get_unused_fd_flags);
    KRET(alloc_fd(k, t, 0, k.w.tasks[t].rlim_nofile, flags));
}

void put_unused_fd(Kernel& k, TaskId t, int fd) {
    KFRAME(k, put_unused_fd);
    clear_open_fd(k, k.w.tasks[t].files, fd);
}

void fd_install(Kernel& k, TaskId t, int fd, FileId f) {
    KFRAME(k, fd_install);
    FilesId fsid = k.w.tasks[t].files;
    FilesStruct& fs = k.w.files_structs[fsid];
    fs.fd[fd] = f;  // the kernel BUG()s if the slot is not empty
    link(k, Ev::LinkAdd, ObjKind::Files, fsid.v, Link::fd, fd, f.v);
}

// pick_file + filp_close: the slot empties first, then the reference goes.
int close_fd(Kernel& k, TaskId t, int fd) {
    KFRAME(k, sys_close);
    FileId f;
    {
        FrameGuard g(k, Fn::close_fd);
        f = pick_file(k, t, fd);
        if (!f) g.ret(-EBADF);
    }
    if (!f) KRET(-EBADF);
    FrameGuard g(k, Fn::filp_close);
    fput(k, f);
    KRET(0);
}

int sys_dup(Kernel& k, TaskId t, int fd) {
    KFRAME(k, sys_dup);
    FileId f = fget(k, t, fd);
    if (!f) KRET(-EBADF);
    int nfd = alloc_fd(k, t, 0, k.w.tasks[t].rlim_nofile, 0);
    if (nfd < 0) KRET(nfd);
    get_file(k, f);
    fd_install(k, t, nfd, f);
    KRET(nfd);
}

int sys_dup2(Kernel& k, TaskId t, int oldfd, int newfd) {
    KFRAME(k, sys_dup2);
    FileId f = fget(k, t, oldfd);
    // dup2(fd, fd) only checks that fd is open.
    if (oldfd == newfd) KRET(f ? newfd : -EBADF);
    // ksys_dup3: newfd is unsigned, so a negative one is past the limit.
    if (newfd < 0 || newfd >= k.w.tasks[t].rlim_nofile) KRET(-EBADF);
    if (!f) KRET(-EBADF);
    FilesId fsid = k.w.tasks[t].files;
    FileId tofree;
    {
        FrameGuard g(k, Fn::do_dup2);
        FilesStruct& fs = k.w.files_structs[fsid];
        expand_files(fs, newfd);
        tofree = fs.fd[newfd];
        if (!tofree && fs.open_fds[newfd]) { g.ret(-EBUSY); KRET(-EBUSY); }
        get_file(k, f);
        FilesStruct& fs2 = k.w.files_structs[fsid];
        if (tofree) link(k, Ev::LinkDel, ObjKind::Files, fsid.v, Link::fd, newfd, tofree.v);
        fs2.fd[newfd] = f;
        link(k, Ev::LinkAdd, ObjKind::Files, fsid.v, Link::fd, newfd, f.v);
        if (!fs2.open_fds[newfd]) {
            fs2.open_fds[newfd] = 1;
            link(k, Ev::LinkAdd, ObjKind::Files, fsid.v, Link::open_fd, newfd, 0);
        }
        set_close_on_exec(k, fsid, newfd, false);
    }
    if (tofree) {
        FrameGuard g(k, Fn::filp_close);
        fput(k, tofree);
    }
    KRET(newfd);
}

FilesId dup_fd(Kernel& k, FilesId from) {
    KFRAME(k, dup_fd);
    FilesId nf = create<FilesId>(k);
    FilesStruct copy = k.w.files_structs[from];
    copy.count = 1;
    copy.next_fd = 0;  // dup_fd starts the child's search from 0
    // Reserved-but-empty slots are not inherited (the kernel copies the
    // open bits only for installed files).
    for (size_t i = 0; i < copy.fd.size(); ++i)
        if (!copy.fd[i]) copy.open_fds[i] = 0;
    k.w.files_structs[nf] = copy;
    for (size_t i = 0; i < copy.fd.size(); ++i)
        if (copy.fd[i]) {
            link(k, Ev::LinkAdd, ObjKind::Files, nf.v, Link::fd, static_cast<int64_t>(i), copy.fd[i].v);
            get_file(k, copy.fd[i]);
        }
    return nf;
}

// The last task using a table closes every file in it (exit_files).
void put_files_struct(Kernel& k, FilesId fsid) {
    FilesStruct& fs = k.w.files_structs[fsid];
    KSET(k, fsid, count, fs.count - 1);
    if (k.w.files_structs[fsid].count > 0) return;
    for (size_t i = 0; i < k.w.files_structs[fsid].fd.size(); ++i) {
        FileId f = k.w.files_structs[fsid].fd[i];
        if (!f) continue;
        k.w.files_structs[fsid].fd[i] = FileId{};
        link(k, Ev::LinkDel, ObjKind::Files, fsid.v, Link::fd, static_cast<int64_t>(i), f.v);
        fput(k, f);
    }
    destroy(k, fsid);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
