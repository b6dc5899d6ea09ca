// world.cpp — the boot world and the names of world-level enums.
//
// make_boot_world() is what inet_init (net/ipv4/af_inet.c) leaves behind on
// Linux 6.x: PF_INET in net_families[] with inetsw_array registered, and
// PF_PACKET present so SOCK_PACKET's redirect has somewhere to go. No tasks
// exist yet; the runner creates the script's process.
#include "world.h"

#include <cstdio>
#include <cstring>

namespace sockscope {

const char* obj_kind_name(ObjKind k) {
    switch (k) {
    case ObjKind::None: return "none";
    case ObjKind::Task: return "task";
    case ObjKind::Files: return "files_struct";
    case ObjKind::File: return "file";
    case ObjKind::Socket: return "socket";
    case ObjKind::Sock: return "sock";
    case ObjKind::Req: return "request_sock";
    case ObjKind::Tw: return "timewait_sock";
    case ObjKind::Bucket: return "bind_bucket";
    case ObjKind::Timer: return "timer";
    case ObjKind::Peer: return "peer";
    case ObjKind::Net: return "net";
    case ObjKind::Packet: return "skb";
    }
    return "?";
}

static const char* const kMibNames[] = {
#define SOCKSCOPE_MIB_NAME(n) #n,
    SOCKSCOPE_MIB(SOCKSCOPE_MIB_NAME)
#undef SOCKSCOPE_MIB_NAME
};

const char* mib_name(Mib m) { return kMibNames[static_cast<size_t>(m)]; }

bool mib_from_name(const std::string& name, Mib* out) {
    // nstat spells them with a prefix; accept "ListenOverflows",
    // "TcpExtListenOverflows" and "TcpActiveOpens" alike.
    auto try_name = [&](const std::string& n) {
        for (size_t i = 0; i < static_cast<size_t>(Mib::Count); ++i)
            if (n == kMibNames[i]) { *out = static_cast<Mib>(i); return true; }
        return false;
    };
    if (try_name(name)) return true;
    if (name.rfind("TcpExt", 0) == 0) return try_name(name.substr(6));
    if (name.rfind("Tcp", 0) == 0) return try_name(name.substr(3));
    return false;
}

std::string addr_str(uint32_t a) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return buf;
}

std::string endpoint_str(uint32_t a, uint16_t port) {
    return addr_str(a) + ":" + std::to_string(port);
}

const char* prot_name(ProtKind p) {
    static const char* const names[] = {"-", "tcp_prot", "udp_prot", "raw_prot", "ping_prot", "packet_prot",
                                        "udplite_prot"};
    static_assert(std::size(names) == size_t(ProtKind::udplite_prot) + 1);
    return names[static_cast<size_t>(p)];
}

World make_boot_world() {
    World w;
    NetProtoFamily& inet = w.net_families[AF_INET];
    inet.registered = true;
    inet.name = "inet";
    inet.create = "inet_create";
    // inetsw_array[] of Linux 6.x, in registration order.
    inet.inetsw[SOCK_STREAM].push_back({SOCK_STREAM, IPPROTO_TCP, ProtKind::tcp_prot,
                                        OpsKind::inet_stream_ops,
                                        INET_PROTOSW_PERMANENT | INET_PROTOSW_ICSK});
    inet.inetsw[SOCK_DGRAM].push_back({SOCK_DGRAM, IPPROTO_UDP, ProtKind::udp_prot,
                                       OpsKind::inet_dgram_ops, INET_PROTOSW_PERMANENT});
    // udplite4_register() runs after the inetsw_array loop; inet_register_protosw
    // puts a permanent entry after the last permanent one: after UDP, before ping.
    inet.inetsw[SOCK_DGRAM].push_back({SOCK_DGRAM, IPPROTO_UDPLITE, ProtKind::udplite_prot,
                                       OpsKind::inet_dgram_ops, INET_PROTOSW_PERMANENT});
    inet.inetsw[SOCK_DGRAM].push_back({SOCK_DGRAM, IPPROTO_ICMP, ProtKind::ping_prot,
                                       OpsKind::inet_sockraw_ops, INET_PROTOSW_REUSE});
    inet.inetsw[SOCK_RAW].push_back({SOCK_RAW, IPPROTO_IP, ProtKind::raw_prot,
                                     OpsKind::inet_sockraw_ops, INET_PROTOSW_REUSE});
    NetProtoFamily& packet = w.net_families[AF_PACKET];
    packet.registered = true;
    packet.name = "packet";
    packet.create = "packet_create";
    return w;
}

}  // namespace sockscope
