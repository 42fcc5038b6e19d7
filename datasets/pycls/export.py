"""Export the 36 pycls "Designing Network Design Spaces" baselines (RegNetX/Y, ResNet, ResNeXt, EfficientNet) to ONNX
(random weights), strip the float payloads, store gzipped. Same machinery as timm and pytorchcv (datasets/lib/zoo_export.py).

Offline tooling only. Each network is rebuilt from the YAML architecture section in the table (`arch_params`) plus
pycls's defaults, by PyPI `pycls==0.1.1`'s own `build_model()`: RegNet (`W0, WA, WM, DEPTH, GROUP_W`, `SE_ON` for
RegNetY; stem `simple_stem_in` 32, `res_bottleneck_block`, bottleneck 1.0, SE ratio 0.25), AnyNet for ResNet/ResNeXt
(`STEM_TYPE, STEM_W, BLOCK_TYPE, STRIDES, DEPTHS, WIDTHS, BOT_MULS, GROUP_WS`), EfficientNet (`STEM_W, STRIDES, DEPTHS,
WIDTHS, EXP_RATIOS, KERNELS, HEAD_W`, SE 0.25). The EfficientNet YAMLs' `ACTIVATION_FUN: silu` is a key of pycls HEAD
that 0.1.1 lacks; 0.1.1's EffNet hard-codes Swish = x·sigmoid(x) = SiLU, the same function, so the key is dropped.

Setup (in the pytorchcv venv; pycls 0.1.1 without its opencv dependency, which model building never imports):
  .cache/venv-cv/bin/pip install --no-deps pycls==0.1.1 yacs==0.1.8 simplejson
Run (resumable, log datasets/pycls/exports.jsonl), then the label table:
  nice -n 10 .cache/venv-cv/bin/python datasets/pycls/export.py --table ../shared/data/pycls_dds_baselines/pycls_dds_baselines.csv
  .cache/venv-cv/bin/python datasets/pycls/export.py --table <csv> --labels

Input: `[1, 3, S, S]` with S = `train_im_size`, the centre-crop size pycls evaluates at (224; EfficientNet B1–B5
240–456); `test_im_size` is the resize before the crop.
"""
import argparse
import csv
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import zoo_export as zx  # noqa: E402

GRAPHS = os.path.join(HERE, "graphs")
LOG = os.path.join(HERE, "exports.jsonl")
LABELS = os.path.join(HERE, "labels.tsv")
DEFAULT_CSV = os.path.join(HERE, "..", "..", "..", "shared", "data", "pycls_dds_baselines", "pycls_dds_baselines.csv")
CFG_SECTION = {"regnet": "REGNET", "anynet": "ANYNET", "effnet": "EN"}
# pycls names → the zoo-style names timm and pytorchcv use, for the shared architecture key.
REGNET_SIZES = {"200MF": "002", "400MF": "004", "600MF": "006", "800MF": "008", "1.6GF": "016", "3.2GF": "032",
                "4.0GF": "040", "6.4GF": "064", "8.0GF": "080", "12GF": "120", "16GF": "160", "32GF": "320"}
RECIPE = "pycls-dds-uniform-100ep-mean5"


def zoo_name(model: str) -> str:
    """RegNetX-200MF → regnetx_002, ResNet-50 → resnet50, ResNeXt-50 → resnext50_32x4d, EfficientNet-B0 → efficientnet_b0."""
    m = re.fullmatch(r"RegNet([XY])-(\S+)", model)
    if m:
        return f"regnet{m.group(1).lower()}_{REGNET_SIZES[m.group(2)]}"
    m = re.fullmatch(r"ResNe(X?)t-(\d+)", model)
    if m:
        return f"resnext{m.group(2)}_32x4d" if m.group(1) else f"resnet{m.group(2)}"
    m = re.fullmatch(r"EfficientNet-B(\d)", model)
    if m:
        return f"efficientnet_b{m.group(1)}"
    raise ValueError(f"unknown pycls model name {model!r}")


def family(model: str) -> str:
    return zx.family_of(zoo_name(model))


def read_rows(path: str):
    return list(csv.DictReader(open(path)))


def graph_name(model: str) -> str:
    return f"{model}.onnx.gz"


# ------------------------------------------------------------------------------------------------
# Worker: one JSON job per line {"model", "type", "arch", "size"}.

def build(model_type: str, arch: dict):
    import torch
    from pycls.core.config import cfg, reset_cfg
    import pycls.core.builders as builders
    torch.manual_seed(0)
    reset_cfg()
    cfg.MODEL.TYPE = model_type
    cfg.MODEL.NUM_CLASSES = 1000
    section = getattr(cfg, CFG_SECTION[model_type])
    for k, v in arch.items():
        if k == "ACTIVATION_FUN":
            if v != "silu":
                raise ValueError(f"pycls 0.1.1 has only Swish (SiLU), not {v!r}")
            continue
        setattr(section, k, v)
    return builders.build_model().eval()


EXPORTER = ""


def handle(line: str) -> dict:
    import torch
    job = json.loads(line)
    rec = {"model": job["model"], "img_size": job["size"], "exporter": EXPORTER}
    net = build(job["type"], job["arch"])
    rec["built_params"] = sum(p.numel() for p in net.parameters())
    zx.randomize_(net)
    data = zx.export_net(net, torch.randn(1, 3, job["size"], job["size"]), rec)
    del net
    zx.store_stripped(data, rec, os.path.join(GRAPHS, graph_name(job["model"])))
    rec["status"] = "ok"
    return rec


def worker() -> int:
    global EXPORTER
    EXPORTER = zx.setup_exporter()
    return zx.serve(handle)


# ------------------------------------------------------------------------------------------------
# Parent.

def run_all(args) -> int:
    rows = read_rows(args.table)
    done = {r["model"] for r in zx.read_log(LOG) if r["status"] == "ok" or not args.retry}
    jobs = zx.diverse([r for r in rows if r["model"] not in done], family=lambda r: family(r["model"]),
                      size=lambda r: (float(r["params_M"]), r["model"]))
    slot = zx.Slot(__file__)
    with open(LOG, "a") as log:
        for r in jobs[: args.limit or None]:
            job = {"model": r["model"], "type": r["model_type"], "arch": json.loads(r["arch_params"]), "size": int(r["train_im_size"])}
            rec = slot.run(json.dumps(job), args.timeout, args.max_rss_gb * 2**30)
            rec.update({"model": r["model"], "family": family(r["model"])})
            log.write(json.dumps(rec, sort_keys=True) + "\n")
            log.flush()
            print(f"{rec['status']:7} {rec.get('seconds', 0):7.1f}s {r['model']}@{job['size']} {rec.get('nodes', '')} "
                  f"{rec.get('gz_bytes', '')} {rec.get('ref_macs', '')} {rec.get('reason', '')}", flush=True)
    slot.kill()
    return 0


LABEL_COLUMNS = ["model", "model_type", "img_size", "family", "arch_key", "top1", "params_m", "gflops", "acts_m",
                 "built_params", "epochs", "batch_size", "config_path", "arch_params", "nodes", "export_s"]


def write_labels(args) -> int:
    rows = read_rows(args.table)
    log = {r["model"]: r for r in zx.read_log(LOG)}
    out = []
    for r in rows:
        rec = log.get(r["model"])
        if not rec or rec["status"] != "ok":
            continue
        out.append([r["model"], r["model_type"], rec["img_size"], family(r["model"]), zx.arch_key(zoo_name(r["model"])),
                    r["top1_acc"], r["params_M"], r["gflops"], r["acts_M"], rec["built_params"], r["epochs"], r["batch_size"],
                    r["config_path"], json.dumps(json.loads(r["arch_params"]), sort_keys=True, separators=(",", ":")),
                    rec["nodes"], rec["seconds"]])
    with open(LABELS, "w") as f:
        f.write("# pycls DDS baselines: ImageNet-1k val top-1 (%), mean of 5 runs, one uniform 100-epoch recipe (SGD, cosine, "
                "no extra augmentation, no EMA); the same architecture at the train/crop size.\n")
        f.write("# SOURCE: GitHub facebookresearch/pycls 5719de641657c251f807c20a1fcf8ef6f4b60144, MODEL_ZOO.md and "
                "configs/dds_baselines/*/*.yaml, via ../shared/data/pycls_dds_baselines. LICENSE: MIT (Copyright (c) Facebook, Inc. and its affiliates).\n")
        f.write("# built_params: sum of parameter elements of pycls 0.1.1 build_model() at export; family/arch_key: "
                "datasets/lib/zoo_export.py. Written by datasets/pycls/export.py --labels.\n")
        f.write("\t".join(LABEL_COLUMNS) + "\n")
        for row in out:
            f.write("\t".join(str(x) for x in row) + "\n")
    print(f"{len(out)} rows -> {LABELS}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--labels", action="store_true")
    ap.add_argument("--table", default=DEFAULT_CSV)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--max-rss-gb", type=float, default=8)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--retry", action="store_true")
    args = ap.parse_args()
    if args.worker:
        return worker()
    if args.labels:
        return write_labels(args)
    return run_all(args)


if __name__ == "__main__":
    sys.exit(main())
