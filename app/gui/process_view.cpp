// process_view.cpp — the process view: each task's fd table and the kernel
// objects it reaches (fd → struct file → struct socket ⇄ struct sock), with
// kernel threads, kernel sockets, children in accept queues, orphans and
// timewait socks. Draws gui::ProcessLayout; boxes that appear fade in,
// boxes that go fade out, moved boxes glide, new arrows grow, changed
// fields flash, sleeping tasks pulse.
#include <algorithm>
#include <cmath>
#include <set>

#include "app/gui/model/fields.h"
#include "app/gui/ui.h"
#include "script/constants.h"

namespace sockscope::app {

namespace {

using gui::Arrow;
using gui::ArrowKind;
using gui::Box;
using gui::BoxKind;
using gui::FdRow;
using gui::LineStyle;
using gui::SlotState;

ImVec2 lerp(ImVec2 a, ImVec2 b, float t) { return ImVec2(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t); }

ImVec2 bezier(ImVec2 p0, ImVec2 p1, ImVec2 p2, ImVec2 p3, float t) {
    float u = 1 - t;
    float a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t, d = t * t * t;
    return ImVec2(a * p0.x + b * p1.x + c * p2.x + d * p3.x, a * p0.y + b * p1.y + c * p2.y + d * p3.y);
}

// An arrow from a to b as an S-curve, drawn up to `frac` of its length
// (arrows grow when they appear), with a head at its tip.
void draw_arrow(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 col, float thick, float frac, float head, bool dashed) {
    float dx = std::max(12.0f, std::fabs(b.x - a.x) * 0.45f);
    ImVec2 c1(a.x + dx, a.y), c2(b.x - dx, b.y);
    const int n = 24;
    int m = std::max(1, static_cast<int>(std::ceil(n * frac)));
    ImVec2 prev = a;
    for (int i = 1; i <= m; ++i) {
        float t = std::min(frac, static_cast<float>(i) / n);
        ImVec2 p = bezier(a, c1, c2, b, t);
        if (!dashed || (i % 2) == 1) dl->AddLine(prev, p, col, thick);
        prev = p;
    }
    float t = frac;
    ImVec2 tip = bezier(a, c1, c2, b, t);
    ImVec2 back = bezier(a, c1, c2, b, std::max(0.0f, t - 0.04f));
    float vx = tip.x - back.x, vy = tip.y - back.y;
    float len = std::sqrt(vx * vx + vy * vy);
    if (len < 1e-3f) {
        vx = 1;
        vy = 0;
        len = 1;
    }
    vx /= len;
    vy /= len;
    ImVec2 l(tip.x - vx * head - vy * head * 0.55f, tip.y - vy * head + vx * head * 0.55f);
    ImVec2 r(tip.x - vx * head + vy * head * 0.55f, tip.y - vy * head - vx * head * 0.55f);
    dl->AddTriangleFilled(tip, l, r, col);
}

using ArrowKey = std::tuple<int, uint32_t, uint32_t, int, uint32_t>;
ArrowKey key_of(const Arrow& a) {
    return {static_cast<int>(a.kind), a.from_id, a.to_id, a.fd, a.files};
}
using BoxKey = std::pair<int, uint32_t>;
BoxKey key_of(const Box& b) { return {static_cast<int>(b.obj), b.id}; }

// For each item of `now`, the index of the item of `before` with the same
// key (the last such, if several), or -1; items whose key is not
// `usable` match nothing. One sort and a binary search per item, once per
// move: with 10,000 fds a tree lookup per item per frame was most of an
// animated frame.
template <class T, class Usable>
std::vector<int32_t> match_by_key(const std::vector<T>& before, const std::vector<T>& now, Usable usable) {
    using Key = decltype(key_of(before.front()));
    std::vector<std::pair<Key, int32_t>> sorted;
    sorted.reserve(before.size());
    for (size_t i = 0; i < before.size(); ++i)
        if (usable(before[i])) sorted.emplace_back(key_of(before[i]), static_cast<int32_t>(i));
    std::sort(sorted.begin(), sorted.end());
    std::vector<int32_t> out(now.size(), -1);
    for (size_t i = 0; i < now.size(); ++i) {
        if (!usable(now[i])) continue;
        Key k = key_of(now[i]);
        auto it = std::upper_bound(sorted.begin(), sorted.end(), k,
                                   [](const Key& a, const std::pair<Key, int32_t>& e) { return a < e.first; });
        if (it != sorted.begin() && std::prev(it)->first == k) out[i] = std::prev(it)->second;
    }
    return out;
}

ImU32 kind_color(const Palette& p, BoxKind k) {
    switch (k) {
    case BoxKind::Table:
    case BoxKind::KThread: return p.kind_task;
    case BoxKind::File: return p.kind_file;
    case BoxKind::Socket: return p.kind_socket;
    case BoxKind::Sock: return p.kind_sock;
    case BoxKind::Child: return p.kind_child;
    case BoxKind::Tw: return p.kind_tw;
    case BoxKind::Section: return p.dim;
    }
    return p.border;
}

}  // namespace

std::string Ui::fd_command_prefix(uint32_t files) const {
    // The task whose commands act on this table: the first one sharing it.
    TaskId found;
    w_->tasks.each([&](TaskId id, const Task& t) {
        if (!found && t.files.v == files && !t.kthread) found = id;
    });
    if (!found) return "?";
    return s_.task_prefix(found);
}

void Ui::context_menu_fd(uint32_t files, int fd) {
    std::string pre = fd_command_prefix(files);
    if (pre == "?") {
        ImGui::TextDisabled("this task has no name in the script");
        return;
    }
    std::string n = std::to_string(fd);
    const FilesStruct* fs = w_->files_structs.find(FilesId(files));
    bool used = fs && fd < static_cast<int>(fs->fd.size()) && fs->fd[static_cast<size_t>(fd)];
    bool listener = false, sock = false;
    if (used) {
        const File* f = w_->files.find(fs->fd[static_cast<size_t>(fd)]);
        if (f && f->f_op == FileOps::socket_file_ops) {
            sock = true;
            const Socket* so = w_->sockets.find(f->private_data);
            const Sock* sk = so ? w_->socks.find(so->sk) : nullptr;
            listener = sk && sk->sk_state == TCP_LISTEN;
        }
    }
    ImGui::TextDisabled("%s fd %d", pre.empty() ? "main:" : pre.c_str(), fd);
    ImGui::Separator();
    auto item = [&](const std::string& cmd) {
        if (ImGui::MenuItem((pre + cmd).c_str())) push_intent(Intent::run(pre + cmd));
    };
    if (used) {
        if (listener) item("accept(" + n + ")");
        if (sock && !listener) item("listen(" + n + ", 5)");
        item("dup(" + n + ")");
        if (sock) item("tcp_state(" + n + ")");
        item("close(" + n + ")");
    } else {
        item("socket(AF_INET, SOCK_STREAM, 0)");
    }
}

void Ui::object_tooltip(ObjKind k, uint32_t id) {
    ImGui::BeginTooltip();
    drawn.tooltip = gui::object_name(*w_, k, id);
    ImGui::TextUnformatted(drawn.tooltip.c_str());
    ImGui::TextDisabled("click: inspect · right-click an fd: calls on it");
    ImGui::EndTooltip();
}

// Whether the step on screen changed a field of the box's object (or, for
// an fd table, one of its slots).
bool Ui::touched(const gui::Box& b) const {
    if (b.obj == ObjKind::None) return false;
    auto it = objs_.changed.lower_bound({static_cast<uint8_t>(b.obj), b.id, 0});
    if (it != objs_.changed.end() && std::get<0>(*it) == static_cast<uint8_t>(b.obj) && std::get<1>(*it) == b.id) return true;
    if (b.kind == BoxKind::Table)
        for (const auto& [files, fd] : objs_.fd_links)
            if (files == b.id) return true;
    return false;
}

void Ui::process_view() {
    ImVec2 avail = ImGui::GetContentRegionAvail();
    ImGui::PushStyleColor(ImGuiCol_ChildBg, canvas_fill());
    ImGui::BeginChild("##graph", avail, true, ImGuiWindowFlags_HorizontalScrollbar);
    const float base_lh = ImGui::GetTextLineHeightWithSpacing();
    if (zoom_mode_ != Zoom::Manual) {
        float want = (ImGui::GetContentRegionAvail().x - 6) / ((layout_.width + 0.9f) * base_lh);
        if (zoom_mode_ == Zoom::FitAll)
            want = std::min(want, (ImGui::GetContentRegionAvail().y - 6) / ((layout_.height + 1.8f) * base_lh));
        // Fitting the width never shrinks the text below 66% of the UI
        // font: past that the view scrolls sideways instead, so the font
        // scale (presentation mode) still makes the boxes bigger.
        zoom_ = std::clamp(want, zoom_mode_ == Zoom::FitWidth ? 0.66f : 0.3f, 1.15f);
    }
    const float u = base_lh * zoom_;           // pixels per line unit
    const float fs = ImGui::GetFontSize() * zoom_;
    drawn.process_text_px = fs;
    ImFont* font = ImGui::GetFont();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float head_h = 1.6f;                  // column headings, in line units
    ImVec2 org = ImGui::GetCursorScreenPos();
    org.x += 0.3f * u;
    org.y += head_h * u;
    ImGui::Dummy(ImVec2((layout_.width + 0.6f) * u, (layout_.height + head_h) * u));
    ImVec2 cmin = ImGui::GetWindowPos(), csz = ImGui::GetWindowSize();
    const ImVec4 clip(cmin.x, cmin.y, cmin.x + csz.x, cmin.y + csz.y);
    auto visible = [&](float x0, float y0, float x1, float y1) {
        return x1 >= clip.x && x0 <= clip.z && y1 >= clip.y && y0 <= clip.w;
    };
    auto P = [&](float x, float y) { return ImVec2(org.x + x * u, org.y + y * u); };

    const float t = ease(anim_t());
    const bool anim = animating_ && has_prev_ && t < 1.0f;
    const double now = now_ms();
    const float pulse = 0.5f + 0.5f * static_cast<float>(std::sin(now / 1000.0 * 2 * 3.14159 / 1.2));
    const gui::ProcessMetrics M;

    // column headings
    {
        float hy = org.y - head_h * u + 0.2f * u;
        auto heading = [&](float x, const char* s, ImU32 c) { dl->AddText(font, fs, ImVec2(org.x + x * u, hy), c, s); };
        heading(M.table_x, "fd tables (files_struct)", pal_.kind_task);
        heading(M.file_x, "struct file", pal_.kind_file);
        heading(M.socket_x, "struct socket", pal_.kind_socket);
        heading(M.sock_x, "struct sock", pal_.kind_sock);
    }

    // ---- arrows first (under the boxes)
    const bool index_fits = prev_arrow_of_.size() == layout_.arrows.size() && arrow_stays_.size() == prev_layout_.arrows.size() &&
                            prev_box_of_.size() == layout_.boxes.size() && box_stays_.size() == prev_layout_.boxes.size();
    if (anim && (arrow_index_gen_ == 0 || arrow_index_gen_ != seen_gen_ || !index_fits)) {
        auto any = [](const auto&) { return true; };
        auto object = [](const Box& b) { return b.obj != ObjKind::None; };
        prev_arrow_of_ = match_by_key(prev_layout_.arrows, layout_.arrows, any);
        arrow_stays_ = match_by_key(layout_.arrows, prev_layout_.arrows, any);
        prev_box_of_ = match_by_key(prev_layout_.boxes, layout_.boxes, object);
        box_stays_ = match_by_key(layout_.boxes, prev_layout_.boxes, object);
        arrow_index_gen_ = seen_gen_;
    }
    auto arrow_color = [&](ArrowKind k) {
        switch (k) {
        case ArrowKind::SockToSocket: return pal_.arrow_back;
        case ArrowKind::AcceptQueue: return pal_.kind_child;
        default: return pal_.arrow;
        }
    };
    const float thick = std::max(1.2f, 1.6f * zoom_);
    const float headsz = std::max(5.0f, 0.42f * u);
    for (size_t ai = 0; ai < layout_.arrows.size(); ++ai) {
        const Arrow& a = layout_.arrows[ai];
        ImVec2 p0 = P(a.x0, a.y0), p1 = P(a.x1, a.y1);
        float frac = 1.0f;
        if (anim) {
            int32_t was = prev_arrow_of_[ai];
            if (was < 0) {
                frac = std::max(0.02f, t);
            } else {
                const Arrow& pa = prev_layout_.arrows[static_cast<size_t>(was)];
                p0 = lerp(P(pa.x0, pa.y0), p0, t);
                p1 = lerp(P(pa.x1, pa.y1), p1, t);
            }
        }
        if (!visible(std::min(p0.x, p1.x), std::min(p0.y, p1.y) - 4, std::max(p0.x, p1.x), std::max(p0.y, p1.y) + 4))
            continue;
        if (a.kind == ArrowKind::AcceptQueue) {
            // a bracket down the listener's children
            ImVec2 c(p0.x, p1.y);
            dl->AddLine(p0, c, with_alpha(arrow_color(a.kind), 0.8f), thick);
            dl->AddLine(c, p1, with_alpha(arrow_color(a.kind), 0.8f), thick);
            ++drawn.arrows;
            continue;
        }
        bool is_new = created(a.from_kind, a.from_id) || created(a.to_kind, a.to_id) ||
                      (a.kind == ArrowKind::FdToFile && objs_.fd_links.count({a.files, a.fd}));
        ImU32 col = arrow_color(a.kind);
        if (is_new && !headless) col = mix(col, pal_.created, 0.6f);
        draw_arrow(dl, p0, p1, col, is_new ? thick * 1.5f : thick, frac, headsz, a.kind == ArrowKind::SockToSocket);
        ++drawn.arrows;
    }
    // vanishing arrows
    if (anim) {
        for (size_t ai = 0; ai < prev_layout_.arrows.size(); ++ai) {
            const Arrow& a = prev_layout_.arrows[ai];
            if (arrow_stays_[ai] >= 0 || a.kind == ArrowKind::AcceptQueue) continue;
            ImVec2 p0 = P(a.x0, a.y0), p1 = P(a.x1, a.y1);
            if (!visible(std::min(p0.x, p1.x), std::min(p0.y, p1.y) - 4, std::max(p0.x, p1.x), std::max(p0.y, p1.y) + 4))
                continue;
            draw_arrow(dl, p0, p1, with_alpha(pal_.err, 1 - t), thick, 1.0f, headsz, true);
        }
    }

    // ---- boxes
    ImVec2 mouse = ImGui::GetIO().MousePos;
    // The console keeps the keyboard while the pointer explores: hovering
    // works with its input active, as the listener view's cells do.
    bool win_hovered = ImGui::IsWindowHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem);
    // The box under the pointer, by object: draw_box may be handed a copy
    // (a table growing in an animation), so no pointer to it outlives the call.
    bool hover_box = false;
    ObjKind hover_obj = ObjKind::None;
    uint32_t hover_id = 0;
    const FdRow* hover_row = nullptr;

    auto draw_box = [&](const World& w, const Box& b, ImVec2 tl, float alpha, bool fresh, bool gone) {
        float bw = b.w * u, bh = b.h * u;
        if (!visible(tl.x, tl.y, tl.x + bw, tl.y + bh)) return;
        ++drawn.boxes;
        float rnd = 4 * zoom_;
        ImU32 kc = kind_color(pal_, b.kind);
        if (b.kind == BoxKind::Section) {
            dl->AddText(font, fs, ImVec2(tl.x, tl.y + 0.1f * u), with_alpha(pal_.dim, alpha), b.label.c_str());
            dl->AddLine(ImVec2(tl.x, tl.y + 1.05f * u), ImVec2(org.x + layout_.width * u, tl.y + 1.05f * u),
                        with_alpha(pal_.border, 0.5f * alpha), 1);
            return;
        }
        // The drop shadow as the two strips that show (right and below):
        // a whole rectangle under the box would be hidden by it, and under
        // a software renderer every hidden pixel costs as much as a shown one.
        const ImU32 shadow = with_alpha(pal_.shadow, alpha);
        dl->AddRectFilled(ImVec2(tl.x + bw, tl.y + 3), ImVec2(tl.x + bw + 3, tl.y + bh + 3), shadow);
        dl->AddRectFilled(ImVec2(tl.x + 3, tl.y + bh), ImVec2(tl.x + bw, tl.y + bh + 3), shadow);
        dl->AddRectFilled(tl, ImVec2(tl.x + bw, tl.y + bh), with_alpha(pal_.box_bg, alpha), rnd);
        // the title strip
        float th = (M.pad + 1.0f) * u;
        dl->AddRectFilled(tl, ImVec2(tl.x + bw, tl.y + th), with_alpha(mix(pal_.box_title, kc, 0.30f), alpha), rnd,
                          ImDrawFlags_RoundCornersTop);
        dl->AddRectFilled(tl, ImVec2(tl.x + 4 * zoom_ + 1, tl.y + bh), with_alpha(kc, alpha), rnd, ImDrawFlags_RoundCornersLeft);
        bool selected = sel_kind == b.obj && sel_id == b.id && b.obj != ObjKind::None;
        ImU32 border = selected ? pal_.selection : fresh ? pal_.created : gone ? pal_.err : with_alpha(kc, 0.8f);
        float bt = selected ? 3.0f : (fresh || gone) ? 2.5f : 1.2f;
        if (fresh && anim) border = mix(pal_.created, with_alpha(kc, 0.8f), t);
        dl->AddRect(tl, ImVec2(tl.x + bw, tl.y + bh), with_alpha(border, alpha), rnd, 0, bt);
        if (!gone && (fresh || touched(b))) ++drawn.highlighted_boxes;   // tests count these
        if (!gone && b.obj != ObjKind::None)
            drawn.box_rects[gui::object_name(w, b.obj, b.id)] = {tl.x, tl.y, tl.x + bw, tl.y + bh};
        if (fresh && !headless) {
            // a "new" tag in the corner
            const char* tag = "new";
            ImVec2 ts = font->CalcTextSizeA(fs * 0.8f, 1e9f, 0, tag);
            ImVec2 tp(tl.x + bw - ts.x - 0.3f * u, tl.y + 0.12f * u);
            dl->AddRectFilled(ImVec2(tp.x - 3, tp.y), ImVec2(tp.x + ts.x + 3, tp.y + ts.y), with_alpha(pal_.created, alpha), 3);
            dl->AddText(font, fs * 0.8f, tp, with_alpha(pal_.canvas, alpha), tag);
        }
        // lines
        std::vector<gui::BoxLine> lines = gui::box_lines(w, b);
        float y = tl.y + M.pad * u;
        float text_w = bw - 0.7f * u;
        for (size_t i = 0; i < lines.size(); ++i) {
            const gui::BoxLine& l = lines[i];
            ImU32 col = pal_.text;
            switch (l.style) {
            case LineStyle::Title: col = pal_.title; break;
            case LineStyle::State: col = pal_.accent; break;
            case LineStyle::Dim: col = pal_.dim; break;
            case LineStyle::Warn: col = pal_.warn; break;
            case LineStyle::Normal: break;
            }
            bool ch = !gone && changed(l.kind, l.id, l.field);
            float flash = anim ? 0.35f + 0.65f * (1 - t) : 0.35f;
            if (ch) {
                dl->AddRectFilled(ImVec2(tl.x + 5 * zoom_, y), ImVec2(tl.x + bw - 2, y + u),
                                  with_alpha(pal_.changed, flash * alpha));
            }
            if (l.style == LineStyle::Warn && l.kind == ObjKind::Task && st_.animate && !headless) {
                // a sleeping task pulses
                dl->AddRectFilled(ImVec2(tl.x + 5 * zoom_, y), ImVec2(tl.x + bw - 2, y + u),
                                  with_alpha(pal_.warn, 0.10f + 0.22f * pulse));
            }
            if (i == 0 && b.kind != BoxKind::Table) drawn.box_titles.push_back(l.text);
            std::string text = l.text;
            if (b.kind == BoxKind::Table && l.kind == ObjKind::Task) {
                // the name the script calls the task by ("B: connect(...)")
                std::string nm = s_.task_name(TaskId(l.id));
                if (!nm.empty()) text = nm + ": " + text;
            }
            text = fit_text(font, fs, text, text_w);
            ImU32 tc = with_alpha(col, alpha);
            if (ch && st_.theme == Theme::Light) tc = with_alpha(pal_.text, alpha);
            // Dark text only while the flash is bright; on the dim highlight
            // that stays, light text reads better (projector contrast).
            if (ch && st_.theme == Theme::Dark) tc = with_alpha(flash > 0.55f ? IM_COL32(20, 20, 20, 255) : pal_.title, alpha);
            dl->AddText(font, fs, ImVec2(tl.x + 0.45f * u, y + (u - fs) * 0.5f), tc, text.c_str());
            y += u;
        }
        if (win_hovered && mouse.x >= tl.x && mouse.x <= tl.x + bw && mouse.y >= tl.y && mouse.y <= tl.y + bh) {
            hover_box = true;
            hover_obj = b.obj;
            hover_id = b.id;
        }
    };

    auto draw_rows = [&](const Box& b, ImVec2 tl, float alpha) {
        auto it = layout_.rows_of.find(b.id);
        if (it == layout_.rows_of.end()) return;
        float dy = tl.y - P(b.x, b.y).y;
        for (size_t i = it->second.first; i < it->second.second; ++i) {
            const FdRow& r = layout_.rows[i];
            ImVec2 p = P(b.x, r.y);
            p.y += dy;
            if (!visible(p.x, p.y, p.x + b.w * u, p.y + r.h * u)) continue;
            ++drawn.fd_rows;
            float cell_w = 2.2f * u;
            ImU32 cc = r.state == SlotState::Used       ? pal_.slot_used
                       : r.state == SlotState::Reserved ? pal_.slot_reserved
                                                        : pal_.slot_free;
            bool touched = objs_.fd_links.count({r.files, r.fd}) > 0;
            const float flash = anim ? 0.35f + 0.65f * (1 - t) : 0.35f;
            if (touched) {
                dl->AddRectFilled(ImVec2(p.x + 4 * zoom_, p.y), ImVec2(p.x + b.w * u - 2, p.y + u),
                                  with_alpha(pal_.changed, flash * alpha));
            }
            if (!r.summary) {
                dl->AddRectFilled(ImVec2(p.x + 0.4f * u, p.y + 0.1f * u), ImVec2(p.x + 0.4f * u + cell_w, p.y + 0.9f * u),
                                  with_alpha(cc, alpha), 3);
                std::string num = std::to_string(r.fd);
                ImVec2 ns = font->CalcTextSizeA(fs, 1e9f, 0, num.c_str());
                ImU32 numc = r.state == SlotState::Free ? pal_.dim : pal_.canvas;
                dl->AddText(font, fs, ImVec2(p.x + 0.4f * u + (cell_w - ns.x) * 0.5f, p.y + (u - fs) * 0.5f),
                            with_alpha(numc, alpha), num.c_str());
                std::string what;
                switch (r.state) {
                case SlotState::Free: what = "free"; break;
                case SlotState::Reserved: what = "reserved (no file yet)"; break;
                case SlotState::Used: {
                    const File* f = w_->files.find(FileId(r.file));
                    what = f && f->f_op == FileOps::tty_fops ? "/dev/tty" : "file #" + std::to_string(r.file);
                    break;
                }
                }
                ImU32 wc = r.state == SlotState::Free ? pal_.dim : pal_.text;
                if (touched) wc = st_.theme == Theme::Dark ? (flash > 0.55f ? IM_COL32(20, 20, 20, 255) : pal_.title) : pal_.text;
                float tx = p.x + 0.4f * u + cell_w + 0.35f * u;
                float right = p.x + b.w * u - 0.3f * u;
                if (r.cloexec) {
                    const char* ce = "CLOEXEC";
                    ImVec2 cs = font->CalcTextSizeA(fs * 0.78f, 1e9f, 0, ce);
                    ImVec2 cp(right - cs.x - 4, p.y + (u - cs.y) * 0.5f);
                    dl->AddRectFilled(ImVec2(cp.x - 3, cp.y - 1), ImVec2(cp.x + cs.x + 3, cp.y + cs.y + 1),
                                      with_alpha(pal_.cloexec, alpha), 3);
                    dl->AddText(font, fs * 0.78f, cp, with_alpha(pal_.canvas, alpha), ce);
                    right = cp.x - 6;
                }
                dl->AddText(font, fs, ImVec2(tx, p.y + (u - fs) * 0.5f), with_alpha(wc, alpha),
                            fit_text(font, fs, what, right - tx).c_str());
            } else {
                std::string s = gui::fd_row_text(r, *w_);
                dl->AddText(font, fs, ImVec2(p.x + 0.5f * u, p.y + (u - fs) * 0.5f), with_alpha(pal_.dim, alpha),
                            (s + "  (of " + std::to_string(r.last + 1) + " slots)").c_str());
            }
            if (r.h > 1.5f)
                dl->AddLine(ImVec2(p.x + 0.4f * u, p.y + r.h * u - 0.3f * u), ImVec2(p.x + b.w * u - 0.4f * u, p.y + r.h * u - 0.3f * u),
                            with_alpha(pal_.border, 0.25f * alpha), 1);
            if (win_hovered && mouse.x >= p.x && mouse.x <= p.x + b.w * u && mouse.y >= p.y && mouse.y <= p.y + u)
                hover_row = &r;
        }
    };

    for (size_t bi = 0; bi < layout_.boxes.size(); ++bi) {
        const Box& b = layout_.boxes[bi];
        ImVec2 tl = P(b.x, b.y);
        float alpha = 1.0f;
        Box bb = b;
        if (anim) {
            const Box* pb = prev_box_of_[bi] >= 0 ? &prev_layout_.boxes[static_cast<size_t>(prev_box_of_[bi])] : nullptr;
            if (pb) tl = lerp(P(pb->x, pb->y), tl, t);
            else if (b.kind != BoxKind::Section) alpha = t;
            // the table grows and shrinks smoothly too
            if (pb && b.kind == BoxKind::Table) bb.h = pb->h + (b.h - pb->h) * t;
        }
        // Off screen: neither the box nor its rows (which lie inside it) are
        // drawn, so skip the lookups too; with 10,000 fds most boxes are.
        if (!visible(tl.x, tl.y, tl.x + bb.w * u, tl.y + bb.h * u)) continue;
        bool fresh = b.obj != ObjKind::None && created(b.obj, b.id);
        draw_box(*w_, bb, tl, alpha, fresh, false);
        if (b.kind == BoxKind::Table) draw_rows(b, tl, alpha);
    }
    // boxes that went away this step fade out where they were
    if (anim) {
        for (size_t bi = 0; bi < prev_layout_.boxes.size(); ++bi) {
            const Box& b = prev_layout_.boxes[bi];
            if (b.obj == ObjKind::None || box_stays_[bi] >= 0) continue;
            draw_box(prev_world_, b, P(b.x, b.y), 1 - t, false, true);
        }
    }

    // ---- keep what the step changed in view: when the graph is larger
    // than the pane (many processes, a large font scale), scroll to the
    // first box the step created or changed, unless it is already visible.
    if (scroll_to_change_) {
        scroll_to_change_ = false;
        // an object the step created first, else the first one it changed
        const Box* target = nullptr;
        for (const Box& b : layout_.boxes)
            if (b.obj != ObjKind::None && created(b.obj, b.id) && !target) target = &b;
        for (const Box& b : layout_.boxes) {
            if (b.obj == ObjKind::None || target) continue;
            if (touched(b)) target = &b;
        }
        if (target) {
            ImVec2 tl = P(target->x, target->y), br = P(target->x + target->w, target->y + target->h);
            float sx = ImGui::GetScrollX(), sy = ImGui::GetScrollY();
            float vw = ImGui::GetWindowWidth() - ImGui::GetStyle().ScrollbarSize, vh = ImGui::GetWindowHeight() - ImGui::GetStyle().ScrollbarSize;
            ImVec2 wp = ImGui::GetWindowPos();
            // box corners relative to the scrolled content
            float x0 = tl.x - wp.x + sx, x1 = br.x - wp.x + sx, y0 = tl.y - wp.y + sy, y1 = br.y - wp.y + sy;
            if (x0 < sx || x1 > sx + vw) ImGui::SetScrollX(std::max(0.0f, std::min(x0 - u, x1 - vw + u)));
            // vertically: the target a little above the middle, so what
            // leads to it (a listener above its children) shows too
            if (y0 < sy || y1 > sy + vh) ImGui::SetScrollY(std::max(0.0f, std::min(y0 - (head_h + 1) * u, (y0 + y1) * 0.5f - vh * 0.6f)));
        }
    }

    // ---- interaction
    if (hover_row && !hover_row->summary) {
        ImGui::BeginTooltip();
        ImGui::Text("fd %d: %s%s", hover_row->fd,
                    hover_row->state == SlotState::Used       ? "in use"
                    : hover_row->state == SlotState::Reserved ? "reserved by get_unused_fd_flags, not installed yet"
                                                              : "free",
                    hover_row->cloexec ? ", close-on-exec (FD_CLOEXEC)" : "");
        ImGui::TextDisabled("right-click: calls on this fd");
        ImGui::EndTooltip();
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Right)) ImGui::OpenPopup("##fdmenu");
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left) && hover_row->file) select(ObjKind::File, hover_row->file);
    } else if (hover_box && hover_obj != ObjKind::None) {
        object_tooltip(hover_obj, hover_id);
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) select(hover_obj, hover_id);
    }
    static uint32_t menu_files = 0;
    static int menu_fd = -1;
    if (hover_row && ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
        menu_files = hover_row->files;
        menu_fd = hover_row->fd;
    }
    if (ImGui::BeginPopup("##fdmenu")) {
        context_menu_fd(menu_files, menu_fd);
        ImGui::EndPopup();
    }
    // zoom: Ctrl + wheel
    if (win_hovered && ImGui::GetIO().KeyCtrl && ImGui::GetIO().MouseWheel != 0) {
        zoom_mode_ = Zoom::Manual;
        zoom_ = std::clamp(zoom_ * (ImGui::GetIO().MouseWheel > 0 ? 1.1f : 1 / 1.1f), 0.3f, 2.5f);
    }
    if (win_hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left) && !hover_box) zoom_mode_ = Zoom::FitWidth;
    ImGui::EndChild();
    ImGui::PopStyleColor();
}

}  // namespace sockscope::app
