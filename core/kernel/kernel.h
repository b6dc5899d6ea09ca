// kernel.h — the running kernel: a world plus the chokepoints that change it.
//
// Every change to the world while a step runs goes through a method here:
// field writes (KSET), object creation and destruction, fd table slots,
// queue pushes and pops, wait queues, counters, segments. Each one records
// itself in the step trace when a trace is attached, so the trace is
// complete by construction rather than by discipline. With no trace attached
// (history replay, fuzzing) the same calls only mutate.
//
// Model code is written as free functions named after the kernel's
// (inet_create(k, ...)), each opening a KFRAME so the trace shows the call
// stack. Errors are returned the kernel way: 0 or a negative errno.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernel/kfunc.h"
#include "kernel/trace.h"
#include "world.h"

namespace sockscope {

class Kernel {
public:
    World w;
    Trace* trace = nullptr;      // attached: record; null: only mutate

    // Syscalls that finished after sleeping, for the runner to print. Not
    // part of the world: the same information is the trace's Return event.
    struct Completion { TaskId task; int64_t ret; };
    std::vector<Completion> completions;
    void complete(TaskId t, int64_t ret) {
        rec(Ev::Return, ObjKind::Task, 0, t.v, ret < 0 ? -1 : ret, ret < 0 ? -ret : 0);
        completions.push_back({t, ret});
    }

    explicit Kernel(World world) : w(std::move(world)) {}
    Kernel() : w(make_boot_world()) {}

    // ---- recording primitive ----
    // The append is out of line: rec is inlined at every chokepoint and
    // frame of the model, and an untraced run (history, replay) only needs
    // the test; an inlined vector append at each of those sites was code
    // the instruction cache carried for nothing.
    void rec(Ev ev, ObjKind kind, uint16_t code, uint32_t id, int64_t a = 0, int64_t b = 0) {
        if (trace) [[unlikely]]
            rec_traced(ev, kind, code, id, a, b);
    }
    [[gnu::noinline, gnu::cold]] void rec_traced(Ev ev, ObjKind kind, uint16_t code, uint32_t id,
                                                 int64_t a, int64_t b) {
        trace->events.push_back(TraceEvent{ev, kind, code, id, static_cast<int32_t>(a),
                                           static_cast<int32_t>(b)});
    }

    // ---- objects ----
    template <class I> I create() {
        I id = table(w, id_tag<I>()).alloc();
        rec(Ev::Create, KindOf<I>::k, 0, id.v);
        return id;
    }
    template <class I> void destroy(I id) {
        rec(Ev::Destroy, KindOf<I>::k, 0, id.v);
        table(w, id).free(id);
    }

    // ---- fields: use KSET(k, id, field, value) ----
    template <class I, class T, class V>
    void set_field(I id, uint16_t offset, T& slot, V v) {
        T nv = static_cast<T>(v);
        if (slot == nv) return;
        if (trace)
            rec(Ev::Set, KindOf<I>::k, offset, id.v, to_i64(slot), to_i64(nv));
        slot = nv;
    }

    // ---- counters ----
    void mib_inc(Mib m, int64_t by = 1) {
        auto& c = w.mib[static_cast<size_t>(m)];
        rec(Ev::Counter, ObjKind::Net, static_cast<uint16_t>(m), 0, c, c + by);
        c += by;
    }

    // ---- links (containers) ----
    void link(Ev ev, ObjKind kind, uint32_t id, Link l, int64_t a, int64_t b) {
        rec(ev, kind, static_cast<uint16_t>(l), id, a, b);
    }

    // ---- frames ----
    void enter(Fn f) { rec(Ev::Enter, ObjKind::None, static_cast<uint16_t>(f), 0); }
    void leave(Fn f, int ret) { rec(Ev::Leave, ObjKind::None, static_cast<uint16_t>(f), 0, ret); }

    // ---- steps ----
    void begin_step(StepKind kind, uint32_t command, uint32_t task) {
        if (trace)
            trace->steps.push_back(StepRecord{static_cast<uint32_t>(trace->events.size()),
                                              command, w.now, kind, task});
    }

private:
    template <class I> static I id_tag() { return I{}; }
    template <class T> static int64_t to_i64(const T& v) {
        if constexpr (std::is_enum_v<T>) return static_cast<int64_t>(v);
        else if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
        else if constexpr (std::is_integral_v<T>) return static_cast<int64_t>(v);
        else return static_cast<int64_t>(v.v);  // typed id
    }
};

// RAII frame: Enter on construction, Leave (with the return value the
// function chose via ret()) on scope exit.
class FrameGuard {
public:
    FrameGuard(Kernel& k, Fn f) : k_(k), f_(f) { k_.enter(f); }
    ~FrameGuard() { k_.leave(f_, ret_); }
    int ret(int r) { ret_ = r; return r; }
    FrameGuard(const FrameGuard&) = delete;
    FrameGuard& operator=(const FrameGuard&) = delete;
private:
    Kernel& k_;
    Fn f_;
    int ret_ = 0;
};

#define KFRAME(k, name) ::sockscope::FrameGuard kframe_((k), ::sockscope::Fn::name)
// Return from a framed function, recording the value in the Leave event.
#define KRET(v) return kframe_.ret(v)

#define KSET(k, id, field, value)                                                        \
    do {                                                                                 \
        auto& kset_obj_ = ::sockscope::obj((k).w, (id));                                 \
        using kset_t_ = std::remove_reference_t<decltype(kset_obj_)>;                    \
        _Pragma("GCC diagnostic push")                                                   \
        _Pragma("GCC diagnostic ignored \"-Winvalid-offsetof\"")                         \
        (k).set_field((id), static_cast<uint16_t>(offsetof(kset_t_, field)),             \
                      kset_obj_.field, (value));                                          \
        _Pragma("GCC diagnostic pop")                                                    \
    } while (0)

}  // namespace sockscope
