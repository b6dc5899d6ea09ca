// snapshot.h — state snapshots in SQLite: save, open, continue, query.
//
// A snapshot file is an SQLite database (PRAGMA application_id 'SokS',
// user_version 2) holding any number of labelled snapshots. Each one is the
// world at the head of a history — every kernel object in a table named
// after it, with columns named after its fields (docs/snapshots.md) — plus
// the history that led there: the boot world and the commands with their
// step counts, so the receiver can step back as far as the sender could —
// and, optionally, the script's names and the calls asleep in its tasks.
//
// Opening rebuilds the History (and its step trace) by replaying the
// commands on the boot world, each with its recorded step budget, and
// refuses the file unless every command ran exactly that many steps and
// the replayed head equals the stored one. Saving is one transaction. Loading
// validates every value before using it and either returns a whole History
// or an error message: never a crash, never half a history.
//
// This is the only code that touches SQLite; core/ outside this directory
// knows nothing of it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "history.h"
#include "script/interp.h"

namespace sockscope::snapshot {

constexpr int32_t kApplicationId = 0x536F6B53;  // 'SokS'
// The format: 2 added inet_bind_bucket.fast_rcv_saddr and the udplite
// names. Each sockscope reads exactly its own format: a file's history only
// replays on the model that made it, so an older file is refused too.
constexpr int32_t kUserVersion = 2;

// What a front end knows beyond the history: the script's names, and the
// calls its tasks are asleep in (whose result lines, bindings and
// expectations come when they wake). Optional in a snapshot; `run --load`
// and the REPL restore them so a script goes on using the variables and
// task names of the one that was saved, and a call asleep then finishes
// as it would have in the session that never stopped.
struct SessionNames {
    std::map<std::string, int64_t> vars;
    std::map<std::string, uint32_t> tasks;   // TaskId values; "" = the script's process
    std::vector<script::PendingCall> pending;
};

// The interpreter's names, and putting them back into a fresh interpreter
// over a loaded history (tasks that no longer exist are skipped, and so
// are calls the interpreter refuses: load() has already refused a file
// with such a call).
SessionNames session_names(const script::Interp& in);
void restore_session_names(script::Interp& in, const SessionNames& names);

// One snapshot in a file (what `list` reports).
struct Info {
    int64_t id = 0;
    std::string label;
    uint64_t steps = 0;         // the step count at the head (snapshot.created_step)
    uint64_t commands = 0;
    std::string created_at;     // UTC, ISO 8601
};

// Saves the head of h and its whole history under `label` (empty: the
// first free "snapshot N"). Creates the file if needed; refuses a file
// that is not a sockscope snapshot file. A snapshot with the same label is
// replaced only when `replace` is true: otherwise the save is refused and
// nothing is written, so no front end can lose a saved snapshot by
// accident. On success *used_label (if given) is the label written.
bool save(const std::string& path, const History& h, const std::string& label, std::string* err,
          const SessionNames* names = nullptr, std::string* used_label = nullptr, bool replace = false);

// Opens the snapshot `label` (empty: the newest; a label that is a number
// also matches the snapshot id). Returns null with *err on any problem.
std::unique_ptr<History> load(const std::string& path, const std::string& label, std::string* err,
                              SessionNames* names = nullptr, Info* info = nullptr);

// The snapshots in a file, oldest first.
bool list(const std::string& path, std::vector<Info>* out, std::string* err);

// The same, on a database image in memory (tests, fuzzing, the network).
bool save_to_memory(const History& h, const std::string& label, std::vector<uint8_t>* image,
                    std::string* err, const SessionNames* names = nullptr);
std::unique_ptr<History> load_from_memory(const uint8_t* data, size_t size, const std::string& label,
                                          std::string* err, SessionNames* names = nullptr,
                                          Info* info = nullptr);

// JSON of the same state with the same names: one key per table, each an
// array of rows keyed by column name, plus "application_id" and
// "user_version". Rows of the head world have the snapshot's id, rows of
// the boot world the boot row's id (snapshot.boot_id).
std::string to_json(const History& h, const std::string& label, const SessionNames* names = nullptr,
                    int indent = 1);
// Opens the snapshot (as load() does, so only a valid file exports) and
// writes its JSON to *json.
bool export_json(const std::string& path, const std::string& label, std::string* json, std::string* err);

// For the REPL's `save [--replace] FILE [LABEL]`: args is what follows the
// word save. Returns the line to print ("saved 'L' (12 steps, 3 commands)
// to FILE", or "save: error: ...").
std::string repl_save(const std::string& args, const History& h, const SessionNames* names = nullptr);

}  // namespace sockscope::snapshot

// libFuzzer-friendly entry point: loads the newest snapshot of an in-memory
// database image (sqlite3_deserialize). Returns 0 when it loads, 1 when it
// is refused (*err, if given, says why). Never crashes on any input.
int snapshot_load_from_memory(const uint8_t* data, size_t size, std::string* err);
