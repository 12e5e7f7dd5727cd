"""Tests of Sources/AIArtsEngine/Python/aiarts_prune.py (docs/pruning.md).

`PruneIndependentTests` need no torch. `PruneTorchTests` train a resnet18 for one epoch on 32 px
generated images, then analyse and prune it; they are skipped when torch, torchvision, PIL or
torch-pruning is missing, or when AIARTS_SKIP_TORCH_TESTS=1. About a minute on 2 cores.
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
PRUNE = os.path.join(ROOT, "Sources", "AIArtsEngine", "Python", "aiarts_prune.py")
sys.path.insert(0, HERE)  # aiarts_torch.py (a link to the engine's copy)
import aiarts_torch as at  # noqa: E402
from test_aiarts_torch import make_dataset  # noqa: E402

spec = importlib.util.spec_from_file_location("aiarts_prune", PRUNE)
ap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ap)


def has_torch():
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "torchvision", "PIL", "torch_pruning"))


class PruneIndependentTests(unittest.TestCase):
    def test_ratios_are_parsed_sorted_and_checked(self):
        self.assertEqual(ap.parse_ratios("0.3, 0.1,0.3,0.2"), [0.1, 0.2, 0.3])
        for bad in ("", "0", "1", "1.5", "-0.1", "a", "0.1,,x"):
            with self.assertRaises(at.UserError, msg=bad):
                ap.parse_ratios(bad)

    def test_removed_count_leaves_a_channel(self):
        self.assertEqual(ap.removed_count(64, 0.5), 32)
        self.assertEqual(ap.removed_count(64, 0.1), 6)
        self.assertEqual(ap.removed_count(3, 0.9), 2)
        self.assertEqual(ap.removed_count(1, 0.9), 0)
        self.assertEqual(ap.removed_count(10, 0.3), 3)  # not 2 from 10 * 0.3 = 2.9999999999999996

    def test_ratio_plan_from_a_file_is_checked(self):
        tmp = tempfile.mkdtemp(prefix="aiarts-prune-test-")
        self.addCleanup(shutil.rmtree, tmp, True)
        groups = [{"name": "conv1"}, {"name": "layer1.0.conv1"}]

        def plan(ratios):
            path = os.path.join(tmp, "r.json")
            with open(path, "w") as f:
                json.dump(ratios, f)
            return ap.ratio_plan(ap.parse_args(["prune", "--manifest", "m", "--checkpoint", "c", "--out", tmp,
                                                "--ratios-file", path]), groups)

        self.assertEqual(plan({"ratios": {"conv1": 0.5, "layer1.0.conv1": 0}}), {"conv1": 0.5})
        with self.assertRaisesRegex(at.UserError, "no prunable layer fc"):
            plan({"ratios": {"fc": 0.5}})
        with self.assertRaisesRegex(at.UserError, "must be a number"):
            plan({"ratios": {"conv1": 1.0}})
        with self.assertRaisesRegex(at.UserError, "holds no"):
            plan([0.5])
        every = ap.ratio_plan(ap.parse_args(["prune", "--manifest", "m", "--checkpoint", "c", "--out", tmp, "--ratio", "0.25"]), groups)
        self.assertEqual(every, {"conv1": 0.25, "layer1.0.conv1": 0.25})


@unittest.skipUnless(has_torch(), "torch, torchvision, PIL or torch-pruning is not installed")
@unittest.skipIf(os.environ.get("AIARTS_SKIP_TORCH_TESTS") == "1", "AIARTS_SKIP_TORCH_TESTS=1")
class PruneTorchTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="aiarts-prune-test-")
        cls.manifest = make_dataset(os.path.join(cls.tmp, "data"), "classification", count=4, size=32)
        cls.task = os.path.join(cls.tmp, "task")
        run = subprocess.run([sys.executable, os.path.join(HERE, "aiarts_torch.py"), "train", "--manifest", cls.manifest,
                              "--out", cls.task, "--model", "resnet18", "--epochs", "1", "--batch-size", "4",
                              "--image-size", "32", "--workers", "0", "--lr", "0.01"],
                             capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            raise AssertionError("training failed: %s %s" % (run.stdout[-2000:], run.stderr[-2000:]))
        cls.checkpoint = os.path.join(cls.task, "checkpoints", "epoch_1")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_prune(self, *args, check=True):
        env = dict(os.environ, PYTHONPATH=HERE)  # aiarts imports the aiarts_torch.py written beside it
        run = subprocess.run([sys.executable, PRUNE] + [str(a) for a in args], capture_output=True, text=True,
                             timeout=600, env=env)
        if check and run.returncode != 0:
            self.fail("exit %d\n%s\n%s" % (run.returncode, run.stdout[-3000:], run.stderr[-3000:]))
        return run

    def test_zeroed_channels_compute_what_removed_channels_do(self):
        import copy
        import torch
        import torch_pruning as tp
        torch.manual_seed(0)
        model = at.build_model("resnet18", 2, 32).eval()
        for m in model.modules():  # non-trivial BatchNorm statistics, so a wrong zeroing shows
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.5, 0.5)
        x = torch.randn(2, 3, 32, 32)
        graph = ap.dependency_graph(model, x, torch)
        groups = ap.prunable_groups(model, graph, torch)
        self.assertEqual(len(groups), 12, [g["name"] for g in groups])
        for name in ("conv1", "layer2.0.conv1", "layer3.0.downsample.0"):
            g = next(g for g in groups if g["name"] == name)
            group = ap.least_important(graph, g["module"], 0.5, torch)
            saved = ap.zero_channels(group, torch)
            with torch.no_grad():
                masked = model(x).clone()
            ap.restore(saved)
            with torch.no_grad():
                self.assertFalse(torch.allclose(model(x), masked), "zeroing changed nothing for %s" % name)
            removed = sorted(ap.channel_indices(group[0][1]))
            copy_model = copy.deepcopy(model).eval()
            copy_graph = tp.DependencyGraph().build_dependency(copy_model, example_inputs=x)
            root = dict(copy_model.named_modules())[name]
            copy_graph.get_pruning_group(root, copy_graph.get_pruner_of_module(root).prune_out_channels, idxs=removed).prune()
            self.assertEqual(root.out_channels, g["channels"] - len(removed))
            with torch.no_grad():
                self.assertTrue(torch.allclose(copy_model(x), masked, atol=1e-4), "%s: zeroed differs from removed" % name)

    def test_analysis_gives_a_drop_per_layer_and_ratio(self):
        out = os.path.join(self.tmp, "sensitivity.json")
        run = self.run_prune("analyze", "--manifest", self.manifest, "--checkpoint", self.checkpoint, "--out", out,
                             "--ratios", "0.6,0.3")
        with open(out) as f:
            result = json.load(f)
        self.assertEqual(result["format"], ap.SENSITIVITY_FORMAT)
        self.assertEqual(result["ratios"], [0.3, 0.6])
        self.assertEqual(result["metric"], "acc1")
        self.assertEqual(result["images"], 4)
        self.assertEqual(len(result["layers"]), 12)
        for layer in result["layers"]:
            self.assertEqual(len(layer["drops"]), 2)
            for metric, drop in zip(layer["metrics"], layer["drops"]):
                self.assertTrue(0 <= metric <= 1)
                self.assertAlmostEqual(drop, result["baseline"] - metric, places=5)
        progress = [l for l in run.stdout.splitlines() if l.startswith("progress ")]
        self.assertEqual(len(progress), 24)
        self.assertTrue(progress[-1].startswith("progress 24/24 "))

    def test_pruned_model_has_fewer_channels_and_trains(self):
        import torch
        out = os.path.join(self.tmp, "pruned")
        self.run_prune("prune", "--manifest", self.manifest, "--checkpoint", self.checkpoint, "--out", out, "--ratio", "0.5")
        with open(os.path.join(out, "report.json")) as f:
            report = json.load(f)
        self.assertLess(report["pruned"]["params"], report["before"]["params"] * 0.4)
        self.assertLess(report["pruned"]["flops"], report["before"]["flops"] * 0.4)
        self.assertGreater(report["before"]["latency_ms"], 0)
        self.assertIn("metric", report["pruned"])
        conv1 = next(l for l in report["layers"] if l["name"] == "layer1.0.conv1")
        self.assertEqual((conv1["channels_before"], conv1["channels_after"]), (64, 32))
        model, state = at.model_from_checkpoint(os.path.join(out, "pruned.pt"), torch, torch.device("cpu"))
        self.assertTrue(state["pruned"])
        self.assertEqual(model.layer1[0].conv1.out_channels, 32)
        self.assertEqual(sum(p.numel() for p in model.parameters()), report["pruned"]["params"])
        with torch.no_grad():
            self.assertEqual(tuple(model(torch.randn(1, 3, 32, 32)).shape), (1, 2))
        # Fine-tuning: the trainer starts from the pruned checkpoint, and what it saves loads again.
        task = os.path.join(self.tmp, "finetune")
        run = subprocess.run([sys.executable, os.path.join(HERE, "aiarts_torch.py"), "train", "--manifest", self.manifest,
                              "--out", task, "--model", "resnet18", "--epochs", "1", "--batch-size", "4",
                              "--image-size", "32", "--workers", "0", "--lr", "0.01",
                              "--pretrained", os.path.join(out, "pruned.pt")], capture_output=True, text=True, timeout=600)
        self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-2000:])
        self.assertIn("0 with another shape", run.stdout + run.stderr)
        tuned, _ = at.model_from_checkpoint(os.path.join(task, "checkpoints", "epoch_1"), torch, torch.device("cpu"))
        self.assertEqual(sum(p.numel() for p in tuned.parameters()), report["pruned"]["params"])

    def test_unknown_layer_in_a_ratios_file_is_one_line(self):
        path = os.path.join(self.tmp, "ratios.json")
        with open(path, "w") as f:
            json.dump({"ratios": {"nope": 0.5}}, f)
        run = self.run_prune("prune", "--manifest", self.manifest, "--checkpoint", self.checkpoint,
                             "--out", os.path.join(self.tmp, "x"), "--ratios-file", path, check=False)
        self.assertEqual(run.returncode, 1)
        self.assertIn("error: the model has no prunable layer nope", run.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x", "pruned.pt")))


if __name__ == "__main__":
    unittest.main()
