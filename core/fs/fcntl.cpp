// fcntl.cpp — fcntl(2): fs/fcntl.c.
//
// Models F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD/F_SETFD (close-on-exec),
// F_GETFL/F_SETFL (only SETFL_MASK bits change; for a socket that is
// O_NONBLOCK). Left out: locks, leases, owners, pipes.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

int64_t do_fcntl(Kernel& k, TaskId t, int fd, int cmd, int64_t arg) {
    KFRAME(k, do_fcntl);
    FileId f = fget(k, t, fd);
    if (!f) KRET(-EBADF);
    FilesId fsid = k.w.tasks[t].files;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if (arg < 0 || arg >= k.w.tasks[t].rlim_nofile) KRET(-EINVAL);
        int nfd = alloc_fd(k, t, static_cast<int>(arg), k.w.tasks[t].rlim_nofile,
                           cmd == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0);
        if (nfd < 0) KRET(nfd);
        get_file(k, f);
        fd_install(k, t, nfd, f);
        KRET(nfd);
    }
    case F_GETFD:
        KRET(k.w.files_structs[fsid].close_on_exec[fd] ? FD_CLOEXEC : 0);
    case F_SETFD:
        set_close_on_exec(k, fsid, fd, arg & FD_CLOEXEC);
        KRET(0);
    case F_GETFL:
        KRET(k.w.files[f].f_flags);
    case F_SETFL: {
        KFRAME(k, setfl);
        // Neither a socket nor the terminal has FMODE_CAN_ODIRECT. (O_NOATIME
        // needs the inode's owner or CAP_FOWNER; a socket's inode belongs
        // to its creator, so the model always allows it.)
        if (arg & O_DIRECT) KRET(-EINVAL);
        int flags = k.w.files[f].f_flags;
        KSET(k, f, f_flags, (static_cast<int>(arg) & SETFL_MASK) | (flags & ~SETFL_MASK));
        KRET(0);
    }
    default:
        KRET(-EINVAL);
    }
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
