#!/usr/bin/env bash
# Train the demo model's two stages on a GPU machine that has neither the store nor duckdb.
# Here:   stylespace pack-shards --work runs/demo --out .gpu/demo-shards.xz
#         (the device tool carries .gpu only when asked: run(..., carry=[".gpu"]))
#         (.gpu/ is git-ignored; .gpu/pylib holds python-chess, copied from the venv, for a
#         machine without it; .gpu/peftlib our peft, used only if the machine's does not import)
# There:  bash bench/gpu_train.sh .gpu/demo-shards.xz /tmp/run OUT_DIR [SECONDS] [CHECKPOINT]
#         (CHECKPOINT: an earlier call's checkpoint.pt, to go on from it; with RESTART_STYLE=1,
#         on the first call only, its trained base is kept and stage 2 trained afresh for
#         STYLE_STEPS: a longer stage 2 without retraining the base; with BASE=FILE, on a first
#         call without CHECKPOINT, stage 1 is skipped and stage 2 starts from that trained base,
#         e.g. BASE=models/demo/base.safetensors in a checkout that has no earlier run)
#         PRESET=demo-d96-gpu trains the next, larger network (README, size-headroom.md)
# Then here: copy OUT_DIR's files into runs/demo-gpu (beside runs/demo's shards) and run
#   stylespace build-demo --preset demo-gpu --work runs/demo-gpu
# which finishes the run on the CPU (save, fingerprints kept, repertoires) and rebuilds models/demo.
set -u
pack=$1 run=$2 out=$3 seconds=${4:-540} checkpoint=${5:-}
preset=${PRESET:-demo-gpu} device=${DEVICE:-cuda}
base_steps=${BASE_STEPS:-None} style_steps=${STYLE_STEPS:-None}  # preset overrides
restart_style=$([ "${RESTART_STYLE:-0}" = 1 ] && echo True || echo False)
given_base=$([ -n "${BASE:-}" ] && echo "Path('$BASE')" || echo None)
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD:$PWD/.gpu/pylib
started=$SECONDS
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
if ! python3 -c "import stylespace.style_adapters" 2>/dev/null; then
  export PYTHONPATH=$PYTHONPATH:$PWD/.gpu/peftlib  # this machine's peft differs: use ours
fi
python3 -c "import peft, torch; print('peft', peft.__version__, 'torch', torch.__version__)"
python3 -c "
from pathlib import Path
from stylespace.shard_pack import unpack_shards
print(unpack_shards(Path('$pack'), Path('$run') / 'shards'))" 2>&1 | grep -v "pos/s"
echo "unpacked after $((SECONDS - started)) s"
[ -n "$checkpoint" ] && cp "$checkpoint" "$run/checkpoint.pt"
timeout $((seconds - (SECONDS - started))) python3 -c "
from pathlib import Path
from stylespace.training import TrainRequest, train
train(TrainRequest(out=Path('$run'), preset='$preset', db=Path('/no-store'), device='$device',
      resume=True, base_steps=$base_steps, style_steps=$style_steps, restart_style=$restart_style,
      base=$given_base, command='stylespace train --preset $preset --device $device (base steps $base_steps, style steps $style_steps)'))
" > "$out/train.log" 2>&1
echo "train exit $? after $((SECONDS - started)) s"
grep -E '^\{' "$out/train.log" | tail -30
tr '\r' '\n' < "$out/train.log" | grep -v '^\{' | tail -5
for f in checkpoint.pt base_stage1.safetensors base.safetensors skills.safetensors \
  style_vectors.safetensors metrics.json; do
  [ -f "$run/$f" ] && cp "$run/$f" "$out/"
done
ls -la "$out"
