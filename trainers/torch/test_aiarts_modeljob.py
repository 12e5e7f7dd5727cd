"""Tests of Sources/AIArtsEngine/Python/aiarts_modeljob.py (docs/model-jobs.md).

`ModelJobPlainTests` need nothing but the standard library. `ModelJobTorchTests` make a resnet18
aiarts torch checkpoint (32 px, 2 classes, untrained) and a generated dataset, then read it, convert
it to ONNX, upgrade the opset and quantise to int8 (dynamic and static); skipped when torch,
torchvision, onnx, onnxruntime or PIL is missing, or when AIARTS_SKIP_TORCH_TESTS=1.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, "Sources", "AIArtsEngine", "Python", "aiarts_modeljob.py")
sys.path.insert(0, HERE)  # aiarts_torch.py (a link to the engine's copy)

spec = importlib.util.spec_from_file_location("aiarts_modeljob", SCRIPT)
mj = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mj)


def has_modules():
    names = ("torch", "torchvision", "onnx", "onnxruntime", "PIL")
    return os.environ.get("AIARTS_SKIP_TORCH_TESTS") != "1" and all(importlib.util.find_spec(m) is not None for m in names)


def run_job(folder, command, request):
    """Runs the script as aiarts does: beside aiarts_torch.py, a request file in, a result file out."""
    for name, source in (("aiarts_modeljob.py", SCRIPT), ("aiarts_torch.py", os.path.join(HERE, "aiarts_torch.py"))):
        shutil.copy(source, os.path.join(folder, name))
    req, out = os.path.join(folder, "request.json"), os.path.join(folder, "result.json")
    with open(req, "w") as f:
        json.dump(request, f)
    proc = subprocess.run([sys.executable, os.path.join(folder, "aiarts_modeljob.py"), command, "--request", req, "--out", out],
                          capture_output=True, text=True, timeout=300)
    with open(out) as f:
        return proc.returncode, json.load(f), proc.stdout + proc.stderr


class ModelJobPlainTests(unittest.TestCase):
    def test_a_bad_request_is_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            req, out = os.path.join(d, "r.json"), os.path.join(d, "o.json")
            with open(req, "w") as f:
                f.write("[1, 2]")
            self.assertEqual(mj.main(["convert", "--request", req, "--out", out]), 1)
            with open(out) as f:
                self.assertIn("not a JSON object", json.load(f)["error"])

    def test_clean_drops_control_characters(self):
        self.assertEqual(mj.clean("a\x1b]0;x\x07b\nc"), "a]0;xbc")

    def test_compare_needs_equal_shapes_and_counts(self):
        if importlib.util.find_spec("numpy") is None:
            self.skipTest("numpy is not installed")
        import numpy as np
        self.assertEqual(mj.compare([np.zeros((1, 3))], [np.full((1, 3), 0.5)]), (0.5, 0.0))
        self.assertEqual(mj.compare([np.zeros((1, 3))], [np.zeros((1, 4))])[0], float("inf"))
        with self.assertRaises(mj.JobError):
            mj.compare([np.zeros(1)], [np.zeros(1), np.zeros(1)])


@unittest.skipUnless(has_modules(), "torch, torchvision, onnx, onnxruntime or PIL is missing (or AIARTS_SKIP_TORCH_TESTS=1)")
class ModelJobTorchTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import torch
        import aiarts_torch as at
        from test_aiarts_torch import make_dataset
        cls.root = tempfile.mkdtemp(prefix="aiarts-modeljob-")
        cls.manifest = make_dataset(cls.root, "classification", count=4, size=32)
        torch.manual_seed(0)
        model = at.build_model("resnet18", 2, 32)
        cls.checkpoint = os.path.join(cls.root, "model.pt")
        torch.save({"format": at.FORMAT, "model": model.state_dict(), "model_name": "resnet18", "labels": ["red", "green"],
                    "type": "classification", "image_size": 32, "epoch": 1}, cls.checkpoint)
        cls.state_dict = os.path.join(cls.root, "weights.pth")
        torch.save(model.state_dict(), cls.state_dict)
        cls.scripted = os.path.join(cls.root, "model.torchscript.pt")
        torch.jit.script(model.eval()).save(cls.scripted)
        cls.onnx_dir = os.path.join(cls.root, "onnx")
        os.makedirs(cls.onnx_dir)
        code, cls.onnx_result, log = run_job(cls.onnx_dir, "convert", {
            "target": "onnx", "source": cls.checkpoint, "source_kind": "aiarts_checkpoint", "out": os.path.join(cls.onnx_dir, "out"),
            "manifest": cls.manifest, "check_images": 3})
        assert code == 0, log

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def folder(self, name):
        path = os.path.join(self.root, name)
        os.makedirs(path, exist_ok=True)
        return path

    def test_extract_reads_a_checkpoint_a_state_dict_and_torchscript(self):
        code, result, log = run_job(self.folder("extract"), "extract", {"files": [self.checkpoint, self.state_dict, self.scripted]})
        self.assertEqual(code, 0, log)
        ckpt, sd, ts = result["artifacts"]
        self.assertEqual(ckpt["details"]["model"], "resnet18")
        self.assertEqual(ckpt["inputs"][0]["shape"], ["batch", 3, 32, 32])
        self.assertEqual(ckpt["parameter_count"], sd["parameter_count"])  # buffers (BatchNorm running stats) included in both
        self.assertGreater(ts["parameter_count"], 11_000_000)
        self.assertLess(ts["parameter_count"], sd["parameter_count"])  # parameters only, no buffers
        self.assertEqual([i["name"] for i in ts["inputs"]], ["x"])

    def test_extract_refuses_pickled_objects(self):
        path = os.path.join(self.root, "evil.pt")
        import pickle

        class Thing:
            pass
        with open(path, "wb") as f:
            pickle.dump({"a": Thing.__name__, "f": os.getcwd}, f)
        code, result, log = run_job(self.folder("evil"), "extract", {"files": [path]})
        self.assertEqual(code, 0, log)
        self.assertIn("weights_only", result["artifacts"][0]["error"])

    def test_checkpoint_to_onnx_matches_the_source(self):
        r = self.onnx_result
        self.assertTrue(r["check_passed"], r)
        self.assertEqual(r["check_images"], 3)
        self.assertLessEqual(r["max_abs_diff"], r["tolerance"])
        with open(os.path.join(self.onnx_dir, "out", "export.json")) as f:
            self.assertEqual(json.load(f)["preprocess"]["resize"], [32, 32])

    def test_torchscript_and_state_dict_to_onnx(self):
        code, r, log = run_job(self.folder("ts"), "convert", {
            "target": "onnx", "source": self.scripted, "source_kind": "torchscript", "out": os.path.join(self.root, "ts", "out"),
            "image_size": 32, "check_images": 2})
        self.assertEqual(code, 0, log)
        self.assertTrue(r["check_passed"], r)
        code, r, log = run_job(self.folder("sd"), "convert", {
            "target": "onnx", "source": self.state_dict, "source_kind": "state_dict", "out": os.path.join(self.root, "sd", "out"),
            "model_name": "resnet18", "num_labels": 2, "image_size": 32, "check_images": 2})
        self.assertEqual(code, 0, log)
        self.assertTrue(r["check_passed"], r)
        code, r, log = run_job(self.folder("sd3"), "convert", {
            "target": "onnx", "source": self.state_dict, "source_kind": "state_dict", "out": os.path.join(self.root, "sd3", "out"),
            "model_name": "resnet18", "num_labels": 3, "image_size": 32})
        self.assertEqual(code, 1)
        self.assertIn("does not fit resnet18 with 3 classes", r["error"])

    def test_opset_upgrade_and_refusing_a_downgrade(self):
        onnx_file = os.path.join(self.onnx_dir, "out", "model.onnx")
        export = os.path.join(self.onnx_dir, "out", "export.json")
        code, r, log = run_job(self.folder("opset"), "convert", {
            "target": "opset", "opset": 18, "source": onnx_file, "source_kind": "onnx", "out": os.path.join(self.root, "opset", "out"),
            "export_json": export, "manifest": self.manifest, "check_images": 2})
        self.assertEqual(code, 0, log)
        self.assertEqual((r["source_opset"], r["opset"]), (17, 18))
        self.assertTrue(r["check_passed"], r)
        import onnx
        self.assertEqual(mj.default_opset(onnx.load(os.path.join(self.root, "opset", "out", "model.onnx"))), 18)
        code, r, _ = run_job(self.folder("down"), "convert", {
            "target": "opset", "opset": 13, "source": onnx_file, "source_kind": "onnx", "out": os.path.join(self.root, "down", "out")})
        self.assertEqual(code, 1)
        self.assertIn("at opset 17 already", r["error"])

    def test_int8_dynamic_and_static(self):
        onnx_file = os.path.join(self.onnx_dir, "out", "model.onnx")
        export = os.path.join(self.onnx_dir, "out", "export.json")
        for dynamic in (True, False):
            name = "int8-%s" % ("dynamic" if dynamic else "static")
            code, r, log = run_job(self.folder(name), "convert", {
                "target": "int8", "dynamic": dynamic, "calibration": 4, "source": onnx_file, "source_kind": "onnx",
                "out": os.path.join(self.root, name, "out"), "export_json": export, "manifest": self.manifest})
            self.assertEqual(code, 0, log)
            self.assertEqual(r["val_images"], 4)
            self.assertEqual(r["metric"], "acc1")
            self.assertTrue(0 <= r["top1_agreement"] <= 1)
            self.assertLess(r["size_after"], r["size_before"] / 2)
            self.assertEqual(r.get("calibration_images"), None if dynamic else 4)
        code, r, _ = run_job(self.folder("int8-none"), "convert", {
            "target": "int8", "dynamic": False, "source": onnx_file, "source_kind": "onnx", "out": os.path.join(self.root, "int8-none", "out")})
        self.assertEqual(code, 1)
        self.assertIn("use --dynamic", r["error"])


if __name__ == "__main__":
    unittest.main()
