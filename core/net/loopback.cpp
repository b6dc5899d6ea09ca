// loopback.cpp — the wire: drivers/net/loopback.c, net/core/dev.c, and the
// remote peers a user drives by hand.
//
// A segment sent to a loopback address is queued on the wire and delivered
// later, one delivery per step, first in first out — the kernel delivers
// it from the softirq before the sending syscall returns, and the model's
// step driver likewise drains the wire before the next command. A segment
// for a peer's address lands in that peer's inbox, where the user sees it
// and answers (or does not) with peer commands. Anything else has no route.
// Left out: IP itself (TTL, fragments, checksums), ARP, qdiscs, drops.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice


static void record_packet(Kernel& k, Ev ev, const Packet& p, int reason = 0) {
    if (!tracing(k)) return;
    uint32_t idx = static_cast<uint32_t>(k.trace->packets.size());
    k.trace->packets.push_back(p);
    k.trace->packets.back().sent_at = k.w.now;
    rec(k, ev, ObjKind::Packet, 0, idx, reason, 0);
}

void ip_queue_xmit(Kernel& k, const Packet& in) {
    KFRAME(k, ip_queue_xmit);
    Packet p = in;
    p.serial = k.w.next_packet++;
    p.sent_at = k.w.now;
    mib_inc(k, Mib::OutSegs);
    record_packet(k, Ev::PacketSend, p);
    if (addr_is_loopback(p.daddr)) {
        FrameGuard g(k, Fn::loopback_xmit);
        k.w.wire.push_back(p);
        return;
    }
    if (PeerId peer = peer_at(k.w, p.daddr)) {
        k.w.peers[peer].inbox.push_back(p);
        // what the peer learns from a SYN-ACK or a FIN: the sequence to
        // acknowledge (its next ACK or FIN acknowledges everything we sent)
        for (PeerConn& c : k.w.peers[peer].conns)
            if (c.pport == p.dport && c.lport == p.sport) {
                if (p.flags & (TH_SYN | TH_FIN)) c.rcv_nxt = p.seq + 1;
                if (p.flags & TH_RST) c.state = TCP_CLOSE;
                if ((p.flags & TH_SYN) && (p.flags & TH_ACK)) c.state = TCP_SYN_RECV;
            }
        return;
    }
    record_packet(k, Ev::PacketDrop, p, static_cast<int>(DropReason::no_route));
}

bool deliver_next_packet(Kernel& k) {
    if (k.w.wire.empty()) return false;
    Packet p = k.w.wire.front();
    k.w.wire.erase(k.w.wire.begin());
    KFRAME(k, netif_receive_skb);
    record_packet(k, Ev::PacketDeliver, p);
    mib_inc(k, Mib::InSegs);
    tcp_v4_rcv(k, p);
    return true;
}

PeerId peer_create(Kernel& k, const char* name, uint32_t addr) {
    PeerId id = create<PeerId>(k);
    k.w.peers[id].name = name;
    KSET(k, id, addr, addr);
    k.w.peer_addrs[addr] = id;
    KSET(k, id, next_port, static_cast<uint16_t>(40000));
    return id;
}

// A peer sends one segment to the model's laddr:lport. flags TH_SYN opens
// a new connection (a fresh source port); TH_ACK/TH_RST/TH_FIN use the
// newest connection to that address (or conn_index when >= 0). Its ACK
// acknowledges everything it has received, our FIN included, unless the
// segment is crossing ours (sent before our FIN reached it).
int peer_send(Kernel& k, PeerId id, uint8_t flags, uint32_t laddr, uint16_t lport, int conn_index,
              bool crossing) {
    Peer& peer = k.w.peers[id];
    PeerConn* c = nullptr;
    if (flags == TH_SYN) {
        PeerConn nc;
        nc.laddr = laddr;
        nc.lport = lport;
        nc.pport = peer.next_port;
        nc.snd_nxt = secure_tcp_seq(k, peer.addr, laddr, nc.pport, lport);
        nc.state = TCP_SYN_SENT;
        KSET(k, id, next_port, static_cast<uint16_t>(k.w.peers[id].next_port + 1));
        k.w.peers[id].conns.push_back(nc);
        c = &k.w.peers[id].conns.back();
    } else {
        auto& conns = k.w.peers[id].conns;
        if (conn_index >= 0 && conn_index < static_cast<int>(conns.size())) {
            c = &conns[conn_index];
        } else {
            for (size_t i = conns.size(); i-- > 0;)
                if (conns[i].laddr == laddr && conns[i].lport == lport) { c = &conns[i]; break; }
        }
        if (!c) return -ENOTCONN;
    }
    Packet p;
    p.saddr = k.w.peers[id].addr;
    p.sport = c->pport;
    p.daddr = laddr;
    p.dport = lport;
    p.flags = flags;
    p.seq = c->snd_nxt;
    if (flags & TH_ACK) p.ack_seq = c->rcv_nxt;
    if ((flags & TH_ACK) && crossing) {
        const PeerConn& cc = *c;
        for (const Packet& got : k.w.peers[id].inbox)
            if ((got.flags & TH_FIN) && got.dport == cc.pport && got.sport == cc.lport) {
                p.ack_seq = cc.rcv_nxt - 1;  // our FIN is not in it
                break;
            }
    }
    if (flags & (TH_SYN | TH_FIN)) {
        if (flags == TH_SYN) p.seq = c->snd_nxt;
        if (!(flags & TH_SYN)) c->snd_nxt += 1;
    }
    if (flags == TH_SYN) c->snd_nxt += 1;
    if (flags == TH_ACK && c->state == TCP_SYN_RECV) c->state = TCP_ESTABLISHED;
    if (flags & TH_RST) c->state = TCP_CLOSE;
    p.serial = k.w.next_packet++;
    p.sent_at = k.w.now;
    record_packet(k, Ev::PacketSend, p);
    k.w.wire.push_back(p);
    return 0;
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
