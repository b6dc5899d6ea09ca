// lesson_panel.cpp — the lesson panel beside the views, the Lessons menu,
// and the File menu's snapshot dialog.
//
// The panel shows one lesson step the way the terminal player does: the
// lesson and step titles, the narration (English or Chinese), the calls the
// step will make, and its checkpoint question with a field (or a choice)
// for the prediction. Once the step has run, the same place shows each
// call with its result, whether the prediction was right, the state checks
// and the closing remark, and the views show the lesson's machine with the
// objects the step touched highlighted. Everything here only reads the
// player (app/gui/model/lessons.h) and pushes intents; Ui::apply runs them.
#include <algorithm>
#include <cmath>

#include "app/gui/ui.h"

#include <imgui_internal.h>
#include <imgui_stdlib.h>

namespace sockscope::app {

namespace {

ImVec4 F4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

// Words of the panel itself, in both languages (the lesson brings its own).
struct Words {
    const char *step_of, *predict, *your_prediction, *run, *next, *back, *right, *wrong, *you_said, *skipped, *the_answer,
        *the_step_runs, *what_it_did, *checks, *end, *predicted, *cont, *close, *cont_tip, *goal, *no_answer;
};
const Words kEn{"step %zu of %zu", "Predict", "your prediction (Enter runs the step)", "Run this step  ▶", "Next step  ▶",
                "◀  Back", "✓ Right:", "✗ It was", "you said", "(skipped)", "The answer:", "The step runs",
                "What it did", "The state afterwards", "End of the lesson.", "You predicted %d of %d right.",
                "Continue freely  ▶", "Close the lesson",
                "hand the lesson's machine to the console: type your own calls; ← and the timeline reach every step of "
                "the lesson",
                "Goal", "(the question's answer could not be worked out)"};
const Words kZh{"第 %zu / %zu 步", "预测", "你的预测（回车运行这一步）", "运行这一步  ▶", "下一步  ▶", "◀  上一步",
                "✓ 正确：", "✗ 实际结果：", "你的预测", "（跳过）", "答案：", "这一步要运行", "运行结果", "之后的状态",
                "本课结束。", "预测正确 %d / %d。", "自由继续  ▶", "关闭本课",
                "把本课的机器交给控制台：输入你自己的调用；← 和时间线可以回到本课的任何一步", "目标",
                "（无法算出这个问题的答案）"};

// Every Chinese character the panel itself may draw.
std::string panel_words_zh() {
    const Words& w = kZh;
    std::string s;
    for (const char* p : {w.step_of, w.predict, w.your_prediction, w.run, w.next, w.back, w.right, w.wrong, w.you_said,
                          w.skipped, w.the_answer, w.the_step_runs, w.what_it_did, w.checks, w.end, w.predicted, w.cont,
                          w.close, w.cont_tip, w.goal, w.no_answer, "中文",
                "现在可以自由继续：在下面输入调用（如 show 或 tcp_state(3)）；← 和时间线可以回到本课的任何一步；Ctrl+S 保存快照。"})
        s += p;
    return s;
}

// All of a lesson's Chinese, for the font atlas.
std::string lesson_zh(const lesson::Lesson& l) {
    std::string s = l.title.zh + l.goal.zh;
    for (const lesson::Step& st : l.steps) {
        s += st.title.zh + st.say.zh + st.after.zh;
        if (st.ask) {
            s += st.ask->question.zh;
            for (const lesson::Choice& c : st.ask->choices) s += c.text.zh;
        }
    }
    return s;
}

// One character of a UTF-8 text (ImGui's decoder: the one its text drawing uses).
uint32_t next_cp(const std::string& s, size_t& i) {
    unsigned int c = 0;
    int n = ImTextCharFromUtf8(&c, s.c_str() + i, s.c_str() + s.size());
    i += static_cast<size_t>(std::max(1, n));
    return c;
}

bool wide(uint32_t cp) { return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF); }

// Chinese punctuation that may not start a line.
bool closing(uint32_t cp) {
    for (uint32_t c : {0xFF0Cu, 0x3002u, 0x3001u, 0xFF1Bu, 0xFF1Au, 0xFF01u, 0xFF1Fu, 0xFF09u, 0x300Bu, 0x300Du, 0x2026u, 0x201Du})
        if (cp == c) return true;
    return false;
}

// Wraps text to a width in pixels. ImGui breaks lines only at blanks, so a
// Chinese sentence would run on to the next blank and leave ragged lines;
// here a line may also break between two Chinese characters (never before
// a closing punctuation mark).
std::vector<std::string> wrap_px(const std::string& s, float width) {
    std::vector<std::string> out;
    std::string line;
    size_t cut = std::string::npos;   // where the line may be cut
    bool prev_wide = false;
    auto w = [](const std::string& t) { return ImGui::CalcTextSize(t.c_str()).x; };
    for (size_t i = 0; i < s.size();) {
        size_t b = i;
        uint32_t cp = next_cp(s, i);
        bool wd = wide(cp);
        if (cp == ' ' || (!line.empty() && (wd || prev_wide) && !closing(cp))) cut = line.size();
        line.append(s, b, i - b);
        prev_wide = wd;
        if (cut != std::string::npos && cut > 0 && w(line) > width) {
            std::string head = line.substr(0, cut), tail = line.substr(cut);
            while (!head.empty() && head.back() == ' ') head.pop_back();
            size_t lead = tail.find_first_not_of(' ');
            out.push_back(head);
            line = lead == std::string::npos ? "" : tail.substr(lead);
            cut = std::string::npos;
        }
    }
    if (!line.empty()) out.push_back(line);
    return out;
}

bool has_wide(const std::string& s) {
    for (size_t i = 0; i < s.size();)
        if (wide(next_cp(s, i))) return true;
    return false;
}

}  // namespace

// A field of the lesson that is one sentence (a title, a question, a
// choice) but may be written over several lines: one line of text, joined
// as the narration's paragraphs are (Chinese without blanks).
static std::string one_line(const std::string& text) {
    std::string out;
    for (const lesson::Para& p : lesson::paragraphs(text)) out += (out.empty() ? "" : " ") + p.text;
    return out;
}

// A paragraph wrapped to the panel: by ImGui, or (Chinese) by wrap_px.
static void wrapped(const std::string& text) {
    if (!has_wide(text)) {
        ImGui::TextWrapped("%s", text.c_str());
        return;
    }
    float width = ImGui::GetContentRegionAvail().x;
    ImVec2 start = ImGui::GetCursorPos();
    bool first = true;
    for (const std::string& l : wrap_px(text, width)) {
        if (!first) ImGui::SetCursorPosX(start.x);   // under the first line (after a bullet)
        first = false;
        ImGui::TextUnformatted(l.c_str());
    }
}

// ---------------------------------------------------------------- opening

bool Ui::open_lesson(const std::string& path, std::string* err) {
    auto l = gui::load_lesson(path);
    if (auto* e = std::get_if<std::string>(&l)) {
        if (err) *err = *e;
        return false;
    }
    auto player = std::make_unique<gui::LessonPlayer>(std::move(std::get<lesson::Lesson>(l)));
    if (player->steps() == 0) {
        if (err) *err = path + ": the lesson has no steps";
        return false;
    }
    // The views show the lesson's machine; the old player (if any) goes
    // once nothing points at its runner.
    s_.watch(&player->runner());
    lesson_ = std::move(player);
    console_mark_.clear();
    prediction_.clear();
    focus_prediction_ = true;
    focus_input_ = false;
    lesson_error_.clear();
    glyph_text += lesson_zh(lesson_->lesson()) + panel_words_zh();
    force_refresh_ = true;
    switched_ = true;
    return true;
}

void Ui::lesson_run(const std::string& prediction) {
    if (!lesson_ || lesson_->ran()) return;
    const lesson::Step& st = lesson_->step();
    if (console_mark_.size() <= lesson_->index()) console_mark_.resize(lesson_->index() + 1);
    console_mark_[lesson_->index()] = s_.console().size();
    s_.note("— " + std::to_string(lesson_->index() + 1) + ". " + one_line(st.title.in(lesson_zh_)) + " —");
    const lesson::StepResult& r = lesson_->run(prediction);
    for (const auto& [kind, text] : gui::step_console_lines(st, r)) s_.note(text, kind);
    s_.watched_changed();
    scroll_console_ = true;
    force_refresh_ = true;
}

// The session takes the lesson's machine over, as the REPL does after the
// last step in the terminal: its history (so ← and the timeline reach every
// lesson step, and a call typed at one of them gets that moment's names),
// its names and its calls still asleep.
void Ui::lesson_continue() {
    if (!lesson_ || !lesson_->at_end()) return;
    lesson::Runner::Handoff h = lesson_->release();
    std::vector<std::pair<uint64_t, std::unique_ptr<script::Interp>>> earlier;
    for (auto& at : h.earlier) earlier.emplace_back(at.steps, std::move(at.interp));
    s_.adopt(std::move(h.history), std::move(h.interp), std::move(earlier));
    s_.note(lesson_zh_ ? "现在可以自由继续：在下面输入调用（如 show 或 tcp_state(3)）；← 和时间线可以回到本课的任何一步；Ctrl+S 保存快照。"
                       : "Now on your own, on the lesson's machine: type calls below (show, tcp_state(3), ...); ← and the "
                         "timeline reach every step of the lesson; Ctrl+S saves a snapshot.");
    lesson_.reset();
    focus_input_ = true;
    scroll_console_ = true;
    force_refresh_ = true;
}

// ---------------------------------------------------------------- menus

void Ui::lessons_menu() {
    if (!ImGui::BeginMenu("Lessons")) return;
    // Listed when the menu opens: a lesson edited meanwhile shows as it is now.
    if (ImGui::IsWindowAppearing()) lesson_menu_ = gui::lesson_menu(gui::find_lessons_dir());
    if (lesson_menu_.empty())
        ImGui::TextDisabled("no lessons found (set SOCKSCOPE_LESSONS, or start sockscope where lessons/ is)");
    for (const gui::LessonEntry& e : lesson_menu_) {
        std::string item = e.name + "  —  " + (e.error.empty() ? one_line(e.title.in(lesson_zh_)) : std::string("(cannot be read)"));
        bool on = lesson_ && lesson_->lesson().name == e.name;
        if (ImGui::MenuItem(item.c_str(), nullptr, on, e.error.empty())) push_intent(Intent::lesson(Intent::LessonOpen, e.path));
        if (!e.error.empty() && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", e.error.c_str());
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Narration in English", nullptr, !lesson_zh_)) lesson_zh_ = false;
    if (ImGui::MenuItem("Narration in Chinese (中文)", nullptr, lesson_zh_)) lesson_zh_ = true;
    if (lesson_) {
        ImGui::Separator();
        if (ImGui::MenuItem("Close the lesson")) push_intent(Intent::lesson(Intent::LessonClose));
    }
    ImGui::EndMenu();
}

// ---------------------------------------------------------------- the panel

// A text of the lesson in the chosen language, as paragraphs: running text
// wrapped to the panel, list items with a bullet, code lines as written.
void Ui::lesson_text(const lesson::Text& t, bool) {
    const std::string& s = t.in(lesson_zh_);
    bool first = true;
    lesson::Para::Kind prev = lesson::Para::Kind::Text;
    for (const lesson::Para& p : lesson::paragraphs(s)) {
        if (!first && (p.kind == lesson::Para::Kind::Text || p.kind != prev)) ImGui::Dummy(ImVec2(0, ImGui::GetFontSize() * 0.35f));
        first = false;
        prev = p.kind;
        switch (p.kind) {
        case lesson::Para::Kind::Text: wrapped(p.text); break;
        case lesson::Para::Kind::Item:
            ImGui::Bullet();
            ImGui::SameLine();
            wrapped(p.text);
            break;
        case lesson::Para::Kind::Pre:
            ImGui::PushFont(fonts_.mono ? fonts_.mono : ImGui::GetFont());
            ImGui::TextColored(F4(pal_.accent), "  %s", p.text.c_str());
            ImGui::PopFont();
            break;
        }
    }
}

void Ui::lesson_panel() {
    gui::LessonPlayer& L = *lesson_;
    const lesson::Lesson& les = L.lesson();
    const lesson::Step& st = L.step();
    const Words& w = lesson_zh_ ? kZh : kEn;
    const float fs = ImGui::GetFontSize();
    drawn.lesson_step = static_cast<int>(L.index()) + 1;
    drawn.lesson_steps = static_cast<int>(L.steps());
    drawn.lesson_ran = L.ran() ? 1 : 0;
    drawn.lesson_lang = lesson_zh_ ? "zh" : "en";

    // ---- heading: the lesson, the language, where we are
    {
        const char* langs[] = {"EN", "中文"};
        float bw = ImGui::CalcTextSize("EN").x + ImGui::CalcTextSize("中文").x + ImGui::GetStyle().FramePadding.x * 4 +
                   ImGui::GetStyle().ItemSpacing.x;
        ImGui::PushTextWrapPos(ImGui::GetContentRegionMax().x - bw - fs);
        ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.title));
        ImGui::TextWrapped("%s", one_line(les.title.in(lesson_zh_)).c_str());
        ImGui::PopStyleColor();
        ImGui::PopTextWrapPos();
        float after_title = ImGui::GetCursorPosY();
        ImGui::SameLine();
        ImGui::SetCursorPos(ImVec2(ImGui::GetContentRegionMax().x - bw, ImGui::GetStyle().WindowPadding.y));
        for (int i = 0; i < 2; ++i) {
            bool on = lesson_zh_ == (i == 1);
            if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyle().Colors[ImGuiCol_ButtonActive]);
            if (ImGui::SmallButton(langs[i])) lesson_zh_ = i == 1;
            if (on) ImGui::PopStyleColor();
            if (i == 0) ImGui::SameLine();
        }
        ImGui::SetCursorPosY(std::max(after_title, ImGui::GetCursorPosY()));
        char count[64];
        std::snprintf(count, sizeof count, w.step_of, L.index() + 1, L.steps());
        ImGui::TextColored(F4(pal_.dim), "%s", count);
        // the steps as dots: done, on screen, to come
        ImGui::SameLine();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        ImVec2 p = ImGui::GetCursorScreenPos();
        float r = fs * 0.22f, gap = fs * 0.62f, room = ImGui::GetContentRegionAvail().x;
        if (gap * static_cast<float>(L.steps()) < room) {
            for (size_t i = 0; i < L.steps(); ++i) {
                ImVec2 c(p.x + gap * (static_cast<float>(i) + 0.5f), p.y + fs * 0.6f);
                bool done = i < L.index() || (i == L.index() && L.ran());
                if (i == L.index()) dl->AddCircleFilled(c, r * 1.5f, pal_.accent);
                else if (done) dl->AddCircleFilled(c, r, pal_.ok);
                else dl->AddCircle(c, r, pal_.dim, 0, 1.5f);
            }
        }
        ImGui::NewLine();
    }
    ImGui::Separator();

    ImGui::BeginChild("##lesson_body", ImVec2(0, -(ImGui::GetFrameHeightWithSpacing() * 1.6f + fs * 0.4f)), false);
    if (L.index() == 0 && !L.ran()) {
        ImGui::TextColored(F4(pal_.dim), "%s", w.goal);
        ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.dim));
        lesson_text(les.goal);
        ImGui::PopStyleColor();
        ImGui::Spacing();
    }
    // ---- the step
    ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.accent));
    wrapped(std::to_string(L.index() + 1) + ". " + one_line(st.title.in(lesson_zh_)));
    ImGui::PopStyleColor();
    ImGui::Spacing();
    lesson_text(st.say);

    // ---- the calls: planned, or what they did
    if (!st.run.empty()) {
        ImGui::Spacing();
        ImGui::TextColored(F4(pal_.dim), "%s", L.ran() ? w.what_it_did : w.the_step_runs);
        ImGui::PushFont(fonts_.mono ? fonts_.mono : ImGui::GetFont());
        ImGui::PushStyleColor(ImGuiCol_ChildBg, canvas_fill());
        ImGui::Indent(fs * 0.5f);
        if (!L.ran()) {
            for (const lesson::RunLine& rl : st.run) {
                ImGui::TextColored(F4(pal_.accent), "›");
                ImGui::SameLine();
                ImGui::TextWrapped("%s", gui::run_line_text(rl).c_str());
            }
        } else {
            for (const auto& [kind, text] : gui::step_console_lines(st, L.result())) {
                switch (kind) {
                case gui::LineKind::Input:
                    ImGui::TextColored(F4(pal_.accent), "›");
                    ImGui::SameLine();
                    ImGui::TextWrapped("%s", text.c_str());
                    break;
                case gui::LineKind::Ok: ImGui::TextColored(F4(pal_.ok), "    %s", text.c_str()); break;
                case gui::LineKind::Err: ImGui::TextColored(F4(pal_.err), "    %s", text.c_str()); break;
                case gui::LineKind::Blocked: ImGui::TextColored(F4(pal_.warn), "    %s", text.c_str()); break;
                case gui::LineKind::Done: ImGui::TextColored(F4(pal_.ok), "  %s", text.c_str()); break;
                case gui::LineKind::Mismatch:
                    ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.err));
                    ImGui::TextWrapped("! %s", text.c_str());
                    ImGui::PopStyleColor();
                    break;
                default: ImGui::TextUnformatted(text.c_str()); break;
                }
            }
        }
        ImGui::Unindent(fs * 0.5f);
        ImGui::PopStyleColor();
        ImGui::PopFont();
    }

    // ---- the checkpoint: the question before, the verdict after
    if (st.ask) {
        const lesson::Checkpoint& cp = *st.ask;
        ImGui::Spacing();
        ImGui::Separator();
        ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.title));
        wrapped(std::string(w.predict) + (lesson_zh_ ? "：" : ": ") + one_line(cp.question.in(lesson_zh_)));
        ImGui::PopStyleColor();
        if (!cp.choices.empty()) {
            for (const lesson::Choice& c : cp.choices) {
                std::string label = one_line(c.text.in(lesson_zh_));
                bool on = prediction_ == c.key || (L.ran() && L.typed() == c.key);
                if (L.ran()) {
                    bool correct = L.result().answer && L.result().answer->choice == c.key;
                    ImGui::PushStyleColor(ImGuiCol_Text, F4(correct ? pal_.ok : on ? pal_.err : pal_.text));
                    ImGui::Bullet();
                    ImGui::SameLine();
                    wrapped(label + (correct ? "  ✓" : on ? "  ✗" : ""));
                    ImGui::PopStyleColor();
                } else if (ImGui::RadioButton(label.c_str(), on)) {
                    prediction_ = c.key;
                }
            }
        } else if (!L.ran()) {
            ImGui::SetNextItemWidth(-1);
            if (focus_prediction_ && !headless) ImGui::SetKeyboardFocusHere();
            focus_prediction_ = false;
            if (ImGui::InputTextWithHint("##prediction", w.your_prediction, &prediction_, ImGuiInputTextFlags_EnterReturnsTrue))
                push_intent(Intent::lesson(Intent::LessonRun, prediction_));
        }
        if (L.ran()) {
            const lesson::StepResult& r = L.result();
            const auto& g = L.grade();
            if (g && g->answered && g->right) {
                ImGui::TextColored(F4(pal_.ok), "%s %s", w.right, g->correct.c_str());
                drawn.lesson_verdict = "right";
            } else if (g && g->answered) {
                ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.err));
                wrapped(std::string(w.wrong) + " " + g->correct + (lesson_zh_ ? "（" : "  (") + w.you_said +
                        (lesson_zh_ ? "：" : ": ") + L.typed() + (lesson_zh_ ? "）" : ")"));
                ImGui::PopStyleColor();
                drawn.lesson_verdict = "wrong";
            } else if (g) {
                ImGui::TextColored(F4(pal_.dim), "%s %s %s", w.skipped, w.the_answer, g->correct.c_str());
                drawn.lesson_verdict = "skipped";
            } else if (!r.answer_error.empty()) {
                ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.warn));
                ImGui::TextWrapped("%s %s", w.no_answer, r.answer_error.c_str());
                ImGui::PopStyleColor();
            }
        }
    }

    // ---- after: the state checks and the closing remark
    if (L.ran()) {
        const lesson::StepResult& r = L.result();
        if (!r.checks.empty()) {
            ImGui::Spacing();
            ImGui::Separator();
            ImGui::TextColored(F4(pal_.dim), "%s", w.checks);
            ImGui::PushFont(fonts_.mono ? fonts_.mono : ImGui::GetFont());
            for (const lesson::CheckOutcome& c : r.checks) {
                ++drawn.lesson_checks;
                drawn.lesson_checks_ok += c.ok ? 1 : 0;
                ImGui::TextColored(F4(c.ok ? pal_.ok : pal_.err), "%s", c.ok ? "✓" : "✗");
                ImGui::SameLine();
                ImGui::TextWrapped("%s%s%s", c.text.c_str(), c.ok ? "" : "  ", c.ok ? "" : c.detail.c_str());
            }
            ImGui::PopFont();
        }
        if (!st.after.en.empty()) {
            ImGui::Spacing();
            lesson_text(st.after);
        }
        if (L.at_end()) {
            ImGui::Spacing();
            ImGui::Separator();
            ImGui::TextColored(F4(pal_.title), "%s", w.end);
            if (L.asked() > 0) {
                char buf[96];
                std::snprintf(buf, sizeof buf, w.predicted, L.right(), L.asked());
                ImGui::SameLine();
                ImGui::TextUnformatted(buf);
            }
        }
    }
    ImGui::EndChild();

    // ---- the buttons, always at the bottom
    ImGui::Separator();
    ImGui::Dummy(ImVec2(0, fs * 0.15f));
    bool can_back = L.index() > 0 || L.ran();
    ImGui::BeginDisabled(!can_back);
    if (ImGui::Button(w.back)) push_intent(Intent::lesson(Intent::LessonBack));
    ImGui::EndDisabled();
    ImGui::SameLine();
    const char* main_label = !L.ran() ? w.run : L.at_end() ? w.cont : w.next;
    float mw = ImGui::CalcTextSize(main_label).x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetCursorPosX(std::max(ImGui::GetCursorPosX(), ImGui::GetContentRegionMax().x - mw));
    ImGui::PushStyleColor(ImGuiCol_Button, F4(with_alpha(pal_.accent, 0.55f)));
    if (ImGui::Button(main_label)) {
        if (!L.ran()) push_intent(Intent::lesson(Intent::LessonRun, prediction_));
        else if (L.at_end()) push_intent(Intent::lesson(Intent::LessonContinue));
        else push_intent(Intent::lesson(Intent::LessonNext));
    }
    ImGui::PopStyleColor();
    if (L.ran() && L.at_end() && ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(fs * 24);
        ImGui::TextUnformatted(w.cont_tip);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

// ---------------------------------------------------------------- the snapshot dialog

void Ui::open_dialog(bool save, const std::string& path, const std::string& label) {
    dialog_ = save ? Dialog::Save : Dialog::Open;
    dialog_popup_ = true;
    dlg_error_.clear();
    dlg_listed_.clear();   // list the file again: it may have changed
    if (!path.empty()) dlg_path_ = path;
    dlg_label_ = label;
}

void Ui::snapshot_dialog() {
    const char* id = "Snapshot###snapshot_dialog";
    if (dialog_popup_) {
        ImGui::OpenPopup(id);
        dialog_popup_ = false;
    }
    const bool save = dialog_ == Dialog::Save;
    const float fs = ImGui::GetFontSize();
    ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(ImVec2(vp->Pos.x + vp->Size.x * 0.5f, vp->Pos.y + vp->Size.y * 0.4f), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSize(ImVec2(std::min(vp->Size.x * 0.9f, fs * 40), 0), ImGuiCond_Always);
    // room around the fields, and an edge that stands out from the views behind
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(fs * 1.0f, fs * 0.8f));
    ImGui::PushStyleVar(ImGuiStyleVar_PopupBorderSize, 2.0f);
    ImGui::PushStyleColor(ImGuiCol_Border, F4(pal_.accent));
    ImGui::PushStyleColor(ImGuiCol_ModalWindowDimBg, F4(with_alpha(pal_.canvas, 0.6f)));
    bool open = ImGui::BeginPopupModal(id, nullptr, ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoTitleBar);
    ImGui::PopStyleColor(2);
    ImGui::PopStyleVar(2);
    if (!open) {
        if (dialog_ != Dialog::None && !dialog_popup_) dialog_ = Dialog::None;
        return;
    }
    if (dialog_ == Dialog::None) {   // done (Ui::apply saved or opened)
        ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
        return;
    }
    drawn.dialog = save ? "save" : "open";
    ImGui::TextColored(F4(pal_.title), "%s", save ? "Save a snapshot" : "Open a snapshot");
    ImGui::PushTextWrapPos(0);
    if (save)
        ImGui::TextColored(F4(pal_.dim), "The latest step (%llu) with its whole history (%zu commands) and the script's names.",
                           static_cast<unsigned long long>(s_.head()), s_.history().entries().size());
    else
        ImGui::TextColored(F4(pal_.dim), "Its world, its whole history and its names replace what is on screen.");
    ImGui::PopTextWrapPos();
    ImGui::Spacing();

    // the file, and what it holds
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("File ");
    ImGui::SameLine(fs * 4);
    ImGui::SetNextItemWidth(-1);
    if (ImGui::IsWindowAppearing() && !headless) ImGui::SetKeyboardFocusHere();
    if (ImGui::InputTextWithHint("##path", "demo.sqlite", &dlg_path_)) dlg_error_.clear();
    if (dlg_listed_ != dlg_path_ || dlg_path_.empty()) {
        dlg_list_ = gui::list_snapshots(dlg_path_);
        dlg_listed_ = dlg_path_;
    }
    drawn.dialog_labels = static_cast<int>(dlg_list_.infos.size());
    if (!dlg_list_.error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.err));
        ImGui::TextWrapped("%s", dlg_list_.error.c_str());
        ImGui::PopStyleColor();
    } else if (!dlg_list_.exists) {
        ImGui::TextColored(F4(pal_.dim), "%s",
                           dlg_path_.empty() ? "" : save ? "(a new file: it will be created)" : "(there is no such file)");
    } else {
        ImGui::TextColored(F4(pal_.dim), "%s", save ? "Snapshots already in this file:" : "Snapshots in this file (click one):");
        float rows = static_cast<float>(std::min<size_t>(dlg_list_.infos.size(), 6));
        if (ImGui::BeginTable("##snaps", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter | ImGuiTableFlags_ScrollY,
                              ImVec2(0, (rows + 1.3f) * ImGui::GetTextLineHeightWithSpacing()))) {
            ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthStretch);
            ImGui::TableSetupColumn("steps", ImGuiTableColumnFlags_WidthFixed, fs * 4.5f);
            ImGui::TableSetupColumn("saved (UTC)", ImGuiTableColumnFlags_WidthFixed, fs * 11);
            ImGui::TableSetupScrollFreeze(0, 1);
            ImGui::TableHeadersRow();
            // newest first: the one an open takes when no label is given
            for (auto it = dlg_list_.infos.rbegin(); it != dlg_list_.infos.rend(); ++it) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                bool sel = dlg_label_ == it->label;
                if (ImGui::Selectable(it->label.c_str(), sel, ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick)) {
                    dlg_label_ = it->label;
                    dlg_error_.clear();
                    if (!save && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
                        push_intent(Intent::snap(Intent::SnapOpen, dlg_path_, dlg_label_));
                }
                ImGui::TableNextColumn();
                ImGui::Text("%llu", static_cast<unsigned long long>(it->steps));
                ImGui::TableNextColumn();
                std::string when = it->created_at;
                std::replace(when.begin(), when.end(), 'T', ' ');
                if (when.size() > 16) when.resize(16);
                ImGui::TextUnformatted(when.c_str());
            }
            ImGui::EndTable();
        }
    }

    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Label");
    ImGui::SameLine(fs * 4);
    ImGui::SetNextItemWidth(-1);
    if (ImGui::InputTextWithHint("##label", save ? "empty: the next free \"snapshot N\"" : "empty: the newest", &dlg_label_))
        dlg_error_.clear();

    // a label already there is replaced only when asked for, in so many words
    const bool taken = save && !dlg_label_.empty() && dlg_list_.has(dlg_label_);
    if (taken) {
        drawn.dialog_replace = 1;
        ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.warn));
        ImGui::TextWrapped("%s already holds a snapshot labelled '%s'. Replace it, or type another label.", dlg_path_.c_str(),
                           dlg_label_.c_str());
        ImGui::PopStyleColor();
    }
    // (a refused save of a label the warning above already names says nothing more)
    if (!dlg_error_.empty() && !(taken && dlg_error_.find("already holds a snapshot labelled") != std::string::npos)) {
        ImGui::PushStyleColor(ImGuiCol_Text, F4(pal_.err));
        ImGui::TextWrapped("%s", dlg_error_.c_str());
        ImGui::PopStyleColor();
    }
    ImGui::Spacing();
    bool enter = ImGui::IsWindowFocused(ImGuiFocusedFlags_ChildWindows) && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter));
    if (save) {
        if (taken) {
            std::string b = "Replace '" + dlg_label_ + "'";
            if (ImGui::Button(b.c_str())) push_intent(Intent::snap(Intent::SnapSave, dlg_path_, dlg_label_, true));
        } else if (ImGui::Button("Save") || enter) {
            push_intent(Intent::snap(Intent::SnapSave, dlg_path_, dlg_label_, false));
        }
    } else if (ImGui::Button("Open") || enter) {
        push_intent(Intent::snap(Intent::SnapOpen, dlg_path_, dlg_label_));
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
        dialog_ = Dialog::None;
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
}

}  // namespace sockscope::app
