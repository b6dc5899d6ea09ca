// table.h — the slab the model allocates its objects from.
//
// Like the kernel's slab caches, a freed slot is handed out again (last freed,
// first reused), so a long run does not grow without bound and the same
// program always gets the same ids. Iteration is in id order, which keeps
// every walk over a table deterministic. Copying a Table copies plain
// vectors: that is what makes a world cheap to checkpoint.
#pragma once
#include <cassert>
#include <cstdint>
#include <vector>

namespace sockscope {

// Resets a slot to a value-initialised object. Objects that own vectors
// overload this (world.h) to keep the vectors' buffers, so a slot handed
// out again does not malloc what its last tenant already had (a socket's
// wait queue, a bucket's owners): the contents are the same as T{}, only
// the capacity stays.
template <class T> inline void slab_reset(T& x) { x = T{}; }

template <class IdT, class T>
class Table {
public:
    // Returns a fresh id whose object is value-initialised.
    IdT alloc() {
        uint32_t idx;
        if (!free_.empty()) {
            idx = free_.back();
            free_.pop_back();
            slab_reset(slots_[idx]);
            live_[idx] = 1;
        } else {
            idx = static_cast<uint32_t>(slots_.size());
            slots_.emplace_back();
            live_.push_back(1);
        }
        ++count_;
        return IdT(idx + 1);
    }
    void free(IdT id) {
        assert(contains(id));
        live_[id.v - 1] = 0;
        slab_reset(slots_[id.v - 1]);
        free_.push_back(id.v - 1);
        --count_;
    }
    bool contains(IdT id) const {
        return id.v != 0 && id.v <= slots_.size() && live_[id.v - 1];
    }
    T& operator[](IdT id) { assert(contains(id)); return slots_[id.v - 1]; }
    const T& operator[](IdT id) const { assert(contains(id)); return slots_[id.v - 1]; }
    T* find(IdT id) { return contains(id) ? &slots_[id.v - 1] : nullptr; }
    const T* find(IdT id) const { return contains(id) ? &slots_[id.v - 1] : nullptr; }
    size_t size() const { return count_; }
    size_t capacity() const { return slots_.size(); }

    // Calls f(id, obj) for every live object in id order.
    template <class F> void each(F&& f) {
        for (uint32_t i = 0; i < slots_.size(); ++i)
            if (live_[i]) f(IdT(i + 1), slots_[i]);
    }
    template <class F> void each(F&& f) const {
        for (uint32_t i = 0; i < slots_.size(); ++i)
            if (live_[i]) f(IdT(i + 1), slots_[i]);
    }
    std::vector<IdT> ids() const {
        std::vector<IdT> out;
        out.reserve(count_);
        for (uint32_t i = 0; i < slots_.size(); ++i)
            if (live_[i]) out.push_back(IdT(i + 1));
        return out;
    }
    bool operator==(const Table& o) const {
        if (live_ != o.live_ || free_ != o.free_) return false;
        for (size_t i = 0; i < slots_.size(); ++i)
            if (live_[i] && !(slots_[i] == o.slots_[i])) return false;
        return true;
    }
    // Approximate bytes held, for the memory figures of the benchmarks.
    size_t bytes() const {
        return slots_.capacity() * sizeof(T) + live_.capacity() + free_.capacity() * 4;
    }

private:
    std::vector<T> slots_;
    std::vector<uint8_t> live_;
    std::vector<uint32_t> free_;
    size_t count_ = 0;
};

}  // namespace sockscope
