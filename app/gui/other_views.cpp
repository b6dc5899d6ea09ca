// other_views.cpp — the listener view (SYN and accept queues as cells),
// the call view (the step's kernel frames), the protosw view
// (net_families[], inetsw[] and inet_create's matching loop), the packet
// ladder and the inspector.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "app/gui/model/fields.h"
#include "app/gui/ui.h"
#include "script/constants.h"

namespace sockscope::app {

namespace {

ImVec4 F4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }
ImVec2 lerp(ImVec2 a, ImVec2 b, float t) { return ImVec2(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t); }

std::string proto_name(int p) {
    for (const script::Constant& c : script::all_constants())
        if (std::string_view(c.group) == "proto" && c.value == p) return c.name;
    return std::to_string(p);
}

std::string errno_text(int e) {
    const char* n = script::errno_name(e);
    return n ? n : "E" + std::to_string(e);
}

// A field's value as the inspector shows it: the kernel's symbolic name
// where the trace's format gives only a number (sk_type 1 is SOCK_STREAM).
std::string field_text(const FieldInfo& f, int32_t v) {
    std::string_view n = f.name;
    std::string sym;
    if (n == "sk_family" || n == "family") sym = gui::family_name(v);
    else if (n == "sk_type" || n == "type") sym = gui::type_name(v);
    else if (n == "sk_protocol") sym = proto_name(v);
    else if (n == "sk_prot") sym = gui::prot_text(static_cast<ProtKind>(v));
    else if (n == "ops") sym = gui::ops_name(static_cast<OpsKind>(v));
    else if (n == "f_op") sym = static_cast<FileOps>(v) == FileOps::tty_fops ? "tty_fops" : "socket_file_ops";
    if (sym.empty() || sym == std::to_string(v) || f.fmt != Fmt::Int) return format_value(f.fmt, v, f.ref);
    return sym;
}

// Black or white, whichever reads better on a cell of colour c.
ImU32 text_on(ImU32 c) {
    float r = static_cast<float>((c >> IM_COL32_R_SHIFT) & 0xff) / 255, g = static_cast<float>((c >> IM_COL32_G_SHIFT) & 0xff) / 255,
          b = static_cast<float>((c >> IM_COL32_B_SHIFT) & 0xff) / 255;
    float lum = 0.2126f * r * r + 0.7152f * g * g + 0.0722f * b * b;   // near enough to sRGB's
    return lum > 0.18f ? IM_COL32(15, 15, 15, 255) : IM_COL32(255, 255, 255, 255);
}

std::string ret_text(int r) { return r < 0 ? "-" + errno_text(-r) : std::to_string(r); }

std::string protosw_flags(uint8_t f) {
    std::string s;
    if (f & INET_PROTOSW_PERMANENT) s += "PERMANENT";
    if (f & INET_PROTOSW_ICSK) s += s.empty() ? "ICSK" : "|ICSK";
    if (f & INET_PROTOSW_REUSE) s += s.empty() ? "REUSE" : "|REUSE";
    return s;
}

}  // namespace

// ================================================================ listener view

void Ui::listener_view() {
    ImGui::BeginChild("##listener", ImGui::GetContentRegionAvail(), false);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImFont* font = ImGui::GetFont();
    const float fs = ImGui::GetFontSize();
    const float lh = ImGui::GetTextLineHeightWithSpacing();
    const float t = ease(anim_t());
    const bool anim = animating_ && has_prev_ && t < 1.0f;
    if (listeners_.empty()) {
        ImGui::TextWrapped("No listening sock at this step. listen(fd, backlog) makes one; its SYN queue (request "
                           "socks waiting for the last ACK of the handshake) and accept queue (finished connections "
                           "waiting for accept) appear here.");
        ImGui::EndChild();
        return;
    }
    float full_w = ImGui::GetContentRegionAvail().x;
    float counters_w = fs * 14.5f;
    bool side = full_w > fs * 40;
    float qw = side ? full_w - counters_w - fs : full_w;
    const float win_y0 = ImGui::GetWindowPos().y, win_y1 = win_y0 + ImGui::GetWindowHeight();
    // tooltips over the cells also while the console's input has the keyboard
    const bool hovered = ImGui::IsWindowHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem);

    struct Geo {
        float x0 = 0, cw = 0, ch = 0, gap = 0;
        int per_row = 1;
        bool labels = true;
    };
    struct Queue {
        size_t total = 0;       // cells drawn: entries + empty room
        bool compressed = false;
        float y = 0;            // top of the cells
    };
    auto plan = [&](size_t n, uint32_t limit, const Geo& g) {
        Queue q;
        q.total = n;
        if (limit > n) {
            size_t room = limit - n;
            if (n + room <= static_cast<size_t>(g.per_row) * 3 || room <= 8) q.total = n + room;
            else {
                q.total = n + 1;
                q.compressed = true;
            }
        }
        return q;
    };
    auto cell_pos = [&](const Geo& g, float row_y, size_t i) {
        int r = static_cast<int>(i) / g.per_row, c = static_cast<int>(i) % g.per_row;
        return ImVec2(g.x0 + static_cast<float>(c) * (g.cw + g.gap), row_y + static_cast<float>(r) * (g.ch + g.gap));
    };
    auto rows_h = [&](const Geo& g, size_t n) {
        size_t pr = static_cast<size_t>(g.per_row);
        int rows = std::max(1, static_cast<int>((n + pr - 1) / pr));
        return static_cast<float>(rows) * (g.ch + g.gap);
    };

    for (const gui::ListenerModel& l : listeners_) {
        ImGui::PushID(static_cast<int>(l.sock));
        drawn.listener_addr[l.sock] = endpoint_str(l.addr, l.port);
        std::string head = "struct sock #" + std::to_string(l.sock) + " · LISTEN on " + drawn.listener_addr[l.sock];
        bool sel = sel_kind == ObjKind::Sock && sel_id == l.sock;
        ImGui::PushStyleColor(ImGuiCol_Text, F4(sel ? pal_.selection : pal_.kind_sock));
        if (ImGui::Selectable(head.c_str(), false, 0, ImVec2(qw, 0))) select(ObjKind::Sock, l.sock);
        ImGui::PopStyleColor();
        ImGui::TextColored(F4(pal_.dim), "owned by %s", l.owner.c_str());
        // The nstat counters: a column beside the queues, or, in a narrow
        // pane, one flowing line above them, where an overflow's tick is
        // seen without scrolling.
        auto draw_counters = [&]() {
            float x_end = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
            bool first_item = true;
            for (Mib m : gui::listener_counters()) {
                int64_t v = w_->mib[static_cast<size_t>(m)];
                bool bumped = objs_.counters.count(static_cast<uint16_t>(m)) > 0;
                if (!side && !v && !bumped && m != Mib::ListenOverflows && m != Mib::ListenDrops) continue;
                ImU32 c = bumped ? pal_.changed : v ? pal_.text : pal_.dim;
                std::string item = std::string(mib_name(m)) + " " + std::to_string(v) + (bumped ? " ▲" : "");
                if (!side) {
                    float iw = ImGui::CalcTextSize(item.c_str()).x;
                    if (!first_item) {
                        ImGui::SameLine(0, fs * 1.2f);
                        if (ImGui::GetCursorScreenPos().x + iw > x_end) ImGui::NewLine();
                    }
                    first_item = false;
                }
                if (bumped) {
                    ImVec2 p = ImGui::GetCursorScreenPos();
                    float a = anim ? 0.25f + 0.5f * (1 - t) : 0.25f;
                    float wdt = side ? counters_w - fs * 0.5f : ImGui::CalcTextSize(item.c_str()).x;
                    dl->AddRectFilled(ImVec2(p.x - 2, p.y), ImVec2(p.x + wdt + 2, p.y + lh - 2), with_alpha(pal_.changed, a), 3);
                    c = st_.theme == Theme::Dark && a > 0.4f ? IM_COL32(20, 20, 20, 255) : pal_.text;
                }
                if (side) {
                    ImGui::TextColored(F4(c), "%s", mib_name(m));
                    ImGui::SameLine(fs * 11.0f);
                    ImGui::TextColored(F4(c), "%lld%s", static_cast<long long>(v), bumped ? " ▲" : "");
                } else {
                    ImGui::TextColored(F4(c), "%s", item.c_str());
                }
            }
        };
        if (!side) draw_counters();
        ImVec2 top = ImGui::GetCursorScreenPos();

        Geo g;
        g.x0 = top.x + fs * 0.3f;
        size_t most = std::max<size_t>({l.synq.size(), l.acceptq.size(), static_cast<size_t>(l.accept_limit)});
        g.labels = most <= 40 || (l.synq.size() <= 24 && l.acceptq.size() <= 24);
        // Shown alone (a projector), one or two listeners get cells half
        // as large again: the handshake is what the room is watching.
        const float ck = st_.focus == static_cast<int>(View::Listener) && listeners_.size() <= 2 && g.labels &&
                                 most * fs * 5.4f < qw * 3
                             ? 1.5f
                             : 1.0f;
        const float cf = fs * ck;   // the cells' label size
        g.cw = g.labels ? cf * 3.5f : fs * 0.75f;
        g.ch = g.labels ? lh * 1.15f * ck : fs * 0.75f;
        g.gap = g.labels ? fs * 0.3f * ck : 2.0f;
        g.per_row = std::max(1, static_cast<int>((qw - fs * 4.0f) / (g.cw + g.gap)));
        // Rounded corners only on labelled cells: on a thousand tiny ones
        // they cannot be seen, and each rounded rectangle is a dozen
        // triangles for the renderer where a square one is two.
        const float cell_round = g.labels ? 3.0f : 0.0f;

        Queue qs[2] = {plan(l.synq.size(), l.syn_limit, g), plan(l.acceptq.size(), l.accept_limit, g)};
        qs[0].y = top.y + lh + 2;
        qs[1].y = qs[0].y + rows_h(g, std::max<size_t>(qs[0].total, 1)) + 6 + lh + 2;
        float block_h = qs[1].y + rows_h(g, std::max<size_t>(qs[1].total, 1)) + 4 - top.y;

        // Where each request sock was before the move (same listener only).
        std::map<uint32_t, ImVec2> prev_at;
        const gui::ListenerModel* prev = nullptr;
        if (anim)
            for (const gui::ListenerModel& pl : prev_listeners_)
                if (pl.sock == l.sock) prev = &pl;
        if (prev) {
            for (size_t i = 0; i < prev->synq.size(); ++i) prev_at[prev->synq[i]] = cell_pos(g, qs[0].y, i);
            for (size_t i = 0; i < prev->acceptq.size(); ++i) prev_at[prev->acceptq[i]] = cell_pos(g, qs[1].y, i);
        }

        for (int which = 0; which < 2; ++which) {
            const std::vector<uint32_t>& q = which == 0 ? l.synq : l.acceptq;
            uint32_t limit = which == 0 ? l.syn_limit : l.accept_limit;
            const Queue& Q = qs[which];
            std::string title = which == 0 ? "SYN queue · request socks · qlen " + std::to_string(l.qlen)
                                           : "accept queue · sk_ack_backlog " + std::to_string(l.sk_ack_backlog) +
                                                 " of sk_max_ack_backlog " + std::to_string(l.sk_max_ack_backlog);
            bool qchanged = which == 1 ? objs_.queue_socks.count(l.sock) > 0
                                       : changed(ObjKind::Sock, l.sock, static_cast<int>(offsetof(Sock, qlen)));
            std::string tt = fit_text(font, fs, title, qw);
            if (qchanged) {
                // a highlight behind the title: changed-colour text is unreadable on the light theme
                ImVec2 ts = font->CalcTextSizeA(fs, 1e9f, 0, tt.c_str());
                float a = anim ? 0.3f + 0.5f * (1 - t) : 0.3f;
                dl->AddRectFilled(ImVec2(top.x - 2, Q.y - lh - 2), ImVec2(top.x + ts.x + 4, Q.y - lh + ts.y), with_alpha(pal_.changed, a), 3);
            }
            dl->AddText(font, fs, ImVec2(top.x, Q.y - lh - 1), pal_.text, tt.c_str());
            // empty room, then the limit mark
            float room_w = 0;
            for (size_t i = q.size(); i < Q.total; ++i) {
                ImVec2 p = cell_pos(g, Q.y, i);
                if (Q.compressed) {
                    room_w = std::max(g.cw, std::min(fs * 9.0f, qw - fs * 4.5f - (p.x - g.x0)));
                    float lf = g.labels ? fs : fs * 0.8f;
                    // the words that fit the box (a narrow pane: just the number)
                    std::string n = std::to_string(limit - q.size()), lab = "room for " + n;
                    if (font->CalcTextSizeA(lf, 1e9f, 0, lab.c_str()).x > room_w - 8) lab = n + " free";
                    if (font->CalcTextSizeA(lf, 1e9f, 0, lab.c_str()).x > room_w - 8) lab = n;
                    dl->AddRect(p, ImVec2(p.x + room_w, p.y + std::max(g.ch, lf + 2)), pal_.border, 3, 0, 1);
                    dl->AddText(font, lf, ImVec2(p.x + 4, p.y + 1), pal_.dim, lab.c_str());
                } else {
                    dl->AddRectFilled(p, ImVec2(p.x + g.cw, p.y + g.ch), pal_.cell_empty, cell_round);
                    dl->AddRect(p, ImVec2(p.x + g.cw, p.y + g.ch), with_alpha(pal_.border, 0.6f), cell_round);
                }
            }
            {
                size_t at = Q.compressed ? Q.total : limit;
                ImVec2 p = cell_pos(g, Q.y, at == 0 ? 0 : at - 1);
                float x = at == 0 ? p.x - g.gap : p.x + (Q.compressed ? room_w : g.cw) + g.gap * 0.5f + 1;
                dl->AddLine(ImVec2(x, p.y - 3), ImVec2(x, p.y + g.ch + 3), pal_.limit, 3);
                std::string lab = "limit " + std::to_string(limit);
                dl->AddText(font, fs * 0.85f, ImVec2(x + 4, p.y + (g.ch - fs * 0.85f) * 0.5f), pal_.limit, lab.c_str());
                drawn.limit_at[l.sock] = static_cast<int>(limit);
                // A full queue that turned a segment away this step flashes:
                // ListenOverflows for the accept queue, TCPReqQFullDrop for
                // the SYN queue (counters are per namespace; the full queue
                // says which listener it was).
                Mib m = which == 1 ? Mib::ListenOverflows : Mib::TCPReqQFullDrop;
                bool full = q.size() >= limit && limit > 0;
                if (full && objs_.counters.count(static_cast<uint16_t>(m))) {
                    float a = anim ? 0.35f + 0.65f * (1 - t) : 0.6f;
                    ImVec2 c0 = cell_pos(g, Q.y, 0);
                    dl->AddRect(ImVec2(c0.x - 4, c0.y - 4), ImVec2(x + 1, p.y + g.ch + 4), with_alpha(pal_.err, a), 4, 0, 3);
                    std::string why = "full: the segment is dropped";
                    float lx = x + 4 + font->CalcTextSizeA(fs * 0.85f, 1e9f, 0, lab.c_str()).x + fs * 0.6f;
                    ImVec2 ws = font->CalcTextSizeA(fs * 0.85f, 1e9f, 0, why.c_str());
                    ImVec2 wp(lx, p.y + (g.ch - fs * 0.85f) * 0.5f);
                    dl->AddRectFilled(ImVec2(wp.x - 3, wp.y - 1), ImVec2(wp.x + ws.x + 3, wp.y + ws.y + 1),
                                      with_alpha(pal_.err, std::max(a, 0.92f)), 3);   // white text needs it solid
                    dl->AddText(font, fs * 0.85f, wp, IM_COL32(255, 255, 255, 255), why.c_str());
                    ++drawn.overflow_flashes;
                }
            }
            // the entries
            int& count = which == 0 ? drawn.syn_cells[l.sock] : drawn.accept_cells[l.sock];
            for (size_t i = 0; i < q.size(); ++i) {
                ++count;
                ImVec2 p = cell_pos(g, Q.y, i);
                float alpha = 1.0f;
                if (prev) {
                    auto it = prev_at.find(q[i]);
                    if (it == prev_at.end()) alpha = t;
                    else p = lerp(it->second, p, t);
                }
                if (p.y + g.ch < win_y0 || p.y > win_y1) continue;
                const RequestSock* rq = w_->reqs.find(ReqId(q[i]));
                bool fresh = created(ObjKind::Req, q[i]) ||
                             (which == 1 && changed(ObjKind::Req, q[i], static_cast<int>(offsetof(RequestSock, in_accept_queue))));
                ImU32 fill = which == 0 ? pal_.cell_syn : pal_.cell_acc;
                dl->AddRectFilled(p, ImVec2(p.x + g.cw, p.y + g.ch), with_alpha(fill, alpha), cell_round);
                if (fresh && !headless)
                    dl->AddRect(ImVec2(p.x - 2, p.y - 2), ImVec2(p.x + g.cw + 2, p.y + g.ch + 2), with_alpha(pal_.selection, alpha), 4, 0, 2.5f);
                if (g.labels && rq) {
                    std::string lab = ":" + std::to_string(rq->ir_rmt_port);
                    ImVec2 ts = font->CalcTextSizeA(cf, 1e9f, 0, lab.c_str());
                    dl->AddText(font, cf, ImVec2(p.x + (g.cw - ts.x) * 0.5f, p.y + (g.ch - ts.y) * 0.5f),
                                with_alpha(text_on(fill), alpha), lab.c_str());
                }
                ImVec2 m = ImGui::GetIO().MousePos;
                if (hovered && m.x >= p.x && m.x < p.x + g.cw && m.y >= p.y && m.y < p.y + g.ch) {
                    ImGui::BeginTooltip();
                    if (rq) {
                        ImGui::Text("request_sock #%u from %s", q[i], endpoint_str(rq->ir_rmt_addr, rq->ir_rmt_port).c_str());
                        if (which == 1 && rq->sk) ImGui::Text("child: struct sock #%u (accept() takes it)", rq->sk.v);
                        else ImGui::Text("waiting for the final ACK · SYN-ACK resent %d times", rq->num_retrans);
                    }
                    ImGui::EndTooltip();
                    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
                        if (which == 1 && rq && rq->sk) select(ObjKind::Sock, rq->sk.v);
                        else select(ObjKind::Req, q[i]);
                    }
                }
            }
        }
        // cells that left (accept, a drop, a reset) fade out sliding left
        if (prev) {
            std::set<uint32_t> now_ids(l.synq.begin(), l.synq.end());
            now_ids.insert(l.acceptq.begin(), l.acceptq.end());
            for (int which = 0; which < 2; ++which) {
                const auto& q = which == 0 ? prev->synq : prev->acceptq;
                for (size_t i = 0; i < q.size(); ++i) {
                    if (now_ids.count(q[i])) continue;
                    ImVec2 p = cell_pos(g, qs[which].y, i);
                    p.x -= fs * 2 * t;
                    dl->AddRectFilled(p, ImVec2(p.x + g.cw, p.y + g.ch), with_alpha(which == 0 ? pal_.cell_syn : pal_.cell_acc, 1 - t), 3);
                    dl->AddRect(p, ImVec2(p.x + g.cw, p.y + g.ch), with_alpha(pal_.err, 1 - t), 3, 0, 2);
                }
            }
        }
        ImGui::Dummy(ImVec2(qw, block_h));
        float block_bottom = ImGui::GetCursorScreenPos().y;
        if (side) {
            ImGui::SetCursorScreenPos(ImVec2(ImGui::GetWindowPos().x + qw + fs * 1.0f, top.y - lh * 2.0f));
            ImGui::BeginGroup();
            ImGui::TextColored(F4(pal_.dim), "counters (nstat)");
        }
        if (side) draw_counters();
        if (side) {
            ImGui::EndGroup();
            ImGui::SetCursorScreenPos(ImVec2(top.x, std::max(block_bottom, ImGui::GetCursorScreenPos().y)));
        }
        ImGui::Separator();
        ImGui::PopID();
    }
    ImGui::EndChild();
}

// ================================================================ call view

void Ui::calls_view() {
    int64_t step = s_.current_step();
    if (step < 0) {
        ImGui::TextWrapped("Nothing has run yet. Each step (a system call, a segment arriving, a timer) shows its "
                           "kernel call stack here.");
        return;
    }
    const Trace& tr = s_.trace();
    const StepRecord& rec = tr.steps[static_cast<size_t>(step)];
    const char* kind = rec.kind == StepKind::Syscall   ? "system call"
                       : rec.kind == StepKind::Deliver ? "softirq: a segment arrives"
                       : rec.kind == StepKind::Timer   ? "softirq: a timer fires"
                       : rec.kind == StepKind::Resume  ? "a woken task runs on"
                                                       : "control";
    std::string who = rec.task ? s_.task_name(TaskId(rec.task)) : "";
    ImGui::TextColored(F4(pal_.accent), "step %lld: %s", static_cast<long long>(step + 1),
                       s_.step_label(static_cast<size_t>(step)).c_str());
    ImGui::TextColored(F4(pal_.dim), "%s%s%s · t=%lld ms", kind, who.empty() ? "" : " · in ", who.c_str(),
                       static_cast<long long>(rec.time));
    // the checkbox beside that line where it fits (a narrow pane: beneath it)
    ImGui::SameLine();
    if (ImGui::GetContentRegionAvail().x < ImGui::CalcTextSize("changes").x + ImGui::GetFrameHeight() * 1.5f) ImGui::NewLine();
    ImGui::Checkbox("changes", &st_.show_events);
    int cur = s_.cursor().frame;
    std::vector<size_t> path = cur >= 0 ? gui::call_path(frames_, static_cast<size_t>(cur)) : std::vector<size_t>{};
    std::set<size_t> on_path(path.begin(), path.end());

    // Flattened rows: (frame, -1 = its name line, -2 = its explanation, >= 0 = one of its events)
    struct Row {
        int frame;
        int what;
    };
    std::vector<Row> rows;
    for (size_t i = 0; i < frames_.size(); ++i) {
        rows.push_back({static_cast<int>(i), -1});
        rows.push_back({static_cast<int>(i), -2});
        if (st_.show_events)
            for (size_t k = 0; k < frames_[i].events.size(); ++k) {
                Ev e = tr.events[frames_[i].events[k]].ev;
                if (e == Ev::Enter || e == Ev::Leave) continue;
                rows.push_back({static_cast<int>(i), static_cast<int>(k)});
            }
    }
    drawn.call_frames = static_cast<int>(frames_.size());
    if (cur >= 0 && static_cast<size_t>(cur) < frames_.size())
        drawn.current_frame = kfunc(frames_[static_cast<size_t>(cur)].fn).name;
    ImGui::BeginChild("##frames", ImGui::GetContentRegionAvail(), true);
    const float fs = ImGui::GetFontSize();
    const float lh = ImGui::GetTextLineHeightWithSpacing();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    static uint64_t scrolled_gen = 0;
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(rows.size()), lh);
    // keep the current frame in view
    if (cur >= 0 && scrolled_gen != s_.generation()) {
        for (size_t r = 0; r < rows.size(); ++r)
            if (rows[r].frame == cur && rows[r].what == -1) {
                float y = static_cast<float>(r) * lh;
                float top = ImGui::GetScrollY(), bottom = top + ImGui::GetWindowHeight();
                if (y < top + lh || y > bottom - 3 * lh) ImGui::SetScrollY(std::max(0.0f, y - ImGui::GetWindowHeight() * 0.35f));
                break;
            }
        scrolled_gen = s_.generation();
    }
    while (clip.Step()) {
        for (int r = clip.DisplayStart; r < clip.DisplayEnd; ++r) {
            const Row& row = rows[static_cast<size_t>(r)];
            const gui::CallFrame& f = frames_[static_cast<size_t>(row.frame)];
            const KFuncInfo& info = kfunc(f.fn);
            float indent = static_cast<float>(f.depth) * fs * 1.1f;
            bool is_cur = row.frame == cur;
            bool future = cur >= 0 && row.frame > cur && !on_path.count(static_cast<size_t>(row.frame));
            bool pending = cur >= 0 && on_path.count(static_cast<size_t>(row.frame)) && !is_cur;
            ImVec2 p = ImGui::GetCursorScreenPos();
            float w = ImGui::GetContentRegionAvail().x;
            if (is_cur) dl->AddRectFilled(ImVec2(p.x - 4, p.y - 1), ImVec2(p.x + w, p.y + lh - 1), with_alpha(pal_.accent, 0.28f), 3);
            // depth guides
            for (int d = 0; d < f.depth; ++d)
                dl->AddLine(ImVec2(p.x + static_cast<float>(d) * fs * 1.1f + fs * 0.35f, p.y),
                            ImVec2(p.x + static_cast<float>(d) * fs * 1.1f + fs * 0.35f, p.y + lh), with_alpha(pal_.border, 0.45f), 1);
            ImGui::SetCursorScreenPos(ImVec2(p.x + indent, p.y));
            float alpha = future ? 0.45f : 1.0f;
            if (row.what == -1) {
                ImU32 nc = is_cur ? pal_.title : pal_.accent;
                std::string name = std::string(is_cur ? "▶ " : pending ? "· " : "") + info.name;
                ImGui::PushID(r);
                ImGui::PushStyleColor(ImGuiCol_Text, F4(with_alpha(nc, alpha)));
                if (ImGui::Selectable(name.c_str(), false, ImGuiSelectableFlags_AllowItemOverlap,
                                      ImVec2(ImGui::CalcTextSize(name.c_str()).x, 0)))
                    push_intent(Intent::go(gui::Cursor{static_cast<uint64_t>(step) + 1, row.frame}));
                ImGui::PopStyleColor();
                if (ImGui::IsItemHovered()) ImGui::SetTooltip("step to this frame");
                ImGui::PopID();
                ImGui::SameLine();
                // The source file, cut short so the return value on the
                // right never lands on it.
                bool show_ret = f.returned && !(cur >= 0 && (is_cur || pending || future));
                std::string rt = show_ret ? "→ " + ret_text(f.ret) : "";
                float rw = show_ret ? ImGui::CalcTextSize(rt.c_str()).x + fs * 0.8f : 0;
                float right = ImGui::GetWindowContentRegionMax().x - fs * 0.3f;
                float room = right - rw - ImGui::GetCursorPosX();
                std::string file = fit_text(ImGui::GetFont(), fs, std::string(" ") + info.file, std::max(0.0f, room));
                if (!file.empty()) ImGui::TextColored(F4(with_alpha(pal_.dim, alpha)), "%s", file.c_str());
                else ImGui::Dummy(ImVec2(0, 0));
                if (show_ret) {
                    ImGui::SameLine();
                    ImGui::SetCursorPosX(std::max(ImGui::GetCursorPosX() + fs * 0.5f, right - (rw - fs * 0.8f)));
                    ImGui::TextColored(F4(f.ret < 0 ? pal_.err : pal_.ok), "%s", rt.c_str());
                }
            } else if (row.what == -2) {
                ImGui::SetCursorScreenPos(ImVec2(p.x + indent + fs * 1.1f, p.y));
                ImGui::TextColored(F4(with_alpha(pal_.text, 0.85f * alpha)), "%s",
                                   fit_text(ImGui::GetFont(), fs, info.text, w - indent - fs * 1.2f).c_str());
            } else {
                const TraceEvent& e = tr.events[f.events[static_cast<size_t>(row.what)]];
                ImGui::SetCursorScreenPos(ImVec2(p.x + indent + fs * 1.1f, p.y));
                std::string s = "· " + format_event(tr, e);
                ImU32 c = e.ev == Ev::Create ? pal_.created : e.ev == Ev::Destroy ? pal_.err
                          : e.ev == Ev::Counter ? pal_.warn : e.ev == Ev::Return ? pal_.ok : pal_.dim;
                ImGui::TextColored(F4(with_alpha(c, alpha)), "%s", fit_text(ImGui::GetFont(), fs, s, w - indent - fs * 1.2f).c_str());
            }
            ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + lh));
        }
    }
    clip.End();
    ImGui::EndChild();
}

// ================================================================ protosw view

void Ui::protosw_view() {
    ImGui::BeginChild("##protosw", ImGui::GetContentRegionAvail(), false);
    const World& w = *w_;
    const float t = ease(anim_t());
    const bool anim = animating_ && t < 1.0f;
    int fam_shown = walk_.valid && walk_.family >= 0 && walk_.family < NPROTO ? walk_.family : AF_INET;
    // How far the walk has got (it unrolls over the animation).
    size_t revealed = walk_.steps.size();
    if (anim && !walk_.steps.empty()) revealed = static_cast<size_t>(std::floor(t * static_cast<float>(walk_.steps.size() + 1)));
    std::map<std::pair<int, int>, gui::WalkVerdict> verdict;   // (type, index) -> verdict
    if (walk_.valid)
        for (size_t i = 0; i < std::min(revealed, walk_.steps.size()); ++i) verdict[{walk_.type, static_cast<int>(i)}] = walk_.steps[i].verdict;
    if (!walk_.valid) {
        ImGui::TextColored(F4(pal_.dim), "The loop of inet_create over inetsw[type] shows here when the step is a socket() call.");
    } else {
        ImGui::TextColored(F4(pal_.title), "%s's loop for socket(%s, %s, %s)", walk_.create.empty() ? "inet_create" : walk_.create.c_str(),
                           gui::family_name(walk_.family).c_str(), gui::type_name(walk_.type).c_str(), proto_name(walk_.protocol).c_str());
        if (walk_.steps.empty() && !walk_.note.empty()) ImGui::TextColored(F4(pal_.err), "%s", walk_.note.c_str());
        ImGui::PushTextWrapPos(0);
        for (size_t i = 0; i < walk_.steps.size() && i < revealed; ++i) {
            const gui::WalkStep& st = walk_.steps[i];
            std::string ep = proto_name(st.entry.protocol);
            std::string text;
            ImU32 c = pal_.err;
            switch (st.verdict) {
            case gui::WalkVerdict::Mismatch:
                text = "✗ " + ep + ": " + proto_name(walk_.protocol) + " ≠ " + ep + " and neither is IPPROTO_IP: err = -EPROTONOSUPPORT, next entry";
                break;
            case gui::WalkVerdict::ExactIP:
                text = "✗ " + ep + ": IPPROTO_IP asked of an IPPROTO_IP entry is no match: err = -EPROTONOSUPPORT, next entry";
                break;
            case gui::WalkVerdict::Exact:
                text = "✓ " + ep + ": the protocol asked for is this entry's: chosen";
                c = pal_.ok;
                break;
            case gui::WalkVerdict::WildcardAsked:
                text = "✓ " + ep + ": IPPROTO_IP (0) asks for the type's default: chosen, protocol becomes " + ep;
                c = pal_.ok;
                break;
            case gui::WalkVerdict::WildcardEntry:
                text = "✓ " + ep + ": a wildcard entry takes any protocol: chosen";
                c = pal_.ok;
                break;
            }
            ImGui::PushStyleColor(ImGuiCol_Text, F4(c));
            ImGui::Text("%zu. %s", i + 1, text.c_str());
            ImGui::PopStyleColor();
        }
        if (revealed >= walk_.steps.size() && !walk_.steps.empty()) {
            if (walk_.chosen >= 0) {
                const InetProtosw& e = walk_.steps[static_cast<size_t>(walk_.chosen)].entry;
                ImGui::TextColored(F4(pal_.ok), "→ sock->ops = %s, sk->sk_prot = %s", gui::ops_name(e.ops).c_str(),
                                   gui::prot_text(e.prot).c_str());
            } else {
                ImGui::TextColored(F4(pal_.err), "→ no entry fits: -%s", errno_text(walk_.err).c_str());
            }
        }
        if (!walk_.note.empty() && !walk_.steps.empty()) ImGui::TextColored(F4(pal_.warn), "%s", walk_.note.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::Separator();
    ImGui::TextColored(F4(pal_.title), "net_families[]");
    ImGui::SameLine();
    ImGui::TextColored(F4(pal_.dim), "(registered slots; every other slot is NULL)");
    for (int f = 0; f < NPROTO; ++f) {
        const NetProtoFamily& nf = w.net_families[static_cast<size_t>(f)];
        if (!nf.registered) continue;
        bool hit = walk_.valid && walk_.family == f;
        ImGui::TextColored(F4(hit ? pal_.accent : pal_.text), "  [%2d] %-10s %s → %s", f, gui::family_name(f).c_str(),
                           nf.name.c_str(), nf.create.c_str());
    }
    ImGui::Spacing();
    const NetProtoFamily& nf = w.net_families[static_cast<size_t>(fam_shown)];
    ImGui::TextColored(F4(pal_.title), "inetsw[] of %s", gui::family_name(fam_shown).c_str());
    if (ImGui::BeginTable("##inetsw", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit)) {
        ImGui::TableSetupColumn("type");
        ImGui::TableSetupColumn("protocol");
        ImGui::TableSetupColumn("prot");
        ImGui::TableSetupColumn("ops");
        ImGui::TableSetupColumn("flags");
        ImGui::TableHeadersRow();
        for (int type = 0; type < SOCK_MAX; ++type) {
            const auto& list = nf.inetsw[static_cast<size_t>(type)];
            for (size_t i = 0; i < list.size(); ++i) {
                const InetProtosw& e = list[i];
                ImGui::TableNextRow();
                auto it = verdict.find({type, static_cast<int>(i)});
                ImU32 c = pal_.text;
                if (it != verdict.end()) {
                    bool chosen = walk_.chosen == static_cast<int>(i) && revealed > i;
                    c = chosen ? pal_.ok : pal_.err;
                    ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, with_alpha(c, 0.22f));
                }
                ++drawn.protosw_entries;
                ImGui::TableNextColumn();
                ImGui::TextColored(F4(c), "%s", i == 0 ? gui::type_name(type).c_str() : "");
                ImGui::TableNextColumn();
                ImGui::TextColored(F4(c), "%s", proto_name(e.protocol).c_str());
                ImGui::TableNextColumn();
                ImGui::TextColored(F4(c), "%s", gui::prot_text(e.prot).c_str());
                ImGui::TableNextColumn();
                ImGui::TextColored(F4(c), "%s", gui::ops_name(e.ops).c_str());
                ImGui::TableNextColumn();
                ImGui::TextColored(F4(pal_.dim), "%s", protosw_flags(e.flags).c_str());
            }
        }
        ImGui::EndTable();
    }
    ImGui::EndChild();
}

// ================================================================ packet ladder

void Ui::packets_view() {
    const std::vector<gui::PacketRow>& all = s_.packet_rows();
    int64_t cur = s_.current_step();
    // rows sent up to the viewed step
    size_t n = static_cast<size_t>(std::upper_bound(all.begin(), all.end(), cur,
                                                    [](int64_t s, const gui::PacketRow& r) { return s < static_cast<int64_t>(r.step); }) -
                                   all.begin());
    if (cur < 0) n = 0;
    const Trace& tr = s_.trace();
    if (n == 0) {
        ImGui::TextWrapped("No segment has crossed yet. connect() sends a SYN; the handshake (SYN, SYN-ACK, ACK), "
                           "resets and FINs appear here in time order, lane to lane.");
        return;
    }
    // lanes: endpoints in order of first appearance (the most recent rows decide when there are many)
    std::vector<std::pair<uint32_t, uint16_t>> lanes;
    std::map<std::pair<uint32_t, uint16_t>, int> lane_of;
    const size_t max_lanes = 8;
    size_t first = n > 400 ? n - 400 : 0;
    for (size_t i = first; i < n; ++i) {
        const Packet& p = tr.packets[all[i].packet];
        for (auto ep : {std::make_pair(p.saddr, p.sport), std::make_pair(p.daddr, p.dport)})
            if (!lane_of.count(ep) && lanes.size() < max_lanes) {
                lane_of[ep] = static_cast<int>(lanes.size());
                lanes.push_back(ep);
            }
    }
    const float fs = ImGui::GetFontSize();
    const float lh = ImGui::GetTextLineHeightWithSpacing();
    const float rowh = lh * 1.75f;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImVec2 top = ImGui::GetCursorScreenPos();
    float width = ImGui::GetContentRegionAvail().x;
    float gutter = fs * 4.2f;
    float lane_w = (width - gutter - fs) / static_cast<float>(std::max<size_t>(1, lanes.size()));
    auto lane_x = [&](int i) { return top.x + gutter + lane_w * (static_cast<float>(i) + 0.5f); };
    // lane headings
    for (size_t i = 0; i < lanes.size(); ++i) {
        std::string ep = endpoint_str(lanes[i].first, lanes[i].second);
        std::string who;
        PeerId peer = peer_at(*w_, lanes[i].first);
        if (peer) who = "peer " + w_->peers[peer].name;
        else
            w_->socks.each([&](SockId id, const Sock& s) {
                if (!who.empty() || s.inet_num != lanes[i].second) return;
                if (s.sk_state == TCP_LISTEN) who = "listener #" + std::to_string(id.v);
                else if (s.sk_socket && s.inet_sport == lanes[i].second) who = "sock #" + std::to_string(id.v);
            });
        float x = lane_x(static_cast<int>(i));
        std::string a = fit_text(ImGui::GetFont(), fs, ep, lane_w - 4);
        ImVec2 ts = ImGui::CalcTextSize(a.c_str());
        dl->AddText(ImVec2(x - ts.x * 0.5f, top.y), pal_.title, a.c_str());
        if (!who.empty()) {
            std::string b = fit_text(ImGui::GetFont(), fs * 0.85f, who, lane_w - 4);
            ImVec2 ws = ImGui::GetFont()->CalcTextSizeA(fs * 0.85f, 1e9f, 0, b.c_str());
            dl->AddText(ImGui::GetFont(), fs * 0.85f, ImVec2(x - ws.x * 0.5f, top.y + lh), pal_.dim, b.c_str());
        }
    }
    ImGui::Dummy(ImVec2(width, lh * 2.1f));
    ImGui::BeginChild("##ladder", ImGui::GetContentRegionAvail(), false);
    dl = ImGui::GetWindowDrawList();
    const float t = ease(anim_t());
    const bool anim = animating_ && t < 1.0f;
    static uint64_t scrolled = 0;
    ImVec2 wp = ImGui::GetWindowPos();
    float wh = ImGui::GetWindowHeight();
    // lanes as vertical lines over the whole visible height
    for (size_t i = 0; i < lanes.size(); ++i)
        dl->AddLine(ImVec2(lane_x(static_cast<int>(i)), wp.y), ImVec2(lane_x(static_cast<int>(i)), wp.y + wh), pal_.lane, 2);
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(n), rowh);
    if (scrolled != s_.generation()) {
        ImGui::SetScrollY(std::max(0.0f, static_cast<float>(n) * rowh - wh + rowh));
        scrolled = s_.generation();
    }
    while (clip.Step()) {
        for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
            const gui::PacketRow& r = all[static_cast<size_t>(i)];
            const Packet& p = tr.packets[r.packet];
            ImVec2 rp = ImGui::GetCursorScreenPos();
            ++drawn.ladder_rows;
            bool now = static_cast<int64_t>(r.step) == cur;
            if (now) dl->AddRectFilled(ImVec2(rp.x, rp.y), ImVec2(rp.x + width, rp.y + rowh), with_alpha(pal_.accent, 0.13f));
            char g[32];
            std::snprintf(g, sizeof g, "%llu", static_cast<unsigned long long>(r.step + 1));
            dl->AddText(ImGui::GetFont(), fs * 0.85f, ImVec2(rp.x + 2, rp.y + lh * 0.6f), pal_.dim, g);
            auto src = lane_of.find({p.saddr, p.sport}), dst = lane_of.find({p.daddr, p.dport});
            float xa = src != lane_of.end() ? lane_x(src->second) : rp.x + gutter;
            float xb = dst != lane_of.end() ? lane_x(dst->second) : rp.x + width - fs;
            float y0 = rp.y + lh * 0.95f, y1 = rp.y + rowh - lh * 0.12f;
            bool dropped = r.fate == 2 && static_cast<int64_t>(r.fate_step) <= cur;
            bool arrived = r.fate == 1 && static_cast<int64_t>(r.fate_step) <= cur;
            float frac = anim && now ? t : 1.0f;
            if (!arrived && !dropped) frac = std::min(frac, 0.5f);   // still on the wire
            if (dropped) frac = std::min(frac, 0.7f);
            ImVec2 a(xa, y0), b(xa + (xb - xa) * frac, y0 + (y1 - y0) * frac);
            ImU32 col = p.flags & TH_RST ? pal_.err : now ? pal_.accent : pal_.packet;
            dl->AddLine(a, b, col, now ? 3.0f : 2.0f);
            float dir = xb >= xa ? 1.0f : -1.0f;
            if (arrived || (!dropped && frac < 1)) {
                float hs = fs * 0.45f;
                dl->AddTriangleFilled(b, ImVec2(b.x - dir * hs, b.y - hs * 0.55f), ImVec2(b.x - dir * hs, b.y + hs * 0.55f), col);
            }
            if (dropped) {
                float s = fs * 0.35f;
                dl->AddLine(ImVec2(b.x - s, b.y - s), ImVec2(b.x + s, b.y + s), pal_.err, 3);
                dl->AddLine(ImVec2(b.x - s, b.y + s), ImVec2(b.x + s, b.y - s), pal_.err, 3);
            }
            std::string lab = gui::flags_text(p);
            if (p.flags & TH_SYN) lab += " seq " + std::to_string(p.seq);
            if (dropped) lab += " — dropped: " + gui::drop_reason_name(r.drop_reason);
            ImVec2 ls = ImGui::CalcTextSize(lab.c_str());
            float lx = std::min(xa, xb) + (std::fabs(xb - xa) - ls.x) * 0.5f;
            lx = std::clamp(lx, rp.x + gutter, rp.x + width - ls.x - 2);
            dl->AddText(ImVec2(lx, rp.y + lh * 0.02f), dropped ? pal_.err : now ? pal_.title : pal_.text, lab.c_str());
            ImGui::PushID(i);
            ImGui::InvisibleButton("##pk", ImVec2(width, rowh));
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("%s\nseq %u ack %u · sent at %lld ms (step %llu)", format_packet(p).c_str(), p.seq, p.ack_seq,
                                  static_cast<long long>(p.sent_at), static_cast<unsigned long long>(r.step + 1));
            if (ImGui::IsItemClicked()) select(ObjKind::Packet, r.packet);
            ImGui::PopID();
        }
    }
    clip.End();
    ImGui::EndChild();
}

// ================================================================ inspector

void Ui::inspector_view() {
    ImGui::BeginChild("##inspector", ImGui::GetContentRegionAvail(), false);
    const World& w = *w_;
    ObjKind k = sel_kind;
    uint32_t id = sel_id;
    if (k == ObjKind::None) k = ObjKind::Net;
    const float t = ease(anim_t());
    const bool anim = animating_ && t < 1.0f;
    bool alive = k == ObjKind::Packet ? id < s_.trace().packets.size() : gui::object_exists(w, k, id);
    ImGui::TextColored(F4(pal_.title), "%s", gui::object_name(w, k, id).c_str());
    ImGui::SameLine();
    if (ImGui::Checkbox("follow the step", &follow_changes) && follow_changes) seen_gen_ = 0;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("show the first object each step changes");
    if (!alive) {
        ImGui::TextColored(F4(pal_.warn), "not alive at this step");
        ImGui::EndChild();
        return;
    }
    auto value_cell = [&](const std::string& v, ObjKind ref, int64_t raw) {
        if (ref != ObjKind::None && raw != 0) {
            ImGui::PushID(static_cast<int>(raw) * 31 + static_cast<int>(ref));
            if (ImGui::SmallButton(v.c_str())) select(ref, static_cast<uint32_t>(raw));
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("follow the pointer");
            ImGui::PopID();
        } else {
            ImGui::TextUnformatted(v.c_str());
        }
    };
    // Two columns: a field and its value; a field this step changed reads
    // "old → new" on a highlighted row (the new value is the one that holds).
    if (ImGui::BeginTable("##fields", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersInnerH)) {
        ImGui::TableSetupColumn("field", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableSetupColumn("value (this step: old → new)", ImGuiTableColumnFlags_WidthStretch, 1.9f);
        ImGui::TableHeadersRow();
        auto row = [&](const std::string& name, const std::string& v, const std::string& change, ObjKind ref, int64_t raw) {
            ImGui::TableNextRow();
            if (!change.empty()) {
                float a = anim ? 0.25f + 0.5f * (1 - t) : 0.25f;
                ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, with_alpha(pal_.changed, a));
            }
            ++drawn.inspector_fields;
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(fit_text(ImGui::GetFont(), ImGui::GetFontSize(), name, ImGui::GetContentRegionAvail().x).c_str());
            ImGui::TableNextColumn();
            if (!change.empty()) {
                // the old value gives way first; its arrow always shows
                std::string old = change, arrow;
                if (old.size() >= 4 && old.compare(old.size() - 4, 4, " →") == 0) {
                    old.resize(old.size() - 4);
                    arrow = " →";
                }
                float room = ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize(v.c_str()).x -
                             ImGui::CalcTextSize(arrow.c_str()).x - ImGui::GetFontSize();
                std::string c = fit_text(ImGui::GetFont(), ImGui::GetFontSize(), old, std::max(room, ImGui::GetFontSize())) + arrow;
                ImGui::TextUnformatted(c.c_str());
                if (c != change && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", change.c_str());
                ImGui::SameLine(0, ImGui::GetFontSize() * 0.3f);
            }
            value_cell(v, ref, raw);
        };
        if (k == ObjKind::Packet) {
            const Packet& p = s_.trace().packets[id];
            row("flags", gui::flags_text(p), "", ObjKind::None, 0);
            row("saddr:sport", endpoint_str(p.saddr, p.sport), "", ObjKind::None, 0);
            row("daddr:dport", endpoint_str(p.daddr, p.dport), "", ObjKind::None, 0);
            row("seq", std::to_string(p.seq), "", ObjKind::None, 0);
            row("ack_seq", std::to_string(p.ack_seq), "", ObjKind::None, 0);
            row("sent at", std::to_string(p.sent_at) + " ms", "", ObjKind::None, 0);
        } else if (k == ObjKind::Net) {
            row("now", std::to_string(w.now) + " ms", "", ObjKind::None, 0);
            for (int m = 0; m < static_cast<int>(Mib::Count); ++m) {
                int64_t v = w.mib[static_cast<size_t>(m)];
                bool bumped = objs_.counters.count(static_cast<uint16_t>(m)) > 0;
                if (!v && !bumped) continue;
                row(mib_name(static_cast<Mib>(m)), std::to_string(v), bumped ? "▲" : "", ObjKind::None, 0);
            }
            row("somaxconn", std::to_string(w.sysctl.somaxconn), "", ObjKind::None, 0);
            row("tcp_max_syn_backlog", std::to_string(w.sysctl.tcp_max_syn_backlog), "", ObjKind::None, 0);
            row("tcp_syncookies", std::to_string(w.sysctl.tcp_syncookies), "", ObjKind::None, 0);
            row("tcp_abort_on_overflow", std::to_string(w.sysctl.tcp_abort_on_overflow), "", ObjKind::None, 0);
        } else {
            if (k == ObjKind::Task) row("comm", w.tasks[TaskId(id)].comm, "", ObjKind::None, 0);
            for (const FieldInfo& f : all_fields()) {
                if (f.kind != k) continue;
                auto v = gui::read_field(w, k, id, f.offset);
                if (!v) continue;
                std::string change;
                auto it = change_of_.find({static_cast<uint8_t>(k), id, f.offset});
                if (it != change_of_.end())
                    change = field_text(f, it->second.before) + " →";
                row(f.name, field_text(f, static_cast<int32_t>(*v)), change, f.fmt == Fmt::Id ? f.ref : ObjKind::None, *v);
            }
            // containers
            if (k == ObjKind::Files) {
                const FilesStruct& fs = w.files_structs[FilesId(id)];
                for (size_t fd = 0; fd < fs.fd.size(); ++fd) {
                    if (!fs.open_fds[fd] && !fs.fd[fd]) continue;
                    bool touched = objs_.fd_links.count({id, static_cast<int>(fd)}) > 0;
                    std::string v = fs.fd[fd] ? "file #" + std::to_string(fs.fd[fd].v) : "reserved";
                    if (fs.close_on_exec[fd]) v += " · CLOEXEC";
                    row("fd[" + std::to_string(fd) + "]", v, touched ? "new:" : "", ObjKind::File, fs.fd[fd].v);
                }
            }
            if (k == ObjKind::Sock) {
                const Sock& s = w.socks[SockId(id)];
                for (size_t i = 0; i < s.rskq_accept.size() && i < 64; ++i) {
                    const RequestSock* r = w.reqs.find(s.rskq_accept[i]);
                    row("accept_queue[" + std::to_string(i) + "]",
                        "request_sock #" + std::to_string(s.rskq_accept[i].v) +
                            (r && r->sk ? " · child sock #" + std::to_string(r->sk.v) : ""),
                        "", ObjKind::Req, s.rskq_accept[i].v);
                }
            }
            if (k == ObjKind::Socket) {
                const Socket& so = w.sockets[SocketId(id)];
                for (size_t i = 0; i < so.wq.size(); ++i)
                    row("wq[" + std::to_string(i) + "]",
                        gui::object_name(w, ObjKind::Task, so.wq[i].task.v) + (so.wq[i].exclusive ? " · exclusive" : ""), "",
                        ObjKind::Task, so.wq[i].task.v);
            }
        }
        ImGui::EndTable();
    }
    ImGui::EndChild();
}

}  // namespace sockscope::app
