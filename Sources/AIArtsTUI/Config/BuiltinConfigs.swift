// The shipped themes/ and keymaps/ files, compiled in, so that a binary copied anywhere (a static
// build, no resource bundle beside it) still has them. The .toml files are the source of truth:
// BuiltinConfigsTests fails, byte for byte, when a copy here drifts from its file.
// Written by scripts/gen-builtins.py.
enum BuiltinConfigs {
    static let themes: [String: String] = [
        "default": #"""
# aiarts theme: default, for dark terminals. The terminal keeps its own background and text colour.
# Colours: "#rrggbb", an xterm-256 index (0-255), an ANSI name ("red", "bright_blue"), or "default".
# Terminals with fewer colours get the nearest ones; NO_COLOR turns colour off altogether.
name = "default"
description = "Dark: cyan focus, blue selection, on the terminal's own background"

[colors]
background = "default"
text = "default"
dim = 245
border = 240
focus_border = "#5fd7ff"
title = "#e4e4e4"
selection_fg = "#ffffff"
selection_bg = "#005f87"
header = "#303a46"
footer = "#5fd7ff"
status_ok = "#5fd75f"
status_busy = "#ffd75f"
status_error = "#ff5f5f"
chart_1 = "#5fafff"
chart_2 = "#ffaf5f"
chart_3 = "#5fd75f"
chart_4 = "#ff5f87"
chart_5 = "#af87ff"
chart_6 = "#5fd7d7"

"""#,
        "gruvbox-dark": #"""
# aiarts theme: gruvbox dark, from gruvbox's published palette values (bg0 #282828, fg1 #ebdbb2,
# and its bright accents).
name = "gruvbox-dark"
description = "Gruvbox dark: warm greys, yellow focus, blue selection"

[colors]
background = "#282828"   # bg0
text = "#ebdbb2"         # fg1
dim = "#928374"          # gray
border = "#665c54"       # bg3
focus_border = "#fabd2f" # yellow
title = "#ebdbb2"
selection_fg = "#282828"
selection_bg = "#83a598" # blue
header = "#504945"       # bg2
footer = "#8ec07c"       # aqua
status_ok = "#b8bb26"    # green
status_busy = "#fabd2f"  # yellow
status_error = "#fb4934" # red
chart_1 = "#83a598"
chart_2 = "#fe8019"      # orange
chart_3 = "#b8bb26"
chart_4 = "#d3869b"      # purple
chart_5 = "#8ec07c"
chart_6 = "#fabd2f"

"""#,
        "high-contrast": #"""
# aiarts theme: high contrast. Only the 16 ANSI colours, bright on black, so it also holds up on
# 8-colour terminals and under a terminal's own colour scheme.
name = "high-contrast"
description = "Bright ANSI colours on black; yellow focus and selection"

[colors]
background = "black"
text = "bright_white"
dim = "white"
border = "white"
focus_border = "bright_yellow"
title = "bright_white"
selection_fg = "black"
selection_bg = "bright_yellow"
header = "bright_white"
footer = "bright_cyan"
status_ok = "bright_green"
status_busy = "bright_yellow"
status_error = "bright_red"
chart_1 = "bright_cyan"
chart_2 = "bright_magenta"
chart_3 = "bright_green"
chart_4 = "bright_yellow"
chart_5 = "bright_red"
chart_6 = "bright_blue"

"""#,
        "light": #"""
# aiarts theme: light. Sets its own white background, so it reads the same in a dark terminal.
name = "light"
description = "Dark text on white, blue focus"

[colors]
background = "#ffffff"
text = "#1f2328"
dim = "#6e7781"
border = "#afb8c1"
focus_border = "#0969da"
title = "#1f2328"
selection_fg = "#0b1f33"
selection_bg = "#b6e3ff"
header = "#0969da"
footer = "#0550ae"
status_ok = "#1a7f37"
status_busy = "#9a6700"
status_error = "#cf222e"
chart_1 = "#0969da"
chart_2 = "#bc4c00"
chart_3 = "#1a7f37"
chart_4 = "#cf222e"
chart_5 = "#8250df"
chart_6 = "#1b7c83"

"""#,
    ]

    static let keymaps: [String: String] = [
        "default": #"""
# aiarts keymap: default. Arrows, Page Up/Down, Home/End, Tab and Esc do what they say; a few letters
# too (j k to move, g G for first and last, r reloads, ? helps, q quits).
# Key names: a single character ("k", "G", "?"), up down left right pgup pgdn home end tab shift+tab
# enter esc space backspace delete f1..f12, ctrl+a..ctrl+z. The first key listed is the one the
# footer shows. Override single bindings in ~/.config/aiarts/keymap.toml (see docs/ui.md).
name = "default"
description = "Arrows and the keys a newcomer guesses"

[home]
move_up = ["up", "k"]
move_down = ["down", "j"]
page_up = ["pgup"]
page_down = ["pgdn", "space"]
first = ["home", "g"]
last = ["end", "G"]
next_pane = ["tab", "right"]
previous_pane = ["shift+tab", "left"]
reload = ["r", "f5"]
open = ["enter"]
start_task = ["s"]
stop_task = ["x"]
compare_task = ["c"]
x_axis = ["e"]
smoothing_more = ["+", "="]
smoothing_less = ["-"]
log_scale = ["L"]
outliers = ["O"]
gpu_screen = ["v"]
models_screen = ["M"]
filter = ["/"]
close = ["esc"]
new_task = ["n"]
new_project = ["p"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]
zoom_in = ["z"]
zoom_out = ["Z"]
pan_left = [",", "<"]
pan_right = [".", ">"]
hide_series = ["h"]
previous_item = ["["]
next_item = ["]"]

[help]
close = ["esc", "enter", "?"]
quit = ["q"]
move_up = ["up", "k"]
move_down = ["down", "j"]

[confirm]
confirm = ["y", "enter"]
cancel = ["n", "esc"]

[gpu]
move_up = ["up", "k"]
move_down = ["down", "j"]
sort = ["o"]
open_task = ["enter"]
close = ["esc", "v"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]

[models]
move_up = ["up", "k"]
move_down = ["down", "j"]
close = ["esc", "M"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]

[task]
move_up = ["up", "k"]
move_down = ["down", "j"]
page_up = ["pgup"]
page_down = ["pgdn", "space"]
first = ["home", "g"]
last = ["end", "G"]
search = ["/"]
next_match = ["n"]
start_task = ["s"]
stop_task = ["x"]
edit_params = ["p"]
evaluate = ["E"]
resume_task = ["R"]
predict_task = ["P"]
export_task = ["X"]
x_axis = ["e"]
smoothing_more = ["+", "="]
smoothing_less = ["-"]
log_scale = ["L"]
outliers = ["O"]
close = ["esc", "backspace"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]
zoom_in = ["z"]
zoom_out = ["Z"]
pan_left = [",", "<"]
pan_right = [".", ">"]
hide_series = ["h"]
previous_item = ["["]
next_item = ["]"]

[dataset]
move_up = ["up", "k"]
move_down = ["down", "j"]
page_up = ["pgup"]
page_down = ["pgdn", "space"]
first = ["home", "g"]
last = ["end", "G"]
filter_label = ["f"]
filter_split = ["t"]
import_data = ["i"]
split_data = ["S"]
export_data = ["x"]
review = ["r"]
close = ["esc", "backspace"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]

[review]
# 1 … 9, 0: the first ten labels (classification: the image's class; detection: the selected box's)
class_1 = ["1"]
class_2 = ["2"]
class_3 = ["3"]
class_4 = ["4"]
class_5 = ["5"]
class_6 = ["6"]
class_7 = ["7"]
class_8 = ["8"]
class_9 = ["9"]
class_10 = ["0"]
pick_label = ["c", "/"]
accept = ["space"]
auto_advance = ["A"]
previous_sample = ["left", "a"]
next_sample = ["right", "d"]
next_unreviewed = ["u"]
flag = ["f"]
mark_bad = ["b"]
next_box = ["tab"]
previous_box = ["shift+tab"]
delete_box = ["x", "delete"]
choose_edge = ["e"]
nudge_back = ["["]
nudge_forward = ["]"]
nudge_back_fast = ["{"]
nudge_forward_fast = ["}"]
hide_overlays = ["h"]
note = ["n"]
accept_suggestion = ["s"]
undo = ["z"]
redo = ["Z", "ctrl+y"]
edit_attributes = ["t"]
close = ["esc"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]

"""#,
        "emacs": #"""
# aiarts keymap: emacs. Ctrl-N/P move, Ctrl-V pages down, < and > jump (M-< and M-> without Meta),
# Ctrl-O cycles panes, g reloads as in Emacs' special buffers, Ctrl-G or q closes the help.
# Terminals keep ctrl+h (backspace) and ctrl+x ctrl+c sequences out of reach, hence the choices.
name = "emacs"
description = "ctrl+n/p, ctrl+v, < >, ctrl+o, g"

[home]
move_up = ["ctrl+p", "up"]
move_down = ["ctrl+n", "down"]
page_up = ["pgup"]
page_down = ["pgdn", "ctrl+v"]
first = ["<", "home"]
last = [">", "end"]
next_pane = ["tab", "ctrl+o"]
previous_pane = ["shift+tab"]
reload = ["g", "f5"]
open = ["enter"]
start_task = ["s"]
stop_task = ["k"]
compare_task = ["c"]
x_axis = ["e"]
smoothing_more = ["+", "="]
smoothing_less = ["-"]
log_scale = ["L"]
outliers = ["O"]
gpu_screen = ["v"]
models_screen = ["M"]
filter = ["/"]
close = ["esc", "ctrl+g"]
new_task = ["n"]
new_project = ["p"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q", "ctrl+x"]
zoom_in = ["z"]
zoom_out = ["Z"]
pan_left = [","]
pan_right = ["."]
hide_series = ["h"]
previous_item = ["["]
next_item = ["]"]

[help]
close = ["ctrl+g", "q", "esc"]
quit = ["ctrl+x"]
move_up = ["ctrl+p", "up"]
move_down = ["ctrl+n", "down"]

[confirm]
confirm = ["y"]
cancel = ["n", "ctrl+g", "esc"]

[gpu]
move_up = ["ctrl+p", "up"]
move_down = ["ctrl+n", "down"]
sort = ["o"]
open_task = ["enter"]
close = ["ctrl+g", "esc", "v"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q", "ctrl+x"]

[models]
move_up = ["ctrl+p", "up"]
move_down = ["ctrl+n", "down"]
close = ["esc", "M"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]

[task]
move_up = ["ctrl+p", "up"]
move_down = ["ctrl+n", "down"]
page_up = ["pgup"]
page_down = ["pgdn", "ctrl+v"]
first = ["<", "home"]
last = [">", "end"]
search = ["/", "ctrl+r"]
next_match = ["n"]
start_task = ["s"]
stop_task = ["k"]
edit_params = ["p"]
evaluate = ["E"]
resume_task = ["R"]
predict_task = ["P"]
export_task = ["X"]
x_axis = ["e"]
smoothing_more = ["+", "="]
smoothing_less = ["-"]
log_scale = ["L"]
outliers = ["O"]
close = ["ctrl+g", "esc"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q", "ctrl+x"]
zoom_in = ["z"]
zoom_out = ["Z"]
pan_left = [","]
pan_right = ["."]
hide_series = ["h"]
previous_item = ["["]
next_item = ["]"]

[dataset]
move_up = ["ctrl+p", "up"]
move_down = ["ctrl+n", "down"]
page_up = ["pgup"]
page_down = ["pgdn", "ctrl+v"]
first = ["<", "home"]
last = [">", "end"]
filter_label = ["f"]
filter_split = ["t"]
import_data = ["i"]
split_data = ["S"]
export_data = ["x"]
review = ["r"]
close = ["ctrl+g", "esc"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q", "ctrl+x"]

[review]
# 1 … 9, 0: the first ten labels (classification: the image's class; detection: the selected box's)
class_1 = ["1"]
class_2 = ["2"]
class_3 = ["3"]
class_4 = ["4"]
class_5 = ["5"]
class_6 = ["6"]
class_7 = ["7"]
class_8 = ["8"]
class_9 = ["9"]
class_10 = ["0"]
pick_label = ["c", "/"]
accept = ["space"]
auto_advance = ["A"]
previous_sample = ["ctrl+b", "left", "a"]
next_sample = ["ctrl+f", "right", "d"]
next_unreviewed = ["u"]
flag = ["f"]
mark_bad = ["b"]
next_box = ["ctrl+n", "tab"]
previous_box = ["ctrl+p", "shift+tab"]
delete_box = ["ctrl+d", "delete", "x"]
choose_edge = ["e"]
nudge_back = ["["]
nudge_forward = ["]"]
nudge_back_fast = ["{"]
nudge_forward_fast = ["}"]
hide_overlays = ["h"]
note = ["n"]
accept_suggestion = ["s"]
undo = ["z"]
redo = ["Z"]
edit_attributes = ["t"]
close = ["ctrl+g", "esc"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q", "ctrl+x"]

"""#,
        "vim": #"""
# aiarts keymap: vim. h j k l, Ctrl-D/U and Ctrl-F/B page, g and G jump, Ctrl-W cycles panes.
name = "vim"
description = "h j k l, ctrl+d/u and ctrl+f/b, g G, ctrl+w"

[home]
move_up = ["k", "up"]
move_down = ["j", "down"]
page_up = ["ctrl+u", "ctrl+b", "pgup"]
page_down = ["ctrl+d", "ctrl+f", "pgdn"]
first = ["g", "home"]
last = ["G", "end"]
next_pane = ["l", "tab", "ctrl+w"]
previous_pane = ["h", "shift+tab"]
reload = ["r", "ctrl+l"]
open = ["enter"]
start_task = ["s"]
stop_task = ["x"]
compare_task = ["c"]
x_axis = ["e"]
smoothing_more = ["+", "="]
smoothing_less = ["-"]
log_scale = ["L"]
outliers = ["O"]
gpu_screen = ["v"]
models_screen = ["M"]
filter = ["/"]
close = ["esc"]
new_task = ["n"]
new_project = ["p"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]
zoom_in = ["z"]
zoom_out = ["Z"]
pan_left = [",", "<"]
pan_right = [".", ">"]
hide_series = ["H"]
previous_item = ["["]
next_item = ["]"]

[help]
close = ["esc", "?", "enter"]
quit = ["q"]
move_up = ["k", "up"]
move_down = ["j", "down"]

[confirm]
confirm = ["y", "enter"]
cancel = ["n", "esc"]

[gpu]
move_up = ["k", "up"]
move_down = ["j", "down"]
sort = ["o"]
open_task = ["enter"]
close = ["esc", "v"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]

[models]
move_up = ["k", "up"]
move_down = ["j", "down"]
close = ["esc", "M"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]

[task]
move_up = ["k", "up"]
move_down = ["j", "down"]
page_up = ["ctrl+u", "ctrl+b", "pgup"]
page_down = ["ctrl+d", "ctrl+f", "pgdn"]
first = ["g", "home"]
last = ["G", "end"]
search = ["/"]
next_match = ["n"]
start_task = ["s"]
stop_task = ["x"]
edit_params = ["p"]
evaluate = ["E"]
resume_task = ["R"]
predict_task = ["P"]
export_task = ["X"]
x_axis = ["e"]
smoothing_more = ["+", "="]
smoothing_less = ["-"]
log_scale = ["L"]
outliers = ["O"]
close = ["esc", "h"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]
zoom_in = ["z"]
zoom_out = ["Z"]
pan_left = [",", "<"]
pan_right = [".", ">"]
hide_series = ["H"]
previous_item = ["["]
next_item = ["]"]

[dataset]
move_up = ["k", "up"]
move_down = ["j", "down"]
page_up = ["ctrl+u", "ctrl+b", "pgup"]
page_down = ["ctrl+d", "ctrl+f", "pgdn"]
first = ["g", "home"]
last = ["G", "end"]
filter_label = ["f"]
filter_split = ["t"]
import_data = ["i"]
split_data = ["S"]
export_data = ["x"]
review = ["r"]
close = ["esc", "h"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]

[review]
# 1 … 9, 0: the first ten labels (classification: the image's class; detection: the selected box's)
class_1 = ["1"]
class_2 = ["2"]
class_3 = ["3"]
class_4 = ["4"]
class_5 = ["5"]
class_6 = ["6"]
class_7 = ["7"]
class_8 = ["8"]
class_9 = ["9"]
class_10 = ["0"]
pick_label = ["/", "c"]
accept = ["space"]
auto_advance = ["A"]
previous_sample = ["h", "left", "a"]
next_sample = ["l", "right", "d"]
next_unreviewed = ["n"]
flag = ["f"]
mark_bad = ["b"]
next_box = ["j", "tab"]
previous_box = ["k", "shift+tab"]
delete_box = ["x", "delete"]
choose_edge = ["e"]
nudge_back = ["["]
nudge_forward = ["]"]
nudge_back_fast = ["{"]
nudge_forward_fast = ["}"]
hide_overlays = ["o"]
note = ["i"]
accept_suggestion = ["s"]
undo = ["u"]
redo = ["ctrl+r"]
edit_attributes = ["t"]
close = ["esc"]
command_line = [":"]
help = ["?", "f1"]
quit = ["q"]

"""#,
    ]
}
