"""Tests of Sources/AIArtsEngine/Python/aiarts_metrics.py (the snippet every notebook session holds).

    python3 -m unittest discover -s trainers/notebooks -p 'test_*.py' -v

The tensor test skips with a message where torch is missing (scripts/python-env.sh has it).
"""
import json
import math
import os
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Sources", "AIArtsEngine", "Python"))
import aiarts_metrics  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


class LogTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.folder.name, "metrics.jsonl")
        self.saved = os.environ.get("AIARTS_METRICS")
        os.environ["AIARTS_METRICS"] = self.path

    def tearDown(self):
        if self.saved is None:
            os.environ.pop("AIARTS_METRICS", None)
        else:
            os.environ["AIARTS_METRICS"] = self.saved
        self.folder.cleanup()

    def lines(self):
        with open(self.path) as f:
            return [json.loads(line) for line in f]

    def test_a_train_line_with_step_and_time(self):
        aiarts_metrics.log(step=3, loss=0.5, acc=1)
        [line] = self.lines()
        self.assertEqual(line["type"], "train")
        self.assertEqual(line["step"], 3)
        self.assertEqual(line["loss"], 0.5)
        self.assertEqual(line["acc"], 1)
        self.assertIsInstance(line["time"], float)

    def test_kind_and_epoch(self):
        aiarts_metrics.log(step=4, kind="eval", epoch=1.5, acc1=0.9)
        [line] = self.lines()
        self.assertEqual((line["type"], line["epoch"], line["acc1"]), ("eval", 1.5, 0.9))

    def test_lines_append(self):
        for step in range(5):
            aiarts_metrics.log(step=step, loss=1.0 / (step + 1))
        self.assertEqual([l["step"] for l in self.lines()], [0, 1, 2, 3, 4])

    def test_nan_is_written_as_python_writes_it(self):
        aiarts_metrics.log(step=1, loss=float("nan"))
        with open(self.path) as f:
            self.assertIn("NaN", f.read())

    def test_bad_values_are_refused_and_nothing_written(self):
        with self.assertRaisesRegex(TypeError, "loss: str is not a number"):
            aiarts_metrics.log(step=1, loss="low")
        with self.assertRaisesRegex(TypeError, "boolean"):
            aiarts_metrics.log(step=1, ok=True)
        with self.assertRaisesRegex(ValueError, "whole number"):
            aiarts_metrics.log(step=1.5, loss=1)
        with self.assertRaisesRegex(ValueError, "between 0"):
            aiarts_metrics.log(step=-1, loss=1)
        with self.assertRaisesRegex(ValueError, "epoch"):
            aiarts_metrics.log(step=1, epoch=float("inf"), loss=1)
        with self.assertRaisesRegex(TypeError, "reserved"):
            aiarts_metrics.log(step=1, steps=10)
        with self.assertRaisesRegex(TypeError, "at least one metric"):
            aiarts_metrics.log(step=1)
        self.assertFalse(os.path.exists(self.path))

    def test_without_the_variable_the_file_beside_the_module(self):
        os.environ.pop("AIARTS_METRICS")
        expected = os.path.join(os.path.dirname(os.path.abspath(aiarts_metrics.__file__)), "metrics.jsonl")
        self.assertEqual(aiarts_metrics.metrics_path(), expected)

    def test_threads_never_interleave_a_line(self):
        def worker(n):
            for step in range(200):
                aiarts_metrics.log(step=step, **{"w%d" % n: step * 1.0})
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(self.lines()), 800)

    @unittest.skipIf(torch is None, "torch is not installed here (scripts/python-env.sh has it)")
    def test_tensors_become_numbers(self):
        aiarts_metrics.log(step=torch.tensor(2), loss=torch.tensor(0.25))
        [line] = self.lines()
        self.assertEqual(line["step"], 2)
        self.assertTrue(math.isclose(line["loss"], 0.25))
        with self.assertRaisesRegex(TypeError, "not a single number"):
            aiarts_metrics.log(step=1, loss=torch.ones(3))


if __name__ == "__main__":
    unittest.main()
