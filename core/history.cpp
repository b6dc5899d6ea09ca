// history.cpp — see history.h.
#include "history.h"

#include <algorithm>

namespace sockscope {

History::History(World boot, uint32_t checkpoint_every) : live_(boot), every_(checkpoint_every) {
    live_.k.trace = &trace_;
    cps_.push_back(Checkpoint{0, 0, std::move(boot)});
}

void History::reset(World boot) {
    auto hook = live_.after_step;
    live_ = Machine(boot);
    live_.after_step = hook;
    live_.k.trace = &trace_;
    trace_.clear();
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

Outcome History::run(const Command& c, std::vector<Kernel::Completion>* done) {
    uint32_t idx = static_cast<uint32_t>(entries_.size());
    Entry e{c, step_count(), 0};
    live_.k.completions.clear();
    live_.budget = -1;
    Outcome o = live_.exec(c, idx);
    live_.settle(idx);
    e.steps = step_count() - e.first_step;
    entries_.push_back(std::move(e));
    if (done) done->insert(done->end(), live_.k.completions.begin(), live_.k.completions.end());
    live_.k.completions.clear();
    maybe_checkpoint();
    return o;
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
        uint32_t idx = static_cast<uint32_t>(entries_.size());
        Entry e{in.cmd, step_count(), 0};
        live_.k.completions.clear();
        live_.budget = static_cast<int64_t>(in.steps);
        live_.exec(in.cmd, idx);
        live_.settle(idx);
        live_.budget = -1;
        live_.k.completions.clear();
        e.steps = step_count() - e.first_step;
        entries_.push_back(std::move(e));
        maybe_checkpoint();
        if (entries_.back().steps != in.steps) return false;
    }
    for (Branch& b : branches) branches_.push_back(std::move(b));
    return true;
}

void History::replay_entry(Machine& m, const Entry& e, uint32_t idx) {
    m.budget = static_cast<int64_t>(e.steps);
    m.exec(e.cmd, idx);
    m.settle(idx);
    m.budget = -1;
}

World History::world_at(uint64_t n) const {
    if (n >= step_count()) return live_.k.w;
    // The last checkpoint at or before n.
    const Checkpoint* cp = &cps_.front();
    for (const Checkpoint& c : cps_)
        if (c.steps <= n) cp = &c;
    Machine m(cp->world);
    uint64_t done = cp->steps;
    for (size_t i = cp->entry; i < entries_.size() && done < n; ++i) {
        Entry e = entries_[i];
        if (done + e.steps > n) e.steps = n - done;  // stop inside this command
        replay_entry(m, e, static_cast<uint32_t>(i));
        done += e.steps;
    }
    return m.k.w;
}

size_t History::entry_of_step(uint64_t n) const {
    if (n == 0 || entries_.empty()) return 0;
    uint64_t step = n - 1;
    auto it = std::upper_bound(entries_.begin(), entries_.end(), step,
                               [](uint64_t s, const Entry& e) { return s < e.first_step; });
    return static_cast<size_t>(it - entries_.begin()) - 1;
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
        entries_[keep].steps = n - entries_[keep].first_step;
        ++keep;
    } else {
        for (size_t i = keep; i < entries_.size(); ++i) b.commands.push_back(entries_[i].cmd);
    }
    entries_.resize(keep);
    if (save_branch) branches_.push_back(std::move(b));
    // Trace: drop every event, step and segment after step n.
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
    while (cps_.size() > 1 && cps_.back().steps > n) cps_.pop_back();
    steps_at_last_cp_ = cps_.back().steps;
    auto hook = live_.after_step;
    live_ = Machine(std::move(w));
    live_.after_step = hook;
    live_.k.trace = &trace_;
    return true;
}

size_t History::bytes() const {
    size_t b = trace_.bytes() + entries_.capacity() * sizeof(Entry);
    for (const Entry& e : entries_) b += e.cmd.text.capacity();
    for (const Checkpoint& c : cps_) {
        const World& w = c.world;
        b += sizeof(World) + w.tasks.bytes() + w.files_structs.bytes() + w.files.bytes() +
             w.sockets.bytes() + w.socks.bytes() + w.reqs.bytes() + w.tws.bytes() +
             w.buckets.bytes() + w.timers.bytes() + w.peers.bytes();
    }
    return b;
}

}  // namespace sockscope
