// svg.h — the process view's object graph as an SVG document (for slides):
// the same layout and box text the window draws, as vector shapes.
#pragma once
#include <string>

#include "app/gui/model/viewmodel.h"

namespace sockscope::gui {

struct SvgOptions {
    bool light = true;         // dark text on white
    float line_px = 20;        // one line unit in pixels
    std::string title;         // drawn at the top (e.g. the step label)
};

std::string process_svg(const World& w, const ProcessLayout& layout, const SvgOptions& o = SvgOptions{});

}  // namespace sockscope::gui
