"""Time one full pre-training step (forward + backward + AdamW step) of bertlib's fused path,
its GPU fast path, its teaching path and transformers' BertForPreTraining (the faster of its eager
and sdpa attention), and print tokens/s and the ratios.

    python benchmarks/bench_model.py                    # CPU, 2 threads, mini, batch 32 x seq 128, fp32
    python benchmarks/bench_model.py --device cuda --dtype bf16 --preset base --batch 128 --compile \
        --mask none --only "bertlib fast path" "transformers sdpa"

Every contender gets the same config, batch, thread count and optimizer, in one process; the
steps are interleaved round by round (in a rotating order) and each contender's median over
--repeats rounds is reported. Targets (CPU, defaults): fast >= 1.10 x transformers, teaching >=
0.67 x fast; on an H100/H200 in bf16 with --compile: the fast path >= 1.3 x transformers (sdpa) and
>= 40% MFU.

"bertlib fast path" is BertConfig(fast_path=True): one Q/K/V matrix product per layer and
AdamW(fused=True). On CUDA every contender steps a fused AdamW, so the optimizer is the same for all.
`--mask none` calls every contender with attention_mask=None: the random batch has no padding (as
packed pre-training batches have none), and without a mask the attention kernels need no bias input.

The two libraries do not do the same arithmetic, on purpose: bertlib computes MLM logits only at
the masked positions, as Google's BERT does (`gather_indexes`); transformers' BertForPreTraining
computes them at every position. The output says so, and also times bertlib with logits at every
position ("bertlib fast, all T"), the like-for-like figure.

MFU (CUDA only) counts the matrix-multiply FLOPs that each contender's step performs, at 2 FLOPs
per multiply-add, against the card's dense bf16 peak from its datasheet (DENSE_BF16_PEAK: 989
TFLOP/s for the H100 SXM and the H200, whose tensor cores are the same). One forward pass costs

    F = B·T·L·(8H² + 4·H·I + 4·T·H)      Q, K, V, output projections; feed-forward; QKᵀ and AV
      + 2·B·(H² + 2H)                     pooler and NSP classifier
      + 2·N·(H² + H·V)                    MLM transform and tied decoder, at N predicted positions

with N = B·P for bertlib (P masked positions per sequence) and N = B·T for transformers. The
step counts 3F (the backward pass costs about twice the forward); element-wise work (softmax,
GELU, LayerNorm, dropout), embedding look-ups and the optimizer are left out.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import torch

from bertlib.model import BertConfig, BertForPreTraining

#: Dense (not 2:4 sparse) bf16 tensor-core peaks, FLOP/s, from NVIDIA's datasheets, by a name
#: that torch.cuda.get_device_name() contains.
DENSE_BF16_PEAK = {"H100": 989e12, "H200": 989e12, "A100": 312e12}


@dataclass
class Contender:
    """One model being timed, with everything its training step needs."""

    name: str
    model: torch.nn.Module
    inputs: dict[str, torch.Tensor | None]
    flops_per_step: float
    optimizer: torch.optim.Optimizer = field(init=False)
    times: list[float] = field(default_factory=list)

    fused_adamw: bool = False

    def __post_init__(self) -> None:
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=1e-4, fused=self.fused_adamw)


def forward_flops(config: BertConfig, batch: int, length: int, predicted: int) -> float:
    """Matrix-multiply FLOPs of one forward pass (see the module docstring)."""
    h, i, v = config.hidden_size, config.intermediate_size, config.vocab_size
    encoder = batch * length * config.num_hidden_layers * (8 * h * h + 4 * h * i + 4 * length * h)
    return encoder + 2 * batch * (h * h + 2 * h) + 2 * predicted * (h * h + h * v)


def make_batch(
    config: BertConfig, batch: int, length: int, masked: int, device: str, mask: bool = True
) -> dict[str, torch.Tensor | None]:
    """Random pre-training inputs: two segments, `masked` distinct masked positions per sequence, no
    padding; the attention mask is all ones, or None without `mask`."""
    generator = torch.Generator().manual_seed(0)
    positions = torch.stack([torch.randperm(length - 2, generator=generator)[:masked] + 1 for _ in range(batch)])
    tensors = {
        "input_ids": torch.randint(1000, config.vocab_size, (batch, length), generator=generator),
        "token_type_ids": (torch.arange(length) >= length // 2).long().expand(batch, -1).contiguous(),
        "attention_mask": torch.ones(batch, length, dtype=torch.long),
        "masked_positions": positions.sort(dim=1).values,
        "mlm_labels": torch.randint(1000, config.vocab_size, (batch, masked), generator=generator),
        "nsp_labels": torch.randint(0, 2, (batch,), generator=generator),
    }
    moved: dict[str, torch.Tensor | None] = {name: tensor.to(device) for name, tensor in tensors.items()}
    if not mask:
        moved["attention_mask"] = None
    return moved


def hf_inputs(ours: dict[str, torch.Tensor | None]) -> dict[str, torch.Tensor | None]:
    """The same batch in transformers' layout: MLM labels at every position, -100 where unmasked."""
    input_ids, positions, mlm_labels = ours["input_ids"], ours["masked_positions"], ours["mlm_labels"]
    assert input_ids is not None and positions is not None and mlm_labels is not None
    labels = torch.full_like(input_ids, -100)
    labels.scatter_(1, positions, mlm_labels)
    return {
        "input_ids": ours["input_ids"],
        "token_type_ids": ours["token_type_ids"],
        "attention_mask": ours["attention_mask"],
        "labels": labels,
        "next_sentence_label": ours["nsp_labels"],
    }


def everywhere_inputs(ours: dict[str, torch.Tensor | None]) -> dict[str, torch.Tensor | None]:
    """The same batch for bertlib with MLM logits at every position, like transformers (like for like)."""
    hf = hf_inputs(ours)
    return {
        "input_ids": ours["input_ids"],
        "token_type_ids": ours["token_type_ids"],
        "attention_mask": ours["attention_mask"],
        "mlm_labels": hf["labels"],
        "nsp_labels": ours["nsp_labels"],
    }


def make_contenders(args: argparse.Namespace) -> list[Contender]:
    """The models to time: ours (fused and explicit attention) and Hugging Face's, on the same inputs."""
    import transformers

    config = BertConfig.preset(args.preset, vocab_size=args.vocab)
    batch = make_batch(config, args.batch, args.seq, args.masked, args.device, mask=args.mask == "ones")
    ours_flops = 3 * forward_flops(config, args.batch, args.seq, args.batch * args.masked)
    hf_flops = 3 * forward_flops(config, args.batch, args.seq, args.batch * args.seq)
    models = {
        "bertlib fast": (BertForPreTraining(config), batch, ours_flops),
        "bertlib fast path": (BertForPreTraining(config.replace(fast_path=True)), batch, ours_flops),
        "bertlib teaching": (BertForPreTraining(config.replace(attention_path="explicit")), batch, ours_flops),
        # Not a target, but the honest like-for-like figure: the same arithmetic as transformers.
        "bertlib fast, all T": (BertForPreTraining(config), everywhere_inputs(batch), hf_flops),
    }
    for attention in ("eager", "sdpa"):
        hf_config = transformers.BertConfig(**config.to_hf_dict(), attn_implementation=attention)
        models[f"transformers {attention}"] = (transformers.BertForPreTraining(hf_config), hf_inputs(batch), hf_flops)
    unknown = set(args.only or ()) - set(models)
    if unknown:
        raise SystemExit(f"--only names unknown contenders {sorted(unknown)}; choose among {sorted(models)}")
    contenders = []
    for name, (model, inputs, flops) in models.items():
        if args.only and name not in args.only:
            continue  # not built into a compiled graph either: compiling BERT-base takes a while
        # On a GPU every contender steps the fused AdamW; elsewhere only a fast-path BERT, as the Trainer does.
        fused = args.device.startswith("cuda") or getattr(model.config, "fast_path", False)
        model = model.to(args.device).train()  # before the Contender builds its optimizer on the weights
        contender = Contender(name, model, inputs, flops, fused_adamw=fused)
        if args.compile:
            contender.model = torch.compile(contender.model)
        contenders.append(contender)
    return contenders


def timed_step(contender: Contender, autocast: Callable[[], torch.autocast], synchronize: Callable[[], None]) -> float:
    """Seconds for one forward + backward + optimizer step."""
    synchronize()
    start = time.perf_counter()
    with autocast():
        loss = contender.model(**contender.inputs).loss
    loss.backward()
    contender.optimizer.step()
    contender.optimizer.zero_grad(set_to_none=True)
    synchronize()
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> list[Contender]:
    """Time every contender's training step."""
    contenders = make_contenders(args)
    device_type = torch.device(args.device).type
    dtype = torch.bfloat16 if args.dtype == "bf16" else None
    autocast = partial(torch.autocast, device_type, dtype=dtype, enabled=dtype is not None)
    synchronize = torch.cuda.synchronize if device_type == "cuda" else (lambda: None)
    for contender in contenders:
        for _ in range(args.warmup):
            timed_step(contender, autocast, synchronize)
    for round_ in range(args.repeats):
        shift = round_ % len(contenders)
        for contender in contenders[shift:] + contenders[:shift]:
            contender.times.append(timed_step(contender, autocast, synchronize))
    if args.profile:
        profile(contenders, autocast)
    return contenders


#: Kernel-name parts that say what a kernel does, for --profile's summary (first match wins).
KERNEL_KINDS = (
    ("matrix products", ("gemm", "nvjet", "cutlass", "sm90_xmma", "cublas", "addmm", "aten::mm", "aten::bmm")),
    ("attention", ("flash", "fmha", "sdpa", "attention")),
    ("optimizer", ("adam", "multi_tensor")),
    ("generated element-wise (triton)", ("triton",)),
)


def profile(contenders: list[Contender], autocast: Callable[[], torch.autocast], steps: int = 3) -> None:
    """Where each contender's step spends its device time: by kind of kernel, and the top kernels.
    Reads kernels only (not the operators that launch them), so nothing is counted twice."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    on_gpu = torch.cuda.is_available() and next(contenders[0].model.parameters()).is_cuda
    activities = [ProfilerActivity.CUDA] if on_gpu else [ProfilerActivity.CPU]
    for contender in contenders:
        with torch_profile(activities=activities) as prof:
            for _ in range(steps):
                timed_step(contender, autocast, torch.cuda.synchronize if on_gpu else (lambda: None))
        kernels = [
            (event.key, event.self_device_time_total if on_gpu else event.self_cpu_time_total)
            for event in prof.key_averages()
            if (event.device_type == torch.autograd.DeviceType.CUDA) == on_gpu
        ]
        kinds: dict[str, float] = {}
        for name, micros in kernels:
            kind = next((k for k, parts in KERNEL_KINDS if any(p in name.lower() for p in parts)), "other")
            kinds[kind] = kinds.get(kind, 0.0) + micros / steps / 1e3
        print(
            f"{contender.name}: ms per step by kind: "
            + ", ".join(f"{k} {v:.2f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        )
        for name, micros in sorted(kernels, key=lambda kv: -kv[1])[:12]:
            print(f"    {micros / steps / 1e3:7.3f} ms  {name[:100]}")


def card_peak(device: str) -> tuple[str, float | None]:
    """The GPU's name and its dense bf16 peak (None for a card not in DENSE_BF16_PEAK)."""
    name = torch.cuda.get_device_name(torch.device(device))
    return name, next((peak for key, peak in DENSE_BF16_PEAK.items() if key in name), None)


def report(args: argparse.Namespace, contenders: list[Contender]) -> None:
    """Print each contender's step time and throughput, MFU on a GPU, and the ratios."""
    config = BertConfig.preset(args.preset, vocab_size=args.vocab)
    tokens = args.batch * args.seq
    on_gpu = args.device.startswith("cuda")
    card, peak = card_peak(args.device) if on_gpu else (None, None)
    where = f"{args.device} ({card})" if card else f"{args.device}, {torch.get_num_threads()} threads"
    print(
        f"{where}, torch {torch.__version__}, {args.dtype}{', torch.compile' if args.compile else ''}; preset "
        f"{args.preset} (L={config.num_hidden_layers}, H={config.hidden_size}, heads={config.num_attention_heads}), "
        f"batch {args.batch} x seq {args.seq}, vocab {args.vocab}, {args.masked} masked positions per sequence, "
        f"attention mask: {args.mask}; median of {args.repeats} interleaved steps (forward + backward + "
        f"{'fused ' if on_gpu else ''}AdamW)"
    )
    print(
        f"bertlib computes MLM logits only at the {args.masked} masked positions (as Google's BERT does); "
        f"transformers' BertForPreTraining computes them at all {args.seq} positions."
    )
    if on_gpu:
        print(
            f"MFU: matrix-multiply FLOPs of each step / step time / {peak / 1e12:.0f} TFLOP/s, the dense bf16 "
            f"peak of the {card} by NVIDIA's datasheet"
            if peak
            else f"MFU: not shown, {card} has no datasheet peak in DENSE_BF16_PEAK"
        )
    medians = {c.name: statistics.median(c.times) for c in contenders}
    mfu = {c.name: c.flops_per_step / medians[c.name] / peak for c in contenders} if peak else {}
    print(f"{'contender':<20} {'median step':>12} {'tokens/s':>10}" + (f" {'MFU':>7}" if mfu else ""))
    for c in contenders:
        line = f"{c.name:<20} {medians[c.name]:>10.4f} s {tokens / medians[c.name]:>10.0f}"
        print(line + (f" {mfu[c.name]:>7.1%}" if mfu else ""))
    hf_timed = [name for name in ("transformers eager", "transformers sdpa") if name in medians]
    hf_best = min(hf_timed, key=medians.get) if hf_timed else None
    for ours in ("bertlib fast", "bertlib fast path"):
        if hf_best and ours in medians:
            target = ">= 1.3 on an H100/H200 in bf16, compiled" if on_gpu else ">= 1.10 on CPU"
            print(
                f"{ours} / transformers ({hf_best.split()[1]}, the faster timed): "
                f"{medians[hf_best] / medians[ours]:.2f}x   (target {target})"
            )
    if "bertlib fast path" in mfu:
        print(f"bertlib fast path MFU: {mfu['bertlib fast path']:.1%}   (target >= 40%)")
    if {"bertlib fast", "bertlib teaching"} <= set(medians):
        print(f"teaching / fast: {medians['bertlib fast'] / medians['bertlib teaching']:.2f}x   (target >= 0.67)")
    if hf_best and "bertlib fast, all T" in medians:
        print(
            f"like for like, logits at all {args.seq} positions in both: fast / transformers "
            f"{medians[hf_best] / medians['bertlib fast, all T']:.2f}x"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32", help="bf16 = autocast (default fp32)")
    parser.add_argument("--compile", action="store_true", help="torch.compile every model")
    parser.add_argument(
        "--mask",
        choices=["ones", "none"],
        default="ones",
        help="attention mask for the padding-free batch: all ones (default) or none (attention_mask=None)",
    )
    parser.add_argument("--preset", default="mini", help="BertConfig preset (default mini)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--vocab", type=int, default=30522)
    parser.add_argument(
        "--masked",
        type=int,
        default=20,
        help="masked positions per sequence (default 20: Google's max_predictions for seq 128)",
    )
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    parser.add_argument("--repeats", type=int, default=10, help="timed rounds, at least 10 (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per contender first (default 2)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after timing, profile 3 steps of each contender: device time by kind of kernel, top kernels",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help='time only these contenders, e.g. --only "bertlib fast" "transformers sdpa"',
    )
    args = parser.parse_args(argv)
    if args.repeats < 10:
        parser.error("--repeats must be at least 10: a median of fewer is too noisy to report")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its report."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    report(args, run(args))


if __name__ == "__main__":
    main()
