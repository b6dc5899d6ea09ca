// snapshots.cpp — see snapshots.h.
#include "app/gui/model/snapshots.h"

#include <sys/stat.h>

#include <algorithm>

namespace sockscope::gui {

namespace {

bool is_file(const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

bool SnapshotListing::has(const std::string& label) const {
    return std::any_of(infos.begin(), infos.end(), [&](const snapshot::Info& i) { return i.label == label; });
}

SnapshotListing list_snapshots(const std::string& path) {
    SnapshotListing l;
    l.exists = is_file(path);
    if (!l.exists) return l;
    if (!snapshot::list(path, &l.infos, &l.error)) l.infos.clear();
    return l;
}

bool save_snapshot(Session& s, const std::string& path, const std::string& label, bool replace, std::string* message) {
    if (path.empty()) {
        *message = "type the name of the file to save to, e.g. demo.sqlite";
        return false;
    }
    if (is_dir(path)) {
        *message = path + " is a directory: add a file name, e.g. " + path + (path.back() == '/' ? "" : "/") + "demo.sqlite";
        return false;
    }
    snapshot::SessionNames names = snapshot::session_names(s.interp());
    std::string err, used;
    if (!snapshot::save(path, s.history(), label, &err, &names, &used, replace)) {
        *message = err;
        return false;
    }
    const History& h = s.history();
    *message = "saved '" + used + "' (" + std::to_string(h.step_count()) + " steps, " + std::to_string(h.entries().size()) +
               " commands) to " + path;
    return true;
}

bool open_snapshot(Session& s, const std::string& path, const std::string& label, std::string* message) {
    if (path.empty()) {
        *message = "type the name of the snapshot file to open";
        return false;
    }
    if (!is_file(path)) {
        *message = "there is no file " + path;
        return false;
    }
    std::string err;
    snapshot::SessionNames names;
    snapshot::Info info;
    std::unique_ptr<History> h = snapshot::load(path, label, &err, &names, &info);
    if (!h) {
        *message = err;
        return false;
    }
    // The names of the session that saved it, so its variables and tasks
    // (s, T, B: ...) mean the same here.
    auto in = std::make_unique<script::Interp>(*h);
    snapshot::restore_session_names(*in, names);
    s.clear_console();
    s.adopt(std::move(h), std::move(in));
    *message = "opened snapshot '" + info.label + "' of " + path + ": " + std::to_string(info.steps) + " steps, " +
               std::to_string(info.commands) + " commands, saved " + info.created_at +
               ". Calls go on from here; ← and the timeline reach every earlier step.";
    s.note(*message);
    return true;
}

}  // namespace sockscope::gui
