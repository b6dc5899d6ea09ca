// console.cpp — the console: the script language one line at a time, with
// input history (Up/Down), Tab completion of calls, constants and names,
// results inline ("= 3" green, "= -1 EADDRINUSE" red) and errors with a
// caret under the column.
#include <algorithm>
#include <cstring>

#include "app/gui/ui.h"

#include <imgui_stdlib.h>

namespace sockscope::app {

namespace {

ImVec4 F4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

struct CallbackData {
    Ui* ui;
    Session* s;
    int* hist_pos;
    std::string* note;
};

std::string common_prefix(const std::vector<std::string>& v) {
    if (v.empty()) return "";
    std::string p = v[0];
    for (const std::string& s : v) {
        size_t i = 0;
        while (i < p.size() && i < s.size() && p[i] == s[i]) ++i;
        p.resize(i);
    }
    return p;
}

int input_callback(ImGuiInputTextCallbackData* d) {
    auto* cb = static_cast<CallbackData*>(d->UserData);
    if (d->EventFlag == ImGuiInputTextFlags_CallbackCompletion) {
        int end = d->CursorPos, start = end;
        while (start > 0 && word_char(d->Buf[start - 1])) --start;
        // words never start with a digit or contain '.' except sysctl names after !sysctl
        std::string before(d->Buf, static_cast<size_t>(start));
        std::string word(d->Buf + start, static_cast<size_t>(end - start));
        std::vector<std::string> c = cb->s->complete(before, word);
        if (c.empty()) {
            *cb->note = "no completion for '" + word + "'";
        } else if (c.size() == 1) {
            d->DeleteChars(start, end - start);
            d->InsertChars(start, c[0].c_str());
            cb->note->clear();
        } else {
            std::string p = common_prefix(c);
            if (p.size() > word.size()) {
                d->DeleteChars(start, end - start);
                d->InsertChars(start, p.c_str());
            }
            std::string list;
            for (size_t i = 0; i < c.size() && i < 40; ++i) list += (i ? "  " : "") + c[i];
            if (c.size() > 40) list += "  … (" + std::to_string(c.size()) + ")";
            *cb->note = list;
        }
    } else if (d->EventFlag == ImGuiInputTextFlags_CallbackHistory) {
        const auto& h = cb->s->input_history();
        int& pos = *cb->hist_pos;
        int prev = pos;
        if (d->EventKey == ImGuiKey_UpArrow) {
            if (pos == -1) pos = static_cast<int>(h.size()) - 1;
            else if (pos > 0) --pos;
        } else if (d->EventKey == ImGuiKey_DownArrow) {
            if (pos != -1 && ++pos >= static_cast<int>(h.size())) pos = -1;
        }
        if (prev != pos) {
            d->DeleteChars(0, d->BufTextLen);
            if (pos >= 0) d->InsertChars(0, h[static_cast<size_t>(pos)].c_str());
        }
    }
    return 0;
}

}  // namespace

void Ui::console_view() {
    ImGui::PushFont(fonts_.mono ? fonts_.mono : ImGui::GetFont());
    const float lh = ImGui::GetTextLineHeightWithSpacing();
    float input_h = ImGui::GetFrameHeightWithSpacing() + (completion_note_.empty() ? 0 : lh);
    ImVec2 avail = ImGui::GetContentRegionAvail();
    ImGui::PushStyleColor(ImGuiCol_ChildBg, canvas_fill());
    ImGui::BeginChild("##console_log", ImVec2(avail.x, avail.y - input_h), true);
    const auto& lines = s_.console();
    // display rows: an error takes three (the line, the caret, the message)
    struct RowRef {
        uint32_t line;
        uint8_t sub;
    };
    static std::vector<RowRef> rows;
    static size_t rows_for = 0;
    static const void* rows_owner = nullptr;
    if (rows_owner != &lines || lines.size() < rows_for) {
        rows.clear();
        rows_for = 0;
        rows_owner = &lines;
    }
    for (; rows_for < lines.size(); ++rows_for) {
        const gui::ConsoleLine& l = lines[rows_for];
        int n = l.kind == gui::LineKind::Error && !l.src.empty() ? 3 : 1;
        for (int k = 0; k < n; ++k) rows.push_back(RowRef{static_cast<uint32_t>(rows_for), static_cast<uint8_t>(k)});
    }
    drawn.console_lines = static_cast<int>(lines.size());
    if (lines.size() != console_seen_) {
        scroll_console_ = true;
        console_seen_ = lines.size();
    }
    // Viewing an earlier step: the command being viewed is marked and the
    // lines after it (the future of this point) are dimmed, and the log
    // scrolls to it when the cursor moves.
    const bool past = !s_.at_head();
    const uint64_t at = s_.cursor().step;
    if (console_pos_gen_ != s_.generation()) {
        console_pos_gen_ = s_.generation();
        console_cur_row_ = -1;
        if (past) {
            for (size_t r = rows.size(); r-- > 0;) {
                const gui::ConsoleLine& l = lines[rows[r].line];
                if (l.kind == gui::LineKind::Input && l.step < at) {
                    console_cur_row_ = static_cast<int>(r);
                    break;
                }
            }
            if (console_cur_row_ >= 0) {
                float y = static_cast<float>(console_cur_row_) * lh;
                float top = ImGui::GetScrollY(), h = ImGui::GetWindowHeight();
                if (y < top || y > top + h - 2 * lh) ImGui::SetScrollY(std::max(0.0f, y - h * 0.4f));
                scroll_console_ = false;
            }
        }
    }
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(rows.size()), lh);
    const float width = ImGui::GetContentRegionAvail().x;
    while (clip.Step()) {
        for (int r = clip.DisplayStart; r < clip.DisplayEnd; ++r) {
            const RowRef rr = rows[static_cast<size_t>(r)];
            const gui::ConsoleLine& l = lines[rr.line];
            bool future = past && (l.kind == gui::LineKind::Input ? l.step >= at : l.step > at);
            bool current = r == console_cur_row_;
            if (current) {
                ImVec2 p = ImGui::GetCursorScreenPos();
                ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x - 4, p.y - 1), ImVec2(p.x + width, p.y + lh - 1),
                                                          with_alpha(pal_.accent, 0.25f), 3);
            }
            ImGui::PushStyleVar(ImGuiStyleVar_Alpha, future ? 0.45f : 1.0f);
            switch (l.kind) {
            case gui::LineKind::Input:
                ImGui::TextColored(F4(pal_.accent), current ? "▶" : "›");
                ImGui::SameLine();
                ImGui::TextUnformatted(l.text.c_str());
                break;
            case gui::LineKind::Ok: ImGui::TextColored(F4(pal_.ok), "  %s", l.text.c_str()); break;
            case gui::LineKind::Err: ImGui::TextColored(F4(pal_.err), "  %s", l.text.c_str()); break;
            case gui::LineKind::Blocked: ImGui::TextColored(F4(pal_.warn), "  %s", l.text.c_str()); break;
            case gui::LineKind::Done: {
                size_t eq = l.text.rfind(" = ");
                bool err = eq != std::string::npos && l.text.compare(eq + 3, 4, "-1 E") == 0;
                ImGui::TextColored(F4(pal_.dim), "  (woken)");
                ImGui::SameLine();
                ImGui::TextColored(F4(err ? pal_.err : pal_.ok), "%s", l.text.c_str());
                break;
            }
            case gui::LineKind::Mismatch: ImGui::TextColored(F4(pal_.warn), "  ✗ %s", l.text.c_str()); break;
            case gui::LineKind::Error:
                if (l.src.empty() || rr.sub == 2) {
                    ImGui::TextColored(F4(pal_.err), "  error: %s", l.text.c_str());
                } else if (rr.sub == 0) {
                    ImGui::TextColored(F4(pal_.text), "  %s", l.src.c_str());
                } else {
                    // the caret under the column (1-based bytes; count characters for UTF-8)
                    std::string pad = "  ";
                    for (int i = 0; i + 1 < l.caret && i < static_cast<int>(l.src.size()); ++i) {
                        unsigned char c = static_cast<unsigned char>(l.src[static_cast<size_t>(i)]);
                        if ((c & 0xc0) != 0x80) pad += l.src[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
                    }
                    ImGui::TextColored(F4(pal_.err), "%s^", pad.c_str());
                }
                break;
            case gui::LineKind::Output: ImGui::TextUnformatted(l.text.c_str()); break;
            case gui::LineKind::Note: ImGui::TextColored(F4(pal_.dim), "  %s", l.text.c_str()); break;
            }
            ImGui::PopStyleVar();
        }
    }
    clip.End();
    if (scroll_console_) {
        ImGui::SetScrollHereY(1.0f);
        scroll_console_ = false;
    }
    ImGui::EndChild();
    ImGui::PopStyleColor();

    if (!completion_note_.empty())
        ImGui::TextColored(F4(pal_.dim), "%s",
                           fit_text(ImGui::GetFont(), ImGui::GetFontSize(), completion_note_, avail.x - 8).c_str());
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(F4(pal_.accent), "›");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(-1);
    if (focus_input_ && !headless) {
        ImGui::SetKeyboardFocusHere();
        focus_input_ = false;
    }
    CallbackData cb{this, &s_, &hist_pos_, &completion_note_};
    const char* hint = s_.watching() ? "the lesson runs its calls; at its end, Continue freely gives you this console"
                       : s_.at_head() ? "type a call, e.g. socket(AF_INET, SOCK_STREAM, 0) — Tab completes, Esc leaves"
                                      : "a call typed here branches the history at this step — Esc leaves";
    bool enter = ImGui::InputTextWithHint("##input", hint, &input_,
                                          ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackCompletion |
                                              ImGuiInputTextFlags_CallbackHistory,
                                          input_callback, &cb);
    if (enter) {
        if (!input_.empty()) push_intent(Intent::run(input_));
        input_.clear();
        hist_pos_ = -1;
        completion_note_.clear();
        focus_input_ = true;
    }
    ImGui::PopFont();
}

}  // namespace sockscope::app
