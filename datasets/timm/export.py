"""Export timm architectures to ONNX (random weights), strip the float payloads, store gzipped.

Offline tooling only: installing, testing or running onnx-predict never needs Python. Weights are
random (`pretrained=False`, nothing is downloaded); the graph, parameter count and MACs depend on
the architecture and the input resolution alone.

Setup: torch 2.6 (PyPI's Linux wheel; PyPI serves only the CUDA-bundled build, about 3 GB with its
nvidia-* wheels, which run fine on a CPU-only machine), timm 1.0.15, onnx 1.17:
  python3 -m venv .cache/venv-timm2
  .cache/venv-timm2/bin/pip install torch==2.6.0 timm==1.0.15 onnx==1.17.0
(The first 154 graphs were exported with Debian's python3-torch 1.13; `exporter` in the log tells
which. Both use the TorchScript exporter, opset 17, and the same stripping.)
Run (resumable; one log line per model appended to datasets/timm/exports.jsonl):
  .cache/venv-timm2/bin/python datasets/timm/export.py --results <dir with results-imagenet.csv>
  .cache/venv-timm2/bin/python datasets/timm/export.py --ref-macs          # backfill reference MACs
  .cache/venv-timm2/bin/python datasets/timm/export.py --results <dir> --labels   # writes labels.tsv

Jobs: one per (architecture, img_size) in results-imagenet.csv. Pass 1 exports every architecture
once, at the img_size of its best-top-1 recipe, round-robin over families and smallest first, so
a partial run is still diverse; pass 2 adds the other resolutions. Each model runs in a worker
process watched by the parent: a model is skipped (and logged with the reason) when it exceeds
--timeout seconds or --max-rss-gb resident memory, or fails to build or export.

Reference MACs: before exporting, the worker runs one forward pass of the same module under
torch's own flop counter (`torch.utils.flop_counter.FlopCounterMode`) and logs `ref_macs` (its
FLOPs / 2) with the per-op split `ref_macs_by_op`. The counter covers convolution, mm/addmm/bmm/
baddbmm (every matmul, linear and einsum lowers to these) and attention kernels, without bias adds:
the convention of onnx-predict's `macs`. `datasets/timm/check-macs.ts` compares the two.
"""
import argparse
import csv
import gzip
import io
import json
import os
import re
import select
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = os.path.join(HERE, "graphs")
LOG = os.path.join(HERE, "exports.jsonl")
LABELS = os.path.join(HERE, "labels.tsv")

STRIPPED_LOCATION = "onnx-predict:stripped"
# Float tensors up to this many elements stay inline (scalars, tiny constants); integer tensors
# (shapes, axes, gather indices) up to KEEP_INLINE_INT: only big index tables (relative-position
# indices, [N, N] int64) are stripped, never a shape a Reshape needs.
KEEP_INLINE = 16
KEEP_INLINE_INT = 4096
OPSET = 17
# Architectures above this many published parameters (millions) are not attempted: their random
# init and fp32 export copies do not fit the 8 GB per-model budget on this machine.
MAX_PARAMS_M = 600.0

# Same architecture under another name, or variants of one design: merged so that
# leave-family-out never trains on a sibling of the held-out family (docs/DATASETS.md, timm).
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


def family_of(arch: str) -> str:
    tokens = arch.split("_")
    while tokens[0] in ("tf", "timm", "gluon", "legacy", "wide", "eca", "gc", "bat", "dm") and len(tokens) > 1:
        tokens = tokens[1:]
    head = tokens[0]
    if head in FAMILY_ALIASES:
        return FAMILY_ALIASES[head]
    # resnet50d -> resnet, mobilenetv3 -> mobilenet, convnextv2 -> convnext, eva02 -> eva
    base = re.sub(r"\d+[a-z]*$", "", head) if re.search(r"\d", head) else head
    base = re.sub(r"v\d*$", "", base) if re.search(r"[a-z]v\d*$", base) and len(base) > 4 else base
    base = base or head
    return FAMILY_ALIASES.get(base, base)


def read_results(results_dir: str):
    rows = list(csv.DictReader(open(os.path.join(results_dir, "results-imagenet.csv"))))
    by_key = {}
    for r in rows:
        arch = r["model"].split(".")[0]
        by_key.setdefault((arch, int(r["img_size"])), []).append(r)
    return rows, by_key


def best(rows):
    # Highest top-1; ties broken by the tag string so the choice is deterministic.
    return sorted(rows, key=lambda r: (-float(r["top1"]), r["model"]))[0]


def pm(row) -> float:
    return float(row["param_count"].replace(",", ""))


def plan(by_key):
    archs = {}
    for (arch, size), rows in by_key.items():
        archs.setdefault(arch, []).append((size, best(rows)))
    first, rest = [], []
    for arch, sizes in archs.items():
        sizes.sort(key=lambda s: (-float(s[1]["top1"]), s[0]))
        first.append((arch, sizes[0][0], pm(sizes[0][1])))
        rest.extend((arch, s, pm(r)) for s, r in sizes[1:])

    def diverse(jobs):
        fams = {}
        for j in sorted(jobs, key=lambda j: (j[2], j[0], j[1])):
            fams.setdefault(family_of(j[0]), []).append(j)
        out, lists = [], sorted(fams.values(), key=lambda l: l[0][0])
        while any(lists):
            for l in lists:
                if l:
                    out.append(l.pop(0))
        return out

    return diverse(first) + diverse(rest)


def graph_name(arch: str, size: int) -> str:
    return f"{arch}-{size}.onnx.gz"


# ------------------------------------------------------------------------------------------------
# Worker: reads "arch size" lines on stdin, writes one JSON line per model on stdout.

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


def restrip() -> int:
    """Applies the current `strip` to every stored graph (for graphs exported by an older version)."""
    import onnx
    sizes = {}
    for name in sorted(os.listdir(GRAPHS)):
        if not name.endswith(".onnx.gz"):
            continue
        path = os.path.join(GRAPHS, name)
        raw = open(path, "rb").read()
        model = onnx.load_from_string(gzip.decompress(raw))
        if strip(model) == 0:
            continue
        data = model.SerializeToString()
        gz = gzip.compress(data, 9, mtime=0)
        with open(path + ".tmp", "wb") as f:
            f.write(gz)
        os.replace(path + ".tmp", path)
        sizes[name] = (len(data), len(gz))
        print(f"{name}: {len(raw)} -> {len(gz)} bytes")
    if sizes and os.path.exists(LOG):
        lines = [json.loads(l) for l in open(LOG) if l.strip()]
        for r in lines:
            n = graph_name(r["arch"], r["img_size"])
            if r.get("status") == "ok" and n in sizes:
                r["stripped_bytes"], r["gz_bytes"] = sizes[n]
        with open(LOG + ".tmp", "w") as f:
            f.writelines(json.dumps(r, sort_keys=True) + "\n" for r in lines)
        os.replace(LOG + ".tmp", LOG)
    return 0


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


def build(arch: str):
    import timm
    import torch
    torch.manual_seed(0)
    return timm.create_model(arch, pretrained=False, exportable=True).eval()


EXPORT_KW: dict = {}


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
    """torch.onnx.export to bytes; on the Unfold failure, once more with `unfold_as_gather`
    (logged as `export_patch`), so that other models' graphs stay as the exporter makes them."""
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


def result_channel():
    """The worker's stdout, kept for result lines; fd 1 itself goes to stderr, so prints from
    Python and from torch's C++ side never reach the result channel."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", buffering=1)


def worker() -> int:
    import inspect
    import onnx
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    # torch >= 2.5 also has the dynamo exporter (the default from 2.9): keep the TorchScript one,
    # which the first graphs came from, so old and new exports are comparable.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        EXPORT_KW["dynamo"] = False
    exporter = f"torch {torch.__version__.split('+')[0]}"
    out = result_channel()
    for line in sys.stdin:
        arch, size = line.split()
        size = int(size)
        t0 = time.time()
        rec = {"arch": arch, "img_size": size, "exporter": exporter}
        try:
            net = build(arch)
            rec["timm_params"] = sum(p.numel() for p in net.parameters())
            # Distinct random values everywhere: timm zero-initialises some weights (zero_init_last
            # BN gammas), and torch's exporter merges initializers with equal contents, which would
            # drop those layers' parameters from the graph. Values do not matter; they get stripped.
            with torch.no_grad():
                for prm in net.parameters():
                    prm.uniform_(-0.05, 0.05)
                for name, buf in net.named_buffers():
                    if name.endswith("running_mean"):
                        buf.uniform_(-0.1, 0.1)
                    elif name.endswith("running_var"):
                        buf.uniform_(0.5, 1.5)
            x = torch.randn(1, 3, size, size)
            try:
                rec.update(reference_macs(net, x))
            except Exception as e:  # noqa: BLE001 - the export is still worth having
                rec["ref_macs_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"
            data = export_onnx(net, x, rec)
            del net
            model = onnx.load_from_string(data)
            del data
            rec["onnx_params"] = sum(int(__import__("math").prod(t.dims)) for t in model.graph.initializer)
            rec["stripped_tensors"] = strip(model)
            data = model.SerializeToString()
            rec["nodes"] = len(model.graph.node)
            rec["stripped_bytes"] = len(data)
            gz = gzip.compress(data, 9, mtime=0)
            rec["gz_bytes"] = len(gz)
            os.makedirs(GRAPHS, exist_ok=True)
            tmp = os.path.join(GRAPHS, graph_name(arch, size) + ".tmp")
            with open(tmp, "wb") as f:
                f.write(gz)
            os.replace(tmp, os.path.join(GRAPHS, graph_name(arch, size)))
            rec["status"] = "ok"
        except Exception as e:  # noqa: BLE001 - any failure is logged as a skip reason
            rec["status"] = "error"
            rec["reason"] = f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"
        rec["seconds"] = round(time.time() - t0, 2)
        out.write(json.dumps(rec) + "\n")
        out.flush()
    return 0


def worker_macs() -> int:
    """Like `worker`, but only builds each model and logs its reference MACs (for `--ref-macs`)."""
    import torch
    torch.set_num_threads(1)
    out = result_channel()
    for line in sys.stdin:
        arch, size = line.split()
        t0 = time.time()
        rec = {"arch": arch, "img_size": int(size)}
        try:
            rec.update(reference_macs(build(arch), torch.randn(1, 3, int(size), int(size))))
            rec["status"] = "ok"
        except Exception as e:  # noqa: BLE001
            rec["status"] = "error"
            rec["reason"] = f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"
        rec["seconds"] = round(time.time() - t0, 2)
        out.write(json.dumps(rec) + "\n")
        out.flush()
    return 0


# ------------------------------------------------------------------------------------------------
# Parent: runs jobs on N workers with a timeout and an RSS limit per model.

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
    def __init__(self, mode="--worker"):
        self.proc = None
        self.mode = mode

    def ensure(self):
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), self.mode], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def run(self, arch, size, timeout, max_rss):
        self.ensure()
        t0 = time.time()
        self.proc.stdin.write(f"{arch} {size}\n")
        self.proc.stdin.flush()
        peak = 0
        while True:
            ready, _, _ = select.select([self.proc.stdout], [], [], 1.0)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    self.proc = None
                    return {"arch": arch, "img_size": size, "status": "error", "reason": "worker died (out of memory?)",
                            "seconds": round(time.time() - t0, 2)}
                if not line.startswith("{"):
                    continue
                rec = json.loads(line)
                rec["peak_rss_gb"] = round(peak / 2**30, 2)
                return rec
            peak = max(peak, rss_bytes(self.proc.pid))
            if time.time() - t0 > timeout:
                self.kill()
                return {"arch": arch, "img_size": size, "status": "timeout", "reason": f"over {timeout} s",
                        "seconds": round(time.time() - t0, 2)}
            if peak > max_rss:
                self.kill()
                return {"arch": arch, "img_size": size, "status": "memory",
                        "reason": f"over {max_rss / 2**30:.0f} GB resident", "seconds": round(time.time() - t0, 2)}


def run_all(args) -> int:
    _, by_key = read_results(args.results)
    done = set()
    if os.path.exists(LOG):
        for line in open(LOG):
            if line.strip():
                r = json.loads(line)
                # --retry: again for timeouts, errors and memory skips (another torch, a bigger
                # budget); never for names timm lacks or models over MAX_PARAMS_M.
                limit = re.match(r"over ([\d.]+) s", r.get("reason", ""))
                timed_out_here = r["status"] == "timeout" and limit and float(limit.group(1)) >= args.timeout
                if r["status"] in ("ok", "unknown", "too-big") or timed_out_here or not args.retry:
                    done.add((r["arch"], r["img_size"]))
                else:
                    done.discard((r["arch"], r["img_size"]))
    jobs = [j for j in plan(by_key) if (j[0], j[1]) not in done]
    if args.only:
        only = set(args.only.split(","))
        jobs = [j for j in jobs if j[0] in only]
    if args.limit:
        jobs = jobs[: args.limit]
    import timm  # only to check names, in the parent
    lock = threading.Lock()
    queue = list(jobs)
    log = open(LOG, "a")
    stop_at = time.time() + args.budget if args.budget else None

    def emit(rec):
        rec["family"] = family_of(rec["arch"])
        with lock:
            log.write(json.dumps(rec, sort_keys=True) + "\n")
            log.flush()
            print(f"{rec['status']:7} {rec.get('seconds', 0):7.1f}s {rec['arch']}@{rec['img_size']} "
                  f"{rec.get('nodes', '')} {rec.get('gz_bytes', '')} {rec.get('ref_macs', '')} {rec.get('reason', '')}", flush=True)

    def loop():
        slot = Slot()
        while True:
            with lock:
                if not queue or (stop_at and time.time() > stop_at):
                    break
                arch, size, pm = queue.pop(0)
            if not timm.is_model(arch):
                emit({"arch": arch, "img_size": size, "status": "unknown", "reason": f"not in timm {timm.__version__}"})
                continue
            if pm > MAX_PARAMS_M:
                emit({"arch": arch, "img_size": size, "status": "too-big", "reason": f"{pm} M params > {MAX_PARAMS_M} M"})
                continue
            emit(slot.run(arch, size, args.timeout, args.max_rss_gb * 2**30))
        slot.kill()

    threads = [threading.Thread(target=loop) for _ in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


def backfill_ref_macs(args) -> int:
    """Adds `ref_macs` to logged exports that lack it (graphs from before the flop counter).
    Rewrites the log: do not run while exporting."""
    lines = [json.loads(l) for l in open(LOG) if l.strip()]
    todo = [r for r in lines if r["status"] == "ok" and "ref_macs" not in r]
    slot = Slot("--worker-macs")
    for r in todo:
        got = slot.run(r["arch"], r["img_size"], args.timeout, args.max_rss_gb * 2**30)
        r.setdefault("exporter", "torch 1.13")  # only the first, Debian-torch exports lack it
        if got.get("status") == "ok":
            r["ref_macs"], r["ref_macs_by_op"] = got["ref_macs"], got["ref_macs_by_op"]
            r.pop("ref_macs_error", None)
        else:
            r["ref_macs_error"] = got.get("reason", got.get("status"))
        print(f"{got.get('status'):7} {got.get('seconds', 0):6.1f}s {r['arch']}@{r['img_size']} {r.get('ref_macs', '')}",
              flush=True)
    slot.kill()
    with open(LOG + ".tmp", "w") as f:
        f.writelines(json.dumps(r, sort_keys=True) + "\n" for r in lines)
    os.replace(LOG + ".tmp", LOG)
    return 0


# ------------------------------------------------------------------------------------------------
# Label table: one row per exported (architecture, img_size), recipe = best top-1 at that size.

def write_labels(args) -> int:
    import timm
    _, by_key = read_results(args.results)
    log = {}
    for line in open(LOG):
        if line.endswith("\n"):  # a line still being appended by a running export is skipped
            r = json.loads(line)
            log[(r["arch"], r["img_size"])] = r
    rows = []
    for (arch, size), rs in sorted(by_key.items()):
        rec = log.get((arch, size))
        if not rec or rec["status"] != "ok":
            continue
        b = best(rs)
        rows.append([arch, size, family_of(arch), b["model"].split(".", 1)[1], b["top1"], b["top5"], len(rs),
                     b["param_count"], rec["timm_params"], rec["nodes"], rec["seconds"]])
    with open(LABELS, "w") as f:
        f.write("# timm ImageNet-1k validation top-1/top-5 (%), one recipe per (architecture, img_size): the tag with the best top-1.\n")
        f.write("# SOURCE: GitHub huggingface/pytorch-image-models, results/results-imagenet.csv "
                "(commit aa4b5850c1543fa488abf260f18390eda46cf85d). LICENSE: Apache-2.0 (upstream repository).\n")
        f.write(f"# timm_params: sum of parameter elements of timm.create_model(arch) with timm {timm.__version__}; "
                "export_s: export seconds on a shared 2-core machine. Written by datasets/timm/export.py --labels.\n")
        f.write("arch\timg_size\tfamily\ttag\ttop1\ttop5\trecipes\tparam_count_m\ttimm_params\tnodes\texport_s\n")
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")
    print(f"{len(rows)} rows -> {LABELS}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--worker-macs", action="store_true")
    ap.add_argument("--ref-macs", action="store_true", help="backfill reference MACs (do not run while exporting)")
    ap.add_argument("--labels", action="store_true")
    ap.add_argument("--restrip", action="store_true", help="re-strip stored graphs (do not run while exporting)")
    ap.add_argument("--results", default="../shared/data/timm_imagenet_results")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--max-rss-gb", type=float, default=8)
    ap.add_argument("--budget", type=float, default=0, help="stop starting new models after this many seconds")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--only", default="")
    ap.add_argument("--retry", action="store_true", help="retry models logged as failed")
    args = ap.parse_args()
    if args.worker:
        return worker()
    if args.worker_macs:
        return worker_macs()
    if args.ref_macs:
        return backfill_ref_macs(args)
    if args.labels:
        return write_labels(args)
    if args.restrip:
        return restrip()
    return run_all(args)


if __name__ == "__main__":
    sys.exit(main())
