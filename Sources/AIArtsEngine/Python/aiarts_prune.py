#!/usr/bin/env python3
"""Structured pruning of an aiarts torch checkpoint (docs/pruning.md).

    python3 aiarts_prune.py analyze --manifest dataset.json --checkpoint C --out sensitivity.json
                                    [--ratios 0.1,0.2,...] [--split val] [--batch-size 16]
    python3 aiarts_prune.py prune   --manifest dataset.json --checkpoint C --out DIR
                                    (--ratio R | --ratios-file ratios.json) [--split val]

aiarts writes this file beside aiarts_torch.py and imports that script's manifest loading, model
building and evaluation. Prunable layers are torch-pruning's DependencyGraph groups rooted at a
Conv2d or Linear (every layer whose channels must go together), the output layer excepted; a
channel's importance is the L1 norm of its weights (MagnitudeImportance(p=1)).

analyze: for each group and each ratio, the group's least important channels are zeroed (their
producing Conv2d/Linear/BatchNorm rows: the network then computes exactly what it would with those
channels removed), the split is evaluated, and the weights are put back. Progress lines
`progress I/N GROUP RATIO METRIC` go to stdout; the result is written atomically.

prune: removes channels structurally (torch-pruning's MetaPruner), writes DIR/pruned.pt (an aiarts
checkpoint marked "pruned", which aiarts_torch.py's --pretrained rebuilds to its shapes) and
DIR/report.json: parameters, MACs, CPU latency per image and the metric, before and after.

Exit status 0; 1 with one `error: ...` line for a problem the user can fix.
"""

import argparse
import copy
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aiarts_torch as at  # noqa: E402

SENSITIVITY_FORMAT = "aiarts-sensitivity-1"
REPORT_FORMAT = "aiarts-prune-report-1"
DEFAULT_RATIOS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
METRIC = {"classification": "acc1", "segmentation": "miou"}
UserError = at.UserError


def log(message):
    print(message, flush=True)


def parse_ratios(text):
    """'0.1,0.2' → [0.1, 0.2], sorted and without repeats; each strictly between 0 and 1."""
    values = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            r = float(part)
        except ValueError:
            raise UserError("ratio '%s' is not a number; give ratios like 0.1,0.2,0.3" % part[:40])
        if not (0 < r < 1):
            raise UserError("ratio %s is outside (0, 1): a ratio is the share of a layer's channels removed" % part[:40])
        values.append(round(r, 6))
    if not values:
        raise UserError("no ratios given; give ratios like 0.1,0.2,0.3")
    return sorted(set(values))


def removed_count(channels, ratio):
    """Channels a ratio removes from a layer: at least one stays."""
    return max(0, min(channels - 1, int(math.floor(channels * ratio + 1e-9))))


def atomic_json(path, value):
    at.atomic_write(path, (json.dumps(value, indent=1, sort_keys=True, allow_nan=False) + "\n").encode("utf-8"))


def finite(value):
    return at.finite_or_none(value)


# ---------------------------------------------------------------------------------------- model


def load(checkpoint, torch, device):
    model, state = at.model_from_checkpoint(checkpoint, torch, device)
    kind = state.get("type")
    if kind not in METRIC:
        raise UserError("pruning covers classification and segmentation models; %s is a %s model (%s)" % (
            at.clean_text(checkpoint), kind, state.get("model_name")))
    return model, state


def output_layer(model, torch):
    """The layer that gives the model's output (the classifier): never pruned."""
    layers = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    return layers[-1]


def example_input(state, torch, device, batch=1):
    size = int(state.get("image_size", 224))
    return torch.randn(batch, 3, size, size, device=device)


def dependency_graph(model, example, torch):
    import torch_pruning as tp
    model.eval()
    return tp.DependencyGraph().build_dependency(model, example_inputs=example)


def prunable_groups(model, graph, torch):
    """[{name, module, channels, layers}] of every prunable group, in the graph's order."""
    names = {m: n for n, m in model.named_modules()}
    groups = []
    for group in graph.get_all_groups(ignored_layers=[output_layer(model, torch)],
                                      root_module_types=[torch.nn.Conv2d, torch.nn.Linear]):
        root = group[0].dep.target.module
        if root not in names:
            continue
        members = sorted({names[d.target.module] for d, _ in group
                          if isinstance(d.target.module, (torch.nn.Conv2d, torch.nn.Linear)) and d.target.module in names})
        groups.append({"name": names[root], "module": root, "channels": int(graph.get_out_channels(root)),
                       "layers": members})
    return groups


def channel_indices(group_list):
    out = []
    for i in group_list:
        out.append(int(getattr(i, "idx", i)))
    return out


def least_important(graph, root, ratio, torch):
    """The pruning group that removes `ratio` of root's channels, the lowest L1 norms first (None: nothing to remove)."""
    import torch_pruning as tp
    n = int(graph.get_out_channels(root))
    k = removed_count(n, ratio)
    if k == 0:
        return None
    handler = graph.get_pruner_of_module(root).prune_out_channels
    whole = graph.get_pruning_group(root, handler, idxs=list(range(n)))
    scores = tp.importance.MagnitudeImportance(p=1)(whole)
    order = torch.argsort(scores.detach().cpu()).tolist()
    return graph.get_pruning_group(root, handler, idxs=sorted(order[:k]))


def zero_channels(group, torch):
    """Zeroes what produces the group's pruned channels; returns what to put back."""
    saved = []
    nn = torch.nn
    for dep, idxs in group:
        module = dep.target.module
        name = getattr(dep.handler, "__name__", "")
        rows = channel_indices(idxs)
        if not rows:
            continue
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) or (
                isinstance(module, (nn.Conv2d, nn.Linear)) and name == "prune_out_channels"):
            for tensor in (module.weight, module.bias):
                if tensor is None:
                    continue
                index = torch.tensor(rows, dtype=torch.long, device=tensor.device)
                saved.append((tensor, index, tensor.data.index_select(0, index).clone()))
                tensor.data.index_fill_(0, index, 0.0)
    return saved


def restore(saved):
    for tensor, index, values in saved:
        tensor.data.index_copy_(0, index, values)


# ------------------------------------------------------------------------------------ evaluation


def eval_dataset(manifest_path, state, split, limit):
    manifest = at.load_manifest(manifest_path)
    labels = state.get("labels") or []
    if manifest.get("labels") != labels:
        raise UserError("the checkpoint was trained on other labels (%s) than this dataset's (%s)" % (
            ", ".join(labels), ", ".join(manifest.get("labels") or [])))
    kind = state["type"]
    samples = at.split_samples(manifest, split)
    if kind == "classification":
        samples = [s for s in samples if at.classification_target(s) is not None]
    if limit and limit > 0:
        samples = samples[:limit]
    if not samples:
        raise UserError("the dataset has no %s split (or none of it is labelled): split it with `aiarts dataset split %s --val 0.2`"
                        % (split, manifest.get("dataset", "DATASET")))
    missing = at.missing_files(samples)
    if missing:
        raise UserError("No such file or directory: '%s' (%d missing dataset file%s)" % (
            missing[0], len(missing), "" if len(missing) == 1 else "s"))
    return at.SampleDataset(samples, kind, int(state.get("image_size", 224)), False, len(labels))


def metric_of(model, state, dataset, batch_size, torch, device):
    kind = state["type"]
    results = at.evaluate_split(model, kind, dataset, state["labels"], batch_size, device, device.type == "cuda", torch)
    model.eval()  # evaluate_split leaves the model in train mode
    return finite(results.get(METRIC[kind]))


def cpu_latencies_ms(models, state, torch, runs=20, budget=6.0):
    """Median milliseconds of one image's forward pass on the CPU for each model, measured in turns
    (one pass of each, then again) after half a second of warm-up each, so that the machine's state
    (threads starting, caches, another process) weighs on all of them alike."""
    copies = [copy.deepcopy(m).to("cpu").eval() for m in models]
    x = example_input(state, torch, torch.device("cpu"))
    times = [[] for _ in copies]
    with torch.no_grad():
        for m in copies:
            start = time.perf_counter()
            while time.perf_counter() - start < 0.5:
                m(x)
        start = time.perf_counter()
        while len(times[0]) < runs and (len(times[0]) < 5 or time.perf_counter() - start < budget):
            for m, spent in zip(copies, times):
                t = time.perf_counter()
                m(x)
                spent.append((time.perf_counter() - t) * 1000.0)
    return [round(sorted(t)[len(t) // 2], 3) for t in times]


def measure(model, state, torch):
    """Parameters and MACs (torch-pruning's count at the input size); latency is measured apart."""
    import torch_pruning as tp
    x = example_input(state, torch, torch.device("cpu"))
    was = next(model.parameters()).device
    model.to("cpu").eval()
    macs, params = tp.utils.count_ops_and_params(model, x)
    model.to(was).eval()
    return {"params": int(params), "flops": int(macs)}


def device_of(torch):
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


# -------------------------------------------------------------------------------------- commands


def analyze(args):
    torch = at.require_torch()
    ratios = parse_ratios(args.ratios)
    device = device_of(torch)
    model, state = load(args.checkpoint, torch, device)
    dataset = eval_dataset(args.manifest, state, args.split, args.max_images)
    started = time.time()
    graph = dependency_graph(model, example_input(state, torch, device), torch)
    groups = prunable_groups(model, graph, torch)
    if not groups:
        raise UserError("%s has no prunable layer" % state.get("model_name"))
    total = len(groups) * len(ratios)
    log("analysis: %s (%s), %d prunable groups x %d ratios on %d %s images, device %s" % (
        state.get("model_name"), state["type"], len(groups), len(ratios), len(dataset), args.split, device.type))
    baseline = metric_of(model, state, dataset, args.batch_size, torch, device)
    log("baseline %s=%s" % (METRIC[state["type"]], baseline))
    layers, done = [], 0
    for g in groups:
        metrics, drops = [], []
        for r in ratios:
            pruned = least_important(graph, g["module"], r, torch)
            saved = zero_channels(pruned, torch) if pruned is not None else []
            try:
                value = metric_of(model, state, dataset, args.batch_size, torch, device) if saved else baseline
            finally:
                restore(saved)
            metrics.append(value)
            drops.append(None if value is None or baseline is None else round(baseline - value, 6))
            done += 1
            log("progress %d/%d %s %g %s" % (done, total, g["name"], r, "nan" if value is None else "%.6f" % value))
        layers.append({"name": g["name"], "channels": g["channels"], "layers": g["layers"],
                       "metrics": metrics, "drops": drops})
    result = {"format": SENSITIVITY_FORMAT, "version": 1, "model": state.get("model_name"), "type": state["type"],
              "metric": METRIC[state["type"]], "split": args.split, "images": len(dataset),
              "checkpoint": os.path.abspath(args.checkpoint), "epoch": state.get("epoch"),
              "input_size": int(state.get("image_size", 224)), "ratios": ratios, "baseline": baseline,
              "layers": layers, "seconds": round(time.time() - started, 3), "time": time.time()}
    atomic_json(args.out, result)
    log("wrote %s: %d groups in %.1f s" % (at.clean_text(args.out), len(layers), time.time() - started))
    return 0


def ratio_plan(args, groups):
    """{group name: ratio} from --ratio (every group) or --ratios-file ({"ratios": {name: r}})."""
    if args.ratios_file:
        try:
            with open(args.ratios_file, "r", encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise UserError("cannot read %s: %s" % (at.clean_text(args.ratios_file), e))
        chosen = data.get("ratios") if isinstance(data, dict) else None
        if not isinstance(chosen, dict):
            raise UserError("%s holds no {\"ratios\": {layer: ratio}}" % at.clean_text(args.ratios_file))
        known = {g["name"] for g in groups}
        unknown = sorted(set(chosen) - known)
        if unknown:
            raise UserError("the model has no prunable layer %s (it has %s)" % (", ".join(unknown[:3]), ", ".join(sorted(known)[:6])))
        plan = {}
        for name, r in chosen.items():
            if not isinstance(r, (int, float)) or isinstance(r, bool) or not (0 <= r < 1):
                raise UserError("ratio of %s must be a number in [0, 1), not %r" % (name, r))
            if r > 0:
                plan[name] = float(r)
        return plan
    r = parse_ratios(args.ratio)
    if len(r) != 1:
        raise UserError("--ratio takes one number, e.g. 0.3")
    return {g["name"]: r[0] for g in groups}


def prune(args):
    import torch_pruning as tp
    torch = at.require_torch()
    device = device_of(torch)
    model, state = load(args.checkpoint, torch, device)
    dataset = eval_dataset(args.manifest, state, args.split, args.max_images)
    started = time.time()
    graph = dependency_graph(model, example_input(state, torch, device), torch)
    groups = prunable_groups(model, graph, torch)
    plan = ratio_plan(args, groups)
    original = copy.deepcopy(model).to("cpu")
    before = measure(model, state, torch)
    before["metric"] = metric_of(model, state, dataset, args.batch_size, torch, device)
    by_name = {g["name"]: g for g in groups}
    # The plan's ratio is asked of each group's root; MetaPruner rounds what it removes itself
    # (154 of 512 at 0.3, where the analysis zeroed floor(512 * 0.3) = 153).
    ratio_dict = {by_name[name]["module"]: r for name, r in plan.items()}
    if ratio_dict:
        model.eval()
        pruner = tp.pruner.MetaPruner(model, example_input(state, torch, device), importance=tp.importance.MagnitudeImportance(p=1),
                                      pruning_ratio=0.0, pruning_ratio_dict=ratio_dict,
                                      ignored_layers=[output_layer(model, torch)],
                                      root_module_types=[torch.nn.Conv2d, torch.nn.Linear])
        pruner.step()
    model.eval()
    layers = []
    for g in groups:
        module = g["module"]
        after = module.out_channels if isinstance(module, torch.nn.Conv2d) else module.out_features
        layers.append({"name": g["name"], "ratio": plan.get(g["name"], 0.0), "channels_before": g["channels"],
                       "channels_after": int(after)})
    after = measure(model, state, torch)
    after["metric"] = metric_of(model, state, dataset, args.batch_size, torch, device)
    before["latency_ms"], after["latency_ms"] = cpu_latencies_ms([original, model], state, torch)
    del original
    log("before: %s" % json.dumps(before, sort_keys=True))
    log("after pruning (before fine-tuning): %s" % json.dumps(after, sort_keys=True))
    os.makedirs(args.out, exist_ok=True)
    checkpoint = {"format": at.FORMAT, "pruned": True, "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                  "model_name": state.get("model_name"), "labels": state.get("labels"), "type": state["type"],
                  "image_size": state.get("image_size"), "epoch": state.get("epoch"), "step": 0,
                  "args": {}, "best_metric": None, "metric": after["metric"], "metric_name": METRIC[state["type"]],
                  "dataset": state.get("dataset"), "time": time.time(), "source": os.path.abspath(args.checkpoint),
                  "ratios": plan}
    path = os.path.join(args.out, "pruned.pt")
    tmp = "%s.tmp-%d" % (path, os.getpid())
    torch.save(checkpoint, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    report = {"format": REPORT_FORMAT, "version": 1, "model": state.get("model_name"), "type": state["type"],
              "metric_name": METRIC[state["type"]], "split": args.split, "images": len(dataset),
              "source_checkpoint": os.path.abspath(args.checkpoint), "source_epoch": state.get("epoch"),
              "input_size": int(state.get("image_size", 224)), "pruned_checkpoint": os.path.abspath(path),
              "ratio": float(args.ratio) if args.ratio and not args.ratios_file else None,
              "before": before, "pruned": after, "layers": layers,
              "seconds": round(time.time() - started, 3), "time": time.time()}
    atomic_json(os.path.join(args.out, "report.json"), report)
    log("wrote %s and report.json: params %d -> %d, MACs %d -> %d" % (
        at.clean_text(path), before["params"], after["params"], before["flops"], after["flops"]))
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(prog="aiarts_prune.py", description="Structured pruning of an aiarts torch checkpoint.")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="the metric drop of each prunable layer pruned alone at each ratio")
    b = sub.add_parser("prune", help="remove channels structurally and write the pruned checkpoint and a report")
    for s in (a, b):
        s.add_argument("--manifest", required=True)
        s.add_argument("--checkpoint", required=True)
        s.add_argument("--out", required=True)
        s.add_argument("--split", default="val")
        s.add_argument("--batch-size", type=int, default=16)
        s.add_argument("--max-images", type=int, default=0, help="evaluate on the first N images of the split (0: all)")
    a.add_argument("--ratios", default=",".join(str(r) for r in DEFAULT_RATIOS))
    b.add_argument("--ratio")
    b.add_argument("--ratios-file")
    args = p.parse_args(argv)
    if args.command == "prune" and bool(args.ratio) == bool(args.ratios_file):
        p.error("prune takes one of --ratio R or --ratios-file FILE")
    if args.batch_size < 1:
        p.error("--batch-size must be 1 or more")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "analyze":
            return analyze(args)
        return prune(args)
    except UserError as e:
        log("error: %s" % e)
        return 1
    except ImportError as e:
        if getattr(e, "name", None) in ("torch", "torchvision", "PIL", "numpy", "torch_pruning"):
            package = "torch-pruning" if e.name == "torch_pruning" else e.name
            log("error: No module named '%s' (pruning needs torch, torchvision and torch-pruning: pip install %s)" % (e.name, package))
            return 1
        raise
    except FileNotFoundError as e:
        log("error: No such file or directory: '%s'" % (e.filename or e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
