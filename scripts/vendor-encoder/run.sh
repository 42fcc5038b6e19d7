#!/usr/bin/env bash
# Offline tooling (docs/ENCODER.md): re-vendors the encoder, the tiny test encoder and the PyTorch
# reference embeddings, then checks transformers.js against them. Re-runnable; needs PyPI once.
# Usage: bash scripts/vendor-encoder/run.sh [VENV_DIR]   (default .cache/venv-encoder, git-ignored)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${1:-.cache/venv-encoder}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r scripts/vendor-encoder/requirements.txt
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
"$venv/bin/python" scripts/vendor-encoder/vendor.py real
"$venv/bin/python" scripts/vendor-encoder/vendor.py tiny
"$venv/bin/python" scripts/vendor-encoder/vendor.py reference
npx tsx scripts/vendor-encoder/compare.ts
