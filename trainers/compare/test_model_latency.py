"""Tests of Sources/AIArtsEngine/Python/model_latency.py (what `aiarts model compare --measure` runs).

    python3 -m unittest discover -s trainers/compare -p 'test_*.py' -v

The torch/onnx tests skip with a message where those modules are missing (scripts/python-env.sh has them).
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "Sources", "AIArtsEngine", "Python", "model_latency.py")
sys.path.insert(0, os.path.dirname(SCRIPT))
import model_latency  # noqa: E402

try:
    import torch
except ImportError:
    torch = None
try:
    import onnx  # noqa: F401
    import onnxruntime  # noqa: F401
    HAVE_ONNX = True
except ImportError:
    HAVE_ONNX = False


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=120)


class PlainTests(unittest.TestCase):
    def test_symbolic_dimensions_become_batch_channels_and_size(self):
        self.assertEqual(model_latency.concrete_shape(["N", 3, "H", "W"], 32), [1, 3, 32, 32])
        self.assertEqual(model_latency.concrete_shape([None, None, None, None], 48), [1, 3, 48, 48])
        self.assertEqual(model_latency.concrete_shape([3, "h", "w"], 40), [3, 40, 40])
        self.assertEqual(model_latency.concrete_shape([1, 3, 224, 224], 32), [1, 3, 224, 224])

    def test_timed_gives_median_and_p90(self):
        median, p90 = model_latency.timed(lambda: None, 5, 1)
        self.assertGreaterEqual(median, 0)
        self.assertGreaterEqual(p90, median)

    def test_missing_file_is_one_line_and_exit_1(self):
        r = run("--model", "/nonexistent/model.onnx", "--format", "onnx")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertIn("no model file", r.stderr)

    def test_bad_sizes_refused(self):
        with tempfile.NamedTemporaryFile(suffix=".onnx") as f:
            r = run("--model", f.name, "--format", "onnx", "--image-size", "2")
            self.assertEqual(r.returncode, 1)
            self.assertIn("--image-size", r.stderr)


@unittest.skipIf(torch is None, "torch is not installed (scripts/python-env.sh installs it)")
class TorchTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        torch.manual_seed(0)
        self.model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                                         torch.nn.Flatten(), torch.nn.Linear(4, 2)).eval()
        self.parameters = sum(p.numel() for p in self.model.parameters())

    def tearDown(self):
        self.dir.cleanup()

    def test_torchscript_is_timed_and_counted(self):
        path = os.path.join(self.dir.name, "model.torchscript.pt")
        torch.jit.script(self.model).save(path)
        r = run("--model", path, "--format", "torchscript", "--image-size", "32", "--runs", "5", "--warmup", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["parameters"], self.parameters)
        self.assertEqual(out["input"], [1, 3, 32, 32])
        self.assertEqual(out["runs"], 5)
        self.assertGreater(out["ms_per_image"], 0)
        self.assertGreaterEqual(out["p90_ms"], out["ms_per_image"])
        self.assertTrue(out["runtime"].startswith("torch "))

    def test_state_dict_is_counted_not_timed(self):
        path = os.path.join(self.dir.name, "model.pt")
        torch.save(self.model.state_dict(), path)
        r = run("--model", path, "--format", "state_dict")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["parameters"], self.parameters)
        self.assertIsNone(out["ms_per_image"])
        self.assertEqual(out["runs"], 0)

    def test_not_torchscript_is_one_line(self):
        path = os.path.join(self.dir.name, "junk.pt")
        with open(path, "wb") as f:
            f.write(b"not a zip")
        r = run("--model", path, "--format", "torchscript")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    @unittest.skipIf(not HAVE_ONNX, "onnx/onnxruntime are not installed")
    def test_onnx_with_dynamic_size_is_timed_and_counted(self):
        path = os.path.join(self.dir.name, "model.onnx")
        torch.onnx.export(self.model, torch.rand(1, 3, 32, 32), path, input_names=["image"], output_names=["logits"],
                          dynamic_axes={"image": {0: "n", 2: "h", 3: "w"}}, dynamo=False)
        r = run("--model", path, "--format", "onnx", "--image-size", "40", "--runs", "5")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["input"], [1, 3, 40, 40])
        self.assertEqual(out["parameters"], self.parameters)
        self.assertTrue(out["runtime"].startswith("onnxruntime "))
        self.assertGreater(out["ms_per_image"], 0)


if __name__ == "__main__":
    unittest.main()
