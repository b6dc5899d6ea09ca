// snapshots.h — the window's File → Save snapshot… and Open snapshot…,
// without the window: what the dialog lists, and saving and opening over a
// Session through core/snapshot.
//
// A save writes the head of the machine on screen (a playing lesson's, or
// the session's own) with its whole history and the script's names, as the
// REPL's `save` does. A label already in the file is replaced only when
// the caller says so (the dialog asks first). An open replaces the
// session's machine with the snapshot's — world, history and names — only
// once the file has loaded completely; on any error nothing changes.
#pragma once
#include <string>
#include <vector>

#include "app/gui/model/session.h"
#include "snapshot/snapshot.h"

namespace sockscope::gui {

// The snapshots in a file, for the dialog's list.
struct SnapshotListing {
    bool exists = false;                  // there is a file at the path
    std::vector<snapshot::Info> infos;    // oldest first
    std::string error;                    // the file cannot be read as snapshots: why
    bool has(const std::string& label) const;
};
SnapshotListing list_snapshots(const std::string& path);

// Saves the session's machine at its head. On success *message is what to
// tell the user ("saved 'after listen' (12 steps, 3 commands) to demo.sqlite");
// on failure it is the reason in plain words and the file is as it was.
bool save_snapshot(Session& s, const std::string& path, const std::string& label, bool replace, std::string* message);

// Opens a snapshot (label "": the newest) into the session: its history,
// with the names of the session that saved it. The cursor goes to the
// snapshot's head; back, goto and the timeline reach every earlier step.
bool open_snapshot(Session& s, const std::string& path, const std::string& label, std::string* message);

}  // namespace sockscope::gui
