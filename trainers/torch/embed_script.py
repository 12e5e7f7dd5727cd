#!/usr/bin/env python3
"""Regenerates Sources/AIArtsEngine/Tasks/Torch/TorchTrainerScript.swift from aiarts_torch.py.

Run after every change to aiarts_torch.py: `python3 trainers/torch/embed_script.py`.
TorchTrainerScriptTests fails, byte for byte, when the two differ.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "aiarts_torch.py")
TARGET = os.path.join(HERE, "..", "..", "Sources", "AIArtsEngine", "Tasks", "Torch", "TorchTrainerScript.swift")

text = open(SOURCE, encoding="utf-8").read()
if '"""#' in text or "\\#" in text or "\r" in text:
    sys.exit("aiarts_torch.py holds a sequence that ends or escapes a Swift raw string (\"\"\"# or \\#, or a CR)")
if not text.endswith("\n"):
    sys.exit("aiarts_torch.py must end with a newline")
swift = (
    "// Generated from trainers/torch/aiarts_torch.py by trainers/torch/embed_script.py: do not edit.\n"
    "// The script compiled in, so a binary copied anywhere can still write it into a task folder.\n"
    "// TorchTrainerScriptTests fails when this copy differs from the file.\n"
    "enum TorchTrainerScript {\n"
    "    static let text = #\"\"\"\n" + text + "\n\"\"\"#\n}\n"
)
with open(TARGET + ".tmp", "w", encoding="utf-8") as f:
    f.write(swift)
os.replace(TARGET + ".tmp", TARGET)
print("wrote", os.path.normpath(TARGET))
