// session.h — what the window drives: a history, the interpreter over it,
// the console's lines, and the step the user is looking at.
//
// The window changes the model only through submit(), which takes the same
// text a user types in the console (or a panel's intent, written out as
// that text) and runs it through script::Interp::run_line. Everything else
// here is a view position: the cursor names a step boundary or a frame
// inside a step, and world() is the model's state there, rebuilt from the
// history (History::world_at) rather than kept per step. Typing a command
// while looking at an earlier step branches the history there first
// (History::branch_at), as the REPL's goto does. No window code.
//
// A session can also watch a machine it does not own: a lesson's, while the
// lesson plays (watch()). It then shows that machine and refuses commands
// that would change it (the lesson runs its own steps), and keeps its own
// machine aside until the lesson is closed. adopt() takes a machine over
// for good: a lesson's at its end ("continue freely", as the REPL takes it
// over in the terminal) or a snapshot's that was opened.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "history.h"
#include "kernel/trace.h"
#include "script/interp.h"
#include "script/parser.h"

namespace sockscope::lesson {
class Runner;
}

namespace sockscope::gui {

enum class LineKind : uint8_t {
    Input,     // what the user typed (or a script line), after the prompt
    Ok,        // "= 3"
    Err,       // "= -1 EADDRINUSE"
    Blocked,   // "... blocks (the task sleeps)"
    Done,      // a sleeping call's result, later: "T: a = accept(s) = 4"
    Mismatch,  // "expected 0, got -1 EINVAL"
    Error,     // a parse or script error: src + caret + message
    Output,    // a view's text (show, ss, protosw, help)
    Note,      // the console's own remarks (branches, navigation)
};

struct ConsoleLine {
    LineKind kind = LineKind::Output;
    std::string text;
    std::string src;    // Error: the line as typed
    int caret = 0;      // Error: 1-based byte column in src
    uint64_t step = 0;  // the step count when the line was added
};

// A view position: `step` steps have run; frame < 0 is the boundary after
// them, frame >= 0 is frame number `frame` (its Enter) of step `step - 1`,
// the world shown as it stands when that frame is entered and has made its
// own changes, before it calls further down.
struct Cursor {
    uint64_t step = 0;
    int frame = -1;
    bool operator==(const Cursor&) const = default;
};

// A packet send as the ladder shows it: which step sent it and what became of it.
struct PacketRow {
    uint32_t packet = 0;        // index into Trace::packets
    uint64_t step = 0;          // the step that sent it
    uint64_t fate_step = 0;     // the step it was delivered or dropped in
    int8_t fate = 0;            // 0 in flight, 1 delivered, 2 dropped
    int32_t drop_reason = 0;
};

class Session {
public:
    explicit Session(World boot = make_boot_world());
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    History& history() { return H(); }
    const History& history() const { return H(); }
    script::Interp& interp() { return I(); }
    const script::Interp& interp() const { return I(); }
    const Trace& trace() const { return H().trace(); }

    // ---- other machines ----
    // Shows a lesson's machine (null: the session's own again). While it
    // watches, commands that change the model are refused with a note, the
    // console is the lesson's, and scripts do not run. Call watched_changed()
    // after the runner ran or went back a step.
    void watch(lesson::Runner* r);
    bool watching() const { return watched_ != nullptr; }
    void watched_changed();
    // Takes over a machine: its history, the interpreter over it (names,
    // calls still asleep), and the interpreter as it was at earlier step
    // counts (so a command typed at an earlier step gets that moment's
    // names back). The session's own machine and any watched one are
    // dropped; the console is kept (the caller adds a note). The cursor goes
    // to the head, and back/goto reach every step of the taken history.
    void adopt(std::unique_ptr<History> h, std::unique_ptr<script::Interp> in,
               std::vector<std::pair<uint64_t, std::unique_ptr<script::Interp>>> earlier = {});

    // ---- the console ----
    const std::vector<ConsoleLine>& console() const { return console_; }
    void clear_console() { console_.clear(); }
    void truncate_console(size_t n) { if (n < console_.size()) console_.resize(n); }
    void note(const std::string& text, LineKind k = LineKind::Note);
    // Runs one line as typed: a console word (help, goto, back, branches,
    // clear) or a line of the script language. Returns false on an error.
    bool submit(const std::string& text);
    // Tab completion: the words that can replace `word`, given the text
    // before it on the line.
    std::vector<std::string> complete(const std::string& before, const std::string& word) const;
    // The typed lines, oldest first (for Up/Down).
    const std::vector<std::string>& input_history() const { return inputs_; }

    // ---- scripts ----
    // Queues a script's lines; they run a slice at a time through pump().
    bool load_script(const std::string& text, const std::string& file, std::string* err);
    bool script_running() const { return script_pos_ < script_.size(); }
    size_t script_done() const { return script_pos_; }
    size_t script_total() const { return script_.size(); }
    // Runs queued script lines for at most budget_ms (at least one line).
    void pump(double budget_ms);
    void run_script_to_end() { while (script_running() && !watching()) pump(1e9); }
    bool echo_script = true;   // show each script line in the console

    // ---- where the user is looking ----
    Cursor cursor() const { return cursor_; }
    uint64_t head() const { return H().step_count(); }
    bool at_head() const { return cursor_.step == head() && cursor_.frame < 0; }
    void go(Cursor c);                     // clamped to the history
    void go_step(uint64_t n) { go(Cursor{n, -1}); }
    void next_frame();
    void prev_frame();
    void next_step();
    void prev_step();
    void next_command();
    void prev_command();
    void home() { go_step(0); }
    void end() { go_step(head()); }
    // Follow new steps as they are made (true while the cursor is at the head).
    bool follow = true;

    // The world at the cursor, and at the start of the cursor's step.
    const World& world();
    const World& world_before();
    // The step the cursor is in or just after (step - 1), or -1 at step 0.
    int64_t current_step() const { return cursor_.step == 0 ? -1 : static_cast<int64_t>(cursor_.step) - 1; }
    // The event index the cursor has reached in the current step (its end at
    // a boundary).
    size_t event_limit() const;
    // Frames (Enter event indexes) of step s.
    std::vector<size_t> frames_of(size_t s) const;
    // Changes `generation()` whenever the history or cursor changes.
    uint64_t generation() const { return generation_; }
    uint64_t history_generation() const { return history_gen_; }
    // Time (ms) the last world rebuild took.
    double last_rebuild_ms() const { return rebuild_ms_; }

    // Labels
    std::string step_label(size_t s) const;          // "listen(s, 5)", "a segment arrives"
    const Command* command_of_step(size_t s) const;  // the command step s belongs to
    std::string task_name(TaskId t) const;           // "" for the script's process, else the script's name
    std::string task_prefix(TaskId t) const;         // "B: " or ""

    // Packet sends so far, in send order (kept up to date incrementally).
    const std::vector<PacketRow>& packet_rows();

    // Set when the last submit branched the history.
    struct BranchNote {
        uint64_t at_step = 0;
        size_t commands = 0;
        size_t number = 0;
    };
    const std::vector<BranchNote>& branch_notes() const { return branch_notes_; }

private:
    History& H();
    const History& H() const;
    script::Interp& I();
    const script::Interp& I() const;
    void on_print(const std::string& s);
    void forget_caches();
    bool console_word(const std::string& line);
    void branch_here();
    void remember_names();
    void invalidate();
    void after_history_change();
    void update_packets();
    bool run_parsed(const std::string& src, const script::Line& l, const std::string& file, int lineno);

    std::unique_ptr<History> history_;
    std::unique_ptr<script::Interp> interp_;
    lesson::Runner* watched_ = nullptr;          // a lesson's machine on screen (not owned)
    std::vector<ConsoleLine> own_console_;       // the session's console while it watches
    std::vector<ConsoleLine> console_;
    std::vector<std::string> inputs_;
    int lineno_ = 0;

    // the statement being run, to shorten its result to "= 3"
    const script::Statement* cur_stmt_ = nullptr;
    std::string cur_src_, cur_file_;
    int cur_line_ = 0;
    bool cur_printed_ = false;

    struct QueuedLine {
        std::string text;
        int lineno;
    };
    std::vector<QueuedLine> script_;
    size_t script_pos_ = 0;
    std::string script_file_;

    struct Names {
        std::map<std::string, int64_t> vars;
        std::map<std::string, TaskId> tasks;
    };
    std::map<uint64_t, Names> names_at_;

    Cursor cursor_;
    uint64_t generation_ = 1, history_gen_ = 1;
    // world caches
    Cursor world_key_{~0ull, -2};
    uint64_t world_gen_ = 0;
    World world_;
    uint64_t before_key_ = ~0ull, before_gen_ = 0;
    World before_;
    World after_tmp_;
    double rebuild_ms_ = 0;

    std::vector<PacketRow> packets_;
    size_t packets_scanned_ = 0;     // events looked at so far
    uint64_t packets_gen_ = 0;
    std::vector<BranchNote> branch_notes_;
    size_t base_entries_ = 0;
};

}  // namespace sockscope::gui
