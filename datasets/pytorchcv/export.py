"""Export the labelled pytorchcv (imgclsmob) models to ONNX (random weights), strip the float payloads, store gzipped.

Offline tooling only: installing, testing or running onnx-predict never needs Python. Weights are random
(`get_model(name, pretrained=False)`, nothing is downloaded); the graph, parameter count and MACs depend on the
architecture and the input size alone. Shared machinery (stripping, export, worker watchdog, families):
datasets/lib/zoo_export.py, as for timm.

Setup (torch from PyPI: ~3 GB with its nvidia-* wheels, which run fine on a CPU-only machine):
  python3 -m venv .cache/venv-cv
  .cache/venv-cv/bin/pip install torch==2.6.0 pytorchcv==0.0.74 onnx==1.17.0
Run (resumable: one log line per model appended to datasets/pytorchcv/exports.jsonl; rerun to continue):
  nice -n 10 .cache/venv-cv/bin/python datasets/pytorchcv/export.py --labels-csv ../shared/data/pytorchcv_zoo/pytorchcv_labels.csv
  .cache/venv-cv/bin/python datasets/pytorchcv/export.py --labels-csv <csv> --labels     # writes labels.tsv

Jobs: one per row of pytorchcv_labels.csv (model names are unique across its datasets: `resnet20_cifar10`,
`resnet20_svhn`, ...). Labels come from that CSV only, never from the installed package's own table. Input:
`[1, 3, S, S]` with S = the row's `input_size` (ImageNet evaluation size), 32 for CIFAR-10/100 and SVHN, and the
model's own `in_size` where the CSV has none (CUB-200: 224 or 448; 9 resneta*/resnetd* rows: 224). Order: round-robin
over families, smallest published params first, so a partial run is diverse. Each model runs in a worker process
watched by the parent; it is skipped (and logged with its reason) over --timeout seconds or --max-rss-gb resident
memory, or when it fails to build or export. `--retry` retries logged failures.
"""
import argparse
import csv
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import zoo_export as zx  # noqa: E402

GRAPHS = os.path.join(HERE, "graphs")
LOG = os.path.join(HERE, "exports.jsonl")
LABELS = os.path.join(HERE, "labels.tsv")
DEFAULT_CSV = os.path.join(HERE, "..", "..", "..", "shared", "data", "pytorchcv_zoo", "pytorchcv_labels.csv")

# CSV `dataset` → our target name, and its task domain.
TARGETS = {"imagenet1k": "imagenet", "cifar10": "cifar10", "cifar100": "cifar100", "svhn": "svhn", "cub200": "cub200"}
SMALL_INPUT = {"cifar10": 32, "cifar100": 32, "svhn": 32}


def read_rows(path: str):
    rows = list(csv.DictReader(open(path)))
    names = [r["model"] for r in rows]
    if len(set(names)) != len(names):
        raise SystemExit(f"{path}: model names are not unique")
    return rows


def published_params(r) -> int:
    return int(float(r["params"]))


def graph_name(model: str) -> str:
    return f"{model}.onnx.gz"


# ------------------------------------------------------------------------------------------------
# Worker: "model size" per line (size 0: the model's own in_size).

def build(model: str):
    import torch
    from pytorchcv.model_provider import get_model
    torch.manual_seed(0)
    return get_model(model, pretrained=False).eval()


def handle(line: str) -> dict:
    import torch
    model, size = line.split()
    size = int(size)
    rec = {"model": model, "exporter": EXPORTER}
    net = build(model)
    if size == 0:
        size = int(getattr(net, "in_size", (224, 224))[0])
    rec["img_size"] = size
    rec["built_params"] = sum(p.numel() for p in net.parameters())
    zx.randomize_(net)
    data = zx.export_net(net, torch.randn(1, 3, size, size), rec)
    del net
    zx.store_stripped(data, rec, os.path.join(GRAPHS, graph_name(model)))
    rec["status"] = "ok"
    return rec


EXPORTER = ""


def worker() -> int:
    global EXPORTER
    EXPORTER = zx.setup_exporter()
    return zx.serve(handle)


# ------------------------------------------------------------------------------------------------
# Parent.

def input_size(r) -> int:
    if r["dataset"] in SMALL_INPUT:
        return SMALL_INPUT[r["dataset"]]
    return int(r["input_size"]) if r["input_size"] else 0


def run_all(args) -> int:
    rows = read_rows(args.labels_csv)
    done = set()
    for r in zx.read_log(LOG):
        limit = re.match(r"over ([\d.]+) s", r.get("reason", ""))
        timed_out_here = r["status"] == "timeout" and limit and float(limit.group(1)) >= args.timeout
        if r["status"] == "ok" or timed_out_here or not args.retry:
            done.add(r["model"])
        else:
            done.discard(r["model"])
    jobs = zx.diverse([r for r in rows if r["model"] not in done],
                      family=lambda r: zx.pytorchcv_family(r["model"]), size=lambda r: (published_params(r), r["model"]))
    if args.only:
        only = set(args.only.split(","))
        jobs = [r for r in jobs if r["model"] in only]
    if args.limit:
        jobs = jobs[: args.limit]
    stop_at = time.time() + args.budget if args.budget else None
    slot = zx.Slot(__file__)
    with open(LOG, "a") as log:
        for r in jobs:
            if stop_at and time.time() > stop_at:
                break
            rec = slot.run(f"{r['model']} {input_size(r)}", args.timeout, args.max_rss_gb * 2**30)
            rec.update({"model": r["model"], "dataset": r["dataset"], "family": zx.pytorchcv_family(r["model"])})
            log.write(__import__("json").dumps(rec, sort_keys=True) + "\n")
            log.flush()
            print(f"{rec['status']:7} {rec.get('seconds', 0):7.1f}s {r['model']}@{rec.get('img_size', input_size(r))} "
                  f"{rec.get('nodes', '')} {rec.get('gz_bytes', '')} {rec.get('ref_macs', '')} {rec.get('reason', '')}", flush=True)
    slot.kill()
    return 0


# ------------------------------------------------------------------------------------------------
# Label table: one row per exported model.

LABEL_COLUMNS = ["model", "dataset", "target", "img_size", "family", "arch_key", "top1", "top5", "params", "built_params",
                 "macs_m", "caption", "provenance", "nodes", "export_s"]


def write_labels(args) -> int:
    rows = read_rows(args.labels_csv)
    log = {}
    for r in zx.read_log(LOG):
        log[r["model"]] = r
    out = []
    for r in rows:
        rec = log.get(r["model"])
        if not rec or rec["status"] != "ok":
            continue
        out.append([r["model"], r["dataset"], TARGETS[r["dataset"]], rec["img_size"], zx.pytorchcv_family(r["model"]),
                    zx.arch_key(r["model"]), r["top1_acc"], (f"{100 - float(r['top5_err']):.2f}" if r["top5_err"] else ""),
                    r["params_meta"], rec["built_params"], r["macs_M"], r["caption"].replace("\t", " "), r["provenance"],
                    rec["nodes"], rec["seconds"]])
    with open(LABELS, "w") as f:
        f.write("# pytorchcv (imgclsmob) zoo: measured top-1/top-5 (%) of released weights, one row per (model, dataset).\n")
        f.write("# SOURCE: ../shared/data/pytorchcv_zoo/pytorchcv_labels.csv (PyPI pytorchcv==0.0.74 model_metainfos.csv + "
                "GitHub osmr/pytorchcv README at 7f31dc8fe521e99012ac863a946e10a314118c16). LICENSE: MIT (Copyright (c) 2018-2024 Oleg Sémery).\n")
        f.write("# params: the package CSV's count (params_meta); built_params: sum of parameter elements of get_model(model) "
                "at export; family/arch_key: datasets/lib/zoo_export.py. Written by datasets/pytorchcv/export.py --labels.\n")
        f.write("\t".join(LABEL_COLUMNS) + "\n")
        for row in out:
            f.write("\t".join(str(x) for x in row) + "\n")
    print(f"{len(out)} rows -> {LABELS}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--labels", action="store_true")
    ap.add_argument("--labels-csv", default=DEFAULT_CSV)
    ap.add_argument("--timeout", type=float, default=300)
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
    return run_all(args)


if __name__ == "__main__":
    sys.exit(main())
