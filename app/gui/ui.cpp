// ui.cpp — the frame: menus, playback bar, timeline, the panes and their
// splitters, keyboard, and carrying out the panels' intents.
#include "app/gui/ui.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/gui/model/fields.h"
#include "script/constants.h"

namespace sockscope::app {

using Clock = std::chrono::steady_clock;

Ui::Ui(Session& s, Settings& st, Fonts& f) : s_(s), st_(st), fonts_(f) {
    pal_ = make_palette(st_.theme, st_.colorblind);
    start_ = Clock::now();
    last_tick_ = start_;
    anim_start_ = start_;
}

double Ui::now_ms() const { return std::chrono::duration<double, std::milli>(Clock::now() - start_).count(); }

float Ui::anim_t() const {
    if (!animating_) return 1.0f;
    if (anim_fixed >= 0) return std::min(anim_fixed, 1.0f);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - anim_start_).count();
    float dur = st_.anim_ms;
    if (playing_) dur = std::min(dur, static_cast<float>(800.0 / std::max(0.1f, st_.speed)));
    return dur <= 0 ? 1.0f : static_cast<float>(std::clamp(ms / dur, 0.0, 1.0));
}

float Ui::ease(float t) const { return t < 0.5f ? 2 * t * t : 1 - std::pow(-2 * t + 2, 2.0f) / 2; }

bool Ui::busy() const {
    if (playing_ || (animating_ && anim_t() < 1.0f) || s_.script_running()) return true;
    // a sleeping task pulses
    if (w_ && st_.animate && !headless) {
        bool asleep = false;
        w_->tasks.each([&](TaskId, const Task& t) { asleep = asleep || t.state == TASK_INTERRUPTIBLE; });
        return asleep;
    }
    return false;
}

bool Ui::changed(ObjKind k, uint32_t id, int field) const {
    if (field < 0) return false;
    return objs_.changed.count({static_cast<uint8_t>(k), id, static_cast<uint16_t>(field)}) > 0;
}

bool Ui::created(ObjKind k, uint32_t id) const { return objs_.created.count({static_cast<uint8_t>(k), id}) > 0; }

// ---------------------------------------------------------------- caches

void Ui::refresh() {
    if (seen_gen_ == s_.generation() && w_ && !force_refresh_) return;
    force_refresh_ = false;
    gui::Cursor c = s_.cursor();
    bool hist_changed = last_hist_gen_ != s_.history_generation();
    // Animate a move to a nearby position (a frame, a step, a command).
    uint64_t dist = c.step > last_cursor_.step ? c.step - last_cursor_.step : last_cursor_.step - c.step;
    bool animate = st_.animate && (!headless || anim_fixed >= 0) && w_ && dist <= 64 && !s_.script_running() && !switched_;
    switched_ = false;
    if (w_) {
        prev_world_ = *w_;
        prev_layout_ = std::move(layout_);
        prev_listeners_ = std::move(listeners_);
        has_prev_ = true;
    }
    w_ = &s_.world();
    layout_ = gui::layout_process(*w_);
    listeners_ = gui::listeners(*w_);
    int64_t step = s_.current_step();
    frames_.clear();
    objs_ = gui::StepObjects{};
    changes_.clear();
    change_of_.clear();
    walk_ = gui::ProtoswWalk{};
    if (step >= 0) {
        size_t st = static_cast<size_t>(step);
        frames_ = gui::call_frames(s_.trace(), st);
        objs_ = gui::step_objects(s_.trace(), st, s_.event_limit());
        changes_ = gui::step_changes(s_.trace(), st, s_.event_limit());
        for (const gui::FieldChange& f : changes_) change_of_[{static_cast<uint8_t>(f.kind), f.id, f.offset}] = f;
        const Command* cmd = s_.command_of_step(st);
        if (cmd && (cmd->op == Op::Socket || cmd->op == Op::SockCreateKern) &&
            s_.trace().steps[st].kind == StepKind::Syscall)
            walk_ = gui::protosw_walk(s_.world_before(), s_.trace(), st, cmd);
        w_ = &s_.world();  // world_before may not move it, but be sure
    }
    if (lesson_ && c == gui::Cursor{s_.head(), -1}) {
        // At the end of a lesson step: highlight everything the step
        // touched, over all the kernel steps its calls made (none before
        // it has run).
        const lesson::StepResult& r = lesson_->result();
        objs_ = lesson_->ran() ? gui::range_objects(s_.trace(), r.first_step, r.end_step) : gui::StepObjects{};
        if (!lesson_->ran()) {
            changes_.clear();
            change_of_.clear();
        }
    }
    if (follow_changes) {
        // The inspector follows the first object the step changed.
        for (const gui::FieldChange& f : changes_)
            if (gui::object_exists(*w_, f.kind, f.id) && f.kind != ObjKind::Net && f.kind != ObjKind::Timer) {
                sel_kind = f.kind;
                sel_id = f.id;
                break;
            }
    }
    scroll_to_change_ = true;
    arrow_index_gen_ = 0;   // the arrow indexes name the layouts just replaced
    animating_ = animate;
    if (animate) anim_start_ = Clock::now();
    (void)hist_changed;
    last_cursor_ = c;
    last_hist_gen_ = s_.history_generation();
    seen_gen_ = s_.generation();
    if (s_.script_running()) scroll_console_ = true;
}

// ---------------------------------------------------------------- frame

void Ui::frame() {
    ++frame_no_;
    drawn = DrawnCounts{};
    drawn.ui_text_px = ImGui::GetFontSize();
    drawn.focus = st_.focus;
    pal_ = make_palette(st_.theme, st_.colorblind);
    playback_tick();
    refresh();
    ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->Pos);
    ImGui::SetNextWindowSize(vp->Size);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(6, 4));
    // No background: render() clears the framebuffer to the canvas colour,
    // the same as WindowBg, and a full-screen fill on top of that is a
    // whole layer of pixels for Mesa's software renderer.
    ImGui::Begin("sockscope", nullptr,
                 ImGuiWindowFlags_NoBackground |
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                     ImGuiWindowFlags_MenuBar | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollbar |
                     ImGuiWindowFlags_NoScrollWithMouse);
    ImGui::PopStyleVar();
    menus();
    toolbar();
    timeline();
    if (lesson_) {
        // The lesson's narration beside the views, on the left where the
        // eye starts; the views keep the rest of the window.
        ImVec2 avail = ImGui::GetContentRegionAvail();
        float gap = std::max(6.0f, ImGui::GetFontSize() * 0.4f);
        // a third of a wide window; on a narrow one (a projector's 1280
        // pixels at presentation scale) no more than 0.36 of it, so the
        // views keep room for the objects
        float fs = ImGui::GetFontSize();
        float lw = std::floor(std::clamp(avail.x * 0.3f, std::min(avail.x * 0.36f, fs * 20), fs * 36));
        drawn.lesson_width = lw;
        ImGui::PushStyleColor(ImGuiCol_ChildBg, ImGui::ColorConvertU32ToFloat4(pal_.box_bg));
        ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(ImGui::GetFontSize() * 0.7f, ImGui::GetFontSize() * 0.5f));
        ImGui::BeginChild("##lesson", ImVec2(lw, avail.y), true, ImGuiWindowFlags_AlwaysUseWindowPadding);
        ImGui::PopStyleVar();
        lesson_panel();
        ImGui::EndChild();
        ImGui::PopStyleColor();
        ImGui::SameLine(0, gap);
        ImGui::BeginChild("##views", ImVec2(avail.x - lw - gap, avail.y), false,
                          ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
        panes();
        ImGui::EndChild();
    } else {
        panes();
    }
    snapshot_dialog();
    ImGui::End();
    keyboard();
}

// ---------------------------------------------------------------- menus

void Ui::menus() {
    if (!ImGui::BeginMenuBar()) return;
    if (ImGui::BeginMenu("File")) {
        if (ImGui::MenuItem("Open snapshot…", "Ctrl+O")) open_dialog(false);
        if (ImGui::MenuItem("Save snapshot…", "Ctrl+S")) open_dialog(true);
        ImGui::Separator();
        if (ImGui::MenuItem("Export window as PNG", "Ctrl+P")) {
            export_png_request = "sockscope-window.png";
            export_view = View::Count;
        }
        if (ImGui::BeginMenu("Export one view as PNG")) {
            for (int i = 0; i < static_cast<int>(View::Count); ++i)
                if (ImGui::MenuItem(view_name(static_cast<View>(i)))) {
                    export_png_request = std::string("sockscope-") + view_name(static_cast<View>(i)) + ".png";
                    export_view = static_cast<View>(i);
                }
            ImGui::EndMenu();
        }
        if (ImGui::MenuItem("Export object graph as SVG")) push_intent(Intent::run("@svg"));
        ImGui::Separator();
        if (ImGui::MenuItem("Quit", "Ctrl+Q")) want_quit = true;
        ImGui::EndMenu();
    }
    lessons_menu();
    if (ImGui::BeginMenu("View")) {
        if (ImGui::MenuItem("Dark theme", nullptr, st_.theme == Theme::Dark)) {
            st_.theme = Theme::Dark;
            want_font_rebuild = true;
        }
        if (ImGui::MenuItem("Light high-contrast theme", nullptr, st_.theme == Theme::Light)) {
            st_.theme = Theme::Light;
            want_font_rebuild = true;
        }
        ImGui::MenuItem("Colorblind-safe palette", nullptr, &st_.colorblind);
        ImGui::Separator();
        if (ImGui::MenuItem("Presentation mode", "F11", st_.presentation)) want_fullscreen_toggle = true;
        if (ImGui::BeginMenu("One view alone")) {
            if (ImGui::MenuItem("Every view", "0", st_.focus < 0)) st_.focus = -1;
            for (int i = 0; i < static_cast<int>(View::Count); ++i) {
                char key[4];
                std::snprintf(key, sizeof key, "%d", i + 1);
                if (ImGui::MenuItem(view_name(static_cast<View>(i)), key, st_.focus == i)) toggle_focus(static_cast<View>(i));
            }
            ImGui::EndMenu();
        }
        float fs = st_.font_scale;
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        if (ImGui::SliderFloat("Font scale", &fs, 0.75f, 3.0f, "%.2f")) st_.font_scale = fs;
        if (ImGui::IsItemDeactivatedAfterEdit()) want_font_rebuild = true;
        ImGui::Separator();
        ImGui::MenuItem("Animate changes", nullptr, &st_.animate);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        ImGui::SliderFloat("Animation (ms)", &st_.anim_ms, 100, 2000, "%.0f");
        ImGui::MenuItem("Changes under each call", nullptr, &st_.show_events);
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
        ImGui::TextUnformatted("Space        play / pause");
        ImGui::TextUnformatted("← →          one step back / forward");
        ImGui::TextUnformatted("Shift+← →    one kernel frame");
        ImGui::TextUnformatted("↑ ↓          one command back / forward");
        ImGui::TextUnformatted("Home / End   first / latest step");
        ImGui::TextUnformatted("Esc          leave the console (keys above then work)");
        ImGui::TextUnformatted("1 … 7        one view alone (processes, listener, calls, protosw,");
        ImGui::TextUnformatted("             packets, inspector, console); again or 0: all views");
        ImGui::TextUnformatted("F11          presentation mode");
        ImGui::TextUnformatted("Ctrl + / -   font size");
        ImGui::TextUnformatted("Ctrl+S       save a snapshot;  Ctrl+O  open one");
        ImGui::TextUnformatted("Enter        in a lesson: run the step, then the next one");
        ImGui::Separator();
        ImGui::TextUnformatted("Type calls in the console: socket(AF_INET, SOCK_STREAM, 0).");
        ImGui::TextUnformatted("A command typed while viewing an earlier step branches the history.");
        ImGui::EndMenu();
    }
    // The status line on the right of the menu bar.
    std::string right = status;
    if (!right.empty()) {
        float w = ImGui::CalcTextSize(right.c_str()).x;
        ImGui::SetCursorPosX(std::max(ImGui::GetCursorPosX() + 20, ImGui::GetWindowWidth() - w - 16));
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal_.dim), "%s", right.c_str());
    }
    ImGui::EndMenuBar();
}

// ---------------------------------------------------------------- toolbar

void Ui::toolbar() {
    gui::Cursor c = s_.cursor();
    auto button = [&](const char* label, const char* tip, int kind) {
        if (ImGui::Button(label)) push_intent(Intent::step(kind));
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tip);
        ImGui::SameLine();
    };
    if (ImGui::Button("|◀")) push_intent(Intent::go(gui::Cursor{0, -1}));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("the first step (Home)");
    ImGui::SameLine();
    button("◀◀", "back one command (↑)", -3);
    button("◀", "back one step (←)", -2);
    button("‹", "back one kernel frame (Shift+←)", -1);
    if (ImGui::Button(playing_ ? " ‖ " : " ▶ ", ImVec2(ImGui::GetFontSize() * 2.6f, 0)))
        push_intent(Intent::play(!playing_));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("play / pause (Space)");
    ImGui::SameLine();
    button("›", "forward one kernel frame (Shift+→)", 1);
    button("▶", "forward one step (→)", 2);
    button("▶▶", "forward one command (↓)", 3);
    if (ImGui::Button("▶|")) push_intent(Intent::go(gui::Cursor{s_.head(), -1}));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("the latest step (End)");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6.5f);
    const char* units[] = {"by frame", "by step", "by command"};
    ImGui::Combo("##unit", &st_.play_unit, units, 3);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::SliderFloat("##speed", &st_.speed, 0.25f, 30.0f, "%.2g /s", ImGuiSliderFlags_Logarithmic);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("playback speed");
    ImGui::SameLine();
    ImGui::Checkbox("animate", &st_.animate);
    // What follows wraps to a second line rather than run off the window
    // (large font scales on a projector).
    auto flow = [&](float w) {
        ImGui::SameLine();
        if (ImGui::GetContentRegionAvail().x < w) ImGui::NewLine();
    };

    // Where we are.
    std::string pos = "step " + std::to_string(c.step) + " / " + std::to_string(s_.head());
    if (c.frame >= 0) {
        size_t n = s_.frames_of(c.step - 1).size();
        pos += " · frame " + std::to_string(c.frame + 1) + "/" + std::to_string(n);
    }
    flow(ImGui::CalcTextSize(pos.c_str()).x);
    ImGui::TextUnformatted(pos.c_str());
    int64_t cs = s_.current_step();
    std::string label = cs >= 0 ? s_.step_label(static_cast<size_t>(cs)) : std::string("(before the first step)");
    if (cs >= 0) {
        int64_t t = s_.trace().steps[static_cast<size_t>(cs)].time;
        label += "   t=" + std::to_string(t) + " ms";
    }
    const char* past = "viewing the past: a command branches here";
    float past_w = s_.at_head() ? 0 : ImGui::CalcTextSize(past).x + ImGui::GetFontSize();
    flow(std::min(ImGui::CalcTextSize(label.c_str()).x, ImGui::GetFontSize() * 12));
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(pal_.accent));
    float label_room = ImGui::GetContentRegionAvail().x;
    if (label_room - past_w > ImGui::GetFontSize() * 12) label_room -= past_w;
    ImGui::TextUnformatted(fit_text(ImGui::GetFont(), ImGui::GetFontSize(), label, label_room).c_str());
    ImGui::PopStyleColor();
    if (!s_.at_head()) {
        flow(past_w);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal_.warn), "%s", past);
    }
    if (s_.script_running()) {
        flow(ImGui::GetFontSize() * 10);
        float f = s_.script_total() ? static_cast<float>(s_.script_done()) / static_cast<float>(s_.script_total()) : 1;
        char buf[64];
        std::snprintf(buf, sizeof buf, "script %zu/%zu", s_.script_done(), s_.script_total());
        ImGui::ProgressBar(f, ImVec2(ImGui::GetFontSize() * 10, 0), buf);
    }
}

// ---------------------------------------------------------------- timeline

void Ui::timeline() {
    const History& h = s_.history();
    uint64_t head = s_.head();
    float height = ImGui::GetFontSize() * 1.7f;
    ImVec2 p0 = ImGui::GetCursorScreenPos();
    float width = ImGui::GetContentRegionAvail().x;
    ImGui::InvisibleButton("##timeline", ImVec2(width, height));
    bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    float inset = ImGui::GetFontSize() * 0.6f;
    float x0 = p0.x + inset, x1 = p0.x + width - inset;
    float ym = p0.y + height * 0.5f;
    auto xs = [&](uint64_t step) {
        return head == 0 ? x0 : x0 + (x1 - x0) * static_cast<float>(step) / static_cast<float>(head);
    };
    dl->AddRectFilled(ImVec2(p0.x, p0.y + 2), ImVec2(p0.x + width, p0.y + height - 2), pal_.box_bg, 4);
    dl->AddLine(ImVec2(x0, ym), ImVec2(x1, ym), pal_.border, 2);
    // command boundaries
    const auto& es = h.entries();
    int px = static_cast<int>(x1 - x0);
    if (es.size() <= static_cast<size_t>(px) * 2) {
        for (const History::Entry& e : es)
            if (e.steps) dl->AddLine(ImVec2(xs(e.first_step), ym - 5), ImVec2(xs(e.first_step), ym + 5), pal_.dim, 1);
    } else if (head > 0) {
        for (int i = 0; i < px; ++i) {
            uint64_t a = head * static_cast<uint64_t>(i) / static_cast<uint64_t>(px);
            uint64_t b = head * static_cast<uint64_t>(i + 1) / static_cast<uint64_t>(px);
            if (b > a && h.entry_of_step(b) != h.entry_of_step(a + 1))
                dl->AddLine(ImVec2(x0 + static_cast<float>(i), ym - 4), ImVec2(x0 + static_cast<float>(i), ym + 4),
                            pal_.dim, 1);
        }
    }
    // the command the cursor is in
    gui::Cursor c = s_.cursor();
    if (c.step > 0 && !es.empty()) {
        size_t ei = h.entry_of_step(c.step);
        if (ei < es.size()) {
            const History::Entry& e = es[ei];
            dl->AddRectFilled(ImVec2(xs(e.first_step), ym - 4), ImVec2(std::max(xs(e.first_step + e.steps), xs(e.first_step) + 2), ym + 4),
                              with_alpha(pal_.accent, 0.45f), 2);
        }
    }
    // branch points
    for (size_t i = 0; i < h.branches().size(); ++i) {
        float bx = xs(h.branches()[i].at_step);
        dl->AddTriangleFilled(ImVec2(bx, p0.y + 3), ImVec2(bx - 6, p0.y + 3 + 9), ImVec2(bx + 6, p0.y + 3 + 9), pal_.warn);
        if (hovered && std::fabs(ImGui::GetIO().MousePos.x - bx) < 6 && ImGui::GetIO().MousePos.y < p0.y + 14) {
            std::string tip = "branch " + std::to_string(i + 1) + " left here (step " +
                              std::to_string(h.branches()[i].at_step) + "):";
            size_t n = 0;
            for (const Command& cmd : h.branches()[i].commands) {
                if (++n > 12) {
                    tip += "\n  …";
                    break;
                }
                tip += "\n  " + cmd.text;
            }
            ImGui::SetTooltip("%s", tip.c_str());
        }
    }
    // the cursor
    float cx = xs(c.step);
    if (c.frame >= 0 && c.step > 0) {
        size_t n = std::max<size_t>(1, s_.frames_of(c.step - 1).size());
        cx = xs(c.step - 1) + (xs(c.step) - xs(c.step - 1)) * static_cast<float>(c.frame + 1) / static_cast<float>(n + 1);
    }
    dl->AddCircleFilled(ImVec2(cx, ym), height * 0.28f, pal_.accent);
    dl->AddCircle(ImVec2(cx, ym), height * 0.28f, pal_.title, 0, 1.5f);
    // the head
    dl->AddLine(ImVec2(x1, p0.y + 4), ImVec2(x1, p0.y + height - 4), pal_.ok, 2);
    // interaction
    if (hovered && head > 0) {
        float mx = ImGui::GetIO().MousePos.x;
        uint64_t s = static_cast<uint64_t>(std::llround(std::clamp((mx - x0) / (x1 - x0), 0.0f, 1.0f) *
                                                        static_cast<double>(head)));
        if (!ImGui::IsItemActive() && ImGui::GetIO().MousePos.y > p0.y + 14) {
            std::string tip = "step " + std::to_string(s);
            if (s > 0) tip += ": " + s_.step_label(s - 1);
            ImGui::SetTooltip("%s", tip.c_str());
        }
    }
    if (ImGui::IsItemActive() && head > 0) {
        float mx = ImGui::GetIO().MousePos.x;
        uint64_t s = static_cast<uint64_t>(std::llround(std::clamp((mx - x0) / (x1 - x0), 0.0f, 1.0f) *
                                                        static_cast<double>(head)));
        if (s != c.step || c.frame >= 0) push_intent(Intent::go(gui::Cursor{s, -1}));
    }
}

// ---------------------------------------------------------------- panes

void Ui::splitter(const char* id, bool vertical, float* ratio, ImVec2 pos, float length, float total) {
    float thick = std::max(6.0f, ImGui::GetFontSize() * 0.4f);
    ImGui::SetCursorScreenPos(vertical ? ImVec2(pos.x - thick * 0.5f, pos.y) : ImVec2(pos.x, pos.y - thick * 0.5f));
    ImGui::InvisibleButton(id, vertical ? ImVec2(thick, length) : ImVec2(length, thick));
    bool active = ImGui::IsItemActive(), hovered = ImGui::IsItemHovered();
    if (active || hovered) ImGui::SetMouseCursor(vertical ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImU32 col = active ? pal_.accent : hovered ? with_alpha(pal_.accent, 0.6f) : with_alpha(pal_.border, 0.5f);
    if (vertical) dl->AddLine(ImVec2(pos.x, pos.y), ImVec2(pos.x, pos.y + length), col, active || hovered ? 3 : 1);
    else dl->AddLine(ImVec2(pos.x, pos.y), ImVec2(pos.x + length, pos.y), col, active || hovered ? 3 : 1);
    if (active && total > 0) {
        float d = vertical ? ImGui::GetIO().MouseDelta.x : ImGui::GetIO().MouseDelta.y;
        *ratio = std::clamp(*ratio + d / total, 0.12f, 0.88f);
    }
}

void Ui::tabs(const char* id, int* tab, std::initializer_list<View> views, ImVec2 size) {
    ImGui::BeginChild(id, size, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    if (ImGui::BeginTabBar(id)) {
        int i = 0;
        for (View v : views) {
            static const char* titles[] = {"Processes & objects", "Listener queues", "Call stack", "protosw",
                                           "Packets",             "Inspector",       "Console"};
            ImGuiTabItemFlags fl = 0;
            if (frame_no_ <= 2 && i == *tab) fl |= ImGuiTabItemFlags_SetSelected;
            if (headless && i == *tab) fl |= ImGuiTabItemFlags_SetSelected;
            bool open = ImGui::BeginTabItem(titles[static_cast<int>(v)], nullptr, fl);
            if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) toggle_focus(v);
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("double-click (or press %d): this view alone", static_cast<int>(v) + 1);
            if (open) {
                if (frame_no_ > 2 && !headless) *tab = i;
                ImVec2 p = ImGui::GetCursorScreenPos();
                ImVec2 a = ImGui::GetContentRegionAvail();
                rects_[static_cast<size_t>(v)] = ImVec4(p.x, p.y, p.x + a.x, p.y + a.y);
                draw_view(v);
                ImGui::EndTabItem();
            }
            ++i;
        }
        ImGui::EndTabBar();
    }
    ImGui::EndChild();
}

void Ui::show_view(View v) {
    switch (v) {
    case View::Calls: st_.tab_top = 0; break;
    case View::Protosw: st_.tab_top = 1; break;
    case View::Listener: st_.tab_mid = 0; break;
    case View::Packets: st_.tab_mid = 1; break;
    case View::Inspector:
        st_.tab_bottom = 0;
        if (st_.presentation) st_.tab_top = 2;
        break;
    default: break;
    }
}

void Ui::draw_view(View v) {
    switch (v) {
    case View::Process: process_view(); break;
    case View::Listener: listener_view(); break;
    case View::Calls: calls_view(); break;
    case View::Protosw: protosw_view(); break;
    case View::Packets: packets_view(); break;
    case View::Inspector: inspector_view(); break;
    case View::Console: console_view(); break;
    case View::Count: break;
    }
}

void Ui::toggle_focus(View v) {
    st_.focus = st_.focus == static_cast<int>(v) ? -1 : static_cast<int>(v);
}

// The process view with its heading and zoom buttons.
void Ui::process_pane(ImVec2 size) {
    ImGui::BeginChild("##process_pane", size, false, ImGuiWindowFlags_NoScrollbar);
    ImGui::PushFont(fonts_.ui);
    const char* labels[] = {"fit width", "fit all", "−", "+"};
    float bw = 0;
    for (const char* l : labels)
        bw += ImGui::CalcTextSize(l).x + ImGui::GetStyle().FramePadding.x * 2 + ImGui::GetStyle().ItemSpacing.x;
    const float right = ImGui::GetWindowContentRegionMax().x - bw;
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal_.title), "Processes & kernel objects");
    if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) toggle_focus(View::Process);
    // The reading hint only where it fits left of the buttons (never under them).
    ImGui::SameLine();
    float title_end = ImGui::GetCursorPosX();
    float room = right - title_end - ImGui::GetFontSize();
    const char* hint = "fd → struct file → struct socket ⇄ struct sock";
    if (ImGui::CalcTextSize(hint).x <= room) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal_.dim), "%s", hint);
    else ImGui::Dummy(ImVec2(0, 0));
    // zoom: fit the width, fit everything, or by hand (Ctrl+wheel); in a
    // pane too narrow for the title and the buttons, the buttons go below it
    if (title_end <= right) ImGui::SameLine(std::max(ImGui::GetCursorPosX(), right));
    auto toggle = [&](const char* l, Zoom z) {
        bool on = zoom_mode_ == z;
        if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyle().Colors[ImGuiCol_ButtonActive]);
        if (ImGui::SmallButton(l)) zoom_mode_ = z;
        if (on) ImGui::PopStyleColor();
        ImGui::SameLine();
    };
    toggle(labels[0], Zoom::FitWidth);
    toggle(labels[1], Zoom::FitAll);
    if (ImGui::SmallButton(labels[2])) {
        zoom_mode_ = Zoom::Manual;
        zoom_ = std::max(0.3f, zoom_ / 1.15f);
    }
    ImGui::SameLine();
    if (ImGui::SmallButton(labels[3])) {
        zoom_mode_ = Zoom::Manual;
        zoom_ = std::min(2.5f, zoom_ * 1.15f);
    }
    ImGui::PopFont();
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImVec2 a = ImGui::GetContentRegionAvail();
    rects_[static_cast<size_t>(View::Process)] = ImVec4(p.x, p.y, p.x + a.x, p.y + a.y);
    process_view();
    ImGui::EndChild();
}

void Ui::console_pane(ImVec2 size) {
    ImGui::BeginChild("##console_pane", size, false, ImGuiWindowFlags_NoScrollbar);
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImVec2 a = ImGui::GetContentRegionAvail();
    rects_[static_cast<size_t>(View::Console)] = ImVec4(p.x, p.y, p.x + a.x, p.y + a.y);
    console_view();
    ImGui::EndChild();
}

void Ui::panes() {
    ImVec2 origin = ImGui::GetCursorScreenPos();
    ImVec2 avail = ImGui::GetContentRegionAvail();
    float gap = std::max(6.0f, ImGui::GetFontSize() * 0.4f);

    // One view alone over the whole window: for a projector, or a slide.
    if (st_.focus >= 0 && st_.focus < static_cast<int>(View::Count)) {
        View v = static_cast<View>(st_.focus);
        for (ImVec4& r : rects_) r = ImVec4(0, 0, 0, 0);
        if (v == View::Process) {
            process_pane(avail);
        } else if (v == View::Console) {
            console_pane(avail);
        } else {
            static const char* titles[] = {"Processes & objects", "Listener queues", "Call stack", "protosw",
                                           "Packets",             "Inspector",       "Console"};
            ImGui::BeginChild("##focus", avail, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal_.title), "%s", titles[st_.focus]);
            if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) toggle_focus(v);
            ImGui::SameLine();
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal_.dim), "  (alone: press %d or double-click the title to see every view)",
                               st_.focus + 1);
            ImGui::Separator();
            ImVec2 p = ImGui::GetCursorScreenPos();
            ImVec2 a = ImGui::GetContentRegionAvail();
            rects_[static_cast<size_t>(v)] = ImVec4(p.x, p.y, p.x + a.x, p.y + a.y);
            draw_view(v);
            ImGui::EndChild();
        }
        return;
    }

    float lw = std::floor(avail.x * st_.split_x - gap * 0.5f);
    float rw = avail.x - lw - gap;
    float lh1 = std::floor(avail.y * st_.split_left_y - gap * 0.5f);
    float lh2 = avail.y - lh1 - gap;
    float r1 = std::floor(avail.y * st_.split_right_y1 - gap * 0.5f);
    float r2 = std::floor(avail.y * st_.split_right_y2 - gap * 0.5f) - r1 - gap;
    float r3 = avail.y - r1 - r2 - 2 * gap;

    // left: the process view over the console
    ImGui::SetCursorScreenPos(origin);
    process_pane(ImVec2(lw, lh1));
    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + lh1 + gap));
    console_pane(ImVec2(lw, lh2));
    // right: three tabbed panes (two at presentation scale, where three
    // leave each too few lines to read)
    float rx = origin.x + lw + gap;
    if (st_.presentation) {
        float h1 = std::floor(avail.y * 0.45f - gap * 0.5f);
        ImGui::SetCursorScreenPos(ImVec2(rx, origin.y));
        tabs("##top", &st_.tab_top, {View::Calls, View::Protosw, View::Inspector}, ImVec2(rw, h1));
        ImGui::SetCursorScreenPos(ImVec2(rx, origin.y + h1 + gap));
        tabs("##mid", &st_.tab_mid, {View::Listener, View::Packets}, ImVec2(rw, avail.y - h1 - gap));
        splitter("##split_x", true, &st_.split_x, ImVec2(origin.x + lw + gap * 0.5f, origin.y), avail.y, avail.x);
        splitter("##split_left", false, &st_.split_left_y, ImVec2(origin.x, origin.y + lh1 + gap * 0.5f), lw, avail.y);
        return;
    }
    ImGui::SetCursorScreenPos(ImVec2(rx, origin.y));
    tabs("##top", &st_.tab_top, {View::Calls, View::Protosw}, ImVec2(rw, r1));
    ImGui::SetCursorScreenPos(ImVec2(rx, origin.y + r1 + gap));
    tabs("##mid", &st_.tab_mid, {View::Listener, View::Packets}, ImVec2(rw, r2));
    ImGui::SetCursorScreenPos(ImVec2(rx, origin.y + r1 + r2 + 2 * gap));
    tabs("##bottom", &st_.tab_bottom, {View::Inspector, View::Packets}, ImVec2(rw, r3));

    // splitters (drawn last so they sit on top)
    splitter("##split_x", true, &st_.split_x, ImVec2(origin.x + lw + gap * 0.5f, origin.y), avail.y, avail.x);
    splitter("##split_left", false, &st_.split_left_y, ImVec2(origin.x, origin.y + lh1 + gap * 0.5f), lw, avail.y);
    splitter("##split_r1", false, &st_.split_right_y1, ImVec2(rx, origin.y + r1 + gap * 0.5f), rw, avail.y);
    splitter("##split_r2", false, &st_.split_right_y2, ImVec2(rx, origin.y + r1 + r2 + gap * 1.5f), rw, avail.y);
    if (st_.split_right_y2 < st_.split_right_y1 + 0.08f) st_.split_right_y2 = st_.split_right_y1 + 0.08f;
}

// ---------------------------------------------------------------- keys and playback

void Ui::keyboard() {
    ImGuiIO& io = ImGui::GetIO();
    auto pressed = [](ImGuiKey k) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(k)); };
    // F11 and font size work everywhere (GLFW key codes: F11 = 300, '=' = 61, '-' = 45, 'Q' = 81, 'P' = 80).
    if (ImGui::IsKeyPressed(300, false)) want_fullscreen_toggle = true;
    if (io.KeyCtrl && (ImGui::IsKeyPressed(61) || ImGui::IsKeyPressed(334))) {
        st_.font_scale = std::min(3.0f, st_.font_scale + 0.1f);
        want_font_rebuild = true;
    }
    if (io.KeyCtrl && (ImGui::IsKeyPressed(45) || ImGui::IsKeyPressed(333))) {
        st_.font_scale = std::max(0.75f, st_.font_scale - 0.1f);
        want_font_rebuild = true;
    }
    if (io.KeyCtrl && ImGui::IsKeyPressed(81, false)) want_quit = true;
    if (io.KeyCtrl && ImGui::IsKeyPressed(80, false)) {
        export_png_request = "sockscope-window.png";
        export_view = View::Count;
    }
    // Ctrl+S, Ctrl+O: the snapshot dialog (GLFW key codes 'S' = 83, 'O' = 79)
    if (io.KeyCtrl && dialog_ == Dialog::None && ImGui::IsKeyPressed(83, false)) open_dialog(true);
    if (io.KeyCtrl && dialog_ == Dialog::None && ImGui::IsKeyPressed(79, false)) open_dialog(false);
    if (io.WantTextInput || dialog_ != Dialog::None) return;
    if (pressed(ImGuiKey_Space)) push_intent(Intent::play(!playing_));
    if (pressed(ImGuiKey_LeftArrow)) push_intent(Intent::step(io.KeyShift ? -1 : -2));
    if (pressed(ImGuiKey_RightArrow)) push_intent(Intent::step(io.KeyShift ? 1 : 2));
    if (pressed(ImGuiKey_UpArrow)) push_intent(Intent::step(-3));
    if (pressed(ImGuiKey_DownArrow)) push_intent(Intent::step(3));
    if (pressed(ImGuiKey_Home)) push_intent(Intent::go(gui::Cursor{0, -1}));
    // 1-7: one view alone over the window (again, or 0: every view). GLFW key codes '0'..'9' are 48..57.
    for (int k = 1; k <= static_cast<int>(View::Count); ++k)
        if (!io.KeyCtrl && ImGui::IsKeyPressed(48 + k, false)) toggle_focus(static_cast<View>(k - 1));
    if (!io.KeyCtrl && ImGui::IsKeyPressed(48, false)) st_.focus = -1;
    if (pressed(ImGuiKey_End)) push_intent(Intent::go(gui::Cursor{s_.head(), -1}));
    if (pressed(ImGuiKey_Enter)) {
        // in a lesson, Enter moves the lesson on (the console is the lesson's until it ends)
        if (!lesson_) focus_input_ = true;
        else if (!lesson_->ran()) push_intent(Intent::lesson(Intent::LessonRun, prediction_));
        else if (!lesson_->at_end()) push_intent(Intent::lesson(Intent::LessonNext));
    }
}

void Ui::playback_tick() {
    auto now = Clock::now();
    double dt = std::chrono::duration<double>(now - last_tick_).count();
    last_tick_ = now;
    if (!playing_) {
        play_acc_ = 0;
        return;
    }
    play_acc_ += dt * st_.speed;
    int guard = 0;
    while (play_acc_ >= 1.0 && guard++ < 64) {
        play_acc_ -= 1.0;
        gui::Cursor before = s_.cursor();
        if (st_.play_unit == 0) s_.next_frame();
        else if (st_.play_unit == 1) s_.next_step();
        else s_.next_command();
        if (s_.cursor() == before || s_.at_head()) {
            playing_ = false;
            break;
        }
    }
}

bool Ui::push_line(const std::string& line) {
    size_t sp = line.find(' ');
    std::string verb = line.substr(0, sp), rest = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (verb == "run") push_intent(Intent::run(rest));
    else if (verb == "lesson-open") push_intent(Intent::lesson(Intent::LessonOpen, rest));
    else if (verb == "lesson-run") push_intent(Intent::lesson(Intent::LessonRun, rest));
    else if (verb == "lesson-next") push_intent(Intent::lesson(Intent::LessonNext));
    else if (verb == "lesson-back") push_intent(Intent::lesson(Intent::LessonBack));
    else if (verb == "lesson-continue") push_intent(Intent::lesson(Intent::LessonContinue));
    else if (verb == "lesson-close") push_intent(Intent::lesson(Intent::LessonClose));
    else if (verb == "save" || verb == "open") {
        // FILE LABEL... [replace]: the label may have blanks
        size_t f = rest.find(' ');
        std::string file = rest.substr(0, f), label = f == std::string::npos ? "" : rest.substr(f + 1);
        bool replace = label.size() >= 8 && label.compare(label.size() - 8, 8, " replace") == 0;
        if (replace) label.resize(label.size() - 8);
        if (verb == "save") open_dialog(true, file, label);
        else open_dialog(false, file, label);
        push_intent(Intent::snap(verb == "save" ? Intent::SnapSave : Intent::SnapOpen, file, label, replace));
    } else {
        return false;
    }
    return true;
}

void Ui::apply() {
    std::vector<Intent> todo;
    todo.swap(intents_);
    for (const Intent& in : todo) {
        switch (in.kind) {
        case Intent::Run:
            if (in.text == "@svg") {
                export_png_request = "@svg";
                break;
            }
            s_.submit(in.text);
            scroll_console_ = true;
            break;
        case Intent::Goto:
            playing_ = false;
            s_.go(in.cursor);
            break;
        case Intent::Select:
            sel_kind = in.obj;
            sel_id = in.id;
            follow_changes = in.obj == ObjKind::None;
            break;
        case Intent::Play:
            if (s_.at_head()) s_.go_step(0);
            playing_ = true;
            play_acc_ = 1.0;  // the first move at once
            last_tick_ = Clock::now();
            break;
        case Intent::Pause: playing_ = false; break;
        case Intent::LessonOpen: {
            playing_ = false;
            std::string err;
            if (!open_lesson(in.text, &err)) {
                lesson_error_ = err;
                s_.note(err, gui::LineKind::Error);
                status = "the lesson could not be opened (the console says why)";
            }
            break;
        }
        case Intent::LessonRun:
            playing_ = false;
            lesson_run(in.text);
            break;
        case Intent::LessonNext:
            if (lesson_ && lesson_->next()) {
                prediction_.clear();
                focus_prediction_ = true;
                if (!s_.at_head()) s_.go_step(s_.head());
                force_refresh_ = true;
            }
            break;
        case Intent::LessonBack:
            if (lesson_ && lesson_->back()) {
                playing_ = false;
                if (lesson_->index() < console_mark_.size()) s_.truncate_console(console_mark_[lesson_->index()]);
                console_mark_.resize(std::min(console_mark_.size(), lesson_->index()));
                prediction_.clear();
                focus_prediction_ = true;
                s_.watched_changed();
                force_refresh_ = true;
            }
            break;
        case Intent::LessonContinue:
            playing_ = false;
            lesson_continue();
            break;
        case Intent::LessonClose:
            if (lesson_) {
                playing_ = false;
                s_.watch(nullptr);
                lesson_.reset();
                switched_ = true;
                focus_input_ = true;
                force_refresh_ = true;
            }
            break;
        case Intent::SnapSave: {
            std::string msg;
            if (gui::save_snapshot(s_, in.text, in.label, in.replace, &msg)) {
                dialog_ = Dialog::None;
                status = msg;
                s_.note(msg);
            } else {
                dlg_error_ = msg;
            }
            dlg_listed_.clear();   // list the file again
            break;
        }
        case Intent::SnapOpen: {
            std::string msg;
            // a playing lesson is closed only once the snapshot has loaded
            if (gui::open_snapshot(s_, in.text, in.label, &msg)) {
                playing_ = false;
                lesson_.reset();
                dialog_ = Dialog::None;
                switched_ = true;
                status = "opened " + in.text;
                scroll_console_ = true;
                force_refresh_ = true;
            } else {
                dlg_error_ = msg;
            }
            break;
        }
        case Intent::Step:
            playing_ = false;
            switch (in.step_kind) {
            case -3: s_.prev_command(); break;
            case -2: s_.prev_step(); break;
            case -1: s_.prev_frame(); break;
            case 1: s_.next_frame(); break;
            case 2: s_.next_step(); break;
            case 3: s_.next_command(); break;
            default: break;
            }
            break;
        }
    }
}

}  // namespace sockscope::app
