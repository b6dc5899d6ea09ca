// history.cpp — see history.h.
//
//   construction, reset, the live machine
//   running commands at the head (run, advance, replay)
//   the trace on demand
//   going back (world_at, entry_of_step, branch_at)
#include "history.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace sockscope {

// ---------------------------------------------------------------- the live machine

History::History(World boot, uint32_t checkpoint_every)
    : every_(checkpoint_every), next_cp_at_(checkpoint_every) {
    start_live(boot, 0);
    cps_.push_back(Checkpoint{0, 0, std::move(boot)});
}

// The head becomes a machine over w, keeping the hook tests hang on it,
// and recording into the trace once the trace has been read.
void History::start_live(World w, uint64_t steps_before) {
    auto hook = live_.after_step;
    live_ = Machine(std::move(w));
    live_base_ = steps_before;
    live_.after_step = hook;
    live_.k.trace = tracing_ ? &trace_ : nullptr;
}

void History::reset(World boot) {
    start_live(boot, 0);
    trace_.clear();
    traced_steps_ = 0;
    traced_entries_ = 0;
    entries_.clear();
    branches_.clear();
    cps_.clear();
    cps_.push_back(Checkpoint{0, 0, std::move(boot)});
    next_cp_at_ = every_;
}

[[gnu::noinline]] void History::checkpoint() {
    // The one copy of the world, into a checkpoint built in place (clang
    // has no parenthesized aggregate init for emplace_back's arguments).
    Checkpoint& cp = cps_.emplace_back();
    cp.entry = entries_.size();
    cp.steps = step_count();
    cp.world = live_.k.w;
    next_cp_at_ = step_count() + every_;
}

// ---------------------------------------------------------------- running at the head

// Inlined into run(): the path of every command.
[[gnu::always_inline]] inline Outcome History::record(const Command& c, int64_t budget,
                                                      std::vector<Kernel::Completion>* done) {
    // What the two skipped resets below rely on: nothing runs the live
    // machine between commands but record().
    assert(live_.budget == -1 && live_.k.completions.empty());
    uint32_t idx = static_cast<uint32_t>(entries_.size());
    uint64_t first = step_count();
    // The live machine's budget is -1 (none) between commands: a replay
    // sets it and puts it back, run() leaves it be.
    if (budget >= 0) live_.budget = budget;
    Outcome o = live_.exec(c, idx);
    live_.settle(idx);
    if (budget >= 0) live_.budget = -1;
    uint64_t now = step_count();
    entries_.push(c, first, now - first);
    if (tracing_) {
        traced_steps_ = now;
        traced_entries_ = entries_.size();
    }
    // The live machine's completions are this command's: every command
    // leaves the list empty (and start_live begins a fresh machine), so it
    // needs no clearing before the command runs. Most commands complete
    // nothing and skip this.
    if (!live_.k.completions.empty()) {
        if (done) done->insert(done->end(), live_.k.completions.begin(), live_.k.completions.end());
        live_.k.completions.clear();
    }
    if (now >= next_cp_at_) checkpoint();
    return o;
}

Outcome History::run(const Command& c, std::vector<Kernel::Completion>* done) {
    return record(c, -1, done);
}

void History::advance(int64_t ms, std::vector<Kernel::Completion>* done) {
    Command c;
    c.op = Op::Sleep;
    c.a[0] = ms;
    c.text = "advance(" + std::to_string(ms) + ")";
    run(c, done);
}

bool History::replay(const std::vector<Entry>& entries, std::vector<Branch> branches) {
    for (const Entry& in : entries) {
        record(in.cmd, static_cast<int64_t>(in.steps), nullptr);
        if (entries_.back().steps != in.steps) return false;
    }
    for (Branch& b : branches) branches_.push_back(std::move(b));
    return true;
}

void History::replay_entry(Machine& m, const Command& c, uint64_t steps, uint32_t idx) {
    m.budget = static_cast<int64_t>(steps);
    m.exec(c, idx);
    m.settle(idx);
    m.budget = -1;
}

// ---------------------------------------------------------------- the command list

// A command's identity for sharing: every field, text included. Pairs of
// words go through one 64x64->128 multiply each (wyhash's "mum") and the
// products are summed, so the multiplies are independent of each other: a
// chain of dependent mixing steps over ~12 words was a latency-bound tenth
// of a recorded step. std::hash of the text (a byte-wise Murmur) before
// that was slower still. Only equality of hashes matters, never their
// order, and equal hashes of different commands only cost a comparison
// (push probes on).
static inline uint64_t mum(uint64_t a, uint64_t b) {
    unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

static uint64_t command_hash(const Command& c) {
    constexpr uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL,
                       k2 = 0x8ebc6af09c88c6e3ULL, k3 = 0x589965cc75374cc3ULL;
    const char* p = c.text.data();
    size_t n = c.text.size();
    auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
    uint64_t h = mum(u(c.a[0]) ^ k0, u(c.a[1]) ^ k1) + mum(u(c.a[2]) ^ k2, u(c.a[3]) ^ k3) +
                 mum(u(c.a[4]) ^ k1, u(c.a[5]) ^ k2) +
                 mum((static_cast<uint64_t>(c.op) | static_cast<uint64_t>(c.task) << 8) ^ k3, n ^ k0);
    uint64_t salt = k0;
    for (; n >= 16; p += 16, n -= 16, salt += k3) {
        uint64_t w0, w1;
        std::memcpy(&w0, p, 8);
        std::memcpy(&w1, p + 8, 8);
        h += mum(w0 ^ salt, w1 ^ k1);
    }
    if (n) {
        uint64_t w[2] = {0, 0};
        std::memcpy(w, p, n);
        h += mum(w[0] ^ salt, w[1] ^ k2);
    }
    return mum(h ^ k1, k2);
}

void History::EntryList::grow() {
    std::vector<Slot> old = std::move(by_hash_);
    by_hash_.assign(old.empty() ? 64 : old.size() * 2, Slot{0, kEmpty});
    size_t mask = by_hash_.size() - 1;
    for (const Slot& s : old) {
        if (s.idx == kEmpty) continue;
        size_t i = s.hash & mask;
        while (by_hash_[i].idx != kEmpty) i = (i + 1) & mask;
        by_hash_[i] = s;
    }
}

// Command's operator== field by field, without the two library calls
// (std::array's and std::string's memcmp) the default one makes for what
// are a few words. Every field of Command (machine.h): a field added there
// must be compared (and hashed, command_hash) here too. push compares with
// the command it expects to find, so nearly every comparison is of equal
// commands: the arguments and the text are xor-ed 16 bytes at a time
// (GCC/Clang vector extensions; SSE2 on x86-64), or-ed together and tested
// once, without a branch per word or a byte loop for the text's tail.
using u64x2 = uint64_t __attribute__((vector_size(16)));
static inline u64x2 load16(const void* p) {
    u64x2 v;
    std::memcpy(&v, p, 16);
    return v;
}

static inline bool same_command(const Command& x, const Command& y) {
    size_t n = x.text.size();
    if (((static_cast<uint64_t>(x.op) ^ static_cast<uint64_t>(y.op)) | (x.task ^ y.task) |
         (n ^ y.text.size())) != 0)
        return false;
    static_assert(sizeof(x.a) == 3 * sizeof(u64x2));
    u64x2 d = (load16(&x.a[0]) ^ load16(&y.a[0])) | (load16(&x.a[2]) ^ load16(&y.a[2])) |
              (load16(&x.a[4]) ^ load16(&y.a[4]));
    const char* p = x.text.data();
    const char* q = y.text.data();
    if (n >= 16) {
        // 16 bytes at a time, the last 16 ending at the text's end (they may
        // overlap the ones before): up to 32 bytes takes no loop.
        d |= load16(p) ^ load16(q);
        for (size_t i = 16; i + 16 < n; i += 16) d |= load16(p + i) ^ load16(q + i);
        d |= load16(p + n - 16) ^ load16(q + n - 16);
    } else if (n >= 8) {
        uint64_t u, v, s, t;
        std::memcpy(&u, p, 8);
        std::memcpy(&v, q, 8);
        std::memcpy(&s, p + n - 8, 8);
        std::memcpy(&t, q + n - 8, 8);
        d[0] |= (u ^ v) | (s ^ t);
    } else {
        for (size_t i = 0; i < n; ++i) d[0] |= static_cast<uint64_t>(p[i] ^ q[i]);
    }
    return (d[0] | d[1]) == 0;
}

inline uint32_t History::EntryList::find_or_add(const Command& c) {
    Guess g = next_[prev_];
    if (!g.cmd || !same_command(*g.cmd, c)) {
        g = Guess{nullptr, find_slow(c)};
        g.cmd = &pool_[g.idx];
        next_[prev_] = g;
    }
    prev_ = g.idx + 1;
    return g.idx;
}

inline void History::EntryList::push(const Command& c, uint64_t first_step, uint64_t steps) {
    uint32_t cmd = find_or_add(c);
    if (tail_ == tail_end_) seat_tail();
    *tail_++ = Rec{first_step, steps, cmd};
    ++n_;
}

// The hash table: equal commands share one stored copy, so the probe
// stops at the slot of an equal command, or at a free slot where a new one
// is stored. Out of line: find_or_add's guess seldom misses, and inlined
// this made every command save and restore the registers it needs.
[[gnu::noinline, gnu::cold]] uint32_t History::EntryList::find_slow(const Command& c) {
    if ((by_hash_used_ + 1) * 2 > by_hash_.size()) grow();
    uint64_t h = command_hash(c);
    size_t mask = by_hash_.size() - 1;
    uint32_t idx;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        Slot& s = by_hash_[i];
        if (s.idx == kEmpty) {
            idx = static_cast<uint32_t>(pool_.size());
            s = Slot{h, idx};
            ++by_hash_used_;
            pool_.push_back(c);
            next_.emplace_back();
            break;
        }
        if (s.hash == h && same_command(pool_[s.idx], c)) {
            idx = s.idx;
            break;
        }
    }
    return idx;
}

void History::EntryList::seat_tail() {
    size_t k = n_ >> kChunkBits;
    if (k == chunks_.size()) chunks_.push_back(std::make_unique_for_overwrite<Rec[]>(kChunk));
    tail_ = chunks_[k].get() + (n_ & (kChunk - 1));
    tail_end_ = chunks_[k].get() + kChunk;
}

History::EntryRef History::EntryList::at(size_t i) const {
    if (i >= n_) throw std::out_of_range("History::EntryList::at");
    return (*this)[i];
}

size_t History::EntryList::last_starting_at_or_before(uint64_t step) const {
    // Binary search for the first record starting after step. (A plain
    // loop: clang with libstdc++ 12 cannot build views::iota's ranges.)
    size_t lo = 0, hi = n_;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rec(mid).first_step <= step) lo = mid + 1;
        else hi = mid;
    }
    return lo - 1;
}

void History::EntryList::clear() {
    truncate(0);
    next_.assign(1, Guess{});
    prev_ = 0;
    pool_.clear();
    by_hash_.clear();
    by_hash_used_ = 0;
}

size_t History::EntryList::bytes() const {
    size_t b = chunks_.size() * kChunk * sizeof(Rec) + chunks_.capacity() * sizeof(chunks_[0]) +
               pool_.size() * sizeof(Command) + next_.capacity() * sizeof(Guess) +
               by_hash_.capacity() * sizeof(Slot);
    for (const Command& c : pool_) b += c.text.capacity() > 15 ? c.text.capacity() + 1 : 0;
    return b;
}

History::EntryList::operator std::vector<Entry>() const {
    std::vector<Entry> out;
    out.reserve(size());
    for (size_t i = 0; i < size(); ++i) out.push_back((*this)[i]);
    return out;
}

// ---------------------------------------------------------------- the trace on demand

// Writes the trace of the commands not yet traced by running them again
// from the world before them, then has the live machine record from here
// on. The untraced commands always start at a command boundary (traced
// steps only ever end at one), so whole entries replay, each with its step
// budget, and the events come out exactly as a recording run makes them.
const Trace& History::trace() const {
    if (traced_entries_ < entries_.size()) {
        Machine m(world_at(traced_steps_));
        m.k.trace = &trace_;
        for (size_t i = traced_entries_; i < entries_.size(); ++i)
            replay_entry(m, entries_[i].cmd, entries_[i].steps, static_cast<uint32_t>(i));
        traced_steps_ = step_count();
        traced_entries_ = entries_.size();
    }
    if (!tracing_) {
        tracing_ = true;
        live_.k.trace = &trace_;
    }
    return trace_;
}

// ---------------------------------------------------------------- going back

World History::world_at(uint64_t n) const {
    if (n >= step_count()) return live_.k.w;
    // The last checkpoint at or before n.
    auto after = std::upper_bound(cps_.begin(), cps_.end(), n,
                                  [](uint64_t s, const Checkpoint& c) { return s < c.steps; });
    const Checkpoint* cp = &*(after - 1);
    Machine m(cp->world);
    uint64_t done = cp->steps;
    for (size_t i = cp->entry; i < entries_.size() && done < n; ++i) {
        EntryRef e = entries_[i];
        uint64_t steps = std::min(e.steps, n - done);  // may stop inside this command
        replay_entry(m, e.cmd, steps, static_cast<uint32_t>(i));
        done += steps;
    }
    return m.k.w;
}

size_t History::entry_of_step(uint64_t n) const {
    if (n == 0 || entries_.empty()) return 0;
    return entries_.last_starting_at_or_before(n - 1);
}

bool History::branch_at(uint64_t n, bool save_branch) {
    if (n > step_count()) return false;
    if (n == step_count()) return true;
    World w = world_at(n);
    Branch b;
    b.at_step = n;
    // Keep whole commands before n; cut the one step n-1 is in.
    size_t keep = 0;
    while (keep < entries_.size() && entries_[keep].first_step + entries_[keep].steps <= n) ++keep;
    if (keep < entries_.size() && entries_[keep].first_step < n) {
        for (size_t i = keep; i < entries_.size(); ++i) b.commands.push_back(entries_[i].cmd);
        entries_.rec(keep).steps = n - entries_[keep].first_step;
        ++keep;
    } else {
        for (size_t i = keep; i < entries_.size(); ++i) b.commands.push_back(entries_[i].cmd);
    }
    entries_.truncate(keep);
    if (save_branch) branches_.push_back(std::move(b));
    // Trace: drop every event, step and segment after step n. A trace that
    // ends at or before n keeps its end (a command boundary at or before
    // the cut, since the cut command is now one of the kept).
    if (traced_steps_ >= n) {
        size_t ev_end = n < trace_.steps.size() ? trace_.steps[n].first_event : trace_.events.size();
        uint32_t pk_end = 0;
        for (size_t i = 0; i < ev_end; ++i) {
            const TraceEvent& e = trace_.events[i];
            if (e.ev == Ev::PacketSend || e.ev == Ev::PacketDeliver || e.ev == Ev::PacketDrop)
                pk_end = std::max(pk_end, e.id + 1);
        }
        trace_.events.resize(ev_end);
        trace_.steps.resize(n);
        trace_.packets.resize(pk_end);
        traced_steps_ = n;
        traced_entries_ = keep;
    } else {
        traced_entries_ = std::min(traced_entries_, keep);
    }
    while (cps_.size() > 1 && cps_.back().steps > n) cps_.pop_back();
    next_cp_at_ = cps_.back().steps + every_;
    start_live(std::move(w), n);
    return true;
}

size_t History::bytes() const {
    size_t b = trace_.bytes() + entries_.bytes();
    for (const Checkpoint& c : cps_) {
        const World& w = c.world;
        b += sizeof(World) + w.tasks.bytes() + w.files_structs.bytes() + w.files.bytes() +
             w.sockets.bytes() + w.socks.bytes() + w.reqs.bytes() + w.tws.bytes() +
             w.buckets.bytes() + w.timers.bytes() + w.peers.bytes();
    }
    return b;
}

}  // namespace sockscope
