// gui.h — the window: options and the entry point main.cpp calls.
//
//   sockscope                       the window with lesson 1 when there is a display (else main.cpp
//                                   plays lesson 1 on the terminal)
//   sockscope gui [--bench]         the window explicitly (--bench: frame-time figures)
//   sockscope --script FILE --screenshot OUT.png [--step N] [--size WxH] [--view NAME]
//             [--focus NAME] [--presentation] [--theme light|dark] [--font-scale S] [--anim-at T]
//   sockscope --script FILE --svg OUT.svg [--step N]
//   sockscope --lesson NAME [--lesson-step N [--lesson-run [--lesson-answer X]]] [--lesson-lang zh] [--lesson-continue]
//   sockscope gui SNAP.sqlite [LABEL]     (or --open SNAP.sqlite [--open-label LABEL])
//   sockscope --dialog save|open [--dialog-file F] [--dialog-label L]   the snapshot dialog open (screenshots)
//
// Only app/gui touches the window; the model is reached through
// app/gui/model/session.h.
#pragma once
#include <string>

namespace CLI {
class App;
}

namespace sockscope::app {

struct GuiOptions {
    std::string script;        // run this script first
    std::string screenshot;    // write a PNG of the window (or --view) and exit
    std::string svg;           // write the object graph as SVG and exit
    std::string view;          // --screenshot of one view: process, listener, calls, protosw, packets, inspector, console
    std::string focus;         // show one view alone over the whole window (same names)
    std::string dump_views;    // write what the views drew (text) and exit (tests)
    long long step = -1;       // view this step (-1: the end)
    int frame = -1;            // and this frame of it
    float anim_at = -1;        // --screenshot of the move to --step caught partway (0..1)
    std::string size;          // "WxH"
    bool bench = false;        // print frame-time percentiles and exit
    bool presentation = false; // start in presentation mode
    bool full_redraw = false;  // draw every frame in full (no damage tracking)
    bool damage_check = false; // tests: every frame drawn both ways and compared
    std::string theme;         // dark, light
    bool colorblind = false;
    float font_scale = 0;      // 0: remembered / default
    bool no_animation = false;
    bool fit_all = false;      // the process view zoomed to show everything
    std::string select;        // select an object for the inspector: "sock:3", "file:2", "net"
    std::string pointer;       // headless: the mouse at "X,Y" (hover, tooltips), tests
    // lessons
    std::string lesson;        // play this lesson in the lesson panel (name, number or .lesson file)
    std::string lesson_dir;    // where lessons are (default: as `sockscope lesson`)
    int lesson_step = 0;       // show this step (1-based; the steps before run quietly)
    bool lesson_run = false;   // and run it (its results shown)
    std::string lesson_answer; // with this prediction
    std::string lesson_lang;   // en, zh
    bool lesson_continue = false;  // after running the last step: continue freely (the session takes the machine)
    bool first_lesson = false; // no arguments at all: open lesson 1
    // snapshots
    std::string open;          // open this snapshot file in the window
    std::string open_label;    // which snapshot of it (default: the newest)
    std::string dialog;        // open the snapshot dialog: save or open
    std::string dialog_file, dialog_label;   // with these in its fields
    std::string intents;       // a file of intents run before a screenshot, one a line (tests; Ui::push_line)
};

// Registers the window's options on the top-level command and makes `gui`
// pass them through (sockscope gui --bench).
void add_gui_options(CLI::App& app, CLI::App& gui_subcommand, GuiOptions& o);

// Opens the window. Without a display, prints one line saying so and runs
// the terminal REPL instead (or fails, for --screenshot/--bench/--svg
// that need the window).
int run_gui(const GuiOptions& o);

// For `sockscope` with no subcommand (explicit = false) or `sockscope gui`
// (explicit = true): opens the window and returns its exit status when
// there is a display (or a window option was given). With no subcommand
// and nothing else to show (no script, lesson or snapshot), the window
// opens with lesson 1 in its lesson panel. Otherwise, with
// explicit = false, prints one line saying there is no display and
// returns -1 so the caller goes on to the terminal front end.
int open_window_or_say_why(const GuiOptions& o, bool explicit_gui);

// For `sockscope FILE.sqlite [LABEL]`: with a display, opens the snapshot
// in the window and returns its exit status; without one returns -1 (having
// printed nothing) so the caller opens it in the REPL.
int open_snapshot_in_window(const std::string& path, const std::string& label);

}  // namespace sockscope::app
