// test_table.cpp — core/table.h: the slab the model allocates objects from.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "table.h"
#include "ids.h"

namespace sockscope::test {

namespace {

struct Obj {
    int a = 0;
    std::string s;
    bool operator==(const Obj&) const = default;
};
using T = Table<SockId, Obj>;

std::vector<uint32_t> ids_of(const T& t) {
    std::vector<uint32_t> out;
    for (SockId id : t.ids()) out.push_back(id.v);
    return out;
}

}  // namespace

TEST(Table, TheFirstIdHandedOutIsOneBecauseZeroIsTheNullPointer) {
    T t;
    SockId a = t.alloc();
    EXPECT_EQ(a.v, 1u);
    EXPECT_TRUE(static_cast<bool>(a));
    EXPECT_FALSE(static_cast<bool>(SockId{}));
    EXPECT_FALSE(t.contains(SockId{}));
}

TEST(Table, FreshIdsCountUpFromOne) {
    T t;
    EXPECT_EQ(t.alloc().v, 1u);
    EXPECT_EQ(t.alloc().v, 2u);
    EXPECT_EQ(t.alloc().v, 3u);
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.capacity(), 3u);
}

TEST(Table, AFreedSlotIsHandedOutAgainLastFreedFirst) {
    T t;
    SockId a = t.alloc(), b = t.alloc(), c = t.alloc();
    t.free(a);
    t.free(c);
    EXPECT_EQ(t.alloc(), c);
    EXPECT_EQ(t.alloc(), a);
    EXPECT_EQ(t.alloc().v, 4u);
    EXPECT_TRUE(t.contains(b));
    EXPECT_EQ(t.capacity(), 4u);
}

TEST(Table, AReusedSlotStartsValueInitialised) {
    T t;
    SockId a = t.alloc();
    t[a].a = 42;
    t[a].s = "old";
    t.free(a);
    SockId b = t.alloc();
    ASSERT_EQ(a, b);
    EXPECT_EQ(t[b].a, 0);
    EXPECT_EQ(t[b].s, "");
}

TEST(Table, AFreedIdIsNoLongerContainedAndFindGivesNull) {
    T t;
    SockId a = t.alloc();
    EXPECT_NE(t.find(a), nullptr);
    t.free(a);
    EXPECT_FALSE(t.contains(a));
    EXPECT_EQ(t.find(a), nullptr);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.capacity(), 1u);
}

TEST(Table, AnIdPastTheEndIsNotContained) {
    T t;
    t.alloc();
    EXPECT_FALSE(t.contains(SockId(2)));
    EXPECT_FALSE(t.contains(SockId(1000)));
    const T& ct = t;
    EXPECT_EQ(ct.find(SockId(7)), nullptr);
}

TEST(Table, EachAndIdsWalkLiveObjectsInIdOrder) {
    T t;
    SockId a = t.alloc(), b = t.alloc(), c = t.alloc(), d = t.alloc();
    t.free(b);
    t.free(a);
    SockId e = t.alloc();  // reuses a (freed last)
    EXPECT_EQ(e, a);
    EXPECT_EQ(ids_of(t), (std::vector<uint32_t>{1, 3, 4}));
    std::vector<uint32_t> seen;
    t.each([&](SockId id, Obj& o) {
        seen.push_back(id.v);
        o.a = static_cast<int>(id.v) * 10;
    });
    EXPECT_EQ(seen, (std::vector<uint32_t>{1, 3, 4}));
    EXPECT_EQ(t[c].a, 30);
    EXPECT_EQ(t[d].a, 40);
}

TEST(Table, CopiesCompareEqualAndDivergeOnAnyChange) {
    T t;
    SockId a = t.alloc();
    t.alloc();
    t[a].a = 5;
    T copy = t;
    EXPECT_TRUE(copy == t);
    copy[a].a = 6;
    EXPECT_FALSE(copy == t);
}

TEST(Table, TheContentOfAFreedSlotDoesNotTakePartInComparison) {
    T x, y;
    SockId a = x.alloc();
    SockId b = y.alloc();
    x[a].a = 1;
    y[b].a = 2;
    x.free(a);
    y.free(b);
    EXPECT_TRUE(x == y);
}

TEST(Table, TheFreeListOrderTakesPartInComparisonBecauseItDecidesFutureIds) {
    T x, y;
    SockId x1 = x.alloc(), x2 = x.alloc();
    SockId y1 = y.alloc(), y2 = y.alloc();
    x.free(x1);
    x.free(x2);
    y.free(y2);
    y.free(y1);
    EXPECT_FALSE(x == y);
    EXPECT_NE(x.alloc(), y.alloc());
}

TEST(Table, BytesGrowWithTheSlots) {
    T t;
    size_t before = t.bytes();
    for (int i = 0; i < 100; ++i) t.alloc();
    EXPECT_GT(t.bytes(), before);
    EXPECT_GE(t.bytes(), 100 * sizeof(Obj));
}

TEST(Table, ATableOfTypedIdsKeepsKindsApart) {
    // Different id types are different C++ types: the slab of one kind can
    // never be indexed with the id of another.
    static_assert(!std::is_same_v<SockId, SocketId>);
    static_assert(!std::is_convertible_v<SocketId, SockId>);
    SUCCEED();
}

}  // namespace sockscope::test
