"""Tests of aiarts_torch.py: `python3 -m unittest discover -s trainers/torch -v`.

TorchIndependentTests run with a plain python3 (no torch, no PIL). TorchTests train every kind of
model for a step or two on tiny generated datasets on the CPU (3 to 12 minutes on 2 shared cores); they
are skipped when torch, torchvision or PIL is missing, or when AIARTS_SKIP_TORCH_TESTS=1.
"""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "aiarts_torch.py")
sys.path.insert(0, HERE)
import aiarts_torch as at  # noqa: E402


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def has_torch():
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "torchvision", "PIL"))


def make_dataset(root, kind, count=4, size=48):
    """A tiny dataset of generated images and its manifest; returns the manifest path.

    Each image is grey with one coloured square; its label is the colour.
    """
    from PIL import Image, ImageDraw
    labels = ["red", "green"] if kind != "segmentation" else ["background", "red", "green"]
    colours = [(220, 30, 30), (30, 200, 30)]
    splits = {"train": [], "val": []}
    for split in splits:
        for i in range(count):
            c = i % 2
            image = Image.new("RGB", (size + 8 * (i % 2), size), (128, 128, 128))
            x, y, w = 6 + i, 8, size // 2
            ImageDraw.Draw(image).rectangle([x, y, x + w - 1, y + w - 1], fill=colours[c])
            rel = "images/%s_%d.jpg" % (split, i)
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            image.save(path, quality=95)
            sample = {"file": rel, "image": path, "width": image.size[0], "height": image.size[1]}
            if kind == "classification":
                sample["label"] = c
                sample["annotations"] = [{"label": c}]
            elif kind == "segmentation":
                mask = Image.new("L", image.size, 0)
                ImageDraw.Draw(mask).rectangle([x, y, x + w - 1, y + w - 1], fill=c + 1)
                mrel = "masks/%s_%d.png" % (split, i)
                mpath = os.path.join(root, mrel)
                os.makedirs(os.path.dirname(mpath), exist_ok=True)
                mask.save(mpath)
                sample["mask"] = mpath
                sample["mask_file"] = mrel
            else:
                a = {"label": c, "bbox": [x, y, w, w], "iscrowd": False, "difficult": False}
                if kind == "instance_segmentation":
                    a["segmentation"] = [[x, y, x + w, y, x + w, y + w, x, y + w]]
                sample["annotations"] = [a]
            splits[split].append(sample)
    manifest = {"version": 1, "dataset": "D0001", "name": "generated", "type": kind, "root": root,
                "labels": labels, "splits": splits}
    path = os.path.join(root, "dataset.json")
    with open(path, "w") as f:
        json.dump(manifest, f)
    return path


class TorchIndependentTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aiarts-torch-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(data if isinstance(data, str) else json.dumps(data))
        return path

    def test_keep_checkpoints_keeps_the_last_n_and_the_best(self):
        written = [("checkpoints/epoch_%d" % e, e == 2) for e in range(1, 7)]
        self.assertEqual(at.checkpoints_to_prune(written, 2),
                         ["checkpoints/epoch_1", "checkpoints/epoch_3", "checkpoints/epoch_4"])
        self.assertEqual(at.checkpoints_to_prune(written, 0), [])
        self.assertEqual(at.checkpoints_to_prune(written, 10), [])
        for name in ("epoch_1", "epoch_3", "epoch_5"):
            os.makedirs(os.path.join(self.tmp, "checkpoints", name))
        at.prune_checkpoints(self.tmp, ["checkpoints/epoch_1", "checkpoints/epoch_3", "../escape", "checkpoints/../x"])
        self.assertEqual(sorted(os.listdir(os.path.join(self.tmp, "checkpoints"))), ["epoch_5"])

    def test_manifest_is_read_and_checked(self):
        good = {"type": "detection", "labels": ["a", "b"], "splits": {"train": [
            {"file": "x.jpg", "image": "/nowhere/x.jpg", "annotations": [{"label": 1, "bbox": [0, 0, 2, 2]}]}]}}
        m = at.load_manifest(self.write("m.json", good))
        self.assertEqual(at.split_samples(m, "train")[0]["file"], "x.jpg")
        self.assertEqual(at.split_samples(m, "val"), [])
        bad_label = dict(good, splits={"train": [{"file": "x", "image": "x", "annotations": [{"label": 2}]}]})
        for broken, words in [("{", "cannot read"), ({"type": "video", "labels": [], "splits": {}}, "unknown type"),
                              (dict(good, labels=None), "no list of labels"), (bad_label, "has 2 labels")]:
            with self.assertRaises(at.UserError) as e:
                at.load_manifest(self.write("bad.json", broken))
            self.assertIn(words, str(e.exception))
        with self.assertRaises(at.UserError) as e:
            at.load_manifest(os.path.join(self.tmp, "absent.json"))
        self.assertIn("No such file or directory: '", str(e.exception))

    def test_missing_files_are_listed(self):
        present = self.write("a.jpg", "x")
        samples = [{"file": "a.jpg", "image": present}, {"file": "b.jpg", "image": os.path.join(self.tmp, "b.jpg")}]
        self.assertEqual(at.missing_files(samples), [os.path.join(self.tmp, "b.jpg")])

    def test_models_must_fit_the_dataset_type(self):
        at.check_model_fits("resnet18", "classification")
        at.check_model_fits("fasterrcnn_mobilenet_v3_large_fpn", "instance_segmentation")
        with self.assertRaises(at.UserError) as e:
            at.check_model_fits("resnet18", "detection")
        self.assertIn("trains classification datasets; this dataset is detection", str(e.exception))
        with self.assertRaises(at.UserError):
            at.check_model_fits("vgg16", "classification")

    def test_metrics_lines_are_json_with_null_for_non_finite(self):
        path = os.path.join(self.tmp, "metrics.jsonl")
        w = at.MetricsWriter(path)
        w.write("train", epoch=1, epochs=2, step=1, steps=4, loss=float("nan"), lr=0.1, time=1.5)
        w.write("checkpoint", epoch=1, path="checkpoints/epoch_1", best=True)
        at.MetricsWriter(path, enabled=False).write("train", loss=1.0)
        with open(path) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertEqual(json.loads(lines[0]), {"type": "train", "epoch": 1, "epochs": 2, "step": 1, "steps": 4,
                                                "loss": None, "lr": 0.1, "time": 1.5})
        self.assertEqual(json.loads(lines[1])["best"], True)

    def test_learning_rate_schedules(self):
        self.assertAlmostEqual(at.lr_factor(0, 100, 10, "cosine"), 0.1)
        self.assertAlmostEqual(at.lr_factor(9, 100, 10, "cosine"), 1.0)
        self.assertAlmostEqual(at.lr_factor(10, 100, 10, "cosine"), 1.0)
        self.assertAlmostEqual(at.lr_factor(100, 100, 10, "cosine"), 0.0)
        self.assertAlmostEqual(at.lr_factor(55, 100, 10, "cosine"), 0.5)
        self.assertEqual(at.lr_factor(50, 100, 0, "constant"), 1.0)
        self.assertEqual([at.lr_factor(s, 100, 0, "step") for s in (0, 59, 60, 85)], [1.0, 1.0, 0.1, 0.01])

    def test_predictions_file(self):
        path = os.path.join(self.tmp, "predictions.jsonl")
        w = at.PredictionsWriter(path, "instance_segmentation", ["cat", "dog"], "val", 3)
        w.classification("a.jpg", [("cat", 0.2), ("dog", 0.8)])
        w.detection("b.jpg", [{"label": "dog", "score": 0.5, "bbox": [1, 2, 3, 4],
                               "segmentation": {"size": [2, 2], "counts": "04"}}])
        w.segmentation("c.png", "masks/c.png")
        self.assertFalse(os.path.exists(path), "the file appears only when complete")
        w.close()
        with open(path) as f:
            lines = [json.loads(l) for l in f]
        self.assertEqual(lines[0], {"type": "header", "task": "instance_segmentation", "labels": ["cat", "dog"],
                                    "split": "val", "epoch": 3})
        self.assertEqual(lines[1]["labels"], [{"label": "dog", "score": 0.8}, {"label": "cat", "score": 0.2}])
        self.assertEqual(lines[2]["boxes"][0]["bbox"], [1, 2, 3, 4])
        self.assertEqual(lines[2]["boxes"][0]["segmentation"]["size"], [2, 2])
        self.assertEqual(lines[3], {"file": "c.png", "mask": "masks/c.png"})

    def test_rle_round_trip(self):
        # 3x3 mask, column-major 0 0 1 / 1 1 0 / 0 0 0 -> runs 2,3,4
        counts = at.rle_counts_from_column_major([0, 0, 1, 1, 1, 0, 0, 0, 0])
        self.assertEqual(counts, [2, 3, 4])
        self.assertEqual(at.rle_counts_from_column_major([1, 1, 0]), [0, 2, 1])
        for c in ([2, 3, 4], [0, 5, 100, 7, 3, 1000], [12345, 1, 2, 30000, 4]):
            self.assertEqual(at.rle_from_string(at.rle_to_string(c)), c)
        # pycocotools: a 4x4 mask with a 2x2 square at rows/cols 1..2 -> counts [5,2,2,2,5] -> "52203"
        self.assertEqual(at.rle_to_string([5, 2, 2, 2, 5]), "52203")

    def test_average_precision(self):
        truth = {0: [(0, [0, 0, 10, 10], False)], 1: [(0, [0, 0, 10, 10], False), (1, [5, 5, 5, 5], True)]}
        perfect = {0: [(0, 0.9, [0, 0, 10, 10])], 1: [(0, 0.8, [0, 0, 10, 10]), (1, 0.7, [5, 5, 5, 5])]}
        self.assertAlmostEqual(at.average_precision(perfect, truth, 2, 0.5), 1.0)
        half = {0: [(0, 0.9, [20, 20, 5, 5])], 1: [(0, 0.8, [0, 0, 10, 10])]}
        # ranked: a false positive, then a true positive: recall 0.5 at precision 0.5
        self.assertAlmostEqual(at.average_precision(half, truth, 2, 0.5), 0.25)
        self.assertEqual(at.average_precision({}, {}, 2, 0.5), 0.0)
        self.assertAlmostEqual(at.iou_xywh([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150)

    def test_batches(self):
        self.assertEqual(at.split_batches([0, 1, 2, 3, 4], 2, False), [[0, 1], [2, 3]])
        self.assertEqual(at.split_batches([0, 1, 2, 3, 4, 5, 6], 3, False), [[0, 1, 2], [3, 4, 5]])
        self.assertEqual(at.split_batches([0, 1, 2, 3], 3, False), [[0, 1, 2]])
        self.assertEqual(at.split_batches([0, 1, 2, 3, 4], 3, False), [[0, 1, 2], [3, 4]])
        self.assertEqual(at.split_batches([0, 1, 2, 3, 4], 3, True), [[0, 1, 2]])
        self.assertEqual(at.split_batches([0], 2, False), [[0]])
        self.assertEqual(at.split_batches([0, 1], 1, False), [[0], [1]])

    def test_mean_iou(self):
        miou, acc = at.mean_iou([[3, 1], [0, 4]])
        self.assertAlmostEqual(miou, (3 / 4 + 4 / 5) / 2)
        self.assertAlmostEqual(acc, 7 / 8)

    def test_safe_relative_paths(self):
        self.assertEqual(at.safe_relative("images/a.jpg", ".png"), "images/a.png")
        self.assertEqual(at.safe_relative("../../etc/passwd", ".png"), "etc/passwd.png")
        self.assertEqual(at.safe_relative("/abs/x.JPG", ".png"), "abs/x.png")

    def test_out_of_memory_message_matches_the_engine(self):
        class OutOfMemoryError(RuntimeError):
            pass
        e = OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total capacity of 79 GiB")
        self.assertEqual(at.out_of_memory_message(e, 64),
                         "CUDA out of memory at batch size 64 (tried to allocate 20.00 MiB): lower --batch-size or --image-size")
        self.assertIsNone(at.out_of_memory_message(ValueError("no"), 64))

    def test_a_missing_manifest_is_one_line_and_exit_1(self):
        run = subprocess.run([sys.executable, SCRIPT, "train", "--manifest", os.path.join(self.tmp, "none.json"),
                              "--out", self.tmp, "--model", "resnet18"], capture_output=True, text=True)
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.stdout.strip().count("\n"), 0)
        self.assertIn("error: No such file or directory: '", run.stdout)

    def test_a_model_of_another_type_is_refused_before_torch_is_needed(self):
        manifest = self.write("m.json", {"type": "segmentation", "labels": ["a"], "splits": {"train": []}})
        run = subprocess.run([sys.executable, SCRIPT, "train", "--manifest", manifest, "--out", self.tmp,
                              "--model", "resnet18"], capture_output=True, text=True)
        self.assertEqual(run.returncode, 1)
        self.assertIn("model resnet18 trains classification datasets; this dataset is segmentation", run.stdout)


@unittest.skipUnless(has_torch(), "torch, torchvision or PIL is not installed")
@unittest.skipIf(os.environ.get("AIARTS_SKIP_TORCH_TESTS") == "1", "AIARTS_SKIP_TORCH_TESTS=1")
class TorchTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aiarts-torch-test-")
        self.data = os.path.join(self.tmp, "data")
        self.task = os.path.join(self.tmp, "task")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_script(self, *args, check=True, env=None):
        run = subprocess.run([sys.executable, SCRIPT] + [str(a) for a in args], capture_output=True, text=True,
                             env=dict(os.environ, **(env or {})), timeout=900)
        if check and run.returncode != 0:
            self.fail("exit %d\n%s\n%s" % (run.returncode, run.stdout[-3000:], run.stderr[-3000:]))
        return run

    def metrics(self):
        return read_jsonl(os.path.join(self.task, "metrics.jsonl"))

    def train_eval_predict_export(self, kind, model, size, epochs=2, formats="torchscript"):
        manifest = make_dataset(self.data, kind)
        common = ["--manifest", manifest, "--out", self.task, "--model", model, "--batch-size", 2,
                  "--image-size", size, "--workers", 0, "--lr", 0.01, "--warmup-epochs", 1]
        self.run_script("train", *common, "--epochs", 1)
        self.run_script("train", *common, "--epochs", epochs, "--resume", os.path.join(self.task, "checkpoints/epoch_1"))
        lines = self.metrics()
        train = [l for l in lines if l["type"] == "train"]
        self.assertEqual([l["step"] for l in train], list(range(1, 2 * epochs + 1)), "steps continue over the resume")
        self.assertTrue(all(l["steps"] == 2 * l["epochs"] for l in train))
        self.assertEqual([l["epoch"] for l in lines if l["type"] == "eval"], list(range(1, epochs + 1)))
        self.assertEqual([l["path"] for l in lines if l["type"] == "checkpoint"],
                         ["checkpoints/epoch_%d" % e for e in range(1, epochs + 1)])
        last = os.path.join(self.task, "checkpoints/epoch_%d" % epochs)
        predictions = os.path.join(self.task, "eval", "predictions.jsonl")
        os.makedirs(os.path.dirname(predictions))
        self.run_script("eval", "--manifest", manifest, "--checkpoint", last, "--out", predictions)
        rows = read_jsonl(predictions)
        self.assertEqual(rows[0], {"type": "header", "task": kind, "labels": read_json(manifest)["labels"],
                                   "split": "val", "epoch": epochs})
        self.assertEqual([r["file"] for r in rows[1:]], ["images/val_%d.jpg" % i for i in range(4)])
        out = os.path.join(self.tmp, "predict")
        self.run_script("predict", "--checkpoint", last, "--out", out, "--score-threshold", 0.0,
                        os.path.join(self.data, "images/val_0.jpg"))
        result = read_json(os.path.join(out, "val_0.json"))
        self.assertTrue(os.path.getsize(os.path.join(out, "val_0.jpg")) > 0)
        export = os.path.join(self.tmp, "export")
        self.run_script("export", "--checkpoint", last, "--out", export, "--format", formats)
        report = read_json(os.path.join(export, "export.json"))
        self.assertTrue(report["checks"]["torchscript"]["ok"], report)
        self.assertEqual(report["files"]["torchscript"], "model.torchscript.pt")
        return rows, result, report

    def test_classification(self):
        rows, result, report = self.train_eval_predict_export("classification", "resnet18", 32, formats="both")
        self.assertEqual(len(rows[1]["labels"]), 2)
        self.assertGreaterEqual(rows[1]["labels"][0]["score"], rows[1]["labels"][1]["score"])
        self.assertEqual(len(result["labels"]), 2)
        self.assertIn("onnx", report["checks"])

    def test_detection(self):
        rows, result, _ = self.train_eval_predict_export("detection", "fasterrcnn_mobilenet_v3_large_fpn", 64)
        self.assertTrue(all("boxes" in r for r in rows[1:]))
        self.assertIn("boxes", result)
        evals = [l for l in self.metrics() if l["type"] == "eval"]
        self.assertIn("bbox_map", evals[0])

    def test_segmentation(self):
        rows, result, _ = self.train_eval_predict_export("segmentation", "deeplabv3_mobilenet_v3_large", 32)
        from PIL import Image
        with Image.open(os.path.join(self.task, "eval", rows[1]["mask"])) as mask:
            self.assertEqual(mask.size, (48, 48))
        self.assertIn("mask", result)
        self.assertIn("miou", [l for l in self.metrics() if l["type"] == "eval"][0])

    def test_instance_segmentation(self):
        rows, _, _ = self.train_eval_predict_export("instance_segmentation", "maskrcnn_resnet50_fpn", 64, epochs=1)
        for box in (b for r in rows[1:] for b in r["boxes"]):
            self.assertEqual(box["segmentation"]["size"][0], 48)
            self.assertIsInstance(box["segmentation"]["counts"], str)

    def test_sigterm_saves_a_checkpoint_and_exits_0(self):
        manifest = make_dataset(self.data, "classification", count=40)
        # As the engine does: the trainer leads its own process group and the whole group
        # (DataLoader workers included) gets SIGTERM.
        proc = subprocess.Popen([sys.executable, SCRIPT, "train", "--manifest", manifest, "--out", self.task,
                                 "--model", "resnet18", "--batch-size", "2", "--image-size", "32", "--workers", "2",
                                 "--epochs", "3"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            path = os.path.join(self.task, "metrics.jsonl")
            if os.path.exists(path) and len(read_jsonl(path)) >= 1:
                break
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0, output)
        checkpoints = [l for l in self.metrics() if l["type"] == "checkpoint"]
        self.assertEqual(len(checkpoints), 1, output)
        self.assertTrue(checkpoints[0].get("partial"), output)
        self.assertTrue(os.path.isfile(os.path.join(self.task, checkpoints[0]["path"], "model.pt")))
        # resuming from it goes on to the end
        self.run_script("train", "--manifest", manifest, "--out", self.task, "--model", "resnet18", "--batch-size", 2,
                        "--image-size", 32, "--workers", 0, "--epochs", 1,
                        "--resume", os.path.join(self.task, checkpoints[0]["path"]))
        self.assertEqual(self.metrics()[-1]["type"], "checkpoint")

    def test_two_processes_through_torchrun(self):
        """DistributedDataParallel on the CPU (gloo): one set of metrics lines, from rank 0."""
        manifest = make_dataset(self.data, "classification")
        run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                              SCRIPT, "train", "--manifest", manifest, "--out", self.task, "--model", "resnet18",
                              "--batch-size", "1", "--image-size", "64", "--workers", "0", "--epochs", "2"],
                             capture_output=True, text=True, timeout=600)
        self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-2000:])
        lines = self.metrics()
        # 4 images, 2 processes of batch 1: 2 steps per epoch
        self.assertEqual([l["step"] for l in lines if l["type"] == "train"], [1, 2, 3, 4])
        self.assertEqual([l["type"] for l in lines].count("eval"), 2)
        self.assertEqual([l["path"] for l in lines if l["type"] == "checkpoint"], ["checkpoints/epoch_1", "checkpoints/epoch_2"])

    def detection_export(self, name, seed=0):
        """An untrained detection model whose head is randomised (an untrained head scores every box the
        same), exported to ONNX and checked at two image sizes."""
        import torch
        from PIL import Image
        torch.manual_seed(seed)
        model = at.build_model(name, 2, 64).eval()
        with torch.no_grad():
            for p in model.head.parameters() if hasattr(model, "head") else model.roi_heads.parameters():
                p.normal_(0, 0.05)
        image = Image.fromarray((torch.rand(48, 56, 3) * 255).to(torch.uint8).numpy())
        examples = [at.to_tensor(image, torch), at.to_tensor(image.resize(at.check_size(56, 48)), torch)]
        with torch.no_grad():
            references = [model([e])[0] for e in examples]
        path = os.path.join(self.tmp, name + ".onnx")
        os.makedirs(self.tmp, exist_ok=True)
        check = at.export_onnx(model, "detection", examples, references, path, torch)
        return check, at.onnx_signature(path), examples, references, path

    def test_detection_onnx_outputs_are_named_as_torchvision_returns_them(self):
        for name, order in (("ssdlite320_mobilenet_v3_large", ["boxes", "scores", "labels"]),
                            ("fasterrcnn_mobilenet_v3_large_fpn", ["boxes", "labels", "scores"])):
            check, signature, examples, references, path = self.detection_export(name)
            self.assertTrue(check["ok"], check)
            self.assertEqual([o["name"] for o in signature["outputs"]], order, signature)
            self.assertEqual(signature["outputs"][order.index("labels")]["type"], "int64")
            # The check compares by name: the same arrays under swapped names fail it.
            import onnxruntime
            session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
            got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"images": examples[0].numpy()})))
            self.assertTrue(at.compare_detections(references[0], got)[0])
            swapped = {"boxes": got["boxes"], "labels": got["scores"], "scores": got["labels"]}
            swapped = {k: swapped[k] for k in order}
            ok, detail = at.compare_detections(references[0], swapped)
            self.assertFalse(ok, detail)
            # Any height and width: checked at two sizes, and the file says so and runs at others.
            self.assertEqual(check["sizes"], [[56, 48], [70, 36]])
            self.assertTrue(signature["any_size"], signature)
            self.assertEqual(signature["inputs"][0]["shape"], [3, "height", "width"])
            import torch
            for h, w in ((40, 90), (100, 33)):
                boxes = session.run(None, {"images": torch.rand(3, h, w).numpy()})[order.index("boxes")]
                self.assertEqual(boxes.shape[1:], (4,))

    def test_export_json_says_what_the_onnx_file_takes(self):
        manifest = make_dataset(self.data, "detection")
        self.run_script("train", "--manifest", manifest, "--out", self.task, "--model", "fasterrcnn_mobilenet_v3_large_fpn",
                        "--batch-size", 2, "--image-size", 64, "--workers", 0, "--epochs", 1)
        export = os.path.join(self.tmp, "export")
        self.run_script("export", "--checkpoint", os.path.join(self.task, "checkpoints/epoch_1"), "--out", export,
                        "--format", "onnx", "--image", os.path.join(self.data, "images/val_1.jpg"))
        report = read_json(os.path.join(export, "export.json"))
        self.assertTrue(report["ok"], report)
        self.assertTrue(report["onnx"]["any_size"])
        self.assertEqual([o["name"] for o in report["onnx"]["outputs"]], ["boxes", "labels", "scores"])
        self.assertEqual(len(report["checks"]["onnx"]["sizes"]), 2)
        self.assertIn("labels", report["tolerance"])

    def test_batchnorm_momentum_is_usable_for_short_runs(self):
        import torch
        for name in ("mobilenet_v3_small", "deeplabv3_mobilenet_v3_large", "fasterrcnn_mobilenet_v3_large_fpn"):
            norms = [m for m in at.build_model(name, 2, 64).modules() if isinstance(m, torch.nn.BatchNorm2d)]
            self.assertTrue(norms, name)
            self.assertTrue(all(m.momentum == at.BATCHNORM_MOMENTUM for m in norms), name)

    def test_missing_image_is_one_line(self):
        manifest = make_dataset(self.data, "classification")
        os.unlink(os.path.join(self.data, "images/train_1.jpg"))
        run = self.run_script("train", "--manifest", manifest, "--out", self.task, "--model", "resnet18", check=False)
        self.assertEqual(run.returncode, 1)
        self.assertIn("error: No such file or directory: '%s'" % os.path.join(self.data, "images/train_1.jpg"), run.stdout)


if __name__ == "__main__":
    unittest.main()
