"""Export timm architectures to ONNX (random weights), strip the float payloads, store gzipped.

Offline tooling only: installing, testing or running onnx-predict never needs Python. Weights are
random (`pretrained=False`, nothing is downloaded); the graph, parameter count and MACs depend on
the architecture and the input resolution alone.

Setup (Debian python3-torch 1.13 / python3-onnx 1.12 are system packages; timm from PyPI):
  python3 -m venv --system-site-packages .cache/venv-timm1
  .cache/venv-timm1/bin/pip install timm==1.0.15
Run (resumable; one log line per model appended to datasets/timm/exports.jsonl):
  .cache/venv-timm1/bin/python datasets/timm/export.py --results <dir with results-imagenet.csv>
  .cache/venv-timm1/bin/python datasets/timm/export.py --results <dir> --labels   # writes labels.tsv

Jobs: one per (architecture, img_size) in results-imagenet.csv. Pass 1 exports every architecture
once, at the img_size of its best-top-1 recipe, round-robin over families and smallest first, so
a partial run is still diverse; pass 2 adds the other resolutions. Each model runs in a worker
process watched by the parent: a model is skipped (and logged with the reason) when it exceeds
--timeout seconds or --max-rss-gb resident memory, or fails to build or export.
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


def worker() -> int:
    import onnx
    import timm
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    out = sys.stdout
    sys.stdout = sys.stderr  # keep library prints off the result channel
    for line in sys.stdin:
        arch, size = line.split()
        size = int(size)
        t0 = time.time()
        rec = {"arch": arch, "img_size": size}
        try:
            net = timm.create_model(arch, pretrained=False, exportable=True).eval()
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
            buf = io.BytesIO()
            with torch.no_grad():
                torch.onnx.export(net, x, buf, opset_version=OPSET, input_names=["input"], output_names=["output"],
                                  do_constant_folding=True)
            del net
            model = onnx.load_from_string(buf.getvalue())
            del buf
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
    def __init__(self):
        self.proc = None

    def ensure(self):
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"], stdin=subprocess.PIPE,
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
                if r["status"] == "ok" or not args.retry:
                    done.add((r["arch"], r["img_size"]))
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
                  f"{rec.get('nodes', '')} {rec.get('gz_bytes', '')} {rec.get('reason', '')}", flush=True)

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


# ------------------------------------------------------------------------------------------------
# Label table: one row per exported (architecture, img_size), recipe = best top-1 at that size.

def write_labels(args) -> int:
    import timm
    _, by_key = read_results(args.results)
    log = {}
    for line in open(LOG):
        if line.strip():
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
    if args.labels:
        return write_labels(args)
    if args.restrip:
        return restrip()
    return run_all(args)


if __name__ == "__main__":
    sys.exit(main())
