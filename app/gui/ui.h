// ui.h — the window's panels over a Session.
//
// Each frame, Ui::frame() draws every panel from read-only state — the
// World at the viewed step (Session::world) and the trace — and collects
// intents. Ui::apply() then carries them out: moving the view cursor, or
// running the command text a user would type (Session::submit, which goes
// through script::Interp::run_line). Animation is only presentation: it
// interpolates between the layouts before and after the last cursor move
// over a short interval; no model state advances with the clock.
#pragma once
#include <imgui.h>

#include <chrono>
#include <cstdint>
#include <array>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "app/gui/model/fields.h"
#include "app/gui/model/lessons.h"
#include "app/gui/model/session.h"
#include "app/gui/model/snapshots.h"
#include "app/gui/model/viewmodel.h"

namespace sockscope::app {

using gui::Session;

// ---------------------------------------------------------------- look

enum class Theme : uint8_t { Dark, Light };

struct Palette {
    ImU32 text, dim, title, border, canvas, box_bg, box_title, shadow;
    ImU32 kind_task, kind_file, kind_socket, kind_sock, kind_child, kind_tw;
    ImU32 arrow, arrow_back;
    ImU32 ok, err, warn, accent, changed, created, selection;
    ImU32 slot_free, slot_used, slot_reserved, cloexec;
    ImU32 cell_syn, cell_acc, cell_empty, limit;
    ImU32 lane, packet;
};
Palette make_palette(Theme t, bool colorblind);
void apply_imgui_style(Theme t, float scale);
ImU32 with_alpha(ImU32 c, float a);
ImU32 mix(ImU32 a, ImU32 b, float t);

// What the user can change and what is remembered between runs.
struct Settings {
    Theme theme = Theme::Dark;
    bool colorblind = false;
    float font_scale = 1.0f;
    bool animate = true;
    float anim_ms = 450;
    float speed = 2.0f;            // playback: units per second
    int play_unit = 1;             // 0 frame, 1 step, 2 command
    bool show_events = true;       // call view: the changes under each frame
    float split_x = 0.62f;         // left column / right column
    float split_left_y = 0.68f;    // process view / console
    float split_right_y1 = 0.36f;  // right column: top / middle
    float split_right_y2 = 0.70f;  // right column: middle / bottom
    int tab_top = 0, tab_mid = 0, tab_bottom = 0;
    bool presentation = false;
    int focus = -1;                // a View shown alone over the whole window (-1: all panes)
};

// Fonts the panels use (rebuilt when the scale changes).
struct Fonts {
    ImFont* ui = nullptr;
    ImFont* mono = nullptr;
    ImFont* big = nullptr;
    bool cjk = false;
    std::string ui_path, cjk_path;
};

// ---------------------------------------------------------------- intents

struct Intent {
    enum Kind : uint8_t {
        Run, Goto, Select, Play, Pause, Step,
        // the lesson panel: open a lesson (text: its file), run the step on
        // screen (text: the prediction), next, back, hand the lesson's
        // machine to the session, close the lesson
        LessonOpen, LessonRun, LessonNext, LessonBack, LessonContinue, LessonClose,
        // the snapshot dialog (text: the file)
        SnapSave, SnapOpen,
    } kind = Run;
    std::string text;              // Run: the command as typed
    gui::Cursor cursor;            // Goto
    ObjKind obj = ObjKind::None;   // Select
    uint32_t id = 0;
    int step_kind = 0;             // Step: -3..3 (command/step/frame back and forward)
    std::string label;             // SnapSave, SnapOpen
    bool replace = false;          // SnapSave: the user confirmed replacing the label

    static Intent run(std::string t) { Intent i; i.kind = Run; i.text = std::move(t); return i; }
    static Intent go(gui::Cursor c) { Intent i; i.kind = Goto; i.cursor = c; return i; }
    static Intent pick(ObjKind k, uint32_t id) { Intent i; i.kind = Select; i.obj = k; i.id = id; return i; }
    static Intent play(bool on) { Intent i; i.kind = on ? Play : Pause; return i; }
    static Intent step(int k) { Intent i; i.kind = Step; i.step_kind = k; return i; }
    static Intent lesson(Kind k, std::string t = "") { Intent i; i.kind = k; i.text = std::move(t); return i; }
    static Intent snap(Kind k, std::string path, std::string label, bool replace = false) {
        Intent i; i.kind = k; i.text = std::move(path); i.label = std::move(label); i.replace = replace; return i;
    }
};

// What a view drew, for tests (--dump-views): counted while drawing.
struct DrawnCounts {
    std::map<uint32_t, int> accept_cells;   // listener sock -> accept-queue cells filled
    std::map<uint32_t, int> syn_cells;      // listener sock -> SYN-queue cells filled
    std::map<uint32_t, int> limit_at;       // listener sock -> where the limit mark is
    std::map<uint32_t, std::string> listener_addr;   // listener sock -> the address:port its heading shows
    int boxes = 0, fd_rows = 0, arrows = 0, call_frames = 0, ladder_rows = 0, protosw_entries = 0;
    int inspector_fields = 0, console_lines = 0;
    int overflow_flashes = 0;                      // full queues flashing for a dropped segment
    float ui_text_px = 0, process_text_px = 0;   // font sizes: the UI's, the process view's boxes'
    int focus = -1;                                // the view shown alone (-1: none)
    std::string current_frame;
    std::vector<std::string> box_titles;
    // each object box on screen by the name its tooltip gives, and where it
    // was drawn (x0, y0, x1, y1); the tooltip shown this frame, if any
    std::map<std::string, std::array<float, 4>> box_rects;
    std::string tooltip;
    int highlighted_boxes = 0;                     // boxes drawn as made or changed by the step on screen
    // the lesson panel (lesson_step 0: no lesson)
    int lesson_step = 0, lesson_steps = 0, lesson_ran = 0, lesson_checks = 0, lesson_checks_ok = 0;
    std::string lesson_verdict;                    // right, wrong, skipped, or "" (no checkpoint / not run)
    std::string lesson_lang;                       // en, zh
    float lesson_width = 0;                        // the panel's width in pixels
    // the snapshot dialog
    std::string dialog;                            // save, open, or ""
    int dialog_labels = 0;
    int dialog_replace = 0;                        // it asks before replacing a label
};

// ---------------------------------------------------------------- the UI

enum class View : uint8_t { Process, Listener, Calls, Protosw, Packets, Inspector, Console, Count };
const char* view_name(View v);
bool view_from_name(const std::string& s, View* out);

class Ui {
public:
    Ui(Session& s, Settings& st, Fonts& f);

    // Draws one frame (between ImGui::NewFrame and ImGui::Render).
    void frame();
    // Runs the intents collected during frame().
    void apply();

    // The screen rectangle each view occupied in the last frame (export).
    ImVec4 view_rect(View v) const { return rects_[static_cast<size_t>(v)]; }
    // Request export (done by the main loop after rendering).
    std::string export_png_request;   // path; empty = none
    View export_view = View::Count;   // Count = the whole window
    bool want_fullscreen_toggle = false;
    bool want_font_rebuild = false;
    bool want_quit = false;
    bool headless = false;            // screenshots: no animation, no console focus
    // Screenshots of a move half done (--anim-at): the animation stands
    // still at this progress, 0..1 (< 0: it runs on the clock).
    float anim_fixed = -1;

    DrawnCounts drawn;                // what the last frame drew
    // Inspector selection
    ObjKind sel_kind = ObjKind::None;
    uint32_t sel_id = 0;
    bool follow_changes = true;
    // True while something moves (animation, play, pulses): keep drawing.
    bool busy() const;
    double now_ms() const;
    std::string status;               // one-line message in the toolbar
    const std::string& console_input() const { return input_; }
    void fit_all() { zoom_mode_ = Zoom::FitAll; }
    // Brings a view to the front of its tab bar.
    void show_view(View v);
    // Shows one view alone over the whole window (Count: every pane again).
    void focus_view(View v) { st_.focus = v == View::Count ? -1 : static_cast<int>(v); }

    // ---- lessons (the main loop and start-up call these; panels push intents)
    // Opens a lesson file in the lesson panel; the views show its machine.
    bool open_lesson(const std::string& path, std::string* err);
    gui::LessonPlayer* lesson() { return lesson_.get(); }
    void set_lesson_zh(bool zh) { lesson_zh_ = zh; }
    // Runs the step on screen / shows the next / goes back (as the buttons do).
    void lesson_run(const std::string& prediction);
    // At the end: hands the lesson's machine to the session ("Continue freely").
    void lesson_continue();
    // Text that needs glyphs in the font atlas (a lesson's Chinese): the
    // main loop takes it and clears it.
    std::string glyph_text;

    // An intent written as a line, as a click or a key would push it (tests
    // and screenshots, --intents): "run CMD", "lesson-run [PREDICTION]",
    // "lesson-next", "lesson-back", "lesson-continue", "lesson-close",
    // "lesson-open FILE", "save FILE LABEL [replace]", "open FILE [LABEL]".
    // False if the line is none of these.
    bool push_line(const std::string& line);
    // What the snapshot dialog says (its error), for tests.
    const std::string& dialog_error() const { return dlg_error_; }

    // ---- the snapshot dialog
    void open_dialog(bool save, const std::string& path = "", const std::string& label = "");

private:
    // panels
    void toolbar();
    void timeline();
    void panes();
    void process_pane(ImVec2 size);
    void console_pane(ImVec2 size);
    void toggle_focus(View v);
    void tabs(const char* id, int* tab, std::initializer_list<View> views, ImVec2 size);
    void draw_view(View v);
    void process_view();
    void listener_view();
    void calls_view();
    void protosw_view();
    void packets_view();
    void inspector_view();
    void console_view();
    void menus();
    void lessons_menu();
    void lesson_panel();
    void lesson_text(const lesson::Text& t, bool wrap_mono = false);
    void snapshot_dialog();
    void keyboard();
    void playback_tick();

    // helpers
    void refresh();                   // recompute caches on a cursor or history change
    float anim_t() const;             // 0..1 progress of the current animation
    float ease(float t) const;
    void push_intent(Intent i) { intents_.push_back(std::move(i)); }
    void select(ObjKind k, uint32_t id) { push_intent(Intent::pick(k, id)); }
    std::string fd_command_prefix(uint32_t files) const;
    void context_menu_fd(uint32_t files, int fd);
    void object_tooltip(ObjKind k, uint32_t id);
    bool changed(ObjKind k, uint32_t id, int field) const;
    bool created(ObjKind k, uint32_t id) const;
    bool touched(const gui::Box& b) const;
    // The fill of a canvas child (the process graph, the console log): none
    // when the canvas is the window's own background, as in both themes. A
    // fill of the same colour would cost a whole layer of pixels a frame on
    // Mesa's software renderer for nothing.
    ImVec4 canvas_fill() const {
        return pal_.canvas == ImGui::GetColorU32(ImGuiCol_WindowBg) ? ImVec4(0, 0, 0, 0)
                                                                     : ImGui::ColorConvertU32ToFloat4(pal_.canvas);
    }
    void splitter(const char* id, bool vertical, float* ratio, ImVec2 pos, float length, float total);

    Session& s_;
    Settings& st_;
    Fonts& fonts_;
    Palette pal_;
    std::vector<Intent> intents_;
    ImVec4 rects_[static_cast<size_t>(View::Count)]{};

    // caches at the viewed position
    uint64_t seen_gen_ = 0;
    const World* w_ = nullptr;
    gui::ProcessLayout layout_;
    std::vector<gui::ListenerModel> listeners_;
    std::vector<gui::CallFrame> frames_;
    gui::ProtoswWalk walk_;
    gui::StepObjects objs_;
    std::vector<gui::FieldChange> changes_;
    std::map<std::tuple<uint8_t, uint32_t, uint16_t>, gui::FieldChange> change_of_;

    // animation: what was on screen before the last move
    World prev_world_;
    gui::ProcessLayout prev_layout_;
    std::vector<gui::ListenerModel> prev_listeners_;
    bool has_prev_ = false;
    // arrows (by kind, from, to, fd, table) and boxes (by object) matched
    // across the move: built once per move, not per frame (10,000 fds make
    // 10,000 arrows). prev_*_of_[i]: item i of layout_ in prev_layout_;
    // *_stays_[j]: item j of prev_layout_ in layout_; -1 for none.
    std::vector<int32_t> prev_arrow_of_, arrow_stays_, prev_box_of_, box_stays_;
    uint64_t arrow_index_gen_ = 0;
    std::chrono::steady_clock::time_point anim_start_;
    bool animating_ = false;
    gui::Cursor last_cursor_;
    uint64_t last_hist_gen_ = 0;

    // playback
    bool playing_ = false;
    double play_acc_ = 0;
    std::chrono::steady_clock::time_point last_tick_;

    // console
    std::string input_;
    int hist_pos_ = -1;
    bool focus_input_ = true;
    bool scroll_console_ = true;
    size_t console_seen_ = 0;
    std::string completion_note_;
    uint64_t console_pos_gen_ = 0;    // the generation console_cur_row_ was found for
    int console_cur_row_ = -1;        // the display row of the command being viewed (-1: at the head)

    // lesson
    std::unique_ptr<gui::LessonPlayer> lesson_;
    bool lesson_zh_ = false;
    std::string prediction_;          // what the student typed (or the choice's key)
    bool focus_prediction_ = false;
    std::vector<size_t> console_mark_;   // console size before each lesson step ran (back truncates)
    std::vector<gui::LessonEntry> lesson_menu_;
    std::string lesson_error_;        // a lesson that could not be opened: why
    bool force_refresh_ = false;      // recompute the highlights without a cursor move
    bool switched_ = false;           // another machine is on screen: no animation from the last one

    // snapshot dialog
    enum class Dialog : uint8_t { None, Save, Open } dialog_ = Dialog::None;
    bool dialog_popup_ = false;       // open the modal on the next frame
    std::string dlg_path_ = "sockscope.sqlite", dlg_label_, dlg_error_, dlg_listed_;
    gui::SnapshotListing dlg_list_;

    // process view
    float zoom_ = 1.0f;
    enum class Zoom : uint8_t { FitWidth, FitAll, Manual } zoom_mode_ = Zoom::FitWidth;
    bool scroll_to_change_ = false;   // bring the step's changed objects into view (set on a move)
    std::chrono::steady_clock::time_point start_;
    uint64_t frame_no_ = 0;
};

// ---------------------------------------------------------------- drawing helpers

// A label that fits in width: cut with an ellipsis.
std::string fit_text(ImFont* f, float size, const std::string& s, float width);

}  // namespace sockscope::app
