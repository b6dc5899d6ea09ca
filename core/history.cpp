// history.cpp — see history.h.
//
//   construction, reset, the live machine
//   running commands at the head (run, advance, replay)
//   the trace on demand
//   going back (world_at, entry_of_step, branch_at)
#include "history.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace sockscope {

// ---------------------------------------------------------------- the live machine

History::History(World boot, uint32_t checkpoint_every) : every_(checkpoint_every) {
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
    steps_at_last_cp_ = 0;
}

void History::maybe_checkpoint() {
    if (step_count() - steps_at_last_cp_ < every_) return;
    cps_.push_back(Checkpoint{entries_.size(), step_count(), live_.k.w});
    steps_at_last_cp_ = step_count();
}

// ---------------------------------------------------------------- running at the head

Outcome History::record(const Command& c, int64_t budget, std::vector<Kernel::Completion>* done) {
    uint32_t idx = static_cast<uint32_t>(entries_.size());
    uint64_t first = step_count();
    live_.k.completions.clear();
    live_.budget = budget;
    Outcome o = live_.exec(c, idx);
    live_.settle(idx);
    live_.budget = -1;
    entries_.push(c, first, step_count() - first);
    if (tracing_) {
        traced_steps_ = step_count();
        traced_entries_ = entries_.size();
    }
    if (done) done->insert(done->end(), live_.k.completions.begin(), live_.k.completions.end());
    live_.k.completions.clear();
    maybe_checkpoint();
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
// must be compared (and hashed, command_hash) here too.
static inline bool same_command(const Command& x, const Command& y) {
    if (x.op != y.op || x.task != y.task || x.text.size() != y.text.size()) return false;
    for (size_t i = 0; i < x.a.size(); ++i)
        if (x.a[i] != y.a[i]) return false;
    const char* p = x.text.data();
    const char* q = y.text.data();
    size_t n = x.text.size();
    for (; n >= 8; p += 8, q += 8, n -= 8) {
        uint64_t u, v;
        std::memcpy(&u, p, 8);
        std::memcpy(&v, q, 8);
        if (u != v) return false;
    }
    for (; n; ++p, ++q, --n)
        if (*p != *q) return false;
    return true;
}

// Equal commands share one stored copy: the probe stops at the slot of an
// equal command, or at a free slot where a new one is stored.
void History::EntryList::push(const Command& c, uint64_t first_step, uint64_t steps) {
    // The recent-command cache first: a session repeats the same commands
    // (a loop's close(fd), accept(ls)), and one comparison is cheaper
    // than hashing the command. Keyed by op, first argument and text
    // length; a stale or foreign entry only fails the comparison.
    size_t memo = (static_cast<size_t>(c.op) * 0x9e3779b1u ^ static_cast<size_t>(c.a[0]) * 0x85ebca6bu ^
                   c.text.size() * 0xc2b2ae35u) >> 7 & (kMemo - 1);
    uint32_t m = memo_[memo];
    if (m < pool_.size() && same_command(pool_[m], c)) {
        recs_.push_back(Rec{first_step, steps, m});
        return;
    }
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
            break;
        }
        if (s.hash == h && same_command(pool_[s.idx], c)) {
            idx = s.idx;
            break;
        }
    }
    memo_[memo] = idx;
    recs_.push_back(Rec{first_step, steps, idx});
}

void History::EntryList::clear() {
    recs_.clear();
    pool_.clear();
    by_hash_.clear();
    by_hash_used_ = 0;
    memo_.fill(kEmpty);
}

size_t History::EntryList::bytes() const {
    size_t b = recs_.capacity() * sizeof(Rec) + pool_.capacity() * sizeof(Command) +
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
    uint64_t step = n - 1;
    const auto& recs = entries_.recs_;
    auto it = std::upper_bound(recs.begin(), recs.end(), step,
                               [](uint64_t s, const EntryList::Rec& r) { return s < r.first_step; });
    return static_cast<size_t>(it - recs.begin()) - 1;
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
        entries_.recs_[keep].steps = n - entries_[keep].first_step;
        ++keep;
    } else {
        for (size_t i = keep; i < entries_.size(); ++i) b.commands.push_back(entries_[i].cmd);
    }
    entries_.recs_.resize(keep);
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
    steps_at_last_cp_ = cps_.back().steps;
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
