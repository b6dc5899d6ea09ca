// svg.cpp — see svg.h.
#include "app/gui/model/svg.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace sockscope::gui {

namespace {

std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        default: o += c;
        }
    }
    return o;
}

std::string num(float v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", static_cast<double>(v));
    return b;
}

const char* kind_color(BoxKind k) {
    switch (k) {
    case BoxKind::Table:
    case BoxKind::KThread: return "#3f4d5c";
    case BoxKind::File: return "#0047ab";
    case BoxKind::Socket: return "#7a1fa2";
    case BoxKind::Sock: return "#00695c";
    case BoxKind::Child: return "#2e6b1f";
    case BoxKind::Tw: return "#9a4a00";
    case BoxKind::Section: return "#555555";
    }
    return "#000000";
}

}  // namespace

std::string process_svg(const World& w, const ProcessLayout& L, const SvgOptions& o) {
    const float u = o.line_px;
    const float top = o.title.empty() ? 1.0f : 2.5f;
    const float W = (L.width + 1) * u, H = (L.height + top + 1) * u;
    const char* fg = o.light ? "#000000" : "#e8e8e8";
    const char* bg = o.light ? "#ffffff" : "#1b1e24";
    const char* boxbg = o.light ? "#f7f7f7" : "#272b33";
    const char* dim = o.light ? "#444444" : "#a0a6b0";
    auto X = [&](float x) { return num((x + 0.5f) * u); };
    auto Y = [&](float y) { return num((y + top) * u); };
    std::string s;
    s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W) + "\" height=\"" + num(H) + "\" viewBox=\"0 0 " +
         num(W) + " " + num(H) + "\" font-family=\"DejaVu Sans, Noto Sans CJK SC, sans-serif\" font-size=\"" +
         num(u * 0.72f) + "\">\n";
    s += "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
         "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"" +
         std::string(fg) + "\"/></marker></defs>\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"" + std::string(bg) + "\"/>\n";
    if (!o.title.empty())
        s += "<text x=\"" + X(0) + "\" y=\"" + num(1.4f * u) + "\" font-size=\"" + num(u * 0.9f) + "\" fill=\"" + fg +
             "\">" + esc(o.title) + "</text>\n";
    // arrows
    s += "<g fill=\"none\" stroke=\"" + std::string(fg) + "\" stroke-width=\"1.5\">\n";
    for (const Arrow& a : L.arrows) {
        float dx = std::max(0.6f, (a.x1 - a.x0) * 0.45f);
        std::string d = "M" + X(a.x0) + "," + Y(a.y0) + " C" + X(a.x0 + dx) + "," + Y(a.y0) + " " + X(a.x1 - dx) + "," +
                        Y(a.y1) + " " + X(a.x1) + "," + Y(a.y1);
        if (a.kind == ArrowKind::AcceptQueue)
            d = "M" + X(a.x0) + "," + Y(a.y0) + " L" + X(a.x0) + "," + Y(a.y1) + " L" + X(a.x1) + "," + Y(a.y1);
        std::string extra = a.kind == ArrowKind::SockToSocket ? " stroke-dasharray=\"4 3\"" : "";
        std::string head = a.kind == ArrowKind::AcceptQueue ? "" : " marker-end=\"url(#head)\"";
        s += "<path d=\"" + d + "\"" + extra + head + "/>\n";
    }
    s += "</g>\n";
    // boxes
    std::map<uint32_t, std::vector<const FdRow*>> rows_of;
    for (const FdRow& r : L.rows) rows_of[r.files].push_back(&r);
    for (const Box& b : L.boxes) {
        if (b.kind == BoxKind::Section) {
            s += "<text x=\"" + X(b.x) + "\" y=\"" + Y(b.y + 0.8f) + "\" fill=\"" + dim + "\">" + esc(b.label) + "</text>\n";
            continue;
        }
        const char* kc = kind_color(b.kind);
        s += "<g>\n<rect x=\"" + X(b.x) + "\" y=\"" + Y(b.y) + "\" width=\"" + num(b.w * u) + "\" height=\"" +
             num(b.h * u) + "\" rx=\"4\" fill=\"" + boxbg + "\" stroke=\"" + kc + "\" stroke-width=\"1.5\"/>\n";
        s += "<rect x=\"" + X(b.x) + "\" y=\"" + Y(b.y) + "\" width=\"4\" height=\"" + num(b.h * u) + "\" fill=\"" + kc +
             "\"/>\n";
        std::vector<BoxLine> lines = box_lines(w, b);
        float y = b.y + 0.35f + 0.78f;
        for (const BoxLine& l : lines) {
            const char* c = l.style == LineStyle::Title ? kc : l.style == LineStyle::Dim ? dim : fg;
            std::string weight = l.style == LineStyle::Title ? " font-weight=\"bold\"" : "";
            s += "<text x=\"" + X(b.x + 0.45f) + "\" y=\"" + Y(y) + "\" fill=\"" + c + "\"" + weight + ">" + esc(l.text) +
                 "</text>\n";
            y += 1.0f;
        }
        if (b.kind == BoxKind::Table)
            for (const FdRow* r : rows_of[b.id]) {
                std::string t = fd_row_text(*r, w);
                if (r->cloexec) t += "  CLOEXEC";
                const char* c = r->state == SlotState::Used ? fg : dim;
                s += "<text x=\"" + X(b.x + 0.6f) + "\" y=\"" + Y(r->y + 0.78f) + "\" fill=\"" + c + "\">" + esc(t) +
                     "</text>\n";
            }
        s += "</g>\n";
    }
    s += "</svg>\n";
    return s;
}

}  // namespace sockscope::gui
