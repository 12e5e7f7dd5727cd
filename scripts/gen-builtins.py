#!/usr/bin/env python3
"""Writes Sources/AIArtsTUI/Config/BuiltinConfigs.swift from themes/*.toml and keymaps/*.toml.

Run it after editing a shipped theme or keymap; BuiltinConfigsTests fails when the copies drift."""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
out = ["// The shipped themes/ and keymaps/ files, compiled in, so that a binary copied anywhere (a static",
       "// build, no resource bundle beside it) still has them. The .toml files are the source of truth:",
       "// BuiltinConfigsTests fails, byte for byte, when a copy here drifts from its file.",
       "// Written by scripts/gen-builtins.py.",
       "enum BuiltinConfigs {"]
for kind in ("themes", "keymaps"):
    out.append(f"    static let {kind}: [String: String] = [")
    for path in sorted((root / kind).glob("*.toml")):
        body = path.read_text()
        assert '"""#' not in body, path
        out.append(f'        "{path.stem}": #"""')
        out.append(body + '\n"""#,')
    out.append("    ]")
    if kind == "themes":
        out.append("")
out.append("}")
(root / "Sources/AIArtsTUI/Config/BuiltinConfigs.swift").write_text("\n".join(out) + "\n")
