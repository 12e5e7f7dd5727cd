"""Log metrics from a notebook to aiarts (docs/notebooks.md).

    import aiarts_metrics
    aiarts_metrics.log(step=10, loss=0.31, acc=0.9)            # a "train" line
    aiarts_metrics.log(step=10, kind="eval", acc1=0.91)        # an "eval" line

Each call appends one line of aiarts' metrics protocol (docs/metrics-protocol.md) to the file named
by $AIARTS_METRICS (set for every kernel of the session), else metrics.jsonl beside this module; a
line is written with one write() so a reader never sees half of it. `aiarts code show` lists the
newest value of each series. Tensors and numpy numbers become plain floats; values that are not
numbers are refused with a TypeError naming the field.
"""

import json
import math
import numbers
import os
import time

__all__ = ["log", "metrics_path"]

_RESERVED = {"type", "step", "steps", "epoch", "epochs", "time", "path", "best"}


def metrics_path():
    """The file lines go to."""
    named = os.environ.get("AIARTS_METRICS")
    if named:
        return named
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics.jsonl")


def _number(name, value):
    if isinstance(value, bool):
        raise TypeError("%s: a boolean is not a metric value" % name)
    if isinstance(value, numbers.Real):
        return float(value) if not isinstance(value, numbers.Integral) else int(value)
    item = getattr(value, "item", None)  # torch tensors, numpy scalars
    if callable(item):
        try:
            return _number(name, item())
        except (TypeError, ValueError, RuntimeError) as error:
            raise TypeError("%s: %s is not a single number (%s)" % (name, type(value).__name__, error))
    raise TypeError("%s: %s is not a number" % (name, type(value).__name__))


def log(step=None, kind="train", epoch=None, **metrics):
    """Appends one metrics line and returns it as a dict.

    step: the global step (an integer >= 0), or None; kind: the line's type ("train", "eval" …);
    epoch: a number >= 0, or None; every other keyword is a series, `<kind>/<name>` in aiarts.
    """
    if not isinstance(kind, str) or not kind:
        raise TypeError("kind must be a non-empty string such as 'train' or 'eval'")
    line = {"type": kind}
    if step is not None:
        step = _number("step", step)
        if not isinstance(step, int) and not (isinstance(step, float) and step.is_integer()):
            raise ValueError("step must be a whole number (got %r)" % step)
        if step < 0 or step > 2 ** 53:
            raise ValueError("step must be between 0 and 2^53 (got %r)" % step)
        line["step"] = int(step)
    if epoch is not None:
        epoch = _number("epoch", epoch)
        if not math.isfinite(epoch) or epoch < 0:
            raise ValueError("epoch must be a finite number >= 0 (got %r)" % epoch)
        line["epoch"] = epoch
    if not metrics:
        raise TypeError("name at least one metric, e.g. log(step=1, loss=0.5)")
    for name, value in metrics.items():
        if name in _RESERVED:
            raise TypeError("%s is a reserved field of the metrics protocol; name the metric otherwise" % name)
        line[name] = _number(name, value)
    line["time"] = time.time()
    data = (json.dumps(line) + "\n").encode("utf-8")
    fd = os.open(metrics_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    return line
