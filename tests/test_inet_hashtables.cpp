// test_inet_hashtables.cpp — core/ipv4/inet_hashtables.cpp: the bind hash
// (buckets with owners and timewait owners), the listening hash, the
// established hash, port inheritance, and connect()'s ephemeral ports.
#include "support.h"

#include "kernel/model.h"

namespace sockscope::test {

namespace {

const BindBucket& bucket_of(Sim& s, int fd) { return s.w().buckets[s.sk(fd).icsk_bind_hash]; }

bool in_bhash(Sim& s, PortTable t, uint16_t port) { return s.w().bhash.count({t, port}) != 0; }

const EhashEntry* ehash_at(Sim& s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport) {
    auto it = s.w().ehash.find(FourTuple{laddr, lport, raddr, rport});
    return it == s.w().ehash.end() ? nullptr : &it->second;
}

void listener(Sim& s, int fd, const std::string& addr) {
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
    EXPECT_EQ(s.run("bind(" + std::to_string(fd) + ", " + addr + ")"), ok(0));
    EXPECT_EQ(s.run("listen(" + std::to_string(fd) + ", 16)"), ok(0));
}

}  // namespace

TEST(InetHashtables, OneBucketHoldsEveryOwnerOfAPortAndGoesAwayWithTheLast) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.w().buckets.size(), 1u);
    EXPECT_EQ(bucket_of(s, 3).port, 8080);
    EXPECT_EQ(bucket_of(s, 3).table, PortTable::tcp);
    EXPECT_EQ(bucket_of(s, 3).owners.size(), 2u);
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(bucket_of(s, 4).owners.size(), 1u);
    EXPECT_TRUE(in_bhash(s, PortTable::tcp, 8080));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_FALSE(in_bhash(s, PortTable::tcp, 8080));
    EXPECT_EQ(s.w().buckets.size(), 0u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetHashtables, TcpAndUdpKeepSeparateBucketsForTheSamePortNumber) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:8080)"), ok(0));
    EXPECT_TRUE(in_bhash(s, PortTable::tcp, 8080));
    EXPECT_TRUE(in_bhash(s, PortTable::udp, 8080));
    EXPECT_NE(s.sk(3).icsk_bind_hash, s.sk(4).icsk_bind_hash);
    EXPECT_EQ(bucket_of(s, 4).table, PortTable::udp);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetHashtables, AListenerIsInTheListeningHashExactlyWhileItListens) {
    Sim s;
    listener(s, 3, "127.0.0.1:8080");
    ASSERT_EQ(s.w().lhash.count(8080), 1u);
    EXPECT_EQ(s.w().lhash.at(8080), std::vector<SockId>{s.sock_of(3)});
    EXPECT_TRUE(s.sk(3).listener_hashed);
    EXPECT_FALSE(s.sk(3).ehashed);
    EXPECT_EQ(s.run("shutdown(3, SHUT_RD)"), ok(0));
    EXPECT_EQ(s.w().lhash.count(8080), 0u);
    EXPECT_FALSE(s.sk(3).listener_hashed);
    EXPECT_TRUE(in_bhash(s, PortTable::tcp, 8080));  // the bound port stays
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.w().lhash.count(8080), 1u);
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_TRUE(s.w().lhash.empty());
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetHashtables, AnAcceptedChildJoinsItsListenersBucket) {
    Sim s;
    listener(s, 3, "127.0.0.1:8080");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.sk(5).icsk_bind_hash, s.sk(3).icsk_bind_hash);
    EXPECT_EQ(bucket_of(s, 3).owners.size(), 2u);
    EXPECT_NE(s.sk(4).icsk_bind_hash, s.sk(3).icsk_bind_hash);
    // Closing the listener leaves the child's hold on the port.
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_TRUE(in_bhash(s, PortTable::tcp, 8080));
    EXPECT_EQ(bucket_of(s, 5).owners.size(), 1u);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), err(EADDRINUSE));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetHashtables, TheEstablishedHashHoldsBothEndsOfAConnectionAndARequestSock) {
    Sim s;
    listener(s, 3, "0.0.0.0:8080");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    uint16_t cport = s.sk(4).inet_num;
    const EhashEntry* client = ehash_at(s, INADDR_LOOPBACK, cport, INADDR_LOOPBACK, 8080);
    const EhashEntry* child = ehash_at(s, INADDR_LOOPBACK, 8080, INADDR_LOOPBACK, cport);
    ASSERT_NE(client, nullptr);
    ASSERT_NE(child, nullptr);
    EXPECT_EQ(client->kind, ObjKind::Sock);
    EXPECT_EQ(client->id, s.sock_of(4).v);
    EXPECT_EQ(child->kind, ObjKind::Sock);
    EXPECT_EQ(child->id, s.sock_of(5).v);
    EXPECT_EQ(s.w().ehash.size(), 2u);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    const EhashEntry* req = ehash_at(s, INADDR_LOOPBACK, 8080, 0x0a000002u, 40000);
    ASSERT_NE(req, nullptr);
    EXPECT_EQ(req->kind, ObjKind::Req);
    EXPECT_EQ(s.w().ehash.size(), 3u);
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    req = ehash_at(s, INADDR_LOOPBACK, 8080, 0x0a000002u, 40000);
    ASSERT_NE(req, nullptr);
    EXPECT_EQ(req->kind, ObjKind::Sock);  // the child replaced the request
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.w().ehash.size(), 2u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
    EXPECT_TRUE(s.w().ehash.empty());
}

TEST(InetHashtables, ConnectTakesAnEvenEphemeralPortFromTheBottomOfTheRange) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_local_port_range=7040 7047");
    listener(s, 3, "127.0.0.1:8080");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("local_port(4)"), ok(7040));
    EXPECT_EQ(s.sk(4).sk_userlocks, 0);
    // A bucket made by connect() is marked so bind() never shares it.
    EXPECT_EQ(bucket_of(s, 4).fastreuse, -1);
    EXPECT_EQ(bucket_of(s, 4).fastreuseport, -1);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("local_port(5)"), ok(7042));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetHashtables, ConnectNeverUsesAPortTakenByBind) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_local_port_range=7040 7041");
    listener(s, 3, "127.0.0.1:8080");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(4, 127.0.0.2:7040)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("local_port(5)"), ok(7041));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(6));
    EXPECT_EQ(s.run("connect(6, 127.0.0.1:8080)"), err(EADDRNOTAVAIL));
    EXPECT_EQ(s.run("tcp_state(6)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.sk(6).inet_num, 0);
    EXPECT_EQ(s.sk(6).inet_dport, 0);
    EXPECT_EQ(s.mib(Mib::ActiveOpens), 1);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetHashtables, ConnectSharesAnEphemeralPortBetweenDifferentDestinations) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_local_port_range=7040 7040");
    listener(s, 3, "127.0.0.1:8080");
    listener(s, 4, "127.0.0.1:8081");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(6));
    EXPECT_EQ(s.run("connect(6, 127.0.0.1:8081)"), ok(0));
    EXPECT_EQ(s.run("local_port(5)"), ok(7040));
    EXPECT_EQ(s.run("local_port(6)"), ok(7040));
    EXPECT_EQ(s.sk(5).icsk_bind_hash, s.sk(6).icsk_bind_hash);
    EXPECT_EQ(bucket_of(s, 5).owners.size(), 2u);
    // The same destination again: the only 4-tuple is taken.
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(7));
    EXPECT_EQ(s.run("connect(7, 127.0.0.1:8080)"), err(EADDRNOTAVAIL));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetHashtables, ABoundSocketConnectingToATakenFourTupleIsEaddrnotavailAndKeepsItsPort) {
    Sim s;
    listener(s, 3, "127.0.0.1:8080");
    for (int fd = 4; fd <= 5; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("setsockopt(" + std::to_string(fd) + ", SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
        EXPECT_EQ(s.run("bind(" + std::to_string(fd) + ", 127.0.0.1:9000)"), ok(0));
    }
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EADDRNOTAVAIL));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.sk(5).inet_num, 9000);  // SOCK_BINDPORT_LOCK keeps it
    EXPECT_EQ(s.sk(5).inet_rcv_saddr, INADDR_LOOPBACK);
    EXPECT_FALSE(s.sk(5).ehashed);
    // An ESTABLISHED owner with SO_REUSEADDR does not block a listener.
    EXPECT_EQ(s.run("listen(5, 5)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetHashtables, ATimeWaitSockTakesTheClosedSocksPlaceInBothHashes) {
    Sim s;
    listener(s, 3, "127.0.0.1:8080");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    uint16_t cport = s.sk(4).inet_num;
    BucketId ctb = s.sk(4).icsk_bind_hash;
    EXPECT_EQ(s.run("close(4)"), ok(0));  // the client closes first
    EXPECT_EQ(s.run("close(5)"), ok(0));
    ASSERT_EQ(s.w().tws.size(), 1u);
    const EhashEntry* e = ehash_at(s, INADDR_LOOPBACK, cport, INADDR_LOOPBACK, 8080);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->kind, ObjKind::Tw);
    ASSERT_TRUE(s.w().buckets.contains(ctb));
    EXPECT_TRUE(s.w().buckets[ctb].owners.empty());
    EXPECT_EQ(s.w().buckets[ctb].tw_owners.size(), 1u);
    EXPECT_EQ(s.w().ehash.size(), 1u);
    EXPECT_EQ(s.run("sleep(60000)"), ok(0));
    EXPECT_TRUE(s.w().ehash.empty());
    EXPECT_FALSE(s.w().buckets.contains(ctb));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetHashtables, ClosingEverythingEmptiesTheBindListeningAndEstablishedHashes) {
    Sim s;
    listener(s, 3, "0.0.0.0:8080");
    for (int fd = 4; fd <= 6; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("connect(" + std::to_string(fd) + ", 127.0.0.1:8080)"), ok(0));
    }
    EXPECT_EQ(s.run("accept(3)"), ok(7));
    EXPECT_EQ(s.w().ehash.size(), 6u);
    EXPECT_EQ(s.w().bhash.size(), 4u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_TRUE(s.w().lhash.empty());
    EXPECT_TRUE(s.w().ehash.empty());
}

// inet_ehash_replace and inet_ehash_remove_if, on a bare kernel with a trace.
TEST(InetHashtables, ReplacingAnEhashSlotRecordsTheOldEntryOutAndTheNewOneIn) {
    Kernel k;
    Trace t;
    k.trace = &t;
    FourTuple key{INADDR_LOOPBACK, 8080, INADDR_LOOPBACK, 40000};
    inet_ehash_replace(k, key, ObjKind::Req, 7);  // an empty slot: only the new one in
    ASSERT_EQ(t.events.size(), 1u);
    EXPECT_EQ(t.events[0].ev, Ev::LinkAdd);
    EXPECT_EQ(t.events[0].b, 7);
    inet_ehash_replace(k, key, ObjKind::Sock, 9);
    ASSERT_EQ(t.events.size(), 3u);
    EXPECT_EQ(t.events[1].ev, Ev::LinkDel);
    EXPECT_EQ(t.events[1].a, (static_cast<int32_t>(ObjKind::Req) << 16) | 8080);
    EXPECT_EQ(t.events[1].b, 7);
    EXPECT_EQ(t.events[2].ev, Ev::LinkAdd);
    EXPECT_EQ(t.events[2].a, (static_cast<int32_t>(ObjKind::Sock) << 16) | 8080);
    EXPECT_EQ(t.events[2].b, 9);
    ASSERT_EQ(k.w.ehash.size(), 1u);
    EXPECT_EQ(k.w.ehash.at(key), (EhashEntry{ObjKind::Sock, 9}));
}

TEST(InetHashtables, RemoveIfLeavesASlotThatHoldsAnotherObjectAlone) {
    Kernel k;
    Trace t;
    k.trace = &t;
    FourTuple key{INADDR_LOOPBACK, 8080, INADDR_LOOPBACK, 40000};
    inet_ehash_insert(k, key, ObjKind::Tw, 3);
    t.events.clear();
    EXPECT_FALSE(inet_ehash_remove_if(k, key, ObjKind::Sock, 3));  // another kind
    EXPECT_FALSE(inet_ehash_remove_if(k, key, ObjKind::Tw, 4));    // another id
    EXPECT_FALSE(inet_ehash_remove_if(k, FourTuple{}, ObjKind::Tw, 3));  // no such slot
    EXPECT_TRUE(t.events.empty());
    EXPECT_EQ(k.w.ehash.size(), 1u);
    EXPECT_TRUE(inet_ehash_remove_if(k, key, ObjKind::Tw, 3));
    EXPECT_TRUE(k.w.ehash.empty());
    ASSERT_EQ(t.events.size(), 1u);
    EXPECT_EQ(t.events[0].ev, Ev::LinkDel);
    EXPECT_EQ(t.events[0].b, 3);
}

}  // namespace sockscope::test
