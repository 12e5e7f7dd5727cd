#!/usr/bin/env python3
"""Writes docs/keys.md from keymaps/*.toml: every binding of the shipped keymaps, by context, in the
default keymap's order, with `inherit = "NAME"` resolved as aiarts does it (Config/Keymap.swift).
Run it after editing a keymap: python3 scripts/gen-keys-doc.py"""
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
KEYMAPS = ["default", "vim", "emacs"]
SECTIONS = [
    ("home", "Home view"),
    ("dataset", "a dataset's screen"),
    ("review", "the review screen (docs/review.md)"),
    ("task", "a task's screen"),
    ("gpu", "the GPU screen"),
    ("models", "the Models screen"),
    ("help", "help overlay"),
    ("confirm", "a yes/no question"),
]
DOES = {
    "move_up": "move up", "move_down": "move down", "page_up": "page up", "page_down": "page down",
    "first": "first row (task screen: top of the log)", "last": "last row (task screen: follow the log)",
    "next_pane": "next pane (Models screen: models / services / notebook sessions)", "previous_pane": "previous pane", "reload": "reload the workspace",
    "open": "open the selected dataset's or task's screen (the GPU pane: the GPU screen; Models screen: predictions go to the selected service; Notebooks: the session's URL and ssh -L line)", "start_task": "start the task",
    "stop_task": "stop the task (asks first)", "pause_task": "pause the running task / continue the paused one (it keeps its GPU memory)", "x_axis": "curves: x in steps / epochs / time",
    "smoothing_more": "curves: more smoothing", "smoothing_less": "curves: less smoothing",
    "log_scale": "curves: linear / log y", "outliers": "curves: fit y without outliers / to everything",
    "gpu_screen": "open the GPU screen", "models_screen": "open the Models screen",
    "filter": "filter the focused list", "new_task": "a new task (Tasks pane) or dataset (Datasets pane)",
    "new_project": "a new project", "command_line": "the `:` command line", "help": "help",
    "quit": "quit (training goes on)", "filter_label": "only files with the next label (then all)",
    "filter_split": "only the next split (then all)", "close": "close / back", "search": "search the log",
    "next_match": "next match", "evaluate": "evaluate the best checkpoint (val)",
    "resume_task": "resume from the last checkpoint", "predict_task": "predict the test split",
    "export_task": "export to the model registry", "sort": "sort the processes",
    "open_task": "go to the process's task", "confirm": "yes", "cancel": "no",
    "review": "review these files one at a time (the label and split filter apply)",
    "compare_task": "mark / unmark the task to compare: its curves are drawn with the selected one's (Models screen: the model, for `compare_models`)",
    "edit_params": "edit the task's parameters (before it is started)",
    "import_data": "import more files into the dataset (path, format)",
    "split_data": "split it again at random (val, test fractions)",
    "export_data": "export it (destination, format)",
    **{f"class_{n}": f"the {n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'} label: the image's class, "
       "or the selected box's" for n in range(1, 11)},
    "pick_label": "pick a label by name (type to narrow, Enter assigns)",
    "accept": "accept as reviewed (then the next sample, with auto-advance)",
    "auto_advance": "auto-advance on / off",
    "previous_sample": "previous sample", "next_sample": "next sample",
    "next_unreviewed": "the next sample nobody has decided about",
    "flag": "flag for re-annotation", "mark_bad": "mark the image bad",
    "next_box": "select the next box", "previous_box": "select the previous box",
    "delete_box": "delete the selected box",
    "choose_edge": "choose the edge to nudge (left, top, right, bottom)",
    "nudge_back": "nudge the edge left / up by a screen pixel",
    "nudge_forward": "nudge the edge right / down by a screen pixel",
    "nudge_back_fast": "nudge it left / up by ten", "nudge_forward_fast": "nudge it right / down by ten",
    "hide_overlays": "hold to hide the boxes and labels", "note": "add a note",
    "accept_suggestion": "accept the model's suggestion", "undo": "undo your last decision",
    "redo": "redo what you undid",
    "zoom_in": "curves: zoom the x range in (Curves pane focused, task screen)",
    "zoom_out": "curves: zoom the x range out", "pan_left": "curves: move the x range left",
    "pan_right": "curves: move the x range right", "hide_series": "curves: hide / show the selected series",
    "previous_item": "previous series (Curves) / predicted image (Predictions)",
    "next_item": "next series (Curves) / predicted image (Predictions)",
    "edit_attributes": "the sample's attributes under the batch's annotation task (a form)",
    "predict_image": "predict the image through the chosen (or the only ready) inference service, drawn over it",
    "preprocess_data": "the preprocessing form: an op list previewed on the selected image, then run into a new dataset or added as copies",
    "serve_model": "serve the selected model (a new inference service)",
    "stop_service": "stop the selected service or notebook session (asks first)",
    "remove_service": "remove the selected service or notebook session and its folder (asks first)",
    "compare_models": "compare the marked models side by side (none marked: the selected model's versions)",
    "measure_models": "compare view: time each model on the CPU, then compare again",
}
INTRO = """# Keys

Every binding of the three shipped keymaps (`keymaps/*.toml`), by context. Choose one with
`--keymap NAME` or `keymap = "NAME"` in `~/.config/aiarts/config.toml`; override single bindings in
`~/.config/aiarts/keymap.toml` (docs/ui.md). `Ctrl-C` always quits, whatever the keymap. `?` shows the
bindings of the active keymap on screen. A test checks that every action has a key in every shipped
keymap and that no keymap binds one key twice in one context. This file is written by
`python3 scripts/gen-keys-doc.py` from the keymaps.
"""
OUTRO = "Forms, the `/` filter, the log search, the `:` command line, the review screen's note and its label picker take the keys typed into them; there, Esc leaves and Enter confirms.\n"


def resolve(name, chain=()):
    """A shipped keymap's bindings, context -> action -> keys: its parent's, then each action it lists
    gets exactly its keys, and those keys leave whatever other action of the context had them."""
    if name in chain:
        raise SystemExit(f"keymaps inherit in a circle: {' -> '.join(chain + (name,))}")
    doc = tomllib.loads((ROOT / "keymaps" / f"{name}.toml").read_text())
    maps = resolve(doc["inherit"], chain + (name,)) if "inherit" in doc else {}
    for context, table in doc.items():
        if not isinstance(table, dict):
            continue
        bound = maps.setdefault(context, {})
        for action, keys in table.items():
            keys = [keys] if isinstance(keys, str) else keys
            for other in bound:
                bound[other] = [k for k in bound[other] if k not in keys]
            bound[action] = keys
    return maps


def main():
    maps = {name: resolve(name) for name in KEYMAPS}
    out = [INTRO]
    for context, title in SECTIONS:
        out.append(f"\n## `[{context}]` — {title}\n\n| action | does | {' | '.join(KEYMAPS)} |\n|---|---|{'---|' * len(KEYMAPS)}\n")
        for action in maps["default"][context]:
            keys = [" ".join(f"`{k}`" for k in maps[name][context][action]) for name in KEYMAPS]
            out.append(f"| `{action}` | {DOES[action]} | {' | '.join(keys)} |\n")
    out.append(OUTRO)
    (ROOT / "docs" / "keys.md").write_text("".join(out))


if __name__ == "__main__":
    main()
