#!/usr/bin/env python3
"""aiarts inference worker: runs an ONNX model (onnxruntime) or a TorchScript model (torch) for an
aiarts inference service, which starts it as a child and talks to it over stdin/stdout.

Every frame, either way: u32 header length (little-endian), the header (a UTF-8 JSON object), u64
data length, the data. The service sends {"op": "run", "shape": [N, 3, H, W]} with N*3*H*W float32
(little-endian, NCHW). The worker answers {"ok": true, "outputs": [{"name", "shape"}, ...]} with each
output as float32, back to back in that order (every output starts with the batch axis N), or
{"ok": false, "error": "..."}. Its first frame, once the model is loaded, is a hello: {"ok": true,
"inputs": [{"name", "shape"}], "outputs": [names], "batch": "dynamic" | "fixed" | "list", "device"}
or {"ok": false, "error": "one line"}. It ignores SIGTERM (the service answers the requests in
flight first) and ends when its stdin closes. Diagnostics go to stderr (the service's log).
Only the standard library plus numpy and onnxruntime or torch.
"""
import argparse
import json
import os
import signal
import struct
import sys

MAX_HEADER = 1 << 20
MAX_DATA = 2 << 30


def log(text):
    sys.stderr.write("infer worker: %s\n" % text)
    sys.stderr.flush()


def read_exact(stream, n):
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(stream):
    """(header dict, data bytes), or None at the end of the stream. Raises ValueError on a bad frame."""
    raw = read_exact(stream, 4)
    if raw is None:
        return None
    (length,) = struct.unpack("<I", raw)
    if length > MAX_HEADER:
        raise ValueError("a header of %d bytes" % length)
    header_bytes = read_exact(stream, length)
    if header_bytes is None:
        return None
    header = json.loads(header_bytes.decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("a header that is not a JSON object")
    raw = read_exact(stream, 8)
    if raw is None:
        return None
    (size,) = struct.unpack("<Q", raw)
    if size > MAX_DATA:
        raise ValueError("%d bytes of data" % size)
    data = read_exact(stream, size) if size else b""
    if data is None:
        return None
    return header, data


def write_frame(stream, header, data=b""):
    encoded = json.dumps(header, sort_keys=True).encode("utf-8")
    stream.write(struct.pack("<I", len(encoded)) + encoded + struct.pack("<Q", len(data)))
    if data:
        stream.write(data)
    stream.flush()


def one_line(error):
    text = str(error).strip().splitlines()
    text = text[0] if text else type(error).__name__
    return "".join(c if c.isprintable() else "?" for c in text)[:500]


def not_installed(module):
    return ("%s is not installed for %s: set AIARTS_PYTHON or `aiarts workspace python PATH` to a Python that has it "
            "(pip install %s)" % (module, sys.executable, module))


class OnnxModel:
    def __init__(self, path, task, device):
        try:
            import numpy  # noqa: F401
            import onnxruntime
        except ImportError:
            raise RuntimeError(not_installed("onnxruntime"))
        providers = ["CPUExecutionProvider"]
        if device == "cuda":
            available = onnxruntime.get_available_providers()
            if "CUDAExecutionProvider" not in available:
                raise RuntimeError("a GPU was asked for, but this onnxruntime has no CUDA provider (pip install onnxruntime-gpu)")
            providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
        self.session = onnxruntime.InferenceSession(path, providers=providers)
        self.task = task
        self.input = self.session.get_inputs()[0]
        self.output_names = [o.name for o in self.session.get_outputs()]
        shape = list(self.input.shape)
        if task == "detection" or len(shape) == 3:
            self.batch = "list"
        elif shape and isinstance(shape[0], int) and shape[0] == 1:
            self.batch = "fixed"
        else:
            self.batch = "dynamic"
        self.device = "cuda" if device == "cuda" else "cpu"

    def hello(self):
        shape = [d if isinstance(d, int) else None for d in self.input.shape]
        classes = None
        out_shape = self.session.get_outputs()[0].shape
        if self.task == "classification" and len(out_shape) == 2 and isinstance(out_shape[1], int):
            classes = out_shape[1]
        return {"ok": True, "inputs": [{"name": self.input.name, "shape": shape}], "outputs": self.output_names,
                "batch": self.batch, "device": self.device, "classes": classes}

    def run(self, x):
        import numpy as np
        if self.batch == "dynamic":
            return dict(zip(self.output_names, self.session.run(None, {self.input.name: x})))
        results = []
        for i in range(x.shape[0]):
            feed = x[i] if self.batch == "list" else x[i:i + 1]
            out = self.session.run(None, {self.input.name: feed})
            # A list-input model answers for its one image without a batch axis; a fixed one with it.
            results.append([o if self.batch == "list" else o[0] for o in out])
        return {name: np.stack([r[k] for r in results]) if all(r[k].shape == results[0][k].shape for r in results)
                else None for k, name in enumerate(self.output_names)}


class TorchScriptModel:
    def __init__(self, path, task, device):
        try:
            import torch
        except ImportError:
            raise RuntimeError(not_installed("torch"))
        if device == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("a GPU was asked for, but torch sees no CUDA device (CUDA_VISIBLE_DEVICES=%s)"
                               % os.environ.get("CUDA_VISIBLE_DEVICES", ""))
        try:
            import torchvision  # noqa: F401: registers the ops scripted torchvision models call (nms, roi_align)
        except ImportError:
            pass
        self.torch = torch
        self.device = torch.device("cuda" if device == "cuda" else "cpu")
        self.model = torch.jit.load(path, map_location=self.device)
        self.model.eval()
        self.task = task
        self.batch = "list" if task == "detection" else "dynamic"

    def hello(self):
        names = ["boxes", "labels", "scores"] if self.task == "detection" else ["output"]
        return {"ok": True, "inputs": [{"name": "images", "shape": []}], "outputs": names, "batch": self.batch,
                "device": str(self.device)}

    def run(self, x):
        import numpy as np
        torch = self.torch
        with torch.no_grad():
            batch = torch.from_numpy(x).to(self.device)
            if self.task == "detection":
                found = []
                for i in range(batch.shape[0]):
                    out = self.model([batch[i]])
                    if isinstance(out, tuple):  # scripted detection models return (losses, detections)
                        out = out[1]
                    found.append(out[0])
                if len(found) != 1:
                    raise RuntimeError("a detection model runs one image per call")
                d = found[0]
                return {k: d[k].float().cpu().numpy()[None] for k in ("boxes", "labels", "scores")}
            y = self.model(batch)
            if isinstance(y, dict):
                y = y["out"]
            if isinstance(y, (tuple, list)):
                y = y[0]
            return {"output": y.float().cpu().numpy().astype(np.float32)}

    def gpu_memory_mib(self):
        if self.device.type != "cuda":
            return None
        return int(self.torch.cuda.memory_reserved(self.device) / (1 << 20))


def serve(model, stdin, stdout):
    import numpy as np
    write_frame(stdout, model.hello())
    while True:
        try:
            frame = read_frame(stdin)
        except ValueError as e:
            log("bad frame from the service: %s" % one_line(e))
            return 2
        if frame is None:
            return 0
        header, data = frame
        try:
            if header.get("op") != "run":
                raise ValueError("unknown op %r" % header.get("op"))
            shape = [int(d) for d in header.get("shape", [])]
            if len(shape) != 4 or any(d <= 0 for d in shape):
                raise ValueError("shape %r is not [N, 3, H, W]" % (shape,))
            count = shape[0] * shape[1] * shape[2] * shape[3]
            if len(data) != count * 4:
                raise ValueError("%d bytes of data for shape %r" % (len(data), shape))
            x = np.frombuffer(data, dtype="<f4").reshape(shape).astype(np.float32)
            outputs = model.run(x)
            described, blobs = [], []
            for name, value in outputs.items():
                if value is None:
                    raise RuntimeError("output %s differs in shape between the images of a batch" % name)
                value = np.ascontiguousarray(np.asarray(value, dtype="<f4"))
                described.append({"name": name, "shape": list(value.shape)})
                blobs.append(value.tobytes())
            answer = {"ok": True, "outputs": described}
            memory = getattr(model, "gpu_memory_mib", lambda: None)()
            if memory is not None:
                answer["gpu_memory_mib"] = memory
            write_frame(stdout, answer, b"".join(blobs))
        except Exception as e:  # noqa: BLE001: the service answers this request with the reason
            write_frame(stdout, {"ok": False, "error": one_line(e)})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["onnx", "torchscript"], required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--task", default="classification", choices=["classification", "detection", "segmentation"])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The protocol owns fd 1: anything a library prints goes to stderr instead.
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    stdin = sys.stdin.buffer
    try:
        try:
            import numpy  # noqa: F401
        except ImportError:
            raise RuntimeError(not_installed("numpy"))
        model = (OnnxModel if args.backend == "onnx" else TorchScriptModel)(args.model, args.task, args.device)
    except Exception as e:  # noqa: BLE001: reported to the service in one line
        reason = one_line(e)
        log(reason)
        write_frame(stdout, {"ok": False, "error": reason})
        return 1
    log("loaded %s (%s, %s, batch %s)" % (args.model, args.backend, model.device, model.batch))
    return serve(model, stdin, stdout)


if __name__ == "__main__":
    sys.exit(main())
