// kernel.h — the running kernel: a world plus the chokepoints that change it.
//
// Every change to the world while a step runs goes through a function here:
// field writes (KSET), object creation and destruction, fd table slots,
// queue pushes and pops, wait queues, counters, segments. Each one records
// itself in the step trace when a trace is attached, so the trace is
// complete by construction rather than by discipline. With no trace attached
// (history replay, fuzzing) the same calls only mutate.
//
// Model code is written as free functions named after the kernel's
// (inet_create(k, ...)), each opening a KFRAME so the trace shows the call
// stack. Errors are returned the kernel way: 0 or a negative errno.
//
// Two builds of one model. The model's sources (core/kernel, net, ipv4, fs)
// are compiled twice: once as they read (namespace traced: every chokepoint
// asks whether a trace is attached) and once with SOCKSCOPE_UNTRACED
// (namespace untraced: the question is answered at compile time, and every
// recording site disappears). A step that nobody will read — a headless
// run, a history replay, the benchmark — runs the untraced build; the
// Machine picks one per step (kernel/entry.h). The asking was a quarter of
// the instructions of an untraced step: some 1,500 sites a connection's
// life, each a load, a test and a branch, and code laid out around a call
// that never happens. The cost is a second copy of the model's code
// (about 100 KB of text). Both builds share every type: the World, the
// Kernel below, commands. Only the functions differ, and a translation
// unit only ever sees its own (an inline namespace picked by the macro).
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

    explicit Kernel(World world) : w(std::move(world)) {}
    Kernel() : w(make_boot_world()) {}

    // The one append every recording site leads to. Out of line and cold:
    // the traced build inlines the test at each site and only the test.
    [[gnu::noinline, gnu::cold]] void rec_traced(Ev ev, ObjKind kind, uint16_t code, uint32_t id,
                                                 int64_t a, int64_t b) {
        trace->events.push_back(TraceEvent{ev, kind, code, id, static_cast<int32_t>(a),
                                           static_cast<int32_t>(b)});
    }

    // Opens a step's record (once a step, so a run-time test is enough).
    void begin_step(StepKind kind, uint32_t command, uint32_t task) {
        if (trace)
            trace->steps.push_back(StepRecord{static_cast<uint32_t>(trace->events.size()),
                                              command, w.now, kind, task});
    }
};

// A field's value as the trace stores it.
template <class T> inline int64_t trace_value(const T& v) {
    if constexpr (std::is_enum_v<T>) return static_cast<int64_t>(v);
    else if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
    else if constexpr (std::is_integral_v<T>) return static_cast<int64_t>(v);
    else return static_cast<int64_t>(v.v);  // typed id
}

#ifdef SOCKSCOPE_UNTRACED
#define SOCKSCOPE_MODEL_VARIANT untraced
#else
#define SOCKSCOPE_MODEL_VARIANT traced
#endif

inline namespace SOCKSCOPE_MODEL_VARIANT {

#ifdef SOCKSCOPE_UNTRACED
inline constexpr bool kTraceable = false;
#else
inline constexpr bool kTraceable = true;
#endif

// Whether this step is being recorded (always false in the untraced build).
inline bool tracing(const Kernel& k) {
    if constexpr (kTraceable) return k.trace != nullptr;
    else return false;
}

// ---- recording primitive ----
inline void rec(Kernel& k, Ev ev, ObjKind kind, uint16_t code, uint32_t id, int64_t a = 0,
                int64_t b = 0) {
    if (tracing(k)) [[unlikely]]
        k.rec_traced(ev, kind, code, id, a, b);
}

// ---- objects ----
template <class I> I create(Kernel& k) {
    I id = table(k.w, I{}).alloc();
    rec(k, Ev::Create, KindOf<I>::k, 0, id.v);
    return id;
}
template <class I> void destroy(Kernel& k, I id) {
    rec(k, Ev::Destroy, KindOf<I>::k, 0, id.v);
    table(k.w, id).free(id);
}

// ---- fields: use KSET(k, id, field, value) ----
template <class I, class T, class V>
void set_field(Kernel& k, I id, uint16_t offset, T& slot, V v) {
    T nv = static_cast<T>(v);
    if (slot == nv) return;
    if (tracing(k)) [[unlikely]]
        k.rec_traced(Ev::Set, KindOf<I>::k, offset, id.v, trace_value(slot), trace_value(nv));
    slot = nv;
}

// ---- counters ----
inline void mib_inc(Kernel& k, Mib m, int64_t by = 1) {
    auto& c = k.w.mib[static_cast<size_t>(m)];
    rec(k, Ev::Counter, ObjKind::Net, static_cast<uint16_t>(m), 0, c, c + by);
    c += by;
}

// ---- links (containers) ----
inline void link(Kernel& k, Ev ev, ObjKind kind, uint32_t id, Link l, int64_t a, int64_t b) {
    rec(k, ev, kind, static_cast<uint16_t>(l), id, a, b);
}

// ---- a syscall that slept has finished ----
inline void complete(Kernel& k, TaskId t, int64_t ret) {
    rec(k, Ev::Return, ObjKind::Task, 0, t.v, ret < 0 ? -1 : ret, ret < 0 ? -ret : 0);
    k.completions.push_back({t, ret});
}

// RAII frame: Enter on construction, Leave (with the return value the
// function chose via ret()) on scope exit.
class FrameGuard {
public:
    FrameGuard(Kernel& k, Fn f) : k_(k), f_(f) { rec(k_, Ev::Enter, ObjKind::None, static_cast<uint16_t>(f), 0); }
    ~FrameGuard() { rec(k_, Ev::Leave, ObjKind::None, static_cast<uint16_t>(f_), 0, ret_); }
    int ret(int r) { ret_ = r; return r; }
    FrameGuard(const FrameGuard&) = delete;
    FrameGuard& operator=(const FrameGuard&) = delete;
private:
    Kernel& k_;
    Fn f_;
    int ret_ = 0;
};

}  // inline namespace SOCKSCOPE_MODEL_VARIANT

#define KFRAME(k, name) ::sockscope::FrameGuard kframe_((k), ::sockscope::Fn::name)
// Return from a framed function, recording the value in the Leave event.
#define KRET(v) return kframe_.ret(v)

#define KSET(k, id, field, value)                                                        \
    do {                                                                                 \
        auto& kset_obj_ = ::sockscope::obj((k).w, (id));                                 \
        using kset_t_ = std::remove_reference_t<decltype(kset_obj_)>;                    \
        _Pragma("GCC diagnostic push")                                                   \
        _Pragma("GCC diagnostic ignored \"-Winvalid-offsetof\"")                         \
        ::sockscope::set_field((k), (id), static_cast<uint16_t>(offsetof(kset_t_, field)), \
                               kset_obj_.field, (value));                                 \
        _Pragma("GCC diagnostic pop")                                                    \
    } while (0)

}  // namespace sockscope
