"""Shared offline tooling for the model-zoo exporters (datasets/timm/export.py, datasets/pytorchcv/export.py,
datasets/pycls/export.py): the `onnx-predict:stripped` payload stripping, gzip storage, the TorchScript export with
its Unfold fallback, torch's reference MAC counter, the watched worker process (timeout and resident-memory cap), the
diverse job order and the family / architecture-key rules (docs/DATASETS.md, "Families and shared keys").

Python only; onnx-predict itself never runs it. Each exporter puts this folder on `sys.path` and imports it.
"""
import gzip
import io
import json
import os
import re
import select
import subprocess
import sys
import time

STRIPPED_LOCATION = "onnx-predict:stripped"
# Float tensors up to this many elements stay inline (scalars, tiny constants); integer tensors
# (shapes, axes, gather indices) up to KEEP_INLINE_INT: only big index tables (relative-position
# indices, [N, N] int64) are stripped, never a shape a Reshape needs.
KEEP_INLINE = 16
KEEP_INLINE_INT = 4096
OPSET = 17


# ------------------------------------------------------------------------------------------------
# Families and shared architecture keys.

# Same architecture under another name, or variants of one design: merged so that leave-family-out
# never trains on a sibling of the held-out family. Keys are name stems (see `family_of`).
FAMILY_ALIASES = {
    "deit": "vit", "regnetx": "regnet", "regnety": "regnet", "regnetz": "regnet", "regnetv": "regnet",
    "resnext": "resnet", "seresnet": "resnet", "seresnext": "resnet", "ecaresnet": "resnet", "ecaresnext": "resnet",
    "skresnet": "resnet", "skresnext": "resnet", "gcresnet": "resnet", "gcresnext": "resnet", "resnetaa": "resnet",
    "resnetblur": "resnet", "resnetrs": "resnet", "seresnextaa": "resnet",
    "resnest": "resnet", "res2net": "resnet", "res2next": "resnet",
    "mnasnet": "efficientnet", "mixnet": "efficientnet", "tinynet": "efficientnet", "spnasnet": "efficientnet",
    "semnasnet": "efficientnet", "fbnetc": "efficientnet", "lcnet": "mobilenet",
    "nf": "nfnet", "cs": "cs3darknet", "dla102x": "dla", "tiny": "tinyvit", "ese": "vovnet", "cs3sedarknet": "cs3darknet", "cs3se": "cs3darknet",
    "cs3edgenet": "cs3darknet", "darknetaa": "darknet", "cspresnext": "cspresnet", "densenetblur": "densenet",
    "sebotnet": "botnet", "halo2botnet": "halonet", "sehalonet": "halonet", "lamhalobotnet": "halonet",
    "haloregnetz": "halonet", "halonext": "halonet", "botnext": "botnet", "ecaresnetlight": "resnet", "eva02": "eva", "beitv2": "beit", "deit3": "vit", "flexivit": "vit",
    # NASNet and PNASNet share the NASNet cell space; gMixer is MLP-Mixer with gated units;
    # SENet-154 is an SE-ResNeXt.
    "nasnetalarge": "nasnet", "pnasnet": "nasnet", "gmixer": "mixer", "senet": "resnet",
}

# pytorchcv's own stems (`pytorchcv_family`), onto the same family names as timm's where the design is
# the same lineage. ResNet variants (pre-activation, SE, DIA attention, RoR/RiR shortcuts, wide,
# ResNeSt, the a/b/c/d stems) all become `resnet`: leave-family-out must not train on a ResNet
# sibling of a held-out ResNet. MBConv NAS nets become `efficientnet`, as timm's aliases do.
PYTORCHCV_ALIASES = {
    "preresnet": "resnet", "sepreresnet": "resnet", "diaresnet": "resnet", "diapreresnet": "resnet",
    "resneta": "resnet", "resnetd": "resnet", "resnetbc": "resnet", "resnetabc": "resnet", "preresnetbc": "resnet",
    "seresnetbc": "resnet", "sepreresnetbc": "resnet", "resnesta": "resnet", "resnestabc": "resnet",
    "wrn": "resnet", "ror": "resnet", "rir": "resnet",
    "airnext": "airnet", "scneta": "scnet",
    "mobilenetb": "mobilenet", "fdmobilenet": "mobilenet",
    "shufflenetb": "shufflenet",
    "fbnet": "efficientnet", "proxylessnas": "efficientnet",
    "sqnxt": "squeezenext", "squeezeresnet": "squeezenet",
    "alexnetb": "alexnet", "zfnet": "alexnet", "zfnetb": "alexnet",
    "inceptionresnet": "inception", "bninception": "inception",
    "drnc": "drn", "drnd": "drn", "xdensenet": "densenet",
}

# Dataset suffixes of pytorchcv's model names (one network per dataset: another head, other input size).
DATASET_SUFFIX = re.compile(r"_(cifar10|cifar100|svhn|cub)$")
# Name prefixes that mark a port or a bolt-on module, not another architecture.
PREFIXES = ("tf", "timm", "gluon", "legacy", "wide", "eca", "gc", "bat", "dm")
PYTORCHCV_PREFIXES = ("bn", "ibn", "ibnb", "bam", "cbam")


def family_of(arch: str) -> str:
    """timm's rule: the name's first token without port prefixes, trailing digits/size letters and `vN`, aliased."""
    tokens = arch.split("_")
    while tokens[0] in PREFIXES and len(tokens) > 1:
        tokens = tokens[1:]
    head = tokens[0]
    if head in FAMILY_ALIASES:
        return FAMILY_ALIASES[head]
    # resnet50d -> resnet, mobilenetv3 -> mobilenet, convnextv2 -> convnext, eva02 -> eva
    base = re.sub(r"\d+[a-z]*$", "", head) if re.search(r"\d", head) else head
    base = re.sub(r"v\d*$", "", base) if re.search(r"[a-z]v\d*$", base) and len(base) > 4 else base
    base = base or head
    return FAMILY_ALIASES.get(base, base)


def pytorchcv_family(model: str) -> str:
    """pytorchcv's rule: drop the dataset suffix and module prefixes (bn_, ibn_, bam_, cbam_), keep the
    leading letters of the first token, drop a trailing `v` (mobilenetv2 → mobilenet, hrnetv2 → hrnet),
    then map through PYTORCHCV_ALIASES and timm's FAMILY_ALIASES."""
    tokens = DATASET_SUFFIX.sub("", model).split("_")
    while tokens[0] in PYTORCHCV_PREFIXES and len(tokens) > 1:
        tokens = tokens[1:]
    base = re.match(r"[a-z]*", tokens[0]).group() or tokens[0]
    if base.endswith("v") and len(base) > 4:
        base = base[:-1]
    base = PYTORCHCV_ALIASES.get(base, base)
    return FAMILY_ALIASES.get(base, base)


def arch_key(name: str) -> str:
    """The architecture's identity across zoos and datasets: the dataset suffix, port prefixes
    (tf_, gluon_, legacy_) and timm's torchvision-port suffix (_tv) dropped, a final variant letter a–d after a digit dropped (resnet50b,
    resnet50d → resnet50; efficientnet_b0b → efficientnet_b0), underscores removed (timm's
    regnetx_002 and pytorchcv's regnetx002 → regnetx002). Deliberately coarse: rows that share it
    stay in one fold, and a shared key can only keep more rows together, never leak."""
    name = DATASET_SUFFIX.sub("", name.lower())
    tokens = name.split("_")
    while tokens[0] in ("tf", "gluon", "legacy", "timm") and len(tokens) > 1:
        tokens = tokens[1:]
    if tokens[-1] == "tv" and len(tokens) > 1:
        tokens = tokens[:-1]
    name = "_".join(tokens)
    name = re.sub(r"(\d)[a-d]$", r"\1", name)
    return name.replace("_", "")


# ------------------------------------------------------------------------------------------------
# Job order.

def diverse(jobs, family, size, order=None):
    """Round-robin over families, smallest first within each: a partial run still covers many
    families. `jobs` items are anything; `family(job)` names its family, `size(job)` is a sort key,
    and `order(job)` of a family's smallest job orders the families (default: `size`)."""
    order = order or size
    fams = {}
    for j in sorted(jobs, key=size):
        fams.setdefault(family(j), []).append(j)
    out, lists = [], [fams[k] for k in sorted(fams, key=lambda k: order(fams[k][0]))]
    while any(lists):
        for lst in lists:
            if lst:
                out.append(lst.pop(0))
    return out


# ------------------------------------------------------------------------------------------------
# Stripping and storage.

def strip_tensor(t) -> bool:
    """Drops a float payload per the `onnx-predict:stripped` convention; False if kept inline."""
    from onnx import TensorProto
    float_types = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16}
    count = 1
    for d in t.dims:
        count *= d
    keep = KEEP_INLINE if t.data_type in float_types else KEEP_INLINE_INT
    if count <= keep or t.data_location == TensorProto.EXTERNAL:
        return False
    nbytes = len(t.raw_data) if t.raw_data else count * 4
    for f in ("raw_data", "float_data", "double_data", "int32_data", "int64_data", "uint64_data"):
        t.ClearField(f)
    t.data_location = TensorProto.EXTERNAL
    del t.external_data[:]
    for k, v in (("location", STRIPPED_LOCATION), ("length", str(nbytes))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return True


def strip(model):
    """Strips float initializers and float Constant-node tensors (relative-position tables, RoPE
    frequencies: buffers that torch exports as Constants). Small and integer tensors stay."""
    from onnx import AttributeProto
    stripped = sum(strip_tensor(t) for t in model.graph.initializer)
    for node in model.graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.type == AttributeProto.TENSOR:
                    stripped += strip_tensor(a.t)
    return stripped


def write_gz(path: str, data: bytes) -> int:
    """gzip -9 with mtime 0 (byte-identical reruns), written to a temp name and renamed; returns the size."""
    gz = gzip.compress(data, 9, mtime=0)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(gz)
    os.replace(path + ".tmp", path)
    return len(gz)


def restrip_folder(graphs: str) -> dict:
    """Applies the current `strip` to every stored graph of `graphs` (for graphs exported by an older
    version); returns {name: (stripped_bytes, gz_bytes)} of the rewritten ones."""
    import onnx
    sizes = {}
    for name in sorted(os.listdir(graphs)):
        if not name.endswith(".onnx.gz"):
            continue
        path = os.path.join(graphs, name)
        raw = open(path, "rb").read()
        model = onnx.load_from_string(gzip.decompress(raw))
        if strip(model) == 0:
            continue
        data = model.SerializeToString()
        sizes[name] = (len(data), write_gz(path, data))
        print(f"{name}: {len(raw)} -> {sizes[name][1]} bytes")
    return sizes


# ------------------------------------------------------------------------------------------------
# Export.

def randomize_(net) -> None:
    """Distinct random values everywhere: zoos zero-initialise some weights (zero_init_last BN gammas),
    and torch's exporter merges initializers with equal contents, which would drop those layers'
    parameters from the graph. Values do not matter; they get stripped."""
    import torch
    with torch.no_grad():
        for prm in net.parameters():
            prm.uniform_(-0.05, 0.05)
        for name, buf in net.named_buffers():
            if name.endswith("running_mean"):
                buf.uniform_(-0.1, 0.1)
            elif name.endswith("running_var"):
                buf.uniform_(0.5, 1.5)


def _register_cpu_attention() -> None:
    """torch 2.6's counter has no formula for the CPU flash-attention kernel: add the standard one
    (timm uses plain matmuls when exportable=True, this only guards a model that calls SDPA anyway)."""
    import torch
    from torch.utils import flop_counter as fc
    op = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)
    if op is None or op in fc.flop_registry:
        return

    @fc.register_flop_formula(op)
    def _(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs):
        return fc.sdpa_flop_count(query_shape, key_shape, value_shape)


def reference_macs(net, x) -> dict:
    """MACs of one forward pass by torch's flop counter (FLOPs / 2), total and per aten op."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    _register_cpu_attention()
    t0 = time.time()
    # The counter's module tracker asserts on parameters that require grad under no_grad (CaiT's
    # class token enters a block as an input): nothing here needs grad.
    for prm in net.parameters():
        prm.requires_grad_(False)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        net(x)
    by_op = {str(op): n // 2 for op, n in counter.get_flop_counts().get("Global", {}).items()}  # "aten.convolution": ...
    return {"ref_macs": counter.get_total_flops() // 2, "ref_macs_by_op": dict(sorted(by_op.items())),
            "ref_seconds": round(time.time() - t0, 2)}


EXPORT_KW: dict = {}


def setup_exporter() -> str:
    """One thread; torch >= 2.5 also has the dynamo exporter (the default from 2.9): keep the
    TorchScript one, which the first graphs came from, so old and new exports are comparable.
    Returns the `exporter` log value."""
    import inspect
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        EXPORT_KW["dynamo"] = False
    return f"torch {torch.__version__.split('+')[0]}"


def unfold_as_gather(self, dim, size, step):
    """`Tensor.unfold` as index_select + reshape + movedim, same values. The TorchScript exporter's
    Unfold needs the input extent in its shape inference, which HaloNet's padded blocks lose
    ("input size not accessible"); traced here, the extents are Python ints."""
    import torch
    dim = dim % self.dim()
    n = (int(self.shape[dim]) - size) // step + 1
    idx = (torch.arange(n)[:, None] * step + torch.arange(size)[None, :]).flatten()
    shape = [int(s) for s in self.shape]
    shape[dim:dim + 1] = [n, size]
    return self.index_select(dim, idx).reshape(shape).movedim(dim + 1, -1)


def export_onnx(net, x, rec) -> bytes:
    """torch.onnx.export to bytes (opset 17, constant folding); on the Unfold failure, once more with
    `unfold_as_gather` (logged as `export_patch`), so that other models' graphs stay as the exporter makes them."""
    import torch

    def run():
        buf = io.BytesIO()
        with torch.no_grad():
            torch.onnx.export(net, x, buf, opset_version=OPSET, input_names=["input"], output_names=["output"],
                              do_constant_folding=True, **EXPORT_KW)
        return buf.getvalue()

    try:
        return run()
    except Exception as e:  # noqa: BLE001
        if "Unfold" not in str(e):
            raise
    orig = torch.Tensor.unfold
    torch.Tensor.unfold = unfold_as_gather
    try:
        data = run()
    finally:
        torch.Tensor.unfold = orig
    rec["export_patch"] = "unfold-as-gather"
    return data


def export_net(net, x, rec: dict) -> bytes:
    """Reference MACs (into `rec`), then the ONNX export. `net` must already be randomized and in eval mode."""
    try:
        rec.update(reference_macs(net, x))
    except Exception as e:  # noqa: BLE001 - the export is still worth having
        rec["ref_macs_error"] = error_text(e)
    return export_onnx(net, x, rec)


def store_stripped(data: bytes, rec: dict, path: str) -> None:
    """Strips the exported model and gzips it to `path`; fills `rec` (onnx_params, stripped_tensors,
    nodes, stripped_bytes, gz_bytes). Callers drop the torch module first: big models need the memory."""
    import math
    import onnx
    model = onnx.load_from_string(data)
    del data
    rec["onnx_params"] = sum(int(math.prod(t.dims)) for t in model.graph.initializer)
    rec["stripped_tensors"] = strip(model)
    data = model.SerializeToString()
    rec["nodes"] = len(model.graph.node)
    rec["stripped_bytes"] = len(data)
    rec["gz_bytes"] = write_gz(path, data)


def error_text(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"


# ------------------------------------------------------------------------------------------------
# Worker side: reads one job line at a time on stdin, writes one JSON line per job on stdout.

def result_channel():
    """The worker's stdout, kept for result lines; fd 1 itself goes to stderr, so prints from
    Python and from torch's C++ side never reach the result channel."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", buffering=1)


def serve(handle) -> int:
    """Worker loop: `handle(line) -> dict` per stdin line; exceptions become status 'error'."""
    out = result_channel()
    for line in sys.stdin:
        t0 = time.time()
        try:
            rec = handle(line.strip())
        except Exception as e:  # noqa: BLE001 - any failure is logged as a skip reason
            rec = {"status": "error", "reason": error_text(e)}
        rec.setdefault("seconds", round(time.time() - t0, 2))
        out.write(json.dumps(rec) + "\n")
        out.flush()
    return 0


# ------------------------------------------------------------------------------------------------
# Parent side: one job at a time per worker process, with a timeout and an RSS limit per job.

def rss_bytes(pid: int) -> int:
    total = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total = int(line.split()[1]) * 1024
    except OSError:
        pass
    return total


class Slot:
    """A worker process running `script mode`; `run(line, ...)` sends one job and waits for its result,
    killing (and later restarting) the worker on timeout, on memory over the cap, or when it dies."""

    def __init__(self, script: str, mode: str = "--worker"):
        self.proc = None
        self.script = os.path.abspath(script)
        self.mode = mode

    def ensure(self):
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, self.script, self.mode], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def run(self, line: str, timeout: float, max_rss: float) -> dict:
        self.ensure()
        t0 = time.time()
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        peak = 0
        while True:
            ready, _, _ = select.select([self.proc.stdout], [], [], 1.0)
            if ready:
                out = self.proc.stdout.readline()
                if not out:
                    self.proc = None
                    return {"status": "error", "reason": "worker died (out of memory?)", "seconds": round(time.time() - t0, 2)}
                if not out.startswith("{"):
                    continue
                rec = json.loads(out)
                rec["peak_rss_gb"] = round(peak / 2**30, 2)
                return rec
            peak = max(peak, rss_bytes(self.proc.pid))
            if time.time() - t0 > timeout:
                self.kill()
                return {"status": "timeout", "reason": f"over {timeout:g} s", "seconds": round(time.time() - t0, 2)}
            if peak > max_rss:
                self.kill()
                return {"status": "memory", "reason": f"over {max_rss / 2**30:.0f} GB resident", "seconds": round(time.time() - t0, 2)}


def read_log(path: str) -> list:
    """The complete lines of a jsonl log (a line still being appended is skipped)."""
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.endswith("\n") and line.strip()]
