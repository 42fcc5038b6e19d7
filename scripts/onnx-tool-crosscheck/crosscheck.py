"""Compare our static profile (params, MACs) with onnx-tool's on full exports.

Offline tooling. Needs onnx-tool (PyPI) next to onnx/numpy, e.g.
  python3 -m venv --system-site-packages .cache/venv-profile && .cache/venv-profile/bin/pip install onnx-tool
  .cache/venv-profile/bin/python scripts/onnx-tool-crosscheck/crosscheck.py .cache/profile/full/*.onnx
Prints a markdown table (docs/PROFILE.md) and per-op-type differences.

Conventions compared (docs/PROFILE.md):
  - onnx-tool's MACs = linear MACs + bias adds + weighted elementwise work; ours split that into
    `macs` (linear core only) and `elementOps` (the rest, same weights). So
    their MACs ~ our macs + elementOps, and their Conv/Gemm/MatMul MACs ~ ours + bias adds.
  - onnx-tool counts every initializer as params, int64 shape constants included; we skip int64.
"""
import json
import os
import subprocess
import sys
from collections import defaultdict

import numpy as np
import onnx
import onnx_tool

LINEAR = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Einsum"}


def onnx_tool_profile(path):
    model = onnx.load(path)
    shapes = {}
    inits = {i.name for i in model.graph.initializer}
    for i in model.graph.input:
        if i.name in inits:
            continue
        dims = [d.dim_value if d.HasField("dim_value") else 1 for d in i.type.tensor_type.shape.dim]
        shapes[i.name] = np.zeros(dims, dtype=np.float32)
    m = onnx_tool.Model(path)
    g = m.graph
    g.shape_infer(shapes)
    g.profile()
    by_op = defaultdict(lambda: {"macs": 0.0, "params": 0})
    int64_params = 0
    for name, node in g.nodemap.items():
        by_op[node.op_type]["macs"] += float(node.macs[0])
        by_op[node.op_type]["params"] += int(node.params)
    for name in g.initials:
        t = g.tensormap[name]
        if t.numpy is not None and t.numpy.dtype == np.int64:
            int64_params += int(np.prod(t.get_shape()))
    return {"params": int(g.params), "macs": float(g.macs[0]), "byOp": dict(by_op), "int64Params": int64_params}


def main(files):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ours = json.loads(subprocess.check_output(
        ["npx", "tsx", os.path.join(here, "ours.ts"), *files], cwd=root))
    rows = []
    details = []
    for f in files:
        name = os.path.splitext(os.path.basename(f))[0]
        o = ours[f]
        t = onnx_tool_profile(f)
        o_lin = sum(v["macs"] for k, v in o["byOp"].items() if k in LINEAR)
        o_lin_bias = sum(v["macs"] + v["elementOps"] for k, v in o["byOp"].items() if k in LINEAR)
        t_lin = sum(v["macs"] for k, v in t["byOp"].items() if k in LINEAR)
        o_all = o["totals"]["macs"] + o["totals"]["elementOps"]
        rows.append((name, o["totals"]["params"], t["params"], t["int64Params"], o_lin, o_lin_bias, t_lin, o_all, t["macs"]))
        for op in sorted(set(o["byOp"]) | set(t["byOp"])):
            ov = o["byOp"].get(op, {"macs": 0, "elementOps": 0})
            tv = t["byOp"].get(op, {"macs": 0.0})
            ours_op = ov["macs"] + ov["elementOps"]
            if abs(ours_op - tv["macs"]) > 0.001 * max(1.0, tv["macs"]):
                details.append(f"  {name} {op}: ours macs+elementOps {ours_op:.0f}, onnx-tool {tv['macs']:.0f}")
    print("| model | params (ours) | params (onnx-tool) | of which int64 | linear MACs (ours) | ours + bias adds | linear MACs (onnx-tool) | ours macs+elementOps | onnx-tool total MACs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:,} | {r[2]:,} | {r[3]:,} | {r[4]:,.0f} | {r[5]:,.0f} | {r[6]:,.0f} | {r[7]:,.0f} | {r[8]:,.0f} |")
    print()
    print("per-op-type differences (ours macs+elementOps vs onnx-tool MACs):")
    print("\n".join(details) if details else "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
