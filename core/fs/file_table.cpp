// file_table.cpp — struct file lifetimes: fs/file_table.c.
//
// Models alloc_file_pseudo (the file sockfs gives a socket), the f_count
// reference (get_file/fput) and __fput calling f_op->release, which for a
// socket is sock_close. The kernel defers __fput to task_work run before
// the syscall returns; the model runs it at once, inside the same step, so
// the order of effects a user can see is the same. Left out: dentries,
// mounts, fs.file-max (ENFILE).
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

FileId alloc_file_pseudo(Kernel& k, SocketId sock, int flags) {
    KFRAME(k, alloc_file_pseudo);
    FileId f = create<FileId>(k);
    KSET(k, f, f_op, FileOps::socket_file_ops);
    KSET(k, f, f_flags, O_RDWR | (flags & O_NONBLOCK));
    KSET(k, f, private_data, sock);
    ++k.w.nr_files;
    return f;
}

void get_file(Kernel& k, FileId f) {
    KFRAME(k, get_file);
    KSET(k, f, f_count, k.w.files[f].f_count + 1);
}

void fput(Kernel& k, FileId f) {
    KFRAME(k, fput);
    KSET(k, f, f_count, k.w.files[f].f_count - 1);
    if (k.w.files[f].f_count > 0) return;
    FrameGuard g(k, Fn::__fput);
    if (k.w.files[f].f_op == FileOps::socket_file_ops) sock_close(k, f);
    if (k.w.files[f].f_op == FileOps::socket_file_ops) --k.w.nr_files;
    destroy(k, f);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
