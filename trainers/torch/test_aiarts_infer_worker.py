"""Tests of Sources/AIArtsEngine/Python/aiarts_infer_worker.py (docs/inference.md, "The worker protocol").

`WorkerFrameTests` need nothing but the standard library. `WorkerOnnxTests` build small ONNX models with
the onnx package and run the worker on them through its stdin/stdout, as a service does; they skip when
numpy, onnx or onnxruntime is missing. `WorkerTorchScriptTests` need torch; `WorkerDetectionTests` also
torchvision (about 25 s).
"""

import importlib.util
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(ROOT, "Sources", "AIArtsEngine", "Python", "aiarts_infer_worker.py")

spec = importlib.util.spec_from_file_location("aiarts_infer_worker", WORKER)
aw = importlib.util.module_from_spec(spec)
spec.loader.exec_module(aw)


def has(*modules):
    return all(importlib.util.find_spec(m) is not None for m in modules)


def run_frame(shape, values):
    data = struct.pack("<%df" % len(values), *values)
    out = io.BytesIO()
    aw.write_frame(out, {"op": "run", "shape": shape}, data)
    return out.getvalue()


class Worker:
    """The worker as a child process, spoken to like the service does."""

    def __init__(self, *args):
        self.process = subprocess.Popen([sys.executable, WORKER] + list(args), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def read(self):
        return aw.read_frame(self.process.stdout)

    def run(self, shape, values):
        self.process.stdin.write(run_frame(shape, values))
        self.process.stdin.flush()
        header, data = self.read()
        arrays, at = {}, 0
        for out in header.get("outputs", []):
            count = 1
            for d in out["shape"]:
                count *= d
            arrays[out["name"]] = (out["shape"], list(struct.unpack("<%df" % count, data[at:at + 4 * count])))
            at += 4 * count
        return header, arrays

    def close(self):
        self.process.stdin.close()
        code = self.process.wait(timeout=30)
        stderr = self.process.stderr.read().decode()
        self.process.stdout.close()
        self.process.stderr.close()
        return code, stderr


class WorkerFrameTests(unittest.TestCase):
    def test_a_frame_is_read_back_as_written(self):
        stream = io.BytesIO()
        aw.write_frame(stream, {"ok": True, "outputs": []}, b"\x01\x02")
        raw = stream.getvalue()
        self.assertEqual(struct.unpack("<I", raw[:4])[0], len(raw) - 4 - 8 - 2)
        stream.seek(0)
        self.assertEqual(aw.read_frame(stream), ({"ok": True, "outputs": []}, b"\x01\x02"))
        self.assertIsNone(aw.read_frame(stream))  # the end of the stream

    def test_cut_and_oversized_frames(self):
        raw = run_frame([1, 3, 1, 1], [1.0, 2.0, 3.0])
        self.assertIsNone(aw.read_frame(io.BytesIO(raw[:-3])))
        with self.assertRaises(ValueError):
            aw.read_frame(io.BytesIO(struct.pack("<I", aw.MAX_HEADER + 1)))
        with self.assertRaises(ValueError):
            aw.read_frame(io.BytesIO(struct.pack("<I", 2) + b"[]" + struct.pack("<Q", 0)))

    def test_one_line_keeps_the_first_printable_line(self):
        self.assertEqual(aw.one_line(RuntimeError("first\x1b]0;x\x07\nsecond")), "first?]0;x?")
        self.assertEqual(aw.one_line(RuntimeError("")), "RuntimeError")


@unittest.skipUnless(has("numpy", "onnx", "onnxruntime"), "numpy, onnx or onnxruntime is not installed")
class WorkerOnnxTests(unittest.TestCase):
    def model(self, batch):
        """[N, 3, 2, 2] -> the mean of each channel, [N, 3]: logits a test can check by hand."""
        import onnx
        from onnx import TensorProto, helper
        x = helper.make_tensor_value_info("images", TensorProto.FLOAT, [batch, 3, 2, 2])
        y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [batch, 3])
        axes = helper.make_tensor("axes", TensorProto.INT64, [2], [2, 3])
        graph = helper.make_graph([helper.make_node("ReduceMean", ["images", "axes"], ["output"], keepdims=0)],
                                  "mean", [x], [y], initializer=[axes])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        folder = tempfile.mkdtemp(prefix="aiarts-infer-worker-")
        path = os.path.join(folder, "model.onnx")
        onnx.save(model, path)
        return path

    def values(self, n):
        return [float(i % 7) for i in range(n * 12)]

    def expected(self, values, n):
        return [sum(values[(i * 3 + c) * 4:(i * 3 + c) * 4 + 4]) / 4 for i in range(n) for c in range(3)]

    def test_a_dynamic_batch_runs_in_one_call(self):
        worker = Worker("--backend", "onnx", "--model", self.model("batch"))
        hello, _ = worker.read()
        self.assertTrue(hello["ok"])
        self.assertEqual(hello["batch"], "dynamic")
        self.assertEqual(hello["inputs"][0]["shape"], [None, 3, 2, 2])
        self.assertEqual(hello["classes"], 3)
        values = self.values(3)
        header, arrays = worker.run([3, 3, 2, 2], values)
        self.assertTrue(header["ok"], header)
        shape, got = arrays["output"]
        self.assertEqual(shape, [3, 3])
        for a, b in zip(got, self.expected(values, 3)):
            self.assertAlmostEqual(a, b, places=5)
        self.assertEqual(worker.close()[0], 0)

    def test_a_batch_axis_fixed_at_one_runs_image_by_image(self):
        worker = Worker("--backend", "onnx", "--model", self.model(1))
        hello, _ = worker.read()
        self.assertEqual(hello["batch"], "fixed")
        values = self.values(2)
        header, arrays = worker.run([2, 3, 2, 2], values)
        self.assertEqual(arrays["output"][0], [2, 3])
        for a, b in zip(arrays["output"][1], self.expected(values, 2)):
            self.assertAlmostEqual(a, b, places=5)
        worker.close()

    def test_a_bad_request_is_answered_and_the_worker_goes_on(self):
        worker = Worker("--backend", "onnx", "--model", self.model("batch"))
        worker.read()
        header, _ = worker.run([1, 3, 4, 4], self.values(1))  # 12 floats for 48
        self.assertFalse(header["ok"])
        self.assertIn("bytes of data", header["error"])
        header, arrays = worker.run([1, 3, 2, 2], self.values(1))
        self.assertTrue(header["ok"])
        worker.close()

    def test_a_model_that_cannot_load_is_one_line_and_exit_1(self):
        folder = tempfile.mkdtemp(prefix="aiarts-infer-worker-")
        path = os.path.join(folder, "model.onnx")
        with open(path, "wb") as f:
            f.write(b"\x08\x07not onnx")
        worker = Worker("--backend", "onnx", "--model", path)
        hello, _ = worker.read()
        self.assertFalse(hello["ok"])
        self.assertNotIn("\n", hello["error"])
        code, stderr = worker.close()
        self.assertEqual(code, 1)
        self.assertIn(hello["error"], stderr)


@unittest.skipUnless(has("numpy", "torch"), "numpy or torch is not installed")
class WorkerTorchScriptTests(unittest.TestCase):
    def test_a_scripted_model_answers_with_its_output(self):
        import torch

        class Doubler(torch.nn.Module):
            def forward(self, x):
                return {"out": x * 2}

        folder = tempfile.mkdtemp(prefix="aiarts-infer-worker-")
        path = os.path.join(folder, "model.torchscript.pt")
        torch.jit.script(Doubler()).save(path)
        worker = Worker("--backend", "torchscript", "--model", path, "--task", "segmentation")
        hello, _ = worker.read()
        self.assertTrue(hello["ok"], hello)
        self.assertEqual(hello["batch"], "dynamic")
        header, arrays = worker.run([1, 3, 1, 1], [1.0, 2.0, 3.0])
        self.assertEqual(arrays["output"], ([1, 3, 1, 1], [2.0, 4.0, 6.0]))
        self.assertEqual(worker.close()[0], 0)


@unittest.skipUnless(has("numpy", "torch", "torchvision", "onnx", "onnxruntime"), "torch, torchvision, onnx or onnxruntime is not installed")
class WorkerDetectionTests(unittest.TestCase):
    """An untrained SSDlite (torchvision) scripted and exported as aiarts exports detection models: a list of
    CHW images in, boxes, labels and scores out, one image per call, any size. About 25 s."""

    def test_scripted_and_onnx_detection_models_answer_per_image_with_a_batch_axis(self):
        import inspect
        import torch
        import torchvision
        torch.manual_seed(0)
        model = torchvision.models.detection.ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=3).eval()
        folder = tempfile.mkdtemp(prefix="aiarts-infer-worker-")
        scripted = os.path.join(folder, "model.torchscript.pt")
        torch.jit.script(model).save(scripted)
        exported = os.path.join(folder, "model.onnx")
        kwargs = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
        torch.onnx.export(model, ([torch.rand(3, 64, 80)],), exported, input_names=["images"], opset_version=17,
                          output_names=["boxes", "scores", "labels"], dynamic_axes={"images": {1: "h", 2: "w"}}, **kwargs)
        for backend, path in (("torchscript", scripted), ("onnx", exported)):
            worker = Worker("--backend", backend, "--model", path, "--task", "detection")
            hello, _ = worker.read()
            self.assertTrue(hello["ok"], hello)
            self.assertEqual(hello["batch"], "list")
            for h, w in ((64, 80), (48, 72)):
                header, arrays = worker.run([1, 3, h, w], [((i * 37) % 101) / 100 for i in range(3 * h * w)])
                self.assertTrue(header["ok"], header)
                k = arrays["scores"][0][1]
                self.assertEqual(arrays["boxes"][0], [1, k, 4])
                self.assertEqual(arrays["labels"][0], [1, k])
                self.assertTrue(all(0 <= v <= 2 for v in arrays["labels"][1]))
            self.assertEqual(worker.close()[0], 0)


if __name__ == "__main__":
    unittest.main()
