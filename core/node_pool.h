// node_pool.h — an allocator that keeps freed nodes for the next insert.
//
// The world's ordered hashes (bhash, lhash, ehash, peer_addrs, timer_queue)
// are std::map/std::set: their iteration order is observed (listings,
// snapshots, which timer fires first), so they stay ordered trees. A TCP
// connection's life inserts and erases a dozen tree nodes (a bind bucket, a
// listener, request/child/timewait entries in ehash, every armed timer),
// and malloc/free of those nodes was about a tenth of a step's cost. This
// allocator hands single nodes out of a per-thread free list of blocks of
// the node's size, so a node erased in one step is the next one inserted
// without a trip through malloc. Nothing about the containers changes but
// where their nodes come from: same order, same interface, same copies.
//
// Cost: up to kKeep freed blocks per node size stay cached per thread;
// arrays (n > 1) go straight to operator new. The lists are trivially
// destructible thread_locals, so reaching them is a plain %fs-relative
// load with no first-use guard (a guarded thread_local with a destructor
// cost a test on every insert and erase); the price is that a thread that
// ends leaves its cached blocks allocated (at most kKeep per node size;
// the model runs on one thread, whose cache goes with the process).
#pragma once
#include <cstddef>
#include <new>

namespace sockscope {

namespace node_pool_detail {

struct FreeList {
    struct Block { Block* next; };
    Block* head;
    size_t count;
};

// One list per block size (all node types of that size share it).
template <size_t Size>
inline FreeList& free_list() {
    static constinit thread_local FreeList fl{nullptr, 0};
    return fl;
}

constexpr size_t kKeep = 4096;

}  // namespace node_pool_detail

template <class T>
struct NodeAlloc {
    using value_type = T;
    NodeAlloc() noexcept = default;
    template <class U> NodeAlloc(const NodeAlloc<U>&) noexcept {}

    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "node over-aligned");
    static constexpr size_t kSize = sizeof(T) < sizeof(void*) ? sizeof(void*) : sizeof(T);

    T* allocate(size_t n) {
        if (n == 1) {
            auto& fl = node_pool_detail::free_list<kSize>();
            if (fl.head) {
                auto* b = fl.head;
                fl.head = b->next;
                --fl.count;
                return reinterpret_cast<T*>(b);
            }
            return static_cast<T*>(::operator new(kSize));
        }
        return static_cast<T*>(::operator new(n * sizeof(T)));
    }
    void deallocate(T* p, size_t n) noexcept {
        if (n == 1) {
            auto& fl = node_pool_detail::free_list<kSize>();
            if (fl.count < node_pool_detail::kKeep) {
                auto* b = reinterpret_cast<node_pool_detail::FreeList::Block*>(p);
                b->next = fl.head;
                fl.head = b;
                ++fl.count;
                return;
            }
        }
        ::operator delete(p);
    }
    template <class U> bool operator==(const NodeAlloc<U>&) const noexcept { return true; }
};

}  // namespace sockscope
