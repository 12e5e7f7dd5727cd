"""aiarts model jobs (docs/model-jobs.md): what only Python can do for a job.

  extract  --request R --out O   read torch files: a state dict's tensors (torch.load with
                                 weights_only=True: never unpickling arbitrary objects), a TorchScript
                                 module's parameters and forward signature
  convert  --request R --out O   PyTorch/TorchScript -> ONNX, ONNX opset upgrade, ONNX -> int8
                                 (onnxruntime.quantization, static or dynamic), each checked against
                                 its source on a few images

The request is a JSON object written by aiarts (ModelJobs/ModelJobRun.swift); the result is a JSON
object, or {"error": "one line"} with exit status 1. The torch trainer's script (aiarts_torch.py)
is written beside this one; its model builder and preprocessing are imported from it.
"""
import argparse
import json
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# fp32 conversions: |converted - source| <= TOLERANCE * max(1, max |source|) on every output value.
TOLERANCE = 1e-3


class JobError(Exception):
    """A failure to report in one line."""


def log(message):
    print("[aiarts_modeljob] " + message, flush=True)


def clean(text):
    return "".join(ch for ch in str(text) if ch >= " " and ch != "\x7f")


def first_line(error):
    text = str(error).strip()
    return clean(text.splitlines()[0] if text else type(error).__name__)


def trainer():
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import aiarts_torch
    return aiarts_torch


def atomic_write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Extraction


def is_torchscript(path):
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("constants.pkl") or "/code/" in n for n in z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def tensors_of(value, prefix="", depth=0, out=None):
    """(name, tensor) of every tensor in nested dicts/lists (a checkpoint's model, optimizer ...)."""
    import torch
    out = [] if out is None else out
    if depth > 4 or len(out) > 100000:
        return out
    if isinstance(value, torch.Tensor):
        out.append((prefix, value))
    elif isinstance(value, dict):
        for k, v in value.items():
            tensors_of(v, (prefix + "." if prefix else "") + str(k), depth + 1, out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            tensors_of(v, (prefix + "." if prefix else "") + str(i), depth + 1, out)
    return out


def dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def extract_file(path):
    import torch
    if is_torchscript(path):
        module = torch.jit.load(path, map_location="cpu")
        params = list(module.parameters())
        result = {"parameter_count": int(sum(p.numel() for p in params)), "tensor_count": len(params),
                  "producer": "TorchScript (torch %s)" % torch.__version__.split("+")[0],
                  "details": {"class": clean(getattr(module, "original_name", type(module).__name__)),
                              "buffers": len(list(module.buffers()))}}
        try:
            schema = module.forward.schema
            result["inputs"] = [{"name": clean(a.name), "dtype": clean(a.type), "shape": None}
                                for a in schema.arguments if a.name != "self"]
            result["outputs"] = [{"name": clean(r.name or "output"), "dtype": clean(r.type), "shape": None} for r in schema.returns]
        except Exception as e:  # noqa: BLE001: a module without a scripted forward
            result["details"]["forward"] = "not readable: " + first_line(e)
        return result
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001: weights_only refuses arbitrary objects
        raise JobError("torch.load(weights_only=True) refused it (it holds objects other than tensors, which aiarts does not unpickle): %s" % first_line(e))
    details = {}
    result = {"details": details, "producer": "PyTorch (torch.save)"}
    state = obj
    if isinstance(obj, dict) and obj.get("format") == "aiarts-torch-1" and isinstance(obj.get("model"), dict):
        details.update({"checkpoint": "aiarts torch", "model": clean(obj.get("model_name")), "task": clean(obj.get("type")),
                        "labels": len(obj.get("labels") or []), "epoch": obj.get("epoch"), "image_size": obj.get("image_size")})
        state = obj["model"]
        size = int(obj.get("image_size") or 224)
        if obj.get("type") in ("classification", "segmentation"):
            result["inputs"] = [{"name": "images", "dtype": "float32", "shape": ["batch", 3, size, size]}]
    elif isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if isinstance(obj.get(key), dict):
                details["unwrapped"] = key
                state = obj[key]
                break
    tensors = tensors_of(state)
    if not tensors:
        raise JobError("holds no tensors (a %s)" % type(obj).__name__)
    dtypes = {}
    for _, t in tensors:
        dtypes[dtype_name(t.dtype)] = dtypes.get(dtype_name(t.dtype), 0) + 1
    result["parameter_count"] = int(sum(t.numel() for _, t in tensors))
    result["tensor_count"] = len(tensors)
    details["dtypes"] = ",".join("%s×%d" % (k, v) for k, v in sorted(dtypes.items()))
    details["first_tensor"] = "%s %s" % (clean(tensors[0][0])[:120], list(tensors[0][1].shape))
    return result


def extract(request):
    try:
        import torch  # noqa: F401
    except ImportError:
        raise JobError("torch is not installed for %s (pip install torch)" % sys.executable)
    artifacts = []
    for path in request.get("files", []):
        try:
            artifacts.append(extract_file(path))
        except JobError as e:
            artifacts.append({"error": str(e)})
        except Exception as e:  # noqa: BLE001: one bad file does not stop the others
            artifacts.append({"error": "cannot read it: " + first_line(e)})
        log("read %s" % clean(os.path.basename(path)))
    return {"artifacts": artifacts}


# ---------------------------------------------------------------------------------------------
# Images: the model's dataset (val for checks, train for calibration), else generated ones


def load_split(request, split, limit):
    """[(image path, class index or None)] of a split of the request's dataset manifest."""
    path = request.get("manifest")
    if not path or limit <= 0:
        return []
    t = trainer()
    manifest = t.load_manifest(path)
    samples = t.split_samples(manifest, split)
    if not samples and split == "val":
        samples = t.split_samples(manifest, "train")
    out = []
    for s in samples[:limit]:
        label = t.classification_target(s) if manifest.get("type") == "classification" else None
        out.append((s["image"], label))
    return out


class Preprocess:
    """An image to float32 CHW: resized, scaled to 0..1, normalised (as export.json says)."""

    def __init__(self, size, mean=IMAGENET_MEAN, std=IMAGENET_STD, resize=True):
        self.size, self.mean, self.std, self.resize = size, mean, std, resize

    def __call__(self, path):
        import numpy as np
        from PIL import Image
        with Image.open(path) as im:
            image = im.convert("RGB")
        if self.resize:
            image = image.resize((self.size[1], self.size[0]), Image.BILINEAR)
        return self.array(np.asarray(image, dtype=np.float32) / 255.0)

    def array(self, hwc):
        import numpy as np
        if self.resize:
            hwc = (hwc - np.array(self.mean, dtype=np.float32)) / np.array(self.std, dtype=np.float32)
        return np.ascontiguousarray(hwc.transpose(2, 0, 1)).astype(np.float32)

    def generated(self, count, seed=0):
        import numpy as np
        rng = np.random.default_rng(seed)
        h, w = self.size
        return [self.array(rng.random((h, w, 3), dtype=np.float32)) for _ in range(count)]


def read_export_json(request):
    path = request.get("export_json")
    if not path:
        return None
    try:
        with open(path, "r", encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def preprocess_for(request, input_shape=None):
    """From export.json's preprocess, else from an NCHW input's fixed height and width, else 224."""
    export = read_export_json(request) or {}
    pre = export.get("preprocess") or {}
    if isinstance(pre.get("resize"), list) and len(pre["resize"]) == 2:
        return Preprocess(tuple(int(x) for x in pre["resize"]), tuple(pre.get("mean", IMAGENET_MEAN)), tuple(pre.get("std", IMAGENET_STD))), "export.json"
    if input_shape and len(input_shape) == 3:  # detection: CHW at any size, scaled to 0..1 only
        size = int(export.get("image_size") or request.get("image_size") or 320)
        return Preprocess((size, size), resize=False), "a CHW image at its own size"
    if input_shape and len(input_shape) == 4 and all(isinstance(d, int) and d > 0 for d in input_shape[2:]):
        return Preprocess((input_shape[2], input_shape[3])), "the input's fixed size, ImageNet normalisation"
    size = int(request.get("image_size") or export.get("image_size") or 224)
    return Preprocess((size, size)), "%d px, ImageNet normalisation (no export.json)" % size


def check_inputs(request, pre, count, split="val"):
    """Preprocessed arrays: up to `count` images of the split, else generated ones."""
    samples = load_split(request, split, count)
    if samples:
        return [pre(p) for p, _ in samples], "%d %s images" % (len(samples), split)
    return pre.generated(count), "%d generated images" % count


# ---------------------------------------------------------------------------------------------
# Conversion


def ort_session(path):
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def ort_run(session, array):
    import numpy as np
    meta = session.get_inputs()[0]
    x = array if len(meta.shape) == 3 else array[None]
    return [np.asarray(o) for o in session.run(None, {meta.name: x})]


def compare(reference, outputs):
    """Largest |difference| over every output, and the largest |reference| (the tolerance's scale)."""
    import numpy as np
    if len(reference) != len(outputs):
        raise JobError("the converted model gives %d outputs, the source %d" % (len(outputs), len(reference)))
    diff, scale = 0.0, 0.0
    for r, o in zip(reference, outputs):
        r, o = np.asarray(r, dtype=np.float64), np.asarray(o, dtype=np.float64)
        if r.shape != o.shape:
            return float("inf"), 1.0
        if r.size:
            diff = max(diff, float(np.abs(r - o).max()))
            scale = max(scale, float(np.abs(r).max()))
    return diff, scale


def torch_source(request):
    """The PyTorch model to export: (module, task kind, image size, labels, what it is)."""
    import torch
    kind_of = request["source_kind"]
    path = request["source"]
    if kind_of == "torchscript":
        export = read_export_json(request) or {}
        module = torch.jit.load(path, map_location="cpu").eval()
        return module, export.get("task", "classification"), int(export.get("image_size") or request.get("image_size") or 224), export.get("labels"), "TorchScript"
    t = trainer()
    if kind_of == "aiarts_checkpoint":
        model, state = t.model_from_checkpoint(path, torch, torch.device("cpu"))
        return model, state["type"], int(state.get("image_size", 224)), state.get("labels"), "aiarts torch checkpoint of %s" % state["model_name"]
    name, labels = request.get("model_name"), int(request.get("num_labels") or 0)
    if name not in t.MODELS or labels < 1:
        raise JobError("a state dict needs its architecture: the task's model (%r) and class count (%d)" % (name, labels))
    model = t.build_model(name, labels, int(request.get("image_size") or 224))
    state = t.torch_load(path, torch)
    for key in ("model", "state_dict"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    state = {k[7:] if k.startswith("module.") else k: v for k, v in state.items()}
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise JobError("the state dict does not fit %s with %d classes: %s" % (name, labels, first_line(e)))
    return model.eval(), t.MODELS[name], int(request.get("image_size") or 224), None, "state dict of %s" % name


def to_onnx(request, out):
    import torch
    model, kind, size, labels, what = torch_source(request)
    if kind not in ("classification", "segmentation"):
        raise JobError("%s models are exported with their task (`aiarts task export`); a job converts classification and segmentation models" % kind)
    pre = Preprocess((size, size))
    arrays, where = check_inputs(request, pre, int(request.get("check_images", 8)))

    class Plain(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            y = self.inner(x)
            return y["out"] if isinstance(y, dict) else y

    # A TorchScript module is exported as it is (a scripted module cannot be traced inside a wrapper).
    plain = model if isinstance(model, torch.jit.ScriptModule) else Plain(model).eval()
    path = os.path.join(out, "model.onnx")
    example = torch.from_numpy(arrays[0])[None]
    kwargs = {"opset_version": 17, "input_names": ["images"], "output_names": ["output"], "do_constant_folding": True,
              "dynamic_axes": {"images": {0: "batch"}, "output": {0: "batch"}}}
    import inspect
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    log("exporting %s to ONNX (opset 17)" % what)
    try:
        with torch.no_grad():
            torch.onnx.export(plain, (example,), path + ".tmp", **kwargs)
    except Exception as e:  # noqa: BLE001
        raise JobError("torch.onnx.export failed: " + first_line(e))
    os.replace(path + ".tmp", path)
    import onnx
    onnx.checker.check_model(onnx.load(path))
    session = ort_session(path)
    diff, scale = 0.0, 1.0
    for a in arrays:
        with torch.no_grad():
            ref = plain(torch.from_numpy(a)[None])
        ref = (ref["out"] if isinstance(ref, dict) else ref).numpy()
        d, s = compare([ref], ort_run(session, a))
        diff, scale = max(diff, d), max(scale, s)
    tolerance = TOLERANCE * scale
    export = read_export_json(request) or {"model": what, "task": kind, "labels": labels, "image_size": size}
    export.update({"preprocess": {"resize": [size, size], "mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD),
                                  "input": "float32 NCHW, RGB scaled to 0..1 then normalised"},
                   "files": {"onnx": "model.onnx"}, "checks": {"onnx": {"ok": diff <= tolerance, "detail": "max difference %.2e on %s" % (diff, where)}},
                   "ok": diff <= tolerance})
    atomic_write_json(os.path.join(out, "export.json"), export)
    return {"output": "model.onnx", "opset": 17, "check_images": len(arrays), "max_abs_diff": diff, "tolerance": tolerance,
            "check_passed": diff <= tolerance, "size_before": os.path.getsize(request["source"]), "size_after": os.path.getsize(path),
            "notes": ["checked on " + where, "source: " + what]}


def default_opset(model):
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return int(entry.version)
    return None


def input_shape(path):
    import onnx
    model = onnx.load(path, load_external_data=False)
    weights = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in weights]
    if len(inputs) != 1:
        raise JobError("the model takes %d inputs; a job checks image models with one input" % len(inputs))
    dims = inputs[0].type.tensor_type.shape.dim
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in dims], model


def copy_export_json(request, out, output, extra):
    export = read_export_json(request)
    if export is None:
        return
    export["files"] = {"onnx": output}
    export.update(extra)
    atomic_write_json(os.path.join(out, "export.json"), export)


def upgrade_opset(request, out):
    import onnx
    from onnx import version_converter
    source = request["source"]
    shape, model = input_shape(source)
    have, want = default_opset(model), int(request["opset"])
    if have is not None and want <= have:
        raise JobError("the model is at opset %d already; an upgrade goes to a higher opset (give more than %d)" % (have, have))
    log("converting opset %s to %d" % (have, want))
    try:
        converted = version_converter.convert_version(onnx.load(source), want)
        onnx.checker.check_model(converted)
    except Exception as e:  # noqa: BLE001
        raise JobError("onnx.version_converter could not go from opset %s to %d: %s" % (have, want, first_line(e)))
    path = os.path.join(out, "model.onnx")
    onnx.save(converted, path + ".tmp")
    os.replace(path + ".tmp", path)
    pre, how = preprocess_for(request, shape)
    arrays, where = check_inputs(request, pre, int(request.get("check_images", 8)))
    before, after = ort_session(source), ort_session(path)
    diff, scale = 0.0, 1.0
    for a in arrays:
        d, s = compare(ort_run(before, a), ort_run(after, a))
        diff, scale = max(diff, d), max(scale, s)
    tolerance = TOLERANCE * scale
    copy_export_json(request, out, "model.onnx", {"opset": want})
    return {"output": "model.onnx", "opset": want, "source_opset": have, "check_images": len(arrays), "max_abs_diff": diff,
            "tolerance": tolerance, "check_passed": diff <= tolerance, "size_before": os.path.getsize(source),
            "size_after": os.path.getsize(path), "notes": ["checked on " + where, "preprocessing: " + how]}


class CalibrationReader:
    """onnxruntime's CalibrationDataReader over preprocessed train images."""

    def __init__(self, name, arrays, batched):
        self.items = iter([{name: a[None] if batched else a} for a in arrays])

    def get_next(self):
        return next(self.items, None)


def quantize(request, out):
    import numpy as np
    from onnxruntime import quantization as q
    source = request["source"]
    shape, model = input_shape(source)
    pre, how = preprocess_for(request, shape)
    path = os.path.join(out, "model.int8.onnx")
    dynamic = bool(request.get("dynamic"))
    notes = ["preprocessing: " + how]
    calibrated = None
    if dynamic:
        log("quantising dynamically (weights to uint8, activations at run time)")
        q.quantize_dynamic(source, path + ".tmp.onnx", weight_type=q.QuantType.QUInt8)
        method = "dynamic (weights uint8)"
    else:
        count = int(request.get("calibration") or 32)
        samples = load_split(request, "train", count)
        if not samples:
            raise JobError("static int8 calibrates on the model's dataset's train images and there are none; use --dynamic")
        arrays = [pre(p) for p, _ in samples]
        calibrated = len(arrays)
        log("calibrating on %d train images" % calibrated)
        name = model.graph.input[0].name
        weights = {i.name for i in model.graph.initializer}
        name = [i.name for i in model.graph.input if i.name not in weights][0]
        reader = CalibrationReader(name, arrays, batched=len(shape) == 4)
        q.quantize_static(source, path + ".tmp.onnx", reader, quant_format=q.QuantFormat.QDQ,
                          activation_type=q.QuantType.QInt8, weight_type=q.QuantType.QInt8, per_channel=True)
        method = "static QDQ (int8 weights per channel, int8 activations, MinMax calibration)"
    os.replace(path + ".tmp.onnx", path)
    before, after = ort_session(source), ort_session(path)
    val = load_split(request, "val", int(request.get("val_limit", 200)))
    if val:
        arrays, labels, where = [pre(p) for p, _ in val], [l for _, l in val], "%d val images" % len(val)
    else:
        arrays, labels, where = pre.generated(int(request.get("check_images", 8))), [], "generated images"
    agree = total = 0
    right_before = right_after = labelled = 0
    diff = 0.0
    for i, a in enumerate(arrays):
        r, o = ort_run(before, a)[0], ort_run(after, a)[0]
        if r.shape == o.shape and r.size:
            diff = max(diff, float(np.abs(r.astype(np.float64) - o).max()))
        if len(r.shape) >= 2 and r.shape == o.shape:
            ra, oa = r.argmax(axis=1), o.argmax(axis=1)
            agree += int((ra == oa).sum())
            total += int(ra.size)
            if i < len(labels) and labels[i] is not None and len(r.shape) == 2:
                labelled += 1
                right_before += int(ra[0] == labels[i])
                right_after += int(oa[0] == labels[i])
    result = {"output": "model.int8.onnx", "opset": default_opset(model), "quantization": method, "val_images": len(arrays),
              "max_abs_diff": diff, "size_before": os.path.getsize(source), "size_after": os.path.getsize(path),
              "notes": notes + ["compared on " + where]}
    if calibrated:
        result["calibration_images"] = calibrated
    if total:
        result["top1_agreement"] = agree / total
    if labelled:
        result.update({"metric": "acc1", "metric_before": right_before / labelled, "metric_after": right_after / labelled})
    copy_export_json(request, out, "model.int8.onnx", {"quantization": method})
    return result


def convert(request):
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as e:
        raise JobError("%s is not installed for %s (pip install onnx onnxruntime)" % (getattr(e, "name", "onnx"), sys.executable))
    out = request["out"]
    os.makedirs(out, exist_ok=True)
    target = request.get("target")
    if target == "onnx":
        try:
            import torch  # noqa: F401
        except ImportError:
            raise JobError("torch is not installed for %s (pip install torch torchvision)" % sys.executable)
        return to_onnx(request, out)
    if target == "opset":
        return upgrade_opset(request, out)
    if target == "int8":
        return quantize(request, out)
    raise JobError("unknown target %r (onnx, opset, int8)" % target)


def main(argv=None):
    p = argparse.ArgumentParser(prog="aiarts_modeljob.py", description="aiarts model jobs: extraction and conversion")
    p.add_argument("command", choices=["extract", "convert"])
    p.add_argument("--request", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    try:
        with open(args.request, "r", encoding="utf-8") as f:
            request = json.load(f)
        if not isinstance(request, dict):
            raise JobError("the request is not a JSON object")
        result = extract(request) if args.command == "extract" else convert(request)
    except JobError as e:
        log("error: " + str(e))
        atomic_write_json(args.out, {"error": clean(str(e))})
        return 1
    except Exception as e:  # noqa: BLE001: reported in one line; the traceback goes to the log
        import traceback
        traceback.print_exc()
        atomic_write_json(args.out, {"error": "%s: %s" % (type(e).__name__, first_line(e))})
        return 1
    atomic_write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
