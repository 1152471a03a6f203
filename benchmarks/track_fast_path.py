"""Check that bertlib's GPU fast path trains as the plain path does: the same model, weights and
batches, pre-trained twice for --steps steps through the course's Trainer, and the loss compared
step by step.

    python benchmarks/track_fast_path.py --device cuda                     # BERT-base, bf16, 200 steps
    python benchmarks/track_fast_path.py --device cpu --preset tiny --steps 20 --no-bf16 --no-compile
    python benchmarks/track_fast_path.py --device cuda --second plain    # the noise floor: plain twice

plain: BertConfig(fast_path=False), eager, torch's default AdamW (one pass per group of tensors).
fast:  BertConfig(fast_path=True), torch.compile'd, AdamW(fused=True) (the Trainer picks it).
Both run under bf16 autocast on the course's pre-training examples (the small world's corpus,
seq 128, 20 masked positions, real padding). Dropout is off in both, so that the two runs differ
only by the fast path's arithmetic and not by their random dropout masks (compiled code draws them
from another random stream). Target: every step's loss within 1% of the plain path's.
"""

from __future__ import annotations

import argparse
import time

import torch

from bertlib.model import BertForPreTraining
from bertlib.training.objectives import PreTrainingObjective
from bertlib.training.pretraining import PretrainRunOptions, model_config, pretraining_data
from bertlib.training.trainer import TrainingConfig, train


def losses(model: BertForPreTraining, args: argparse.Namespace, examples, compiled: bool) -> tuple[list[float], float]:
    """Per-step total loss (MLM + NSP) of one run, and its seconds."""
    config = TrainingConfig(
        steps=args.steps,
        batch_size=args.batch,
        lr=args.lr,
        warmup_steps=args.steps // 10,
        device=args.device,
        bf16=args.bf16,
        compile=compiled,
        progress=False,
    )
    started = time.perf_counter()
    history = train(model, examples, PreTrainingObjective(), config)
    return history.loss, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Train both paths; print the largest per-step difference; exit 1 if it is over --tolerance."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--preset", default="base")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--tolerance", type=float, default=0.01, help="largest relative difference (0.01 = 1%%)")
    parser.add_argument("--documents", type=int, help="train on the corpus's first this many stories (default all)")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false")
    parser.add_argument("--no-compile", dest="compile", action="store_false")
    parser.add_argument(
        "--second",
        choices=["fast", "plain"],
        default="fast",
        help="the run compared with the plain one: the fast path (default), or the plain path again, which "
        "measures how far two runs of the same code drift apart on this device (GPU kernels that add in "
        "a varying order)",
    )
    args = parser.parse_args(argv)

    options = PretrainRunOptions(
        preset=args.preset, max_seq_length=128, max_predictions_per_seq=20, dropout=0.0, documents=args.documents
    )
    data = pretraining_data(options, seed=0)
    config = model_config(options, len(data.tokenizer.vocab))
    torch.manual_seed(0)
    plain_model = BertForPreTraining(config)
    fast_model = BertForPreTraining(config.replace(fast_path=args.second == "fast"))
    fast_model.load_state_dict(plain_model.state_dict())  # the same starting weights

    plain, plain_s = losses(plain_model, args, data.train, compiled=False)
    fast, fast_s = losses(fast_model, args, data.train, compiled=args.compile and args.second == "fast")
    gaps = [abs(f - p) / p for p, f in zip(plain, fast, strict=True)]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else args.device
    print(
        f"{device}, torch {torch.__version__}, preset {args.preset}, batch {args.batch} x seq 128, "
        f"{'bf16' if args.bf16 else 'fp32'}, lr {args.lr:g}, {args.steps} steps, dropout 0; "
        f"{len(data.train)} course examples; compared: plain and {args.second}"
    )
    for step in sorted({s for s in (0, 9, 49, 99) if s < len(plain)} | {worst, len(plain) - 1}):
        print(
            f"step {step + 1:>4}: plain {plain[step]:.4f}  {args.second} {fast[step]:.4f}  difference {gaps[step]:.3%}"
        )
    how = "compiled, compile time included" if args.compile and args.second == "fast" else "eager"
    print(f"plain {plain_s:.1f} s (eager), {args.second} {fast_s:.1f} s ({how})")
    print(
        f"largest difference: {gaps[worst]:.3%} at step {worst + 1}; mean {sum(gaps) / len(gaps):.3%}   "
        f"(target <= {args.tolerance:.0%} at every step)"
    )
    return 0 if gaps[worst] <= args.tolerance else 1


if __name__ == "__main__":
    raise SystemExit(main())
