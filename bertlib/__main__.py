"""`python -m bertlib pretrain|finetune|evidence ...`: pre-train and fine-tune from the command line.

    python -m bertlib pretrain --out runs/pretrained            # the shipped checkpoint's recipe
    python -m bertlib finetune --task ner --out runs/ner         # from the shipped checkpoint
    python -m bertlib finetune --task sentiment --init random    # the same, without pre-training
    python -m bertlib evidence                                   # does pre-training help? a table
    python -m torch.distributed.run --nproc_per_node 2 -m bertlib pretrain ...   # DDP, 2 processes

Everything runs on the course's embedded data by default. Each command writes its model (Hugging
Face format), a JSON record of the exact command and its scores, and history.json (the losses and
evaluations of every step) to --out; OUT/checkpoint holds the training state for --resume.
This module's job ends at reading options and writing results; the work is in bertlib.training.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import torch

from bertlib.model import PRESETS

DESCRIPTION = __doc__.split("\n\n")[0]
#: `pretrain`'s defaults for the options that `finetune` takes from the task's budget instead.
PRETRAIN_DEFAULTS = {"steps": 2500, "batch_size": 64, "lr": 2e-3}  # the shipped checkpoint's


# -- options -----------------------------------------------------------------------------------------


def add_training_options(parser: argparse.ArgumentParser, defaults: dict[str, str], eval_every: int) -> None:
    """The options every training command shares (they fill a TrainingConfig). `defaults` says, for
    --steps, --batch-size and --lr, what happens when they are left out."""
    group = parser.add_argument_group("training")
    group.add_argument("--steps", type=int, default=None, help=f"optimiser steps to take ({defaults['steps']})")
    group.add_argument("--batch-size", type=int, default=None,
                       help="examples per optimiser step, over all processes and micro-batches "
                            f"({defaults['batch_size']})")
    group.add_argument("--lr", type=float, default=None, help=f"peak learning rate of AdamW ({defaults['lr']})")
    group.add_argument("--warmup-steps", type=int, default=None,
                       help="steps of linear warm-up; the rate then decays linearly to 0 (default: 10%% of --steps)")
    group.add_argument("--weight-decay", type=float, default=0.01,
                       help="AdamW weight decay, never on biases or LayerNorm (default 0.01)")
    group.add_argument("--max-grad-norm", type=float, default=1.0,
                       help="clip the gradient norm to this; 0 turns clipping off (default 1.0)")
    group.add_argument("--accumulation-steps", type=int, default=1,
                       help="micro-batches whose gradients make one step, to fit a big batch in memory (default 1)")
    group.add_argument("--eval-every", type=int, default=eval_every,
                       help=f"evaluate on held-out data every this many steps, and at the end (default {eval_every})")
    group.add_argument("--checkpoint-every", type=int, default=0,
                       help="save OUT/checkpoint every this many steps; it is always saved at the end and "
                            "when you press Ctrl-C (default 0: only then)")
    group.add_argument("--seed", type=int, default=0, help="seeds the model's init, dropout, masking and "
                       "the batch order; the same seed gives the same run (default 0)")
    group.add_argument("--device", default="auto",
                       help="auto (a GPU if there is one), cpu, cuda or cuda:N (default auto)")
    group.add_argument("--threads", type=int, default=None,
                       help="CPU threads for torch; results are bit-identical only at the same count "
                            "(default: torch's choice)")
    group.add_argument("--bf16", action="store_true", help="compute under bfloat16 autocast (fast on recent GPUs)")
    group.add_argument("--compile", action="store_true", help="torch.compile the model first (for long GPU runs)")
    group.add_argument("--dropout", type=float, default=0.1, help="hidden and attention dropout (default 0.1)")
    group.add_argument("--resume", type=Path, default=None,
                       help="continue the run saved in this checkpoint folder (OUT/checkpoint), bit-identically "
                            "on CPU; give the same options as the first time")
    group.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def add_pretrain_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "pretrain", help="pre-train a BERT with masked LM + next-sentence prediction",
        description="Pre-train a fresh BERT on the course corpus (data/corpus) with MLM + NSP, and report "
                    "held-out MLM accuracy, perplexity and NSP accuracy.")
    sizes = ", ".join(f"{name} {'/'.join(map(str, shape))}" for name, shape in PRESETS.items())
    parser.add_argument("--preset", choices=PRESETS, default="tiny",
                        help=f"model size as layers/hidden/heads: {sizes} (default tiny)")
    parser.add_argument("--hidden-size", type=int, default=None,
                        help="a narrower or wider model than the preset (feed-forward 4 x hidden; "
                             "default: the preset's)")
    parser.add_argument("--out", type=Path, default=Path("runs/pretrain"),
                        help="folder for the model, vocab.txt, pretraining.json and history.json "
                             "(default runs/pretrain)")
    parser.add_argument("--seq-length", type=int, default=64, help="tokens per example (default 64)")
    parser.add_argument("--max-predictions", type=int, default=10,
                        help="masked tokens per example at most (default 10)")
    parser.add_argument("--dupe-factor", type=int, default=5,
                        help="differently masked copies of the corpus to make (default 5)")
    parser.add_argument("--documents", type=int, default=None,
                        help="train on only the first N stories of the corpus (default: all)")
    parser.add_argument("--held-out-documents", type=int, default=300,
                        help="the corpus's last N stories are kept out of training for evaluation (default 300)")
    add_training_options(parser, {name: f"default {value:g}" for name, value in PRETRAIN_DEFAULTS.items()},
                         eval_every=500)


def add_finetune_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "finetune", help="fine-tune on sentiment, NER or QA",
        description="Fine-tune a pre-trained BERT (the shipped checkpoint by default) on one of the course's "
                    "labelled tasks, and score it.")
    parser.add_argument("--task", choices=("sentiment", "ner", "qa"), required=True,
                        help="sentiment: classification with negation; ner: PER/LOC/ANIMAL entities; "
                             "qa: extractive question answering")
    parser.add_argument("--init", choices=("pretrained", "random"), default="pretrained",
                        help="pretrained: start from --checkpoint; random: the same architecture, freshly "
                             "initialised (the baseline) (default pretrained)")
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="pre-trained model folder (config.json, model.safetensors, vocab.txt) "
                             "(default: the shipped data/checkpoints/bert-tiny-course)")
    parser.add_argument("--pooling", choices=("mean", "cls"), default="mean",
                        help="sentiment: classify the mean of the top layer, or the pooled [CLS] vector "
                             "(default mean)")
    parser.add_argument("--seq-length", type=int, default=64, help="tokens per input; QA: per window (default 64)")
    parser.add_argument("--doc-stride", type=int, default=32,
                        help="QA: how far each context window moves (default 32)")
    parser.add_argument("--eval-splits", default="dev,test",
                        help="comma-separated splits to score at the end; the first is also scored during "
                             "training (default dev,test)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the model, finetuning.json and history.json (default runs/TASK)")
    add_training_options(parser, dict.fromkeys(("steps", "batch_size", "lr"),
                                               "default: the task's budget, bertlib.training.BUDGETS"),
                         eval_every=100)


def add_evidence_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evidence", help="does pre-training help? fine-tune pre-trained vs random init",
        description="Fine-tune the shipped checkpoint and the same architecture from random init on every task "
                    "over several seeds, plus a bag-of-words baseline for sentiment; print mean ± std and save "
                    "the results.")
    parser.add_argument("--seeds", type=int, default=5, help="fine-tuning seeds per model and task (default 5)")
    parser.add_argument("--tasks", default="sentiment,ner,qa", help="comma-separated tasks (default all three)")
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="the pre-trained model to test (default: the shipped checkpoint)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON file for the results (default data/evidence.json)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bertlib", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    add_pretrain_command(commands)
    add_finetune_command(commands)
    add_evidence_command(commands)
    return parser


def fill_defaults(args: argparse.Namespace, defaults: dict[str, float]) -> None:
    """Give --steps, --batch-size and --lr their defaults where they were left out."""
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def training_config(args: argparse.Namespace, description: str):
    from bertlib.training.trainer import TrainingConfig

    return TrainingConfig(
        steps=args.steps, batch_size=args.batch_size, lr=args.lr,
        warmup_steps=args.steps // 10 if args.warmup_steps is None else args.warmup_steps,
        weight_decay=args.weight_decay, max_grad_norm=args.max_grad_norm or None,
        accumulation_steps=args.accumulation_steps, eval_every=args.eval_every,
        checkpoint_every=args.checkpoint_every, seed=args.seed, device=args.device, bf16=args.bf16,
        compile=args.compile, progress=not args.no_progress, print_evaluations=True, description=description,
    )


def the_command(argv: list[str]) -> str:
    return "python -m bertlib " + shlex.join(argv)


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


# -- commands ----------------------------------------------------------------------------------------


def run_pretrain(args: argparse.Namespace, argv: list[str]) -> None:
    from bertlib.training.distributed import start_processes, stop_processes
    from bertlib.training.pretraining import PretrainOptions, pretrain, save_pretrained_run

    group = start_processes(args.device)
    fill_defaults(args, PRETRAIN_DEFAULTS)
    options = PretrainOptions(preset=args.preset, hidden_size=args.hidden_size, max_seq_length=args.seq_length,
                              max_predictions_per_seq=args.max_predictions, dupe_factor=args.dupe_factor,
                              held_out_documents=args.held_out_documents, dropout=args.dropout,
                              documents=args.documents)
    run = pretrain(options, training_config(args, "pre-training"), out_dir=args.out, resume_from=args.resume)
    if group.is_main:
        record = {"command": the_command(argv), "seed": args.seed, "steps": args.steps,
                  "processes": group.world_size, "threads": torch.get_num_threads(), "torch": torch.__version__,
                  "seconds": round(run.history.seconds, 1)}
        save_pretrained_run(run, options, args.out, record)
        write_json(args.out / "history.json", run.history.to_dict())
        print(f"held-out MLM accuracy {run.scores.mlm_accuracy:.3f}, perplexity {run.scores.mlm_perplexity:.2f}, "
              f"NSP accuracy {run.scores.nsp_accuracy:.3f} ({run.scores.masked_tokens} masked tokens, "
              f"{run.scores.pairs} pairs); saved to {args.out}")
    stop_processes()


def run_finetune(args: argparse.Namespace, argv: list[str]) -> None:
    from dataclasses import asdict

    from bertlib.training.finetuning import BUDGETS, FinetuneOptions, finetune

    budget = BUDGETS[args.task]
    fill_defaults(args, {"steps": budget.steps, "batch_size": budget.batch_size, "lr": budget.lr})
    out = args.out or Path("runs") / args.task
    options = FinetuneOptions(task=args.task, init=args.init, checkpoint=args.checkpoint, pooling=args.pooling,
                              max_seq_length=args.seq_length, doc_stride=args.doc_stride, dropout=args.dropout,
                              eval_splits=tuple(args.eval_splits.split(",")))
    run = finetune(options, training_config(args, f"fine-tuning {args.task}"), out_dir=out, resume_from=args.resume)
    run.model.save_pretrained(out)
    run.task.tokenizer.vocab.save(out / "vocab.txt")
    write_json(out / "finetuning.json", {"command": the_command(argv), "seed": args.seed, "steps": args.steps,
                                         "scores": {split: asdict(s) for split, s in run.scores.items()}})
    write_json(out / "history.json", run.history.to_dict())
    for split in options.eval_splits:
        print(f"{args.task} {split} {run.task.headline}: {run.headline(split):.3f}")
    print(f"saved to {out}")


def run_evidence(args: argparse.Namespace, argv: list[str]) -> None:
    from bertlib.training.evidence import EvidencePlan, run_evidence_plan

    plan = EvidencePlan(seeds=args.seeds, tasks=tuple(args.tasks.split(",")), checkpoint=args.checkpoint)
    run_evidence_plan(plan, out=args.out, progress=not args.no_progress, command=the_command(argv))


COMMANDS = {"pretrain": run_pretrain, "finetune": run_finetune, "evidence": run_evidence}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    COMMANDS[args.command](args, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
