#!/usr/bin/env python3
"""aiarts PyTorch trainers: train, eval, predict and export torchvision models on an aiarts dataset.

The engine writes this script and dataset.json (the manifest) into a task folder and runs
`python3 aiarts_torch.py train --manifest dataset.json --out TASKDIR ...` there (through
`python3 -m torch.distributed.run` when the task has several GPUs). docs/torch-trainers.md says
what every option does. Nothing is ever downloaded: models are built with weights=None and
weights_backbone=None, and --pretrained loads a local file.

Everything above the line "torch from here on" works with a plain python3 (no torch, no PIL):
test_aiarts_torch.py tests it without torch.
"""

import argparse
import json
import math
import os
import random
import signal
import sys
import time

FORMAT = "aiarts-torch-1"
TYPES = ("classification", "detection", "segmentation", "instance_segmentation")

# Model name -> dataset type it trains on.
MODELS = {
    "resnet18": "classification",
    "resnet50": "classification",
    "mobilenet_v3_large": "classification",
    "mobilenet_v3_small": "classification",
    "fasterrcnn_mobilenet_v3_large_fpn": "detection",
    "retinanet_resnet50_fpn": "detection",
    "ssdlite320_mobilenet_v3_large": "detection",
    "deeplabv3_mobilenet_v3_large": "segmentation",
    "deeplabv3_resnet50": "segmentation",
    "fcn_resnet50": "segmentation",
    "maskrcnn_resnet50_fpn": "instance_segmentation",
}

# Detection models also train on instance segmentation datasets (their boxes).
ACCEPTS = {
    "classification": ("classification",),
    "detection": ("detection", "instance_segmentation"),
    "segmentation": ("segmentation",),
    "instance_segmentation": ("instance_segmentation",),
}

IGNORE_INDEX = 255


class UserError(Exception):
    """A problem the person running the trainer can fix; printed as one line, exit status 1."""


def log(message):
    print(message, flush=True)


def clean_text(text):
    """A label or path safe to print on one line: control characters removed."""
    return "".join(ch for ch in str(text) if ch >= " " and ch != "\x7f")


# ---------------------------------------------------------------------------------------------
# Manifest


def load_manifest(path):
    """Reads and checks dataset.json; raises UserError with what is wrong."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise UserError("No such file or directory: '%s' (the dataset manifest)" % path)
    except (OSError, ValueError) as e:
        raise UserError("cannot read the dataset manifest %s: %s" % (path, e))
    if not isinstance(data, dict):
        raise UserError("the dataset manifest %s is not a JSON object" % path)
    kind = data.get("type")
    if kind not in TYPES:
        raise UserError("the dataset manifest %s has an unknown type %r" % (path, kind))
    labels = data.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise UserError("the dataset manifest %s has no list of labels" % path)
    splits = data.get("splits")
    if not isinstance(splits, dict):
        raise UserError("the dataset manifest %s has no splits" % path)
    for name, samples in splits.items():
        if not isinstance(samples, list):
            raise UserError("split %r of %s is not a list" % (name, path))
        for i, s in enumerate(samples):
            if not isinstance(s, dict) or not isinstance(s.get("file"), str) or not isinstance(s.get("image"), str):
                raise UserError("sample %d of split %r in %s has no file/image" % (i, name, path))
            for a in s.get("annotations", []) or []:
                label = a.get("label") if isinstance(a, dict) else None
                if not isinstance(label, int) or not 0 <= label < len(labels):
                    raise UserError("%s: an annotation has label %r; the dataset has %d labels" % (s["file"], label, len(labels)))
    return data


def split_samples(manifest, split):
    return manifest.get("splits", {}).get(split, []) or []


def check_model_fits(model, dataset_type):
    if model not in MODELS:
        raise UserError("unknown model %r; choose one of %s" % (model, ", ".join(MODELS)))
    if dataset_type not in ACCEPTS[MODELS[model]]:
        raise UserError("model %s trains %s datasets; this dataset is %s (choose one of %s)" % (
            model, MODELS[model], dataset_type,
            ", ".join(m for m, t in MODELS.items() if dataset_type in ACCEPTS[t])))


def missing_files(samples, limit=5):
    """Image (and mask) paths of samples that do not exist, at most `limit`."""
    missing = []
    for s in samples:
        for p in (s.get("image"), s.get("mask")):
            if p and not os.path.isfile(p):
                missing.append(p)
                if len(missing) >= limit:
                    return missing
    return missing


def classification_target(sample):
    """The class index a classification sample trains on: its first annotation's, else None."""
    if isinstance(sample.get("label"), int):
        return sample["label"]
    anns = sample.get("annotations") or []
    return anns[0]["label"] if anns else None


# ---------------------------------------------------------------------------------------------
# Metrics protocol


def finite_or_none(value):
    if isinstance(value, bool) or value is None:
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class MetricsWriter:
    """Appends protocol lines (docs/metrics-protocol.md), one write(2) per line, O_APPEND."""

    def __init__(self, path, enabled=True):
        self.path = path
        self.enabled = enabled

    def write(self, kind, **fields):
        if not self.enabled:
            return None
        record = {"type": kind}
        for name, value in fields.items():
            record[name] = finite_or_none(value)
        line = (json.dumps(record, allow_nan=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return record


# ---------------------------------------------------------------------------------------------
# Learning rate


def split_batches(indices, batch_size, drop_last):
    """Batches of one epoch. A last batch of a single image is dropped too (when batches are
    larger): BatchNorm cannot train on one value per channel."""
    batches = [indices[i:i + batch_size] for i in range(0, len(indices), batch_size)]
    if drop_last:
        return [b for b in batches if len(b) == batch_size]
    if batch_size > 1 and len(batches) > 1 and len(batches[-1]) == 1:
        batches.pop()
    return batches


def lr_factor(step, total_steps, warmup_steps, schedule):
    """Multiplier of the base rate at global step `step` (0-based): linear warmup, then the schedule."""
    if warmup_steps > 0 and step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant" or total_steps <= warmup_steps:
        return 1.0
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "step":
        return 0.01 if progress >= 0.85 else 0.1 if progress >= 0.6 else 1.0
    raise UserError("unknown --lr-schedule %r (cosine, step or constant)" % schedule)


# ---------------------------------------------------------------------------------------------
# Files


def atomic_write(path, data):
    """Writes bytes to `path` through a temporary file and a rename, fsynced."""
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def safe_relative(file_key, suffix):
    """A relative path under an output folder for a dataset file key: never absolute, no '..'."""
    parts = [p for p in file_key.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        parts = ["image"]
    stem, _ = os.path.splitext(parts[-1])
    parts[-1] = (stem or "image") + suffix
    return "/".join(parts)


class PredictionsWriter:
    """predictions.jsonl: a header line, then one line per image keyed by the manifest's file."""

    def __init__(self, path, task, labels, split, epoch):
        self.path = path
        self.folder = os.path.dirname(os.path.abspath(path))
        self.tmp = "%s.tmp-%d" % (path, os.getpid())
        self.out = open(self.tmp, "w", encoding="utf-8")
        self._line({"type": "header", "task": task, "labels": list(labels), "split": split, "epoch": epoch})

    def _line(self, record):
        self.out.write(json.dumps(record, allow_nan=False) + "\n")

    def classification(self, file_key, scored):
        """scored: [(label, score)]; written sorted by score, highest first."""
        ranked = sorted(scored, key=lambda x: -x[1])
        self._line({"file": file_key, "labels": [{"label": l, "score": round(float(s), 6)} for l, s in ranked]})

    def detection(self, file_key, boxes):
        """boxes: [{"label", "score", "bbox": [x,y,w,h]} (+ "segmentation")]."""
        out = []
        for b in boxes:
            entry = {"label": b["label"], "score": round(float(b["score"]), 6),
                     "bbox": [round(float(v), 3) for v in b["bbox"]]}
            if "segmentation" in b:
                entry["segmentation"] = b["segmentation"]
            out.append(entry)
        self._line({"file": file_key, "boxes": out})

    def segmentation(self, file_key, mask_relative):
        self._line({"file": file_key, "mask": mask_relative})

    def close(self):
        self.out.flush()
        os.fsync(self.out.fileno())
        self.out.close()
        os.replace(self.tmp, self.path)


# ---------------------------------------------------------------------------------------------
# COCO RLE and boxes (pure Python)


def rle_counts_from_column_major(values):
    """Run lengths of a 0/1 sequence in column-major order, starting with a run of zeros."""
    counts = []
    current, run = 0, 0
    for v in values:
        v = 1 if v else 0
        if v == current:
            run += 1
        else:
            counts.append(run)
            current, run = v, 1
    counts.append(run)
    return counts


def rle_to_string(counts):
    """COCO's compressed RLE string (maskApi.c rleToString)."""
    out = []
    for i, c in enumerate(counts):
        x = c - counts[i - 2] if i > 2 else c
        more = True
        while more:
            ch = x & 0x1F
            x >>= 5
            more = not (x == 0 and not (ch & 0x10)) and not (x == -1 and (ch & 0x10))
            if more:
                ch |= 0x20
            out.append(chr(ch + 48))
    return "".join(out)


def rle_from_string(text):
    """Counts from COCO's compressed RLE string (maskApi.c rleFrString)."""
    counts = []
    p = 0
    while p < len(text):
        x, k, more = 0, 0, True
        while more:
            if p >= len(text):
                raise ValueError("truncated RLE string")
            ch = ord(text[p]) - 48
            x |= (ch & 0x1F) << (5 * k)
            more = bool(ch & 0x20)
            p += 1
            k += 1
            if not more and (ch & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def iou_xywh(a, b):
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = min(ax2, bx2) - max(a[0], b[0])
    ih = min(ay2, by2) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def average_precision(detections, ground_truth, num_labels, iou_threshold):
    """Mean over classes with ground truth of the all-point AP at one IoU threshold.

    detections: {image: [(label, score, [x,y,w,h])]}; ground_truth: {image: [(label, [x,y,w,h], ignore)]}.
    A quick in-training figure; the engine's evaluator computes the exact COCO and VOC numbers.
    """
    aps = []
    for c in range(num_labels):
        gts = {img: [(box, ign) for (l, box, ign) in g if l == c] for img, g in ground_truth.items()}
        npos = sum(1 for g in gts.values() for (_, ign) in g if not ign)
        if npos == 0:
            continue
        dets = sorted(((score, img, box) for img, d in detections.items() for (l, score, box) in d if l == c),
                      key=lambda x: -x[0])
        used = {img: [False] * len(g) for img, g in gts.items()}
        tp, fp = [], []
        for score, img, box in dets:
            best, best_j = iou_threshold, -1
            for j, (gbox, ign) in enumerate(gts.get(img, [])):
                o = iou_xywh(box, gbox)
                if o >= best and not used[img][j]:
                    best, best_j = o, j
            if best_j < 0:
                tp.append(0); fp.append(1)
            elif gts[img][best_j][1]:
                continue  # matched an ignored (crowd/difficult) box: neither
            else:
                used[img][best_j] = True
                tp.append(1); fp.append(0)
        ctp = cfp = 0
        recalls, precisions = [], []
        for t, f in zip(tp, fp):
            ctp += t; cfp += f
            recalls.append(ctp / npos)
            precisions.append(ctp / (ctp + cfp))
        # all-point interpolation
        mrec = [0.0] + recalls + [1.0]
        mpre = [0.0] + precisions + [0.0]
        for i in range(len(mpre) - 2, -1, -1):
            mpre[i] = max(mpre[i], mpre[i + 1])
        aps.append(sum((mrec[i + 1] - mrec[i]) * mpre[i + 1] for i in range(len(mrec) - 1)))
    return sum(aps) / len(aps) if aps else 0.0


def mean_iou(confusion):
    """(miou, pixel accuracy) from confusion[true][pred] counts; classes never seen nor predicted are skipped."""
    n = len(confusion)
    ious = []
    total = correct = 0
    for c in range(n):
        tp = confusion[c][c]
        row = sum(confusion[c])
        col = sum(confusion[r][c] for r in range(n))
        total += row
        correct += tp
        denom = row + col - tp
        if denom > 0:
            ious.append(tp / denom)
    return (sum(ious) / len(ious) if ious else 0.0), (correct / total if total else 0.0)


# ---------------------------------------------------------------------------------------------
# Arguments


def parse_args(argv):
    p = argparse.ArgumentParser(prog="aiarts_torch.py", description="aiarts PyTorch trainers (torchvision models)")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model on the manifest's train split, evaluating on val after each epoch")
    t.add_argument("--manifest", required=True)
    t.add_argument("--out", required=True, help="the task folder: checkpoints/, metrics.jsonl")
    t.add_argument("--model", required=True, choices=sorted(MODELS))
    t.add_argument("--epochs", type=int, default=10)
    t.add_argument("--batch-size", type=int, default=8, help="per process (per GPU)")
    t.add_argument("--lr", type=float, default=0.01)
    t.add_argument("--optimizer", choices=["sgd", "adamw"], default="sgd")
    t.add_argument("--weight-decay", type=float, default=1e-4)
    t.add_argument("--lr-schedule", choices=["cosine", "step", "constant"], default="cosine")
    t.add_argument("--warmup-epochs", type=float, default=0.0)
    t.add_argument("--image-size", type=int, default=224)
    t.add_argument("--workers", type=int, default=2)
    t.add_argument("--save-interval", type=int, default=1)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--pretrained", help="a local state_dict (or aiarts checkpoint) to start from")
    t.add_argument("--resume", help="a checkpoint folder (checkpoints/epoch_N) or its model.pt")
    t.add_argument("--keep-checkpoints", type=int, default=0,
                   help="keep this run's last N checkpoints and its best, deleting older ones (0: keep all)")

    e = sub.add_parser("eval", help="write the predictions file of a split")
    e.add_argument("--manifest", required=True)
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--split", default="val")
    e.add_argument("--out", default="predictions.jsonl")
    e.add_argument("--batch-size", type=int, default=4)
    e.add_argument("--workers", type=int, default=2)
    e.add_argument("--top-k", type=int, default=5)
    e.add_argument("--score-threshold", type=float, default=0.0)

    r = sub.add_parser("predict", help="predict images: a JSON result and a JPEG with the result drawn, per image")
    r.add_argument("--checkpoint", required=True)
    r.add_argument("images", nargs="+")
    r.add_argument("--out", required=True)
    r.add_argument("--score-threshold", type=float, default=0.5)
    r.add_argument("--top-k", type=int, default=5)

    x = sub.add_parser("export", help="export TorchScript and ONNX, and check they load and predict")
    x.add_argument("--checkpoint", required=True)
    x.add_argument("--out", required=True)
    x.add_argument("--format", choices=["torchscript", "onnx", "both"], default="both")
    x.add_argument("--image", help="an image to check the export with (else a synthetic one)")

    args = p.parse_args(argv)
    for name in ("epochs", "batch_size", "image_size", "save_interval"):
        if hasattr(args, name) and getattr(args, name) < 1:
            p.error("--%s must be at least 1" % name.replace("_", "-"))
    if hasattr(args, "workers") and args.workers < 0:
        p.error("--workers must be at least 0")
    if hasattr(args, "lr") and not (math.isfinite(args.lr) and args.lr > 0):
        p.error("--lr must be a number above 0")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "train":
            return train(args)
        if args.command == "eval":
            return evaluate_command(args)
        if args.command == "predict":
            return predict_command(args)
        if args.command == "export":
            return export_command(args)
    except UserError as e:
        log("error: %s" % e)
        return 1
    except ImportError as e:
        if getattr(e, "name", None) in ("torch", "torchvision", "PIL", "numpy"):
            log("error: No module named '%s' (the PyTorch trainers need torch and torchvision: pip install torch torchvision)" % e.name)
            return 1
        raise
    except FileNotFoundError as e:
        log("error: No such file or directory: '%s'" % (e.filename or e))
        return 1
    except Exception as e:  # noqa: BLE001: out-of-memory is recognised here, anything else re-raised
        message = out_of_memory_message(e, getattr(args, "batch_size", None))
        if message is None:
            raise
        log("error: " + message)
        return 1
    return 0


def out_of_memory_message(error, batch_size):
    """One line for a CUDA out-of-memory error (the engine's FailureClassifier reads it), else None."""
    text = str(error)
    if "out of memory" not in text or type(error).__name__ not in ("OutOfMemoryError", "RuntimeError", "AcceleratorError"):
        return None
    message = "CUDA out of memory at batch size %s" % batch_size
    import re
    amount = re.search(r"[Tt]ried to allocate ([0-9.]+ ?[KMGT]i?B)", text)
    if amount:
        message += " (tried to allocate %s)" % amount.group(1)
    return message + ": lower --batch-size or --image-size"


# ---------------------------------------------------------------------------------------------
# torch from here on


def require_torch():
    import torch  # noqa: F401
    import torchvision  # noqa: F401
    return torch


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def build_model(name, num_labels, image_size):
    import torchvision.models as tvm
    import torchvision.models.detection as tvd
    import torchvision.models.segmentation as tvs
    kind = MODELS[name]
    if kind == "classification":
        model = getattr(tvm, name)(weights=None, num_classes=num_labels)
    elif kind == "segmentation":
        model = getattr(tvs, name)(weights=None, weights_backbone=None, num_classes=num_labels, aux_loss=False)
    else:
        # Detection: class 0 is the background; dataset label i is class i + 1.
        extra = {} if name.startswith("ssdlite") else {"min_size": image_size, "max_size": image_size}
        model = getattr(tvd, name)(weights=None, weights_backbone=None, num_classes=num_labels + 1, **extra)
    return usable_batchnorm(model)


# BatchNorm's running statistics move this far towards each batch's. torchvision builds MobileNetV3
# (and the detection and segmentation models on it) with 0.01, tuned for ImageNet's 5,000 steps an
# epoch: after a short run on a small dataset the running statistics are still mostly their initial
# values, so the model looks untrained in eval mode. 0.1 (PyTorch's default) follows them in tens of steps.
BATCHNORM_MOMENTUM = 0.1


def usable_batchnorm(model):
    import torch
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm) and module.momentum is not None \
                and module.momentum < BATCHNORM_MOMENTUM:
            module.momentum = BATCHNORM_MOMENTUM
    return model


def torch_load(path, torch):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # torch older than 1.13
        return torch.load(path, map_location="cpu")


def load_pretrained(model, path, torch):
    """Loads a local state_dict non-strictly and logs what did not fit."""
    if not os.path.isfile(path):
        raise UserError("No such file or directory: '%s' (--pretrained)" % path)
    state = torch_load(path, torch)
    pruned = isinstance(state, dict) and state.get("pruned") is True
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise UserError("%s holds no state_dict" % path)
    state = {k[7:] if k.startswith("module.") else k: v for k, v in state.items()}
    if pruned:
        fit_structure(model, state, torch)
    own = model.state_dict()
    mismatched = [k for k, v in state.items() if k in own and hasattr(v, "shape") and tuple(v.shape) != tuple(own[k].shape)]
    for k in mismatched:
        del state[k]
    result = model.load_state_dict(state, strict=False)
    loaded = len(state) - len(result.unexpected_keys)
    log("pretrained %s: %d tensors loaded, %d missing, %d unexpected, %d with another shape%s" % (
        clean_text(path), loaded, len(result.missing_keys), len(result.unexpected_keys), len(mismatched),
        (" (e.g. " + ", ".join((list(result.missing_keys) + mismatched)[:4]) + ")") if (result.missing_keys or mismatched) else ""))


def fit_structure(model, state, torch):
    """Rebuilds each Conv2d, BatchNorm2d and Linear layer whose tensors in `state` have other channel
    counts (a structurally pruned model: aiarts_prune.py, docs/pruning.md), so that `state` loads."""
    nn = torch.nn
    for name, module in list(model.named_modules()):
        w = state.get(name + ".weight") if name else None
        if not hasattr(w, "shape") or not hasattr(module, "weight") or module.weight is None:
            continue
        if tuple(w.shape) == tuple(module.weight.shape):
            continue
        if isinstance(module, nn.Conv2d) and w.dim() == 4:
            depthwise = module.groups > 1 and module.groups == module.in_channels
            out_c = int(w.shape[0])
            in_c = out_c * module.in_channels // module.out_channels if depthwise else int(w.shape[1]) * module.groups
            new = nn.Conv2d(in_c, out_c, module.kernel_size, module.stride, module.padding, module.dilation,
                            in_c if depthwise else module.groups, module.bias is not None, module.padding_mode)
        elif isinstance(module, nn.BatchNorm2d) and w.dim() == 1:
            new = nn.BatchNorm2d(int(w.shape[0]), module.eps, module.momentum, module.affine, module.track_running_stats)
        elif isinstance(module, nn.Linear) and w.dim() == 2:
            new = nn.Linear(int(w.shape[1]), int(w.shape[0]), module.bias is not None)
        else:
            continue
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent) if parent else model, child, new)


def open_rgb(path):
    from PIL import Image
    with Image.open(path) as im:
        return im.convert("RGB")


def to_tensor(image, torch):
    import torchvision.transforms.functional as TF
    return TF.to_tensor(image)


def normalize(t):
    import torchvision.transforms.functional as TF
    return TF.normalize(t, IMAGENET_MEAN, IMAGENET_STD)


def segmentation_to_mask(seg, height, width):
    """A HxW uint8 numpy mask from manifest polygons or RLE."""
    import numpy as np
    from PIL import Image, ImageDraw
    if isinstance(seg, list):
        canvas = Image.new("L", (width, height), 0)
        draw = ImageDraw.Draw(canvas)
        for poly in seg:
            if isinstance(poly, list) and len(poly) >= 6:
                draw.polygon([(float(poly[i]), float(poly[i + 1])) for i in range(0, len(poly) - 1, 2)], fill=1)
        return np.array(canvas, dtype=np.uint8)
    if isinstance(seg, dict) and "counts" in seg:
        h, w = seg.get("size", [height, width])
        counts = seg["counts"]
        if isinstance(counts, str):
            counts = rle_from_string(counts)
        flat = np.zeros(h * w, dtype=np.uint8)
        pos, value = 0, 0
        for c in counts:
            if value:
                flat[pos:pos + c] = 1
            pos += c
            value ^= 1
        mask = flat.reshape((w, h)).T
        if (h, w) != (height, width):
            mask = np.array(Image.fromarray(mask * 255).resize((width, height), Image.NEAREST)) // 255
        return mask.astype(np.uint8)
    return np.zeros((height, width), dtype=np.uint8)


def mask_to_rle(mask):
    """Compressed COCO RLE of a HxW 0/1 numpy mask."""
    import numpy as np
    h, w = mask.shape
    flat = np.asarray(mask, dtype=np.uint8).T.reshape(-1)
    change = np.flatnonzero(np.diff(flat)) + 1
    edges = np.concatenate(([0], change, [flat.size]))
    counts = np.diff(edges).tolist()
    if flat.size and flat[0] == 1:
        counts = [0] + counts
    return {"size": [int(h), int(w)], "counts": rle_to_string([int(c) for c in counts])}


class SampleDataset:
    """A torch Dataset over manifest samples, for one task type."""

    def __init__(self, samples, kind, image_size, train, num_labels, resize_detection=False):
        self.samples = samples
        self.kind = kind
        self.image_size = image_size
        self.train = train
        self.num_labels = num_labels
        self.resize_detection = resize_detection

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        import torch
        from PIL import Image
        s = self.samples[index]
        image = open_rgb(s["image"])
        flip = self.train and random.random() < 0.5
        size = self.image_size
        if self.kind == "classification":
            image = image.resize((size, size), Image.BILINEAR)
            if flip:
                image = image.transpose(Image.FLIP_LEFT_RIGHT)
            target = classification_target(s)
            return normalize(to_tensor(image, torch)), torch.tensor(-1 if target is None else target)
        if self.kind == "segmentation":
            image = image.resize((size, size), Image.BILINEAR)
            import numpy as np
            if s.get("mask"):
                with Image.open(s["mask"]) as m:
                    m = m.convert("L") if m.mode not in ("L", "P") else m
                    mask = np.array(m.resize((size, size), Image.NEAREST), dtype=np.int64)
            else:
                mask = np.full((size, size), IGNORE_INDEX, dtype=np.int64)
            mask[(mask >= self.num_labels) & (mask != IGNORE_INDEX)] = IGNORE_INDEX
            if flip:
                image = image.transpose(Image.FLIP_LEFT_RIGHT)
                mask = mask[:, ::-1].copy()
            return normalize(to_tensor(image, torch)), torch.from_numpy(mask)
        # detection / instance segmentation: the model normalises and resizes itself
        width, height = image.size
        boxes, labels, masks = [], [], []
        for a in s.get("annotations") or []:
            bbox = a.get("bbox")
            if not bbox or a.get("iscrowd") or a.get("difficult"):
                continue
            x, y, w, h = [float(v) for v in bbox]
            x1, y1 = max(0.0, x), max(0.0, y)
            x2, y2 = min(float(width), x + w), min(float(height), y + h)
            if x2 - x1 < 1 or y2 - y1 < 1:
                continue
            boxes.append([x1, y1, x2, y2])
            labels.append(a["label"] + 1)
            if self.kind == "instance_segmentation":
                masks.append(segmentation_to_mask(a.get("segmentation"), height, width))
        boxes_t = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
        target = {"boxes": boxes_t, "labels": torch.tensor(labels, dtype=torch.int64)}
        if self.kind == "instance_segmentation":
            import numpy as np
            target["masks"] = torch.from_numpy(np.stack(masks)) if masks else torch.zeros((0, height, width), dtype=torch.uint8)
        tensor = to_tensor(image, torch)
        if flip:
            tensor = tensor.flip(-1)
            if len(boxes):
                b = target["boxes"].clone()
                b[:, 0], b[:, 2] = width - target["boxes"][:, 2], width - target["boxes"][:, 0]
                target["boxes"] = b
            if "masks" in target:
                target["masks"] = target["masks"].flip(-1)
        return tensor, target


class WorkerInit:
    """DataLoader worker start: its own random seed, and SIGTERM/SIGINT ignored.

    The engine's stop signals the whole process group. A worker killed by it would make the
    DataLoader raise in the main process before the graceful stop could write its checkpoint;
    the main process ends the workers itself when it is done.
    """

    def __init__(self, seed):
        self.seed = seed

    def __call__(self, worker_id):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        random.seed(self.seed + worker_id)


def collate_detection(batch):
    return tuple(zip(*batch))


def is_detection(kind):
    return kind in ("detection", "instance_segmentation")


class StopFlag:
    def __init__(self):
        self.requested = False

    def install(self):
        def handler(signum, frame):
            self.requested = True
            log("stop requested (signal %d): finishing this step, then saving a checkpoint" % signum)
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


def distributed_setup(torch):
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available()
    if world > 1:
        import torch.distributed as dist
        if cuda:
            torch.cuda.set_device(local_rank)
        import datetime
        # Rank 0 evaluates while the others wait at a barrier: allow for a long val split.
        dist.init_process_group(backend="nccl" if cuda else "gloo", timeout=datetime.timedelta(hours=2))
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    return world, rank, device


def checkpoint_path(path):
    if os.path.isdir(path):
        path = os.path.join(path, "model.pt")
    if not os.path.isfile(path):
        raise UserError("No such file or directory: '%s' (the checkpoint)" % path)
    return path


def load_checkpoint(path, torch):
    state = torch_load(checkpoint_path(path), torch)
    if not isinstance(state, dict) or state.get("format") != FORMAT or "model" not in state:
        raise UserError("%s is not an aiarts torch checkpoint" % path)
    return state


def save_checkpoint(out_dir, name, state, torch):
    """checkpoints/NAME/model.pt + state.json, written in a hidden folder then renamed into place."""
    import io
    import shutil
    folder = os.path.join(out_dir, "checkpoints")
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, ".%s.tmp-%d" % (name, os.getpid()))
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    for file_name, data in (("model.pt", buffer.getvalue()),
                            ("state.json", (json.dumps({k: state[k] for k in state if k not in ("model", "optimizer")},
                                                       indent=1, sort_keys=True, default=str) + "\n").encode())):
        with open(os.path.join(tmp, file_name), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    final = os.path.join(folder, name)
    old = None
    if os.path.exists(final):
        old = os.path.join(folder, ".%s.old-%d" % (name, os.getpid()))
        os.replace(final, old)
    os.replace(tmp, final)
    if old:
        shutil.rmtree(old, ignore_errors=True)
    return "checkpoints/" + name


def checkpoints_to_prune(written, keep):
    """The checkpoints of this run to delete: all but the last `keep` distinct paths and the last
    one marked best. `written` is [(path, best)] in the order written; keep 0 keeps all. Only this
    run's: those from before a resume, and any another task starts from, are the engine's to judge."""
    if keep <= 0:
        return []
    order = []
    for path, _ in written:
        if path in order:
            order.remove(path)
        order.append(path)
    kept = set(order[-keep:])
    bests = [path for path, best in written if best]
    if bests:
        kept.add(bests[-1])
    return [path for path in order[:-keep] if path not in kept]


def prune_checkpoints(out_dir, paths):
    """Renames each to a hidden name (one atomic step: never half a checkpoint under its own name),
    then deletes it. Only paths under checkpoints/ are touched."""
    import shutil
    for path in paths:
        if not path.startswith("checkpoints/") or ".." in path.split("/"):
            continue
        full = os.path.join(out_dir, path)
        hidden = os.path.join(os.path.dirname(full), ".pruned-%s-%d" % (os.path.basename(full), os.getpid()))
        try:
            os.replace(full, hidden)
        except OSError:
            continue
        shutil.rmtree(hidden, ignore_errors=True)


def train(args):
    manifest = load_manifest(args.manifest)
    check_model_fits(args.model, manifest["type"])
    # A detection model on an instance segmentation dataset trains (and predicts) boxes only.
    kind = MODELS[args.model]
    labels = manifest["labels"]
    if not labels:
        raise UserError("the dataset has no labels")
    train_samples = split_samples(manifest, "train")
    val_samples = split_samples(manifest, "val")
    if kind == "classification":
        skipped = [s for s in train_samples if classification_target(s) is None]
        train_samples = [s for s in train_samples if classification_target(s) is not None]
        val_samples = [s for s in val_samples if classification_target(s) is not None]
        if skipped:
            log("%d train images without a label are skipped" % len(skipped))
    if not train_samples:
        raise UserError("the dataset has no train split (or it is empty): split it with `aiarts dataset split %s --val 0.2`"
                        % manifest.get("dataset", "DATASET"))
    missing = missing_files(train_samples + val_samples)
    if missing:
        raise UserError("No such file or directory: '%s' (%s missing dataset file%s)" % (
            missing[0], len(missing) if len(missing) < 5 else "5 or more", "" if len(missing) == 1 else "s"))

    torch = require_torch()
    world, rank, device = distributed_setup(torch)
    main_process = rank == 0
    os.makedirs(args.out, exist_ok=True)
    metrics = MetricsWriter(os.environ.get("AIARTS_METRICS") or os.path.join(args.out, "metrics.jsonl"), enabled=main_process)
    stop = StopFlag()
    stop.install()

    random.seed(args.seed + rank)
    torch.manual_seed(args.seed)
    model = build_model(args.model, len(labels), args.image_size)

    resume = None
    start_epoch, start_batch, global_step, best = 1, 0, 0, None
    if args.resume:
        resume = load_checkpoint(args.resume, torch)
        if resume.get("model_name") != args.model:
            raise UserError("the checkpoint is a %s, not a %s" % (resume.get("model_name"), args.model))
        if resume.get("labels") != labels:
            raise UserError("the checkpoint was trained on other labels (%s) than this dataset's (%s)" % (
                ", ".join(resume.get("labels") or []), ", ".join(labels)))
        fit_structure(model, resume["model"], torch)
        model.load_state_dict(resume["model"])
        global_step = int(resume.get("step", 0))
        best = resume.get("best_metric")
        if resume.get("partial"):
            start_epoch, start_batch = int(resume["epoch"]), int(resume.get("batch_in_epoch", 0))
        else:
            start_epoch = int(resume["epoch"]) + 1
        log("resuming from %s: epoch %d, step %d" % (clean_text(args.resume), start_epoch, global_step))
    elif args.pretrained:
        load_pretrained(model, args.pretrained, torch)

    model.to(device)
    if world > 1 and device.type == "cuda" and any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()):
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    core = model
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=is_detection(kind))

    params = [p for p in core.parameters() if p.requires_grad]
    if args.optimizer == "sgd":
        optimizer = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=args.weight_decay)
    else:
        optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    if resume and resume.get("optimizer"):
        try:
            optimizer.load_state_dict(resume["optimizer"])
        except (ValueError, KeyError) as e:
            log("the checkpoint's optimizer state does not fit (%s); starting it afresh" % e)

    train_set = SampleDataset(train_samples, kind, args.image_size, True, len(labels))
    val_set = SampleDataset(val_samples, kind, args.image_size, False, len(labels))
    drop_last = kind == "segmentation" and len(train_set) > args.batch_size * world
    per_rank = len(train_set) // world if drop_last else math.ceil(len(train_set) / world)
    steps_per_epoch = max(1, len(split_batches(list(range(per_rank)), args.batch_size, drop_last)))
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = int(round(args.warmup_epochs * steps_per_epoch))
    autocast = device.type == "cuda"
    if main_process:
        log("aiarts torch trainer: %s on %s (%s, %d labels), %d train / %d val images, device %s x%d, "
            "batch_size=%d per process, %d steps per epoch, bf16 autocast %s" % (
                args.model, clean_text(manifest.get("dataset", "?")), kind, len(labels),
                len(train_samples), len(val_samples), device.type, world, args.batch_size, steps_per_epoch,
                "on" if autocast else "off"))
    if start_epoch > args.epochs:
        log("the checkpoint is at epoch %d already; --epochs %d leaves nothing to train" % (start_epoch - 1, args.epochs))
        return 0

    def make_loader(epoch):
        if world > 1:
            sampler = torch.utils.data.distributed.DistributedSampler(train_set, num_replicas=world, rank=rank,
                                                                      shuffle=True, seed=args.seed, drop_last=drop_last)
            sampler.set_epoch(epoch)
            indices = list(sampler)
        else:
            g = torch.Generator()
            g.manual_seed(args.seed * 100003 + epoch)
            indices = torch.randperm(len(train_set), generator=g).tolist()
        batches = split_batches(indices, args.batch_size, drop_last)
        return torch.utils.data.DataLoader(
            train_set, batch_sampler=batches, num_workers=args.workers,
            collate_fn=collate_detection if is_detection(kind) else None,
            pin_memory=device.type == "cuda", persistent_workers=False,
            worker_init_fn=WorkerInit(args.seed * 7919 + epoch * 131 + rank * 1000)), len(batches)

    ce = torch.nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX)

    def compute_loss(batch):
        images, targets = batch
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=autocast):
            if kind == "classification":
                return ce(model(images.to(device, non_blocking=True)).float(), targets.to(device))
            if kind == "segmentation":
                out = model(images.to(device, non_blocking=True))["out"]
                return ce(out.float(), targets.to(device))
            images = [i.to(device, non_blocking=True) for i in images]
            targets = [{k: v.to(device) for k, v in t.items()} for t in targets]
            losses = model(images, targets)
            return sum(v.float() for v in losses.values())

    def stop_agreed():
        if world == 1:
            return stop.requested
        import torch.distributed as dist
        flag = torch.tensor([1.0 if stop.requested else 0.0], device=device)
        dist.all_reduce(flag)
        return flag.item() > 0

    def state(epoch, partial, batch_in_epoch, metric, metric_name):
        return {"format": FORMAT, "model": core.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": {"schedule": args.lr_schedule, "step": global_step, "total_steps": total_steps,
                              "warmup_steps": warmup_steps, "base_lr": args.lr},
                "epoch": epoch, "step": global_step, "partial": partial, "batch_in_epoch": batch_in_epoch,
                "args": {k: v for k, v in vars(args).items()}, "labels": labels, "model_name": args.model,
                "type": kind, "image_size": args.image_size, "best_metric": best, "metric": metric,
                "metric_name": metric_name, "dataset": manifest.get("dataset"), "time": time.time()}

    bad_steps = 0
    written = []  # this run's checkpoints, for --keep-checkpoints
    for epoch in range(start_epoch, args.epochs + 1):
        model.train()
        loader, batches_this_epoch = make_loader(epoch)
        report_every = max(1, batches_this_epoch // 4)
        loss_sum, loss_n, epoch_start = 0.0, 0, time.time()
        skip = start_batch if epoch == start_epoch else 0
        stopped_at = None
        iterator = iter(loader)
        for i in range(batches_this_epoch):
            batch = next(iterator)
            if i < skip:
                continue
            factor = lr_factor(global_step, total_steps, warmup_steps, args.lr_schedule)
            for group in optimizer.param_groups:
                group["lr"] = args.lr * factor
            loss = compute_loss(batch)
            optimizer.zero_grad(set_to_none=True)
            value = float(loss.detach().item())
            if math.isfinite(value):
                loss.backward()
                optimizer.step()
                bad_steps = 0
            else:
                bad_steps += 1
                if bad_steps >= 20:
                    metrics.write("train", epoch=epoch, epochs=args.epochs, step=global_step + 1, steps=total_steps,
                                  loss=value, lr=args.lr * factor, time=time.time())
                    raise UserError("the loss is not finite for 20 steps in a row: lower --lr (now %g)" % args.lr)
            global_step += 1
            loss_sum += value
            loss_n += 1
            if stop_agreed():
                stopped_at = i + 1
            if (i + 1) % report_every == 0 or i + 1 == batches_this_epoch or stopped_at:
                metrics.write("train", epoch=epoch, epochs=args.epochs, step=global_step, steps=total_steps,
                              loss=loss_sum / max(1, loss_n), lr=args.lr * factor, time=time.time())
                if main_process:
                    log("[train] epoch %d/%d step %d/%d loss %.4f lr %.6g" % (
                        epoch, args.epochs, global_step, total_steps, loss_sum / max(1, loss_n), args.lr * factor))
                loss_sum, loss_n = 0.0, 0
            if stopped_at:
                break
        del iterator, loader
        if stopped_at and stopped_at < batches_this_epoch:
            if main_process:
                name = "epoch_%d_step_%d" % (epoch, global_step)
                path = save_checkpoint(args.out, name, state(epoch, True, stopped_at, None, None), torch)
                metrics.write("checkpoint", epoch=epoch, step=global_step, path=path, best=False, partial=True)
                log("stopped in epoch %d at step %d; saved %s" % (epoch, global_step, path))
            return finish(world, torch)
        metric_name, metric = None, None
        if main_process:
            results = evaluate_split(core, kind, val_set, labels, args.batch_size, device, autocast, torch) if len(val_set) else {}
            metric_name = {"classification": "acc1", "segmentation": "miou"}.get(kind, "bbox_map")
            metric = results.get(metric_name)
            if results:
                metrics.write("eval", epoch=epoch, step=global_step, time=time.time(), **results)
                log("[eval] epoch %d: %s (%.1fs)" % (epoch, ", ".join("%s=%.4f" % (k, v) for k, v in results.items()),
                                                    time.time() - epoch_start))
        is_best = metric is not None and (best is None or metric > best)
        if is_best:
            best = metric
        if main_process and (epoch % args.save_interval == 0 or epoch == args.epochs or stopped_at):
            path = save_checkpoint(args.out, "epoch_%d" % epoch, state(epoch, False, 0, metric, metric_name), torch)
            metrics.write("checkpoint", epoch=epoch, step=global_step, path=path, best=bool(is_best))
            written.append((path, bool(is_best)))
            prune_checkpoints(args.out, checkpoints_to_prune(written, getattr(args, "keep_checkpoints", 0)))
        if world > 1:
            import torch.distributed as dist
            dist.barrier()
        if stopped_at:
            log("stopped at the end of epoch %d" % epoch)
            return finish(world, torch)
    if main_process:
        log("finished: %d epochs, %d steps" % (args.epochs, global_step))
    return finish(world, torch)


def finish(world, torch):
    if world > 1:
        import torch.distributed as dist
        dist.destroy_process_group()
    return 0


def run_model(model, kind, images, device, autocast, torch):
    """Eval-mode outputs for a batch: logits (classification, segmentation) or detection dicts."""
    with torch.no_grad(), torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=autocast):
        if kind == "classification":
            return model(images.to(device)).float()
        if kind == "segmentation":
            return model(images.to(device))["out"].float()
        out = model([i.to(device) for i in images])
        return [{k: v.float() if v.is_floating_point() else v for k, v in o.items()} for o in out]


def detections_of(output, labels, threshold=0.0):
    """[(label index, score, [x,y,w,h])] of one detection output, above `threshold`."""
    result = []
    boxes = output["boxes"].cpu().tolist()
    scores = output["scores"].cpu().tolist()
    classes = output["labels"].cpu().tolist()
    for b, s, c in zip(boxes, scores, classes):
        if s < threshold or not 1 <= c <= len(labels):
            continue
        result.append((c - 1, s, [b[0], b[1], b[2] - b[0], b[3] - b[1]]))
    return result


def evaluate_split(model, kind, dataset, labels, batch_size, device, autocast, torch):
    """The metrics written in eval lines after each epoch."""
    model.eval()
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0,
                                         collate_fn=collate_detection if is_detection(kind) else None)
    n = len(labels)
    try:
        if kind == "classification":
            correct1 = correct5 = total = 0
            loss_sum = 0.0
            k = min(5, n)
            for images, targets in loader:
                logits = run_model(model, kind, images, device, autocast, torch)
                targets = targets.to(device)
                loss_sum += float(torch.nn.functional.cross_entropy(logits, targets, reduction="sum"))
                top = logits.topk(k, dim=1).indices
                correct1 += int((top[:, 0] == targets).sum())
                correct5 += int((top == targets[:, None]).any(dim=1).sum())
                total += len(targets)
            return {"acc1": correct1 / total, "acc5": correct5 / total, "val_loss": loss_sum / total}
        if kind == "segmentation":
            confusion = torch.zeros((n, n), dtype=torch.int64, device=device)
            loss_sum, batches = 0.0, 0
            for images, masks in loader:
                logits = run_model(model, kind, images, device, autocast, torch)
                masks = masks.to(device)
                loss_sum += float(torch.nn.functional.cross_entropy(logits, masks, ignore_index=IGNORE_INDEX))
                batches += 1
                pred = logits.argmax(1)
                valid = masks != IGNORE_INDEX
                confusion += torch.bincount(masks[valid] * n + pred[valid], minlength=n * n).reshape(n, n)
            miou, acc = mean_iou(confusion.cpu().tolist())
            return {"miou": miou, "acc": acc, "val_loss": loss_sum / max(1, batches)}
        detections, truth = {}, {}
        index = 0
        for images, targets in loader:
            outputs = run_model(model, kind, images, device, autocast, torch)
            for out in outputs:
                s = dataset.samples[index]
                detections[index] = detections_of(out, labels)
                truth[index] = [(a["label"], a["bbox"], bool(a.get("iscrowd") or a.get("difficult")))
                                for a in s.get("annotations") or [] if a.get("bbox")]
                index += 1
        aps = [average_precision(detections, truth, n, t / 100.0) for t in range(50, 100, 5)]
        return {"bbox_map": sum(aps) / len(aps), "bbox_map50": aps[0]}
    finally:
        model.train()


def model_from_checkpoint(path, torch, device):
    state = load_checkpoint(path, torch)
    model = build_model(state["model_name"], len(state["labels"]), int(state.get("image_size", 224)))
    fit_structure(model, state["model"], torch)
    model.load_state_dict(state["model"])
    model.to(device).eval()
    return model, state


def evaluate_command(args):
    manifest = load_manifest(args.manifest)
    torch = require_torch()
    device = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    model, state = model_from_checkpoint(args.checkpoint, torch, device)
    kind, labels = state["type"], state["labels"]
    if manifest["labels"] != labels:
        raise UserError("the checkpoint was trained on other labels than this dataset's")
    check_model_fits(state["model_name"], manifest["type"])
    samples = split_samples(manifest, args.split)
    if not samples:
        raise UserError("the dataset has no %s split (or it is empty)" % args.split)
    missing = missing_files(samples)
    if missing:
        raise UserError("No such file or directory: '%s'" % missing[0])
    autocast = device.type == "cuda"
    task = "detection" if kind == "detection" else kind
    writer = PredictionsWriter(args.out, task, labels, args.split, state.get("epoch"))
    dataset = SampleDataset(samples, kind, int(state["image_size"]), False, len(labels))
    try:
        if kind == "classification" or kind == "segmentation":
            for start in range(0, len(samples), args.batch_size):
                chunk = list(range(start, min(len(samples), start + args.batch_size)))
                images = torch.stack([dataset[i][0] for i in chunk])
                logits = run_model(model, kind, images, device, autocast, torch)
                for j, i in enumerate(chunk):
                    s = samples[i]
                    if kind == "classification":
                        probs = logits[j].softmax(0)
                        k = min(args.top_k, len(labels))
                        top = probs.topk(k)
                        writer.classification(s["file"], [(labels[c], float(p)) for p, c in zip(top.values.tolist(), top.indices.tolist())])
                    else:
                        rel = "masks/" + safe_relative(s["file"], ".png")
                        save_label_mask(logits[j], s, os.path.join(writer.folder, rel), torch)
                        writer.segmentation(s["file"], rel)
        else:
            for start in range(0, len(samples), args.batch_size):
                chunk = list(range(start, min(len(samples), start + args.batch_size)))
                images = [dataset[i][0] for i in chunk]
                outputs = run_model(model, kind, images, device, autocast, torch)
                for out, i in zip(outputs, chunk):
                    writer.detection(samples[i]["file"], boxes_of(out, labels, kind, args.score_threshold))
    except BaseException:
        writer.out.close()
        os.unlink(writer.tmp)
        raise
    writer.close()
    log("wrote %s: %d %s predictions of split %s" % (clean_text(args.out), len(samples), kind, args.split))
    return 0


def boxes_of(output, labels, kind, threshold):
    boxes = []
    masks = output.get("masks")
    raw_labels = output["labels"].cpu().tolist()
    raw_scores = output["scores"].cpu().tolist()
    raw_boxes = output["boxes"].cpu().tolist()
    for j, (c, s, b) in enumerate(zip(raw_labels, raw_scores, raw_boxes)):
        if s < threshold or not 1 <= c <= len(labels):
            continue
        entry = {"label": labels[c - 1], "score": s, "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]]}
        if kind == "instance_segmentation" and masks is not None:
            entry["segmentation"] = mask_to_rle((masks[j, 0] > 0.5).cpu().numpy().astype("uint8"))
        boxes.append(entry)
    return boxes


def save_label_mask(logits, sample, path, torch):
    """Upsamples one image's logits to its original size and saves the argmax as a PNG of indices."""
    from PIL import Image
    height, width = int(sample.get("height") or 0), int(sample.get("width") or 0)
    if height <= 0 or width <= 0:
        with Image.open(sample["image"]) as im:
            width, height = im.size
    up = torch.nn.functional.interpolate(logits[None], size=(height, width), mode="bilinear", align_corners=False)
    pred = up[0].argmax(0).to(torch.uint8).cpu().numpy()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(pred, mode="L").save(path + ".tmp.png")
    os.replace(path + ".tmp.png", path)
    return pred


def palette(i):
    colours = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
               (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (220, 190, 255)]
    return colours[i % len(colours)]


def predict_command(args):
    torch = require_torch()
    from PIL import Image, ImageDraw
    import numpy as np
    device = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    model, state = model_from_checkpoint(args.checkpoint, torch, device)
    kind, labels, size = state["type"], state["labels"], int(state["image_size"])
    autocast = device.type == "cuda"
    os.makedirs(args.out, exist_ok=True)
    failures = 0
    used = set()
    for path in args.images:
        stem = os.path.splitext(os.path.basename(path))[0] or "image"
        name, n = stem, 1
        while name in used:
            n += 1
            name = "%s_%d" % (stem, n)
        used.add(name)
        try:
            image = open_rgb(path)
        except (OSError, ValueError) as e:
            failures += 1
            log("error: %s: %s" % (clean_text(path), clean_text(e)))
            continue
        width, height = image.size
        result = {"image": os.path.abspath(path), "width": width, "height": height, "task": kind}
        drawn = image.copy()
        draw = ImageDraw.Draw(drawn)
        if kind in ("classification", "segmentation"):
            tensor = normalize(to_tensor(image.resize((size, size), Image.BILINEAR), torch))[None]
            logits = run_model(model, kind, tensor, device, autocast, torch)
            if kind == "classification":
                probs = logits[0].softmax(0)
                top = probs.topk(min(args.top_k, len(labels)))
                result["labels"] = [{"label": labels[c], "score": round(float(p), 6)}
                                    for p, c in zip(top.values.tolist(), top.indices.tolist())]
                best = result["labels"][0]
                draw.rectangle([0, 0, width, 14], fill=(0, 0, 0))
                draw.text((3, 2), "%s %.2f" % (best["label"], best["score"]), fill=(255, 255, 255))
            else:
                mask_path = os.path.join(args.out, name + "_mask.png")
                pred = save_label_mask(logits[0], {"image": path, "width": width, "height": height}, mask_path, torch)
                result["mask"] = os.path.basename(mask_path)
                counts = np.bincount(pred.reshape(-1), minlength=len(labels))
                result["classes"] = {labels[i]: round(int(c) / pred.size, 6) for i, c in enumerate(counts[:len(labels)]) if c}
                colour = np.array([palette(i) for i in range(256)], dtype=np.uint8)[pred]
                drawn = Image.blend(image, Image.fromarray(colour, mode="RGB"), 0.5)
                draw = ImageDraw.Draw(drawn)
        else:
            outputs = run_model(model, kind, [to_tensor(image, torch)], device, autocast, torch)
            boxes = boxes_of(outputs[0], labels, kind, args.score_threshold)
            result["boxes"] = [dict(b, score=round(b["score"], 6), bbox=[round(v, 2) for v in b["bbox"]]) for b in boxes]
            if kind == "instance_segmentation" and "masks" in outputs[0]:
                overlay = np.array(drawn)
                keep = [j for j, s in enumerate(outputs[0]["scores"].tolist()) if s >= args.score_threshold]
                for j in keep:
                    m = (outputs[0]["masks"][j, 0] > 0.5).cpu().numpy()
                    c = int(outputs[0]["labels"][j]) - 1
                    overlay[m] = (overlay[m] * 0.5 + np.array(palette(c)) * 0.5).astype(np.uint8)
                drawn = Image.fromarray(overlay)
                draw = ImageDraw.Draw(drawn)
            for b in boxes:
                x, y, w, h = b["bbox"]
                c = palette(labels.index(b["label"]))
                draw.rectangle([x, y, x + w, y + h], outline=c, width=2)
                draw.text((x + 2, max(0, y - 12)), "%s %.2f" % (b["label"], b["score"]), fill=c)
        drawn.save(os.path.join(args.out, name + ".jpg"), quality=90)
        result["drawn"] = name + ".jpg"
        atomic_write(os.path.join(args.out, name + ".json"), (json.dumps(result, indent=1) + "\n").encode())
        log("%s -> %s" % (clean_text(path), os.path.join(clean_text(args.out), name + ".json")))
    return 1 if failures == len(args.images) else 0


def export_command(args):
    torch = require_torch()
    from PIL import Image
    model, state = model_from_checkpoint(args.checkpoint, torch, torch.device("cpu"))
    kind, labels, size = state["type"], state["labels"], int(state["image_size"])
    os.makedirs(args.out, exist_ok=True)
    if args.image:
        image = open_rgb(args.image)
    else:
        g = torch.Generator().manual_seed(0)
        image = Image.fromarray((torch.rand(size, size, 3, generator=g) * 255).to(torch.uint8).numpy(), mode="RGB")
    if kind in ("classification", "segmentation"):
        examples = [normalize(to_tensor(image.resize((size, size), Image.BILINEAR), torch))[None]]
        preprocess = {"resize": [size, size], "mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD),
                      "input": "float32 NCHW, RGB scaled to 0..1 then normalised"}
    else:
        # Two sizes, so the checks show that the export takes any size and not only the first one's.
        width, height = image.size
        other = image.resize(check_size(width, height), Image.BILINEAR)
        examples = [to_tensor(image, torch), to_tensor(other, torch)]
        preprocess = {"input": "one float32 CHW RGB tensor scaled to 0..1, any height and width; the model resizes "
                               "(TorchScript takes a list of them)", "image_size": size}
    report = {"model": state["model_name"], "task": kind, "labels": labels, "epoch": state.get("epoch"),
              "image_size": size, "preprocess": preprocess, "files": {}, "checks": {}}
    with torch.no_grad():
        references = [model([e])[0] if is_detection(kind) else model(e) for e in examples]
    failed = False

    if args.format in ("torchscript", "both"):
        path = os.path.join(args.out, "model.torchscript.pt")
        try:
            try:
                scripted = torch.jit.script(model)
            except Exception as e:  # noqa: BLE001: tracing is the fallback for non-scriptable models
                if is_detection(kind):
                    raise
                log("torch.jit.script failed (%s); tracing instead" % str(e).splitlines()[0])
                scripted = torch.jit.trace(model, examples[0], strict=False)
            scripted.save(path + ".tmp")
            os.replace(path + ".tmp", path)
            loaded = torch.jit.load(path)
            results = []
            with torch.no_grad():
                for example, reference in zip(examples, references):
                    out = loaded([example]) if is_detection(kind) else loaded(example)
                    results.append(check_outputs(kind, reference, torchscript_outputs(kind, out), torch))
            report["files"]["torchscript"] = os.path.basename(path)
            report["checks"]["torchscript"] = merge_checks(results, examples, kind)
        except Exception as e:  # noqa: BLE001: reported in export.json
            failed = True
            report["checks"]["torchscript"] = {"ok": False, "error": clean_text(str(e).splitlines()[0] if str(e) else type(e).__name__)}
    if args.format in ("onnx", "both"):
        report["checks"]["onnx"] = export_onnx(model, kind, examples, references, os.path.join(args.out, "model.onnx"), torch)
        if os.path.isfile(os.path.join(args.out, "model.onnx")):
            report["onnx"] = onnx_signature(os.path.join(args.out, "model.onnx"))
        if report["checks"]["onnx"].get("ok"):
            report["files"]["onnx"] = "model.onnx"
        elif args.format == "onnx" or "skipped" not in report["checks"]["onnx"]:
            failed = True
    failed = failed or any(not c.get("ok") and ("skipped" not in c or args.format == "onnx") for c in report["checks"].values())
    report["tolerance"] = {name: "max |export - model| <= %g x max(1, largest |model output|)" % tol if tol else "equal"
                           for name, tol in sorted(TOLERANCE.items())}
    report["ok"] = not failed
    atomic_write(os.path.join(args.out, "export.json"), (json.dumps(report, indent=1) + "\n").encode())
    for name, check in report["checks"].items():
        if check.get("ok"):
            log("%s: loaded back and predicted (%s)" % (name, check.get("detail", "ok")))
        else:
            log("%s: %s" % (name, check.get("error") or check.get("skipped") or "the output differs from the model's: %s" % check.get("detail")))
    return 1 if failed else 0


# How close an export's outputs must be to the model's on the same image, per output name (relative to the
# largest value of the model's output, at least 1); 0: equal. Used by both reload checks.
TOLERANCE = {"output": 1e-3, "boxes": 1e-3, "scores": 1e-3, "labels": 0, "masks": 1e-2}


def check_size(width, height):
    """A second check image's size: other than (width, height) in both directions."""
    w, h = max(32, int(round(width * 1.25))), max(32, int(round(height * 0.75)))
    return (w if w != width else width + 16), (h if h != height else height + 16)


def torchscript_outputs(kind, out):
    """A loaded TorchScript model's output, as the model's: one detection dict or the tensor/dict."""
    if is_detection(kind):
        if isinstance(out, tuple):  # scripted detection models return (losses, detections)
            out = out[1]
        return out[0]
    return out


def compare_named(reference, got):
    """Compares outputs by name: {name: tensor-like} each. Returns (ok, detail)."""
    import numpy as np
    problems, details = [], []
    if list(reference.keys()) != list(got.keys()):
        return False, "output names %s, the model's %s" % (list(got.keys()), list(reference.keys()))
    for name, ref in reference.items():
        a = np.asarray(ref.detach().cpu().numpy() if hasattr(ref, "detach") else ref)
        b = np.asarray(got[name].detach().cpu().numpy() if hasattr(got[name], "detach") else got[name])
        if a.shape != b.shape:
            problems.append("%s has shape %s, the model's %s" % (name, list(b.shape), list(a.shape)))
            continue
        tol = TOLERANCE.get(name, TOLERANCE["output"])
        if a.size == 0:
            details.append("%s: empty" % name)
            continue
        if tol == 0:
            if not np.array_equal(a, b):
                problems.append("%s differ in %d of %d values" % (name, int((a != b).sum()), a.size))
            else:
                details.append("%s: equal" % name)
            continue
        diff = float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())
        scale = max(1.0, float(np.abs(a).max()))
        if diff > tol * scale:
            problems.append("%s differ by up to %.2e (allowed %.2e)" % (name, diff, tol * scale))
        else:
            details.append("%s: max difference %.2e" % (name, diff))
    if problems:
        return False, "; ".join(problems)
    return True, ", ".join(details)


def as_numpy(value):
    import numpy as np
    return np.asarray(value.detach().cpu().numpy() if hasattr(value, "detach") else value)


def compare_detections(reference, got):
    """Compares one image's detections by output name (names, order and element types must be the
    model's). Detections are compared in the order of the model's scores; where several share a score
    (within the scores' tolerance: an untrained head scores many boxes alike) which of them survive
    non-maximum suppression depends on the order ties are broken in, which torch and onnxruntime do
    differently, so the detections from the first tie on are counted and reported, not compared."""
    import numpy as np
    if list(reference.keys()) != list(got.keys()):
        return False, "output names %s, the model's %s" % (list(got.keys()), list(reference.keys()))
    ref = {k: as_numpy(v) for k, v in reference.items()}
    out = {k: as_numpy(v) for k, v in got.items()}
    for name in ref:
        if ref[name].dtype.kind != out[name].dtype.kind:
            return False, "%s are %s, the model's %s (outputs named in the wrong order?)" % (name, out[name].dtype, ref[name].dtype)
    ok, detail = compare_named(reference, got)
    if ok:
        return ok, detail
    scores = ref["scores"].astype(np.float64)
    tol = TOLERANCE["scores"]
    order_ref = np.argsort(-scores, kind="stable")
    ranked = scores[order_ref]
    untied = 0
    while untied < len(ranked) and (untied + 1 == len(ranked) or ranked[untied] - ranked[untied + 1] > tol):
        untied += 1
    order_got = np.argsort(-out["scores"].astype(np.float64), kind="stable")
    if len(order_got) < untied:
        return False, "%d detections, the model's %d: %s" % (len(order_got), len(order_ref), detail)
    head_ok, head = compare_named({k: v[order_ref[:untied]] for k, v in ref.items()},
                                  {k: v[order_got[:untied]] for k, v in out.items()})
    if not head_ok:
        return False, "the %d detections before the first tied score differ: %s" % (untied, head)
    return True, "%d detections before the first tied score match (%s); from there %d in the model and %d in the export " \
                 "tie (score %.4f), not compared" % (untied, head, len(order_ref) - untied, len(order_got) - untied,
                                                     ranked[untied] if untied < len(ranked) else float("nan"))


def check_outputs(kind, reference, out, torch):
    """Compares an export's output with the model's on the same input, output by output."""
    if is_detection(kind):
        ok, detail = compare_detections(reference, out)
        return {"ok": ok, "detail": "%d boxes; %s" % (int(reference["boxes"].shape[0]), detail)}
    if isinstance(out, dict):
        out = out["out"]
    if isinstance(reference, dict):
        reference = reference["out"]
    ok, detail = compare_named({"output": reference}, {"output": out})
    return {"ok": ok, "detail": detail}


def merge_checks(results, examples, kind):
    """One check from the checks of each example image (their sizes named for detection)."""
    if len(results) == 1:
        return results[0]
    parts = []
    for result, example in zip(results, examples):
        h, w = int(example.shape[-2]), int(example.shape[-1])
        parts.append("%dx%d: %s" % (w, h, result.get("detail") or result.get("error")))
    return {"ok": all(r.get("ok") for r in results), "detail": " | ".join(parts),
            "sizes": [[int(e.shape[-1]), int(e.shape[-2])] for e in examples]}


def onnx_signature(path):
    """The saved ONNX file's inputs and outputs, as the file says: name, element type and shape (a name for a
    dynamic dimension, a number for a fixed one)."""
    try:
        import onnx
        graph = onnx.load(path).graph
    except Exception as e:  # noqa: BLE001: the checks say more
        return {"error": clean_text(str(e).splitlines()[0] if str(e) else type(e).__name__)}

    def describe(value):
        t = value.type.tensor_type
        dims = [d.dim_param or (int(d.dim_value) if d.HasField("dim_value") else "?") for d in t.shape.dim]
        return {"name": value.name, "type": onnx.TensorProto.DataType.Name(t.elem_type).lower(), "shape": dims}
    initializers = {i.name for i in graph.initializer}
    inputs = [describe(v) for v in graph.input if v.name not in initializers]
    fixed = [i for i in inputs for d in i["shape"][-2:] if not isinstance(d, str)]
    return {"inputs": inputs, "outputs": [describe(v) for v in graph.output],
            "any_size": not fixed}


def export_onnx(model, kind, examples, references, path, torch):
    try:
        import onnx  # noqa: F401
    except ImportError:
        return {"ok": False, "skipped": "the onnx Python module is not installed (pip install onnx); no ONNX file written"}
    import inspect
    try:
        kwargs = {"opset_version": 17, "input_names": ["images"], "do_constant_folding": True}
        if "dynamo" in inspect.signature(torch.onnx.export).parameters:
            kwargs["dynamo"] = False
        if kind in ("classification", "segmentation"):
            class Plain(torch.nn.Module):
                def __init__(self, inner):
                    super().__init__()
                    self.inner = inner

                def forward(self, x):
                    y = self.inner(x)
                    return y["out"] if isinstance(y, dict) else y
            names = ["output"]
            torch.onnx.export(Plain(model), (examples[0],), path + ".tmp", output_names=names,
                              dynamic_axes={"images": {0: "batch"}, "output": {0: "batch"}}, **kwargs)
        else:
            # The outputs in the order torchvision returns them (SSDlite, RetinaNet: boxes, scores, labels;
            # Faster R-CNN: boxes, labels, scores; Mask R-CNN adds masks), and any height and width.
            names = list(references[0].keys())
            axes = {"images": {1: "height", 2: "width"}}
            axes.update({n: {0: "detections"} for n in names})
            torch.onnx.export(model, ([examples[0]],), path + ".tmp", output_names=names, dynamic_axes=axes, **kwargs)
        os.replace(path + ".tmp", path)
        import onnx
        onnx.checker.check_model(onnx.load(path))
        try:
            import onnxruntime
        except ImportError:
            return {"ok": True, "detail": "onnx.checker passed; onnxruntime is not installed, so it was not run"}
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        got_names = [o.name for o in session.get_outputs()]
        results = []
        for example, reference in zip(examples, references):
            outputs = dict(zip(got_names, session.run(None, {session.get_inputs()[0].name: example.numpy()})))
            results.append(check_outputs(kind, reference, outputs if is_detection(kind) else outputs[got_names[0]], torch))
        check = merge_checks(results, examples, kind)
        check["detail"] = "onnxruntime: " + check["detail"]
        return check
    except Exception as e:  # noqa: BLE001: reported in export.json
        return {"ok": False, "error": "ONNX export failed: " + clean_text(str(e).splitlines()[0] if str(e) else type(e).__name__)}


if __name__ == "__main__":
    sys.exit(main())
