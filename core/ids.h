// ids.h — typed ids between model objects, in place of kernel pointers.
//
// The kernel links objects with pointers (file->private_data, sock->sk,
// sk->sk_socket, req->rsk_listener). The model links them with small typed
// integers so a whole world can be copied (history), compared (tests) and
// stored (snapshots), and so a SockId can never be passed where a FileId is
// meant. Id 0 is the null pointer.
#pragma once
#include <compare>
#include <cstdint>
#include <functional>

namespace sockscope {

template <class Tag>
struct Id {
    uint32_t v = 0;
    constexpr Id() = default;
    constexpr explicit Id(uint32_t x) : v(x) {}
    constexpr explicit operator bool() const { return v != 0; }
    constexpr auto operator<=>(const Id&) const = default;
};

using TaskId = Id<struct TaskTag>;        // task_struct
using FilesId = Id<struct FilesTag>;      // files_struct (shared by threads)
using FileId = Id<struct FileTag>;        // struct file
using SocketId = Id<struct SocketTag>;    // struct socket (+ its inode)
using SockId = Id<struct SockTag>;        // struct sock / inet_sock / tcp_sock
using ReqId = Id<struct ReqTag>;          // struct request_sock
using TwId = Id<struct TwTag>;            // struct inet_timewait_sock
using BucketId = Id<struct BucketTag>;    // struct inet_bind_bucket
using TimerId = Id<struct TimerTag>;      // struct timer_list
using PeerId = Id<struct PeerTag>;        // a remote host the user drives

// Which table an id lives in; used by the trace and the inspector.
enum class ObjKind : uint8_t {
    None, Task, Files, File, Socket, Sock, Req, Tw, Bucket, Timer, Peer,
    Net,     // the network namespace itself (counters, sysctls, hashes)
    Packet,  // a segment on the wire (id = packet serial)
};
const char* obj_kind_name(ObjKind k);

template <class I> struct KindOf;
template <> struct KindOf<TaskId> { static constexpr ObjKind k = ObjKind::Task; };
template <> struct KindOf<FilesId> { static constexpr ObjKind k = ObjKind::Files; };
template <> struct KindOf<FileId> { static constexpr ObjKind k = ObjKind::File; };
template <> struct KindOf<SocketId> { static constexpr ObjKind k = ObjKind::Socket; };
template <> struct KindOf<SockId> { static constexpr ObjKind k = ObjKind::Sock; };
template <> struct KindOf<ReqId> { static constexpr ObjKind k = ObjKind::Req; };
template <> struct KindOf<TwId> { static constexpr ObjKind k = ObjKind::Tw; };
template <> struct KindOf<BucketId> { static constexpr ObjKind k = ObjKind::Bucket; };
template <> struct KindOf<TimerId> { static constexpr ObjKind k = ObjKind::Timer; };
template <> struct KindOf<PeerId> { static constexpr ObjKind k = ObjKind::Peer; };

}  // namespace sockscope
