// repl_edit.cpp — see repl_edit.h. Uses libedit's own API (histedit.h).
#include "app/cli/repl_edit.h"

#include <histedit.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace sockscope::app {

bool is_word_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

std::string common_prefix(const std::vector<Candidate>& c) {
    if (c.empty()) return "";
    std::string p = c[0].word;
    for (const Candidate& x : c) {
        size_t n = 0;
        while (n < p.size() && n < x.word.size() && p[n] == x.word[n]) ++n;
        p.resize(n);
    }
    return p;
}

struct LineEditor::Impl {
    EditLine* el = nullptr;
    ::History* hist = nullptr;
    std::string history_file;
    Completer complete;
    std::string prompt;
    bool cancelled = false;

    static Impl* of(EditLine* el) {
        void* data = nullptr;
        el_get(el, EL_CLIENTDATA, &data);
        return static_cast<Impl*>(data);
    }

    static char* prompt_fn(EditLine* el) { return const_cast<char*>(of(el)->prompt.c_str()); }

    // Ctrl-C: give up the line being typed, as a shell does.
    static unsigned char cancel_fn(EditLine* el, int) {
        of(el)->cancelled = true;
        std::fputs("^C\n", stdout);
        return CC_NEWLINE;
    }

    static int columns() {
        struct winsize ws {};
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
        return 80;
    }

    // Prints the candidates in columns under the line being typed.
    static void list(const std::vector<Candidate>& c) {
        std::fputc('\n', stdout);
        if (c.size() > 150) {
            std::printf("%zu names match; type a few more letters\n", c.size());
            return;
        }
        size_t w = 0;
        for (const Candidate& x : c) w = std::max(w, x.word.size());
        w += 2;
        size_t per_row = std::max<size_t>(1, static_cast<size_t>(columns()) / w);
        size_t rows = (c.size() + per_row - 1) / per_row;
        for (size_t r = 0; r < rows; ++r) {
            std::string line;
            for (size_t col = 0; col < per_row; ++col) {
                size_t i = col * rows + r;  // down the columns, like ls
                if (i >= c.size()) break;
                std::string cell = c[i].word;
                if (col + 1 < per_row && (col + 1) * rows + r < c.size()) cell.resize(w, ' ');
                line += cell;
            }
            std::printf("%s\n", line.c_str());
        }
    }

    static unsigned char complete_fn(EditLine* el, int) {
        Impl* self = of(el);
        const LineInfo* li = el_line(el);
        if (!li || !self->complete) return CC_ERROR;
        std::string before(li->buffer, static_cast<size_t>(li->cursor - li->buffer));
        size_t b = before.size();
        while (b > 0 && is_word_char(before[b - 1])) --b;
        std::string word = before.substr(b);
        std::vector<Candidate> c = self->complete(std::string_view(before).substr(0, b), word);
        if (c.empty()) return CC_ERROR;  // a beep
        if (c.size() == 1) {
            std::string add = c[0].word.substr(word.size()) + c[0].suffix;
            if (add.empty()) return CC_NORM;
            el_insertstr(el, add.c_str());
            return CC_REFRESH;
        }
        std::string p = common_prefix(c);
        if (p.size() > word.size()) {
            el_insertstr(el, p.substr(word.size()).c_str());
            return CC_REFRESH;
        }
        list(c);
        return CC_REDISPLAY;
    }
};

LineEditor::LineEditor(const char* program, std::string history_file, Completer complete)
    : p_(std::make_unique<Impl>()) {
    p_->history_file = std::move(history_file);
    p_->complete = std::move(complete);
    p_->hist = history_init();
    HistEvent ev;
    history(p_->hist, &ev, H_SETSIZE, 2000);
    history(p_->hist, &ev, H_SETUNIQUE, 1);
    if (!p_->history_file.empty()) history(p_->hist, &ev, H_LOAD, p_->history_file.c_str());

    p_->el = el_init(program, stdin, stdout, stderr);
    el_set(p_->el, EL_CLIENTDATA, p_.get());
    el_set(p_->el, EL_EDITOR, "emacs");
    el_set(p_->el, EL_SIGNAL, 1);  // window size changes, suspend and resume
    el_set(p_->el, EL_PROMPT, &Impl::prompt_fn);
    el_set(p_->el, EL_HIST, history, p_->hist);
    el_set(p_->el, EL_ADDFN, "sockscope-complete", "complete a call, constant or name", &Impl::complete_fn);
    el_set(p_->el, EL_BIND, "^I", "sockscope-complete", nullptr);
    // Ctrl-C reaches the editor as a key while a line is being typed.
    el_set(p_->el, EL_SETTY, "-d", "-isig", nullptr);
    el_set(p_->el, EL_ADDFN, "sockscope-cancel", "abandon the line", &Impl::cancel_fn);
    el_set(p_->el, EL_BIND, "^C", "sockscope-cancel", nullptr);
}

LineEditor::~LineEditor() {
    if (p_->el) el_end(p_->el);
    if (p_->hist) history_end(p_->hist);
}

std::optional<std::string> LineEditor::read(const std::string& prompt) {
    p_->prompt = prompt;
    p_->cancelled = false;
    int count = 0;
    const char* line = el_gets(p_->el, &count);
    if (p_->cancelled) return std::string();
    if (!line || count <= 0) {
        if (count < 0 && errno == EINTR) return std::string();
        return std::nullopt;
    }
    std::string s(line, static_cast<size_t>(count));
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

void LineEditor::remember(const std::string& line) {
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    HistEvent ev;
    history(p_->hist, &ev, H_ENTER, line.c_str());
    if (!p_->history_file.empty()) history(p_->hist, &ev, H_SAVE, p_->history_file.c_str());
}

}  // namespace sockscope::app
