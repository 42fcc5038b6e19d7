"""Export torchvision/torch models to ONNX for the profile's corpus test and benchmarks.

Offline tooling only (never needed to install, test or run the product). Weights are random
(torchvision pretrained weights would need a download); parameter and MAC counts depend on the
architecture alone.

Writes
  <out>/full/<name>.onnx           full exports with weights (git-ignored, for onnx-tool and bench)
  test/fixtures/models/<name>.onnx stripped copies: float payloads dropped per the
                                   `onnx-predict:stripped` convention (src/onnx-to-text/reader.ts)
  test/fixtures/models/torch-facts.json  parameter counts as torch reports them

Usage (Debian python3-torch 1.13 / python3-torchvision 0.14 / python3-onnx 1.12 work):
  python3 scripts/export-fixtures/export.py [--out .cache/profile] [--only resnet18,...]
"""
import argparse
import json
import os
import sys

import onnx
import torch
import torchvision
from onnx import TensorProto

STRIPPED_LOCATION = "onnx-predict:stripped"
# Float tensors up to this many elements stay inline (scalars, tiny constants).
KEEP_INLINE = 16
FLOAT_TYPES = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16}
OPSET = 13


class TinyEncoder(torch.nn.Module):
    """One transformer encoder layer plus a classifier: small enough to commit with weights."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Linear(16, 32)
        self.layer = torch.nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True)
        self.head = torch.nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.layer(self.embed(x)).mean(dim=1))


def models():
    tv = torchvision.models
    # name -> (constructor, input shape, dynamic batch, commit stripped fixture)
    return {
        "resnet18": (lambda: tv.resnet18(), (1, 3, 224, 224), True, True),
        "mobilenet_v3_small": (lambda: tv.mobilenet_v3_small(), (1, 3, 224, 224), False, True),
        "efficientnet_b0": (lambda: tv.efficientnet_b0(), (1, 3, 224, 224), False, True),
        "vit_b_16": (lambda: tv.vit_b_16(), (1, 3, 224, 224), True, True),
        "tiny_encoder": (TinyEncoder, (1, 8, 16), True, True),
        "resnet50": (lambda: tv.resnet50(), (1, 3, 224, 224), False, False),
    }


def strip(model: onnx.ModelProto) -> onnx.ModelProto:
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for t in m.graph.initializer:
        count = 1
        for d in t.dims:
            count *= d
        if t.data_type not in FLOAT_TYPES or count <= KEEP_INLINE:
            continue
        nbytes = len(t.raw_data) if t.raw_data else count * 4
        t.ClearField("raw_data")
        t.ClearField("float_data")
        t.ClearField("double_data")
        t.ClearField("int32_data")
        t.data_location = TensorProto.EXTERNAL
        del t.external_data[:]
        for k, v in (("location", STRIPPED_LOCATION), ("length", str(nbytes))):
            e = t.external_data.add()
            e.key, e.value = k, v
    return m


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=".cache/profile")
    ap.add_argument("--fixtures", default="test/fixtures/models")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    torch.manual_seed(0)
    os.makedirs(os.path.join(args.out, "full"), exist_ok=True)
    os.makedirs(args.fixtures, exist_ok=True)
    facts_path = os.path.join(args.fixtures, "torch-facts.json")
    facts = json.load(open(facts_path)) if os.path.exists(facts_path) else {}
    only = set(filter(None, args.only.split(",")))
    for name, (ctor, shape, dynamic, commit) in models().items():
        if only and name not in only:
            continue
        net = ctor().eval()
        x = torch.randn(*shape)
        full = os.path.join(args.out, "full", f"{name}.onnx")
        dyn = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None
        torch.onnx.export(net, x, full, opset_version=OPSET, input_names=["input"], output_names=["output"],
                          dynamic_axes=dyn, do_constant_folding=True)
        params = sum(p.numel() for p in net.parameters())
        facts[name] = {"torchParams": params, "input": list(shape), "dynamicBatch": dynamic,
                       "torch": torch.__version__, "torchvision": torchvision.__version__, "opset": OPSET}
        size = os.path.getsize(full)
        print(f"{name}: {params} torch params, full export {size} bytes", flush=True)
        if commit:
            stripped = strip(onnx.load(full))
            path = os.path.join(args.fixtures, f"{name}.onnx")
            # The tiny encoder is the one fixture committed with its weights.
            onnx.save(onnx.load(full) if name == "tiny_encoder" else stripped, path)
            print(f"  fixture {path}: {os.path.getsize(path)} bytes", flush=True)
    with open(facts_path, "w") as f:
        json.dump(facts, f, indent=2, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
