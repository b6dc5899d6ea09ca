// lesson_cli.cpp — the terminal player and checker of core/lesson.
//
// `play` draws one screen per step, sized for a projector: the lesson and
// step titles, the narration, the calls the step will make, and the
// checkpoint question. Once the student answers (or presses Enter), the
// same screen is drawn again with each call's result in place, the verdict
// on the prediction, the state checks, and the closing remark. On a
// terminal the screen is cleared between steps and a little colour marks
// right and wrong (NO_COLOR turns it off); piped, the same text comes out
// plainly, so a session can be scripted.
#include "app/cli/lesson_cli.h"
#include "app/cli/repl.h"
#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "kernel/trace.h"
#include "lesson/catalog.h"
#include "lesson/lesson.h"
#include "script/commands.h"
#include "script/parser.h"

namespace sockscope::app {

namespace {

using lesson::Lesson;
using lesson::Runner;
using lesson::StepResult;

// ============================================================ options

struct Args {
    std::string dir;
    std::string lang;
    std::string name;
    int from = 1;
    std::vector<std::string> names;
    CLI::App* list = nullptr;
    CLI::App* play = nullptr;
    CLI::App* check = nullptr;
};
Args g_args;

// ============================================================ finding lessons
// (core/lesson/catalog.h finds, lists, resolves and loads them, for the
// window as well)

std::string no_dir_message() {
    return "no lessons found: pass --dir DIR, set SOCKSCOPE_LESSONS, or run from the directory that holds lessons/";
}

// ============================================================ the terminal

struct Term {
    bool tty = false;
    bool color = false;
    int width = 80;
    enum class Lang { En, Zh, Both } lang = Lang::En;

    std::string paint(const std::string& s, const char* code) const {
        return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
    }
    std::string bold(const std::string& s) const { return paint(s, "1"); }
    std::string dim(const std::string& s) const { return paint(s, "2"); }
    std::string green(const std::string& s) const { return paint(s, "32"); }
    std::string red(const std::string& s) const { return paint(s, "31"); }
    std::string cyan(const std::string& s) const { return paint(s, "36"); }
    std::string yellow(const std::string& s) const { return paint(s, "33"); }
    void clear() const {
        if (tty) std::fputs("\033[H\033[2J\033[3J", stdout);
    }
};

Term make_term(const std::string& lang) {
    Term t;
    t.tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
    const char* term = std::getenv("TERM");
    t.color = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR") && term && std::string(term) != "dumb";
    winsize ws{};
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) t.width = ws.ws_col;
    t.width = std::min(t.width, 100);
    std::string l = lang;
    if (l.empty()) {
        for (const char* v : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
            const char* e = std::getenv(v);
            if (e && *e) {
                l = std::string(e).rfind("zh", 0) == 0 ? "zh" : "en";
                break;
            }
        }
    }
    t.lang = l == "zh" ? Term::Lang::Zh : l == "both" ? Term::Lang::Both : Term::Lang::En;
    return t;
}

uint32_t next_cp(const std::string& s, size_t& i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    uint32_t cp = n == 0 ? c : (c & (0x3fu >> n));
    ++i;
    for (int k = 0; k < n && i < s.size(); ++k, ++i) cp = cp << 6 | (static_cast<unsigned char>(s[i]) & 0x3fu);
    return cp;
}

bool wide_cp(uint32_t cp) {
    return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
           (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
           (cp >= 0xffe0 && cp <= 0xffe6);
}

int columns(const std::string& s) {
    int w = 0;
    for (size_t i = 0; i < s.size();) w += wide_cp(next_cp(s, i)) ? 2 : 1;
    return w;
}

// Chinese punctuation that must not start a line, and that must not end one.
bool no_break_before(uint32_t cp) {
    return cp == 0xff0c || cp == 0x3002 || cp == 0x3001 || cp == 0xff1b || cp == 0xff1a || cp == 0xff01 ||
           cp == 0xff1f || cp == 0xff09 || cp == 0x300b || cp == 0x300d || cp == 0x300f || cp == 0x2026 ||
           cp == 0x201d || cp == 0x2019;
}
bool no_break_after(uint32_t cp) {
    return cp == 0xff08 || cp == 0x300a || cp == 0x300c || cp == 0x300e || cp == 0x201c || cp == 0x2018;
}

// Greedy word wrap that counts Chinese characters as two columns and may
// break between any two of them.
std::vector<std::string> wrap(const std::string& text, int width) {
    struct Tok {
        std::string s;
        bool space_before = false;
    };
    std::vector<Tok> toks;
    bool space = false;      // a blank came before the next character
    bool glue_next = false;  // the last character may not end a line
    bool tail_wide = false;  // the word being built ends in a wide character
    std::string word;
    auto flush = [&]() {
        if (!word.empty()) toks.push_back(Tok{word, space});
        word.clear();
        space = false;
    };
    for (size_t i = 0; i < text.size();) {
        size_t b = i;
        uint32_t cp = next_cp(text, i);
        std::string ch = text.substr(b, i - b);
        if (cp == ' ' || cp == '\t' || cp == '\n') {
            flush();
            space = true;
            glue_next = false;
            continue;
        }
        bool w = wide_cp(cp);
        // a break is allowed before a wide character and after one, unless
        // punctuation forbids it
        bool can_break = !word.empty() && (w || tail_wide) && !glue_next && !no_break_before(cp);
        if (can_break) flush();
        word += ch;
        glue_next = no_break_after(cp);
        tail_wide = w;
    }
    flush();
    std::vector<std::string> lines;
    std::string cur;
    int cw = 0;
    for (const Tok& t : toks) {
        int tw = columns(t.s);
        int need = (cur.empty() ? 0 : (t.space_before ? 1 : 0)) + tw;
        if (!cur.empty() && cw + need > width) {
            lines.push_back(cur);
            cur.clear();
            cw = 0;
            need = tw;
        }
        if (!cur.empty() && t.space_before) cur += " ";
        cur += t.s;
        cw += need;
    }
    if (!cur.empty()) lines.push_back(cur);
    return lines;
}

// ============================================================ the player

class Player {
public:
    Player(const Lesson& l, Term t) : lesson_(l), t_(t), run_(l) {}
    int play(size_t from);

private:
    const Lesson& lesson_;
    Term t_;
    Runner run_;
    std::map<size_t, bool> predicted_;  // step -> was the prediction right (answered steps only)

    struct Shown {
        bool ran = false;
        StepResult result;
        lesson::Grade grade;
        bool graded = false;
        std::string typed;
    };

    std::string text(const lesson::Text& x) const;
    void print_text(const std::string& s, int indent) const;
    void print_both(const lesson::Text& x, int indent, bool bold_text = false) const;
    void draw(size_t i, const Shown& s) const;
    void kernel_path(size_t index, const StepResult& r);
    bool read(std::string* line) const;
    int experiment();
};

// Cuts a line to the screen's width (display columns), ending it with "…".
std::string fit(const std::string& s, int width) {
    if (columns(s) <= width) return s;
    std::string out;
    int w = 0;
    for (size_t i = 0; i < s.size();) {
        size_t b = i;
        int cw = wide_cp(next_cp(s, i)) ? 2 : 1;
        if (w + cw > width - 1) break;
        out += s.substr(b, i - b);
        w += cw;
    }
    return out + "…";
}

std::string Player::text(const lesson::Text& x) const { return t_.lang == Term::Lang::Zh ? x.zh : x.en; }

void Player::print_text(const std::string& s, int indent) const {
    std::string pad(static_cast<size_t>(indent), ' ');
    int width = std::max(30, t_.width - indent - 2);
    bool first = true;
    lesson::Para::Kind prev = lesson::Para::Kind::Text;
    for (const lesson::Para& p : lesson::paragraphs(s)) {
        // a blank line between paragraphs, and around a list or a code block
        if (!first && (p.kind == lesson::Para::Kind::Text || p.kind != prev)) std::printf("\n");
        first = false;
        prev = p.kind;
        switch (p.kind) {
        case lesson::Para::Kind::Text:
            for (const std::string& l : wrap(p.text, width)) std::printf("%s%s\n", pad.c_str(), l.c_str());
            break;
        case lesson::Para::Kind::Item: {
            bool head = true;
            for (const std::string& l : wrap(p.text, width - 2)) {
                std::printf("%s%s%s\n", pad.c_str(), head ? "• " : "  ", l.c_str());
                head = false;
            }
            break;
        }
        case lesson::Para::Kind::Pre: std::printf("%s  %s\n", pad.c_str(), t_.cyan(p.text).c_str()); break;
        }
    }
}

void Player::print_both(const lesson::Text& x, int indent, bool bold_text) const {
    auto one = [&](const std::string& s) {
        if (!bold_text) return print_text(s, indent);
        for (const std::string& l : wrap(s, t_.width - indent - 2))
            std::printf("%s%s\n", std::string(static_cast<size_t>(indent), ' ').c_str(), t_.bold(l).c_str());
    };
    if (t_.lang == Term::Lang::Both) {
        one(x.en);
        if (!bold_text) std::printf("\n");
        one(x.zh);
    } else {
        one(text(x));
    }
}

std::string statement_text(const lesson::RunLine& rl) {
    if (const auto* s = std::get_if<script::Statement>(&rl.parsed)) return s->text;
    const auto& d = std::get<script::Directive>(rl.parsed);
    return "!" + d.name + (d.rest.empty() ? "" : " " + d.rest);
}

void Player::draw(size_t i, const Shown& s) const {
    const lesson::Step& st = lesson_.steps[i];
    t_.clear();
    // header: lesson title on the left, the step count on the right
    std::string title = t_.lang == Term::Lang::Both ? lesson_.title.en + " · " + lesson_.title.zh : text(lesson_.title);
    std::string count = (t_.lang == Term::Lang::Zh ? "第 " + std::to_string(i + 1) + " / " + std::to_string(lesson_.steps.size()) + " 步"
                                                   : "step " + std::to_string(i + 1) + " of " + std::to_string(lesson_.steps.size()));
    title = fit(title, t_.width - 6 - columns(count));
    int gap = t_.width - 2 - columns(title) - columns(count);
    std::printf("\n  %s%s%s\n", t_.bold(title).c_str(), std::string(static_cast<size_t>(std::max(2, gap)), ' ').c_str(),
                t_.dim(count).c_str());
    std::string rule;
    for (int k = 0; k < t_.width - 2; ++k) rule += "─";
    std::printf("  %s\n\n", t_.dim(rule).c_str());

    std::string stitle = t_.lang == Term::Lang::Both ? st.title.en + " · " + st.title.zh : text(st.title);
    for (const std::string& l : wrap(stitle, t_.width - 4)) std::printf("  %s\n", t_.yellow(t_.bold(l)).c_str());
    std::printf("\n");
    print_both(st.say, 2);

    // the calls: planned, or with what they printed
    if (!st.run.empty()) {
        std::printf("\n");
        if (!s.ran) {
            for (const lesson::RunLine& rl : st.run) std::printf("    %s\n", t_.cyan(statement_text(rl)).c_str());
        } else {
            for (const std::string& l : s.result.output) {
                // a call's own line ("... ) = 3", "... ) ... blocks", "show()"), not a view's
                bool call = l.find(") = ") != std::string::npos || l.find(") ... ") != std::string::npos;
                for (const lesson::RunLine& rl : st.run) call = call || l == statement_text(rl);
                std::printf("    %s\n", call ? t_.cyan(l).c_str() : l.c_str());
            }
            for (const std::string& p : s.result.problems) std::printf("    %s\n", t_.red("! " + p).c_str());
        }
    }

    // the checkpoint
    if (st.ask) {
        std::printf("\n");
        const lesson::Checkpoint& cp = *st.ask;
        std::string q = t_.lang == Term::Lang::Zh ? "预测：" : "Predict: ";
        if (t_.lang == Term::Lang::Both) {
            print_both(lesson::Text{"Predict: " + cp.question.en, "预测：" + cp.question.zh}, 2, true);
        } else {
            for (const std::string& l : wrap(q + text(cp.question), t_.width - 4)) std::printf("  %s\n", t_.bold(l).c_str());
        }
        for (const lesson::Choice& c : cp.choices) {
            std::string label = t_.lang == Term::Lang::Both ? c.text.en + " · " + c.text.zh : text(c.text);
            std::printf("      %s) %s\n", c.key.c_str(), label.c_str());
        }
        if (s.ran) {
            const bool zh = t_.lang == Term::Lang::Zh;
            if (!s.result.answer) {
                std::printf("  %s\n", t_.red("! " + s.result.answer_error).c_str());
            } else {
                std::string correct = s.grade.correct;
                for (const lesson::Choice& c : cp.choices)
                    if (c.key == correct) correct += ") " + (t_.lang == Term::Lang::Both ? c.text.en : text(c.text));
                if (!s.grade.answered)
                    std::printf("  %s %s\n", t_.dim(zh ? "答案：" : "Answer:").c_str(), t_.bold(correct).c_str());
                else if (s.grade.right)
                    std::printf("  %s %s\n", t_.green(zh ? "✓ 预测正确：" : "✓ Right:").c_str(), t_.bold(correct).c_str());
                else
                    std::printf("  %s %s  %s\n", t_.red(zh ? "✗ 实际结果：" : "✗ It was").c_str(), t_.bold(correct).c_str(),
                                t_.dim((zh ? "（你的预测：" : "(you said ") + s.typed + (zh ? "）" : ")")).c_str());
            }
        }
    }

    if (s.ran) {
        if (!s.result.checks.empty()) {
            std::printf("\n");
            for (const lesson::CheckOutcome& c : s.result.checks) {
                if (c.ok) std::printf("  %s %s\n", t_.green("✓").c_str(), c.text.c_str());
                else std::printf("  %s %s  %s\n", t_.red("✗").c_str(), c.text.c_str(), t_.red(c.detail).c_str());
            }
        }
        if (!st.after.en.empty()) {
            std::printf("\n");
            print_both(st.after, 2);
        }
    }
    std::fflush(stdout);
}

void Player::kernel_path(size_t index, const StepResult& r) {
    const History& h = run_.history();
    const Trace& tr = h.trace();
    t_.clear();
    const lesson::Step& st = lesson_.steps[index];
    std::string head = (t_.lang == Term::Lang::Zh ? "内核路径 · " : "Kernel path · ") +
                       (t_.lang == Term::Lang::Zh ? st.title.zh : st.title.en);
    std::printf("\n  %s\n", t_.bold(head).c_str());
    std::string rule;
    for (int k = 0; k < t_.width - 2; ++k) rule += "─";
    std::printf("  %s\n\n", t_.dim(rule).c_str());
    if (r.first_step == r.end_step) std::printf("  %s\n", t_.dim("(this step ran no kernel code)").c_str());
    for (uint64_t s = r.first_step; s < r.end_step && s < tr.steps.size(); ++s) {
        const StepRecord& rec = tr.steps[s];
        std::string label;
        switch (rec.kind) {
        case StepKind::Syscall: label = h.entries()[rec.command].cmd.text; break;
        case StepKind::Deliver: label = "a segment arrives"; break;
        case StepKind::Timer: label = "a timer fires at " + std::to_string(rec.time) + " ms"; break;
        case StepKind::Resume: label = "a woken task runs again"; break;
        case StepKind::Control: label = "control"; break;
        }
        std::printf("  %s\n", t_.yellow(fit(label, t_.width - 4)).c_str());
        int depth = 0;
        for (size_t e = tr.step_begin(s); e < tr.step_end(s); ++e) {
            const TraceEvent& ev = tr.events[e];
            if (ev.ev == Ev::Leave) {
                --depth;
                continue;
            }
            if (ev.ev != Ev::Enter) continue;
            const KFuncInfo& f = kfunc(static_cast<Fn>(ev.code));
            std::string pad(static_cast<size_t>(4 + 2 * std::max(0, depth)), ' ');
            int room = t_.width - static_cast<int>(pad.size()) - columns(f.name) - 3;
            std::string text = room > 10 ? fit(f.text, room) : "";
            std::printf("%s%s  %s\n", pad.c_str(), t_.cyan(f.name).c_str(), t_.dim(text).c_str());
            ++depth;
        }
    }
    std::fflush(stdout);
}

bool Player::read(std::string* line) const {
    std::fflush(stdout);
    if (!std::getline(std::cin, *line)) return false;
    while (!line->empty() && (line->back() == '\r' || line->back() == ' ')) line->pop_back();
    size_t b = line->find_first_not_of(' ');
    *line = b == std::string::npos ? "" : line->substr(b);
    return true;
}

// After the last step: the REPL takes over the lesson's machine, its
// names and its whole history, so the student can experiment further and
// go back over the lesson's steps (with the names of each moment).
int Player::experiment() {
    const bool zh = t_.lang == Term::Lang::Zh;
    lesson::Runner::Handoff h = run_.release();
    ReplStart start;
    start.history = std::move(h.history);
    start.interp = std::move(h.interp);
    for (auto& at : h.earlier) start.earlier.emplace_back(at.steps, std::move(at.interp));
    start.save = snapshot_saver();
    start.banner = zh ? "现在是 REPL，接着本课的状态：输入脚本语句（如 show 或 tcp_state(3)）；back 和 goto "
                        "可以回到本课的任何一步；save FILE 保存快照；help 列出所有调用；quit 退出。"
                      : "Now in the REPL, on the lesson's state: type script lines (show, tcp_state(3), ...); back "
                        "and goto reach every step of the lesson; save FILE saves a snapshot; help lists the calls; "
                        "quit leaves.";
    std::printf("\n");
    std::fflush(stdout);
    return run_repl(std::move(start));
}

int Player::play(size_t from) {
    // run the steps before `from` quietly
    while (run_.done() < from && !run_.finished()) {
        StepResult r = run_.run_next();
        if (!r.ok())
            std::printf("warning: step %zu did not go as the lesson expects (lesson check %s)\n", r.index + 1,
                        lesson_.name.c_str());
    }
    const bool zh0 = t_.lang == Term::Lang::Zh;
    // the goal first, when starting at the beginning
    if (from == 0) {
        t_.clear();
        std::string title = t_.lang == Term::Lang::Both ? lesson_.title.en + " · " + lesson_.title.zh : text(lesson_.title);
        std::printf("\n  %s\n\n", t_.bold(title).c_str());
        print_both(lesson_.goal, 2);
        std::printf("\n  %s", t_.dim(zh0 ? "回车开始 · q 退出 " : "Enter: start · q: quit ").c_str());
        std::string line;
        if (!read(&line) || line == "q") return 0;
    }
    Shown shown;
    while (!run_.finished()) {
        size_t i = run_.done();
        const lesson::Step& st = lesson_.steps[i];
        shown = Shown{};
        const bool zh = t_.lang == Term::Lang::Zh;
        draw(i, shown);
        std::string line;
        // before: the prediction, or a key
        if (st.ask) {
            std::printf("\n  %s ", t_.bold(zh ? "你的预测 ›" : "your prediction ›").c_str());
            if (!read(&line)) return 0;
        } else {
            std::printf("\n  %s", t_.dim(zh ? "回车运行这一步 · b 上一步 · q 退出 " : "Enter: run this step · b: back · q: quit ").c_str());
            if (!read(&line)) return 0;
            if (line == "q") return 0;
            if (line == "l") {
                t_.lang = t_.lang == Term::Lang::En ? Term::Lang::Zh : t_.lang == Term::Lang::Zh ? Term::Lang::Both : Term::Lang::En;
                continue;
            }
            if (line == "b") {
                if (i > 0) run_.back_to(i - 1);
                continue;
            }
        }
        shown.result = run_.run_next();
        shown.ran = true;
        if (st.ask && shown.result.answer) {
            shown.grade = lesson::grade(*st.ask, *shown.result.answer, line);
            shown.typed = line;
            shown.graded = true;
            if (shown.grade.answered) predicted_[i] = shown.grade.right;
            else predicted_.erase(i);
        }
        // after: the results, then navigation
        while (true) {
            draw(i, shown);
            const bool z = t_.lang == Term::Lang::Zh;
            std::printf("\n  %s", t_.dim(z ? "回车下一步 · b 上一步 · k 内核路径 · l 语言 · q 退出 "
                                           : "Enter: next · b: back · k: kernel path · l: language · q: quit ")
                                      .c_str());
            if (!read(&line)) return 0;
            if (line == "k") {
                kernel_path(i, shown.result);
                std::printf("\n  %s", t_.dim(z ? "回车返回 " : "Enter: back to the step ").c_str());
                if (!read(&line)) return 0;
                continue;
            }
            if (line == "l") {
                t_.lang = t_.lang == Term::Lang::En ? Term::Lang::Zh : t_.lang == Term::Lang::Zh ? Term::Lang::Both : Term::Lang::En;
                continue;
            }
            break;
        }
        if (line == "q") return 0;
        if (line == "b") run_.back_to(i > 0 ? i - 1 : 0);
    }
    // the end
    const bool zh = t_.lang == Term::Lang::Zh;
    std::printf("\n  %s", t_.bold(zh ? "本课结束。" : "End of the lesson.").c_str());
    int asked = static_cast<int>(predicted_.size()), right = 0;
    for (const auto& [step, ok] : predicted_) right += ok ? 1 : 0;
    if (asked) {
        if (zh) std::printf(" 预测正确 %d / %d。", right, asked);
        else std::printf(" You predicted %d of %d right.", right, asked);
    }
    std::printf("\n");
    return experiment();
}

// ============================================================ the subcommands

int do_list() {
    std::string dir = lesson::find_lessons_dir(g_args.dir);
    if (dir.empty()) {
        std::printf("%s\n", no_dir_message().c_str());
        return 2;
    }
    Term t = make_term(g_args.lang);
    int rc = 0;
    for (const std::string& f : lesson::lesson_files(dir)) {
        auto l = lesson::load_lesson(f);
        if (auto* e = std::get_if<std::string>(&l)) {
            std::printf("%s — (broken: %s)\n", lesson::lesson_name(f).c_str(), e->c_str());
            rc = 1;
            continue;
        }
        const Lesson& les = std::get<Lesson>(l);
        std::string title = t.lang == Term::Lang::Zh ? les.title.zh
                            : t.lang == Term::Lang::Both ? les.title.en + " · " + les.title.zh
                                                         : les.title.en;
        std::printf("%s — %s\n", les.name.c_str(), title.c_str());
    }
    return rc;
}

int play_file(const std::string& path, int from) {
    auto l = lesson::load_lesson(path);
    if (auto* e = std::get_if<std::string>(&l)) {
        std::printf("%s\n", e->c_str());
        return 2;
    }
    const Lesson& les = std::get<Lesson>(l);
    if (from < 1 || static_cast<size_t>(from) > les.steps.size()) {
        std::printf("%s has steps 1 to %zu; --from %d is not one of them\n", les.name.c_str(), les.steps.size(), from);
        return 2;
    }
    Player p(les, make_term(g_args.lang));
    return p.play(static_cast<size_t>(from - 1));
}

int do_play() {
    std::string dir = lesson::find_lessons_dir(g_args.dir);
    std::string path = lesson::resolve_lesson(dir, g_args.name);
    if (path.empty()) {
        if (dir.empty()) std::printf("%s\n", no_dir_message().c_str());
        else std::printf("no lesson called '%s' in %s (sockscope lesson list shows them)\n", g_args.name.c_str(), dir.c_str());
        return 2;
    }
    return play_file(path, g_args.from);
}

int do_check() {
    std::string dir = lesson::find_lessons_dir(g_args.dir);
    std::vector<std::string> paths;
    int passed = 0, failed = 0;
    if (g_args.names.empty()) {
        if (dir.empty()) {
            std::printf("%s\n", no_dir_message().c_str());
            return 2;
        }
        paths = lesson::lesson_files(dir);
        if (paths.empty()) {
            std::printf("no lessons in %s\n", dir.c_str());
            return 2;
        }
    }
    for (const std::string& n : g_args.names) {
        std::string p = lesson::resolve_lesson(dir, n);
        if (p.empty()) {
            std::printf("%-28s FAIL\n    no lesson called '%s'%s\n", n.c_str(), n.c_str(), dir.empty() ? "" : (" in " + dir).c_str());
            ++failed;
            continue;
        }
        paths.push_back(p);
    }
    for (const std::string& p : paths) {
        auto l = lesson::load_lesson(p);
        std::string name = lesson::lesson_name(p);
        if (auto* e = std::get_if<std::string>(&l)) {
            std::printf("%-28s FAIL\n    %s\n", name.c_str(), e->c_str());
            ++failed;
            continue;
        }
        lesson::CheckReport rep = lesson::check_lesson(std::get<Lesson>(l));
        if (rep.ok) {
            std::printf("%-28s ok    %d steps, %d checks, %d checkpoints\n", name.c_str(), rep.steps, rep.checks,
                        rep.checkpoints);
            ++passed;
        } else {
            std::printf("%-28s FAIL\n", name.c_str());
            for (const std::string& m : rep.messages) std::printf("    %s\n", m.c_str());
            ++failed;
        }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

}  // namespace

CLI::App* add_lesson_command(CLI::App& app) {
    Args& a = g_args;
    auto* l = app.add_subcommand("lesson", "step-through lessons: list, play NAME, check [NAME...]");
    l->require_subcommand(1, 1);
    const char* dir_help = "the lessons directory (default: ./lessons, or lessons/ beside the program)";
    const char* lang_help = "narration language: en, zh or both (default: from LANG)";
    auto lang_check = CLI::IsMember({"en", "zh", "both"});

    a.list = l->add_subcommand("list", "one line per lesson: name — title");
    a.list->add_option("--dir", a.dir, dir_help);
    a.list->add_option("--lang", a.lang, lang_help)->check(lang_check);

    a.play = l->add_subcommand("play", "walk through a lesson step by step");
    a.play->add_option("name", a.name, "the lesson: its name, its number, or a .lesson file")->required();
    a.play->add_option("--from", a.from, "start at this step (the ones before run quietly)");
    a.play->add_option("--dir", a.dir, dir_help);
    a.play->add_option("--lang", a.lang, lang_help)->check(lang_check);

    a.check = l->add_subcommand("check", "run lessons headlessly and assert every expectation");
    a.check->add_option("names", a.names, "lessons to check (default: all)");
    a.check->add_option("--dir", a.dir, dir_help);
    return l;
}

int run_lesson_command() {
    if (g_args.list->parsed()) return do_list();
    if (g_args.play->parsed()) return do_play();
    if (g_args.check->parsed()) return do_check();
    return 2;
}

int play_first_lesson() {
    std::string dir = lesson::find_lessons_dir("");
    if (dir.empty()) return -1;
    std::vector<std::string> files = lesson::lesson_files(dir);
    if (files.empty()) return -1;
    return play_file(files.front(), 1);
}

}  // namespace sockscope::app
