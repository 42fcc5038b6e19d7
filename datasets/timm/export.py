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
import json
import os
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import zoo_export as zx  # noqa: E402
from zoo_export import FAMILY_ALIASES, arch_key, family_of, strip  # noqa: E402,F401 - re-exported for callers

GRAPHS = os.path.join(HERE, "graphs")
LOG = os.path.join(HERE, "exports.jsonl")
LABELS = os.path.join(HERE, "labels.tsv")

# Architectures above this many published parameters (millions) are not attempted: their random
# init and fp32 export copies do not fit the 8 GB per-model budget on this machine.
MAX_PARAMS_M = 600.0


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
        # Families in the order of their smallest job's name, as the first runs had it.
        return zx.diverse(jobs, family=lambda j: family_of(j[0]), size=lambda j: (j[2], j[0], j[1]), order=lambda j: j[0])

    return diverse(first) + diverse(rest)


def graph_name(arch: str, size: int) -> str:
    return f"{arch}-{size}.onnx.gz"


def restrip() -> int:
    """Applies the current `strip` to every stored graph (for graphs exported by an older version)."""
    sizes = zx.restrip_folder(GRAPHS)
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


# ------------------------------------------------------------------------------------------------
# Worker: reads "arch size" lines on stdin, writes one JSON line per model on stdout
# (stripping, export and the reference MAC counter: datasets/lib/zoo_export.py).

def build(arch: str):
    import timm
    import torch
    torch.manual_seed(0)
    return timm.create_model(arch, pretrained=False, exportable=True).eval()


def handle(line: str) -> dict:
    import torch
    arch, size = line.split()
    size = int(size)
    rec = {"arch": arch, "img_size": size, "exporter": EXPORTER}
    net = build(arch)
    rec["timm_params"] = sum(p.numel() for p in net.parameters())
    # timm zero-initialises some weights (zero_init_last BN gammas): distinct random values keep the
    # exporter from merging those initializers (zoo_export.randomize_).
    zx.randomize_(net)
    data = zx.export_net(net, torch.randn(1, 3, size, size), rec)
    del net
    zx.store_stripped(data, rec, os.path.join(GRAPHS, graph_name(arch, size)))
    rec["status"] = "ok"
    return rec


EXPORTER = ""


def worker() -> int:
    global EXPORTER
    EXPORTER = zx.setup_exporter()
    return zx.serve(handle)


def worker_macs() -> int:
    """Like `worker`, but only builds each model and logs its reference MACs (for `--ref-macs`)."""
    import torch
    torch.set_num_threads(1)

    def macs(line: str) -> dict:
        arch, size = line.split()
        rec = {"arch": arch, "img_size": int(size)}
        rec.update(zx.reference_macs(build(arch), torch.randn(1, 3, int(size), int(size))))
        rec["status"] = "ok"
        return rec

    return zx.serve(macs)


# ------------------------------------------------------------------------------------------------
# Parent: runs jobs on N workers with a timeout and an RSS limit per model.

class Slot(zx.Slot):
    """zoo_export's watched worker, with results keyed by (arch, img_size)."""

    def __init__(self, mode="--worker"):
        super().__init__(__file__, mode)

    def run(self, arch, size, timeout, max_rss):
        rec = super().run(f"{arch} {size}", timeout, max_rss)
        return {"arch": arch, "img_size": size, **rec}


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
        rows.append([arch, size, family_of(arch), arch_key(arch), b["model"].split(".", 1)[1], b["top1"], b["top5"], len(rs),
                     b["param_count"], rec["timm_params"], rec["nodes"], rec["seconds"]])
    with open(LABELS, "w") as f:
        f.write("# timm ImageNet-1k validation top-1/top-5 (%), one recipe per (architecture, img_size): the tag with the best top-1.\n")
        f.write("# SOURCE: GitHub huggingface/pytorch-image-models, results/results-imagenet.csv "
                "(commit aa4b5850c1543fa488abf260f18390eda46cf85d). LICENSE: Apache-2.0 (upstream repository).\n")
        f.write(f"# timm_params: sum of parameter elements of timm.create_model(arch) with timm {timm.__version__}; "
                "export_s: export seconds on a shared 2-core machine; family, arch_key: datasets/lib/zoo_export.py. "
                "Written by datasets/timm/export.py --labels.\n")
        f.write("arch\timg_size\tfamily\tarch_key\ttag\ttop1\ttop5\trecipes\tparam_count_m\ttimm_params\tnodes\texport_s\n")
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
