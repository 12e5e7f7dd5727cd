#!/usr/bin/env python3
"""Times one model on the CPU for `aiarts model compare --measure` (docs/models.md, "Comparing models").

    python3 model_latency.py --model FILE --format onnx|torchscript|state_dict
                             [--task classification|detection|segmentation|instance_segmentation]
                             [--image-size N] [--runs N] [--warmup N] [--threads N]

Prints one JSON object on stdout: ms_per_image (the median of the timed runs, batch 1), p90_ms, runs,
threads, runtime ("onnxruntime 1.x" or "torch 2.x"), input (the shape fed) and parameters (the number
of weights: ONNX initializers of floating or 8-bit types, a TorchScript module's parameters, a state
dict's tensors). A state dict has no graph to run: only its parameters are counted and ms_per_image is
null. The input is random (seeded), so the figure is the model's cost, not the data's. Any failure is
one line on stderr and exit status 1. Uses only the standard library, numpy, onnx/onnxruntime and torch.
"""
import argparse
import json
import os
import statistics
import sys
import time
import warnings


def fail(message):
    sys.stderr.write("model_latency: " + " ".join(str(message).split())[:500] + "\n")
    sys.exit(1)


def concrete_shape(shape, image_size):
    """An input shape with every symbolic dimension made concrete: batch 1, channels 3, spatial image_size."""
    out = []
    rank = len(shape)
    for i, dim in enumerate(shape):
        if isinstance(dim, int) and dim > 0:
            out.append(dim)
        elif i == 0 and rank >= 3:
            out.append(1)
        elif rank == 4 and i == 1:
            out.append(3)
        elif rank == 3 and i == 0:
            out.append(3)
        else:
            out.append(image_size)
    return out


def timed(run, runs, warmup):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    return statistics.median(times), p90


ONNX_COUNTED_TYPES = {1, 2, 3, 10, 11, 16}  # float, uint8, int8, float16, double, bfloat16


def onnx_parameters(path):
    try:
        import onnx
    except ImportError:
        return None
    model = onnx.load(path, load_external_data=False)
    total = 0
    for tensor in model.graph.initializer:
        if tensor.data_type in ONNX_COUNTED_TYPES:
            count = 1
            for d in tensor.dims:
                count *= int(d)
            total += count
    return total


def measure_onnx(args):
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as e:
        fail("onnxruntime is not installed in this Python (%s); choose one that has it (AIARTS_PYTHON)" % e)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(args.model, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001: the one-line reason is the answer
        fail("onnxruntime cannot load %s: %s" % (os.path.basename(args.model), str(e).splitlines()[0] if str(e) else type(e).__name__))
    rng = np.random.default_rng(0)
    feed = {}
    shapes = []
    for spec in session.get_inputs():
        shape = concrete_shape(list(spec.shape), args.image_size)
        kind = spec.type
        if "uint8" in kind:
            value = rng.integers(0, 256, size=shape, dtype=np.uint8)
        elif "int64" in kind:
            value = np.zeros(shape, dtype=np.int64)
        elif "float16" in kind:
            value = rng.random(shape, dtype=np.float32).astype(np.float16)
        elif "double" in kind:
            value = rng.random(shape)
        else:
            value = rng.random(shape, dtype=np.float32)
        feed[spec.name] = value
        shapes.append(shape)
    median, p90 = timed(lambda: session.run(None, feed), args.runs, args.warmup)
    return {"ms_per_image": median, "p90_ms": p90, "runtime": "onnxruntime " + ort.__version__,
            "input": shapes[0] if shapes else [], "parameters": onnx_parameters(args.model)}


def measure_torchscript(args):
    try:
        import torch
    except ImportError as e:
        fail("torch is not installed in this Python (%s); choose one that has it (AIARTS_PYTHON)" % e)
    torch.set_num_threads(args.threads)
    try:
        module = torch.jit.load(args.model, map_location="cpu")
    except Exception as e:  # noqa: BLE001
        fail("torch cannot load %s as TorchScript: %s" % (os.path.basename(args.model), str(e).splitlines()[0] if str(e) else type(e).__name__))
    module.eval()
    parameters = sum(p.numel() for p in module.parameters())
    g = torch.Generator().manual_seed(0)
    size = args.image_size
    if args.task in ("detection", "instance_segmentation"):
        example = [torch.rand(3, size, size, generator=g)]
        shape = [3, size, size]

        def run():
            with torch.no_grad():
                module(example)
    else:
        example = torch.rand(1, 3, size, size, generator=g)
        shape = [1, 3, size, size]

        def run():
            with torch.no_grad():
                module(example)
    try:
        median, p90 = timed(run, args.runs, args.warmup)
    except Exception as e:  # noqa: BLE001
        fail("the model did not run on a %s input: %s" % ("x".join(map(str, shape)), str(e).splitlines()[0] if str(e) else type(e).__name__))
    return {"ms_per_image": median, "p90_ms": p90, "runtime": "torch " + torch.__version__.split("+")[0],
            "input": shape, "parameters": int(parameters)}


def count_state_dict(args):
    try:
        import torch
    except ImportError as e:
        fail("torch is not installed in this Python (%s); choose one that has it (AIARTS_PYTHON)" % e)
    try:
        state = torch.load(args.model, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001
        fail("torch cannot read %s as a state dict: %s" % (os.path.basename(args.model), str(e).splitlines()[0] if str(e) else type(e).__name__))
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        fail("%s holds no state dict (a %s)" % (os.path.basename(args.model), type(state).__name__))
    total = sum(int(v.numel()) for k, v in state.items()
                if hasattr(v, "numel") and not str(k).endswith("num_batches_tracked") and v.is_floating_point())
    return {"ms_per_image": None, "p90_ms": None, "runtime": "torch " + torch.__version__.split("+")[0],
            "input": [], "parameters": total}


def main(argv=None):
    # torch's deprecation notices (torch.jit.*) would bury the one-line answer on stderr.
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser(description="Time a model on the CPU (batch 1) and count its parameters.")
    parser.add_argument("--model", required=True)
    parser.add_argument("--format", required=True, choices=["onnx", "torchscript", "state_dict"])
    parser.add_argument("--task", default="classification")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    if not os.path.isfile(args.model):
        fail("no model file at %s" % args.model)
    if not (8 <= args.image_size <= 4096):
        fail("--image-size must be 8 to 4096, not %d" % args.image_size)
    if not (1 <= args.runs <= 10000) or not (0 <= args.warmup <= 1000) or not (1 <= args.threads <= 256):
        fail("--runs 1..10000, --warmup 0..1000, --threads 1..256")
    if args.format == "onnx":
        result = measure_onnx(args)
    elif args.format == "torchscript":
        result = measure_torchscript(args)
    else:
        result = count_state_dict(args)
    result.update({"runs": args.runs if result["ms_per_image"] is not None else 0, "threads": args.threads})
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
