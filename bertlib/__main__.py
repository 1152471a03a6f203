"""`python -m bertlib pretrain|finetune|evidence ...`: pre-train and fine-tune from the command line.

    python -m bertlib pretrain --out runs/pretrained            # the shipped checkpoint's recipe
    python -m bertlib finetune --task ner --out runs/ner         # from the shipped checkpoint
    python -m bertlib finetune --task sentiment --init random    # the same, without pre-training
    python -m bertlib evidence                                   # does pre-training help? a table
    python -m torch.distributed.run --nproc_per_node 2 -m bertlib pretrain ...   # DDP, 2 processes

Everything runs on the course's embedded data by default. Each command writes its model (Hugging
Face format), a JSON record of the exact command and its scores, and history.json (the losses and
evaluations of every step) to --out; OUT/checkpoint holds the training state for --resume.

Every option, path and resume state is checked before the first training step; a bad one ends
the command with an argparse-style message (exit code 2; --debug shows the traceback). A run
holds OUT/run.lock (its PID) while it writes to --out, writes every file under a temporary name
first, and records in OUT/run_state.json whether the model there is finished. Ctrl-C saves a
checkpoint, marks the model unfinished and exits with code 130; `finetune --checkpoint` refuses
an unfinished model unless given --allow-unfinished.
This module's job ends at reading options and writing results; the work is in bertlib.training.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import torch

from bertlib.errors import BertlibInputError
from bertlib.model import PRESETS
from bertlib.model.pretrained import CheckpointError

DESCRIPTION = __doc__.split("\n\n")[0]
T = TypeVar("T")
#: `pretrain`'s defaults for the options that `finetune` takes from the task's budget instead.
PRETRAIN_DEFAULTS = {"steps": 2500, "batch_size": 64, "lr": 2e-3, "dropout": 0.1}  # the shipped checkpoint's


# -- options -----------------------------------------------------------------------------------------


def whole(minimum: int, hint: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum`; `hint` says what else to do."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number; give one of at least {minimum}{hint}"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}{hint}")
        return value

    return parse


def path_option(what: str, example: str) -> Callable[[str], Path]:
    """An argparse type for a path option: an empty value is refused (``Path("")`` would be the
    current folder, silently), and ``~`` is expanded, as a shell would."""

    def parse(text: str) -> Path:
        if not text.strip():
            here = " (use . for the current folder)" if what == "a folder" else ""
            raise argparse.ArgumentTypeError(f"is empty; give {what}, e.g. {example}{here}")
        return Path(text).expanduser()

    return parse


FOLDER = path_option("a folder", "runs/mine")


def number(
    low: float, *, low_included: bool = True, high: float | None = None, hint: str = ""
) -> Callable[[str], float]:
    """An argparse type: a finite number from `low` (included or not) up to, not including, `high`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number{hint}") from None
        too_low = value < low or (value == low and not low_included)
        if not math.isfinite(value) or too_low or (high is not None and value >= high):
            bounds = ("of at least " if low_included else "above ") + f"{low:g}"
            bounds += f" and below {high:g}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be a finite number {bounds}, not {text}{hint}")
        return value

    return parse


#: One option as a row: (flag, argparse type (str for plain text), default, help).
OptionRow = tuple[str, Callable[[str], Any], Any, str]

#: The type and default of options that several commands take, declared once; each command gives
#: its own help, since what the option means differs a little between them.
SHARED_OPTIONS: dict[str, tuple[Callable[[str], Any], Any]] = {
    "--seq-length": (whole(8), 64),
    "--checkpoint": (FOLDER, None),
    "--threads": (whole(1, " (leave it out for torch's choice)"), None),
}


def shared(flag: str, help: str) -> OptionRow:
    """The row of a shared option (SHARED_OPTIONS), with this command's help."""
    kind, default = SHARED_OPTIONS[flag]
    return (flag, kind, default, help)


def add_options(parser: argparse._ActionsContainer, *rows: OptionRow) -> None:
    """Add options given as (flag, type, default, help) rows, in their order (the order of --help)."""
    for flag, kind, default, text in rows:
        parser.add_argument(flag, type=kind, default=default, help=text)


def add_switches(parser: argparse._ActionsContainer, *rows: tuple[str, str]) -> None:
    """Add on/off options (off unless given) from (flag, help) rows, in their order."""
    for flag, text in rows:
        parser.add_argument(flag, action="store_true", help=text)


def add_training_options(parser: argparse.ArgumentParser, defaults: dict[str, str], eval_every: int) -> None:
    """The options every training command shares (they fill a TrainingConfig). `defaults` says, for
    --steps, --batch-size, --lr and --dropout, what happens when they are left out."""
    group = parser.add_argument_group("training")
    add_options(
        group,
        ("--steps", whole(1), None, f"optimiser steps to take ({defaults['steps']})"),
        (
            "--batch-size",
            whole(1),
            None,
            f"examples per optimiser step, over all processes and micro-batches ({defaults['batch_size']})",
        ),
        (
            "--lr",
            number(0, low_included=False, hint=" (e.g. 1e-3)"),
            None,
            f"peak learning rate of AdamW ({defaults['lr']})",
        ),
        (
            "--warmup-steps",
            whole(0),
            None,
            "steps of linear warm-up; the rate then decays linearly to 0 (default: 10%% of --steps)",
        ),
        (
            "--weight-decay",
            number(0, hint=" (0: no decay)"),
            0.01,
            "AdamW weight decay, never on biases or LayerNorm (default 0.01)",
        ),
        (
            "--max-grad-norm",
            number(0, hint=" (0 turns clipping off; a negative norm would flip the gradients)"),
            1.0,
            "clip the gradient norm to this; 0 turns clipping off (default 1.0)",
        ),
        (
            "--accumulation-steps",
            whole(1),
            1,
            "micro-batches whose gradients make one step, to fit a big batch in memory (default 1)",
        ),
        (
            "--eval-every",
            whole(0, " (0: only at the end)"),
            eval_every,
            f"evaluate on held-out data every this many steps, and at the end (default {eval_every})",
        ),
        (
            "--checkpoint-every",
            whole(0, " (0: only at the end and on Ctrl-C)"),
            0,
            "save OUT/checkpoint every this many steps; it is always saved at the end and "
            "when you press Ctrl-C (default 0: only then)",
        ),
        (
            "--seed",
            whole(0),
            0,
            "seeds the model's init, dropout, masking and "
            "the batch order; the same seed gives the same run (default 0)",
        ),
        ("--device", str, "auto", "auto (a GPU if there is one), cpu, cuda or cuda:N (default auto)"),
        shared(
            "--threads",
            "CPU threads for torch; results are bit-identical only at the same count (default: torch's choice)",
        ),
    )
    add_switches(
        group,
        ("--bf16", "compute under bfloat16 autocast (fast on recent GPUs)"),
        ("--compile", "torch.compile the model first (for long GPU runs)"),
        (
            "--fast-path",
            "the GPU training path: one Q/K/V product per layer and a fused AdamW; the same weights and "
            "numbers (use with --device cuda --bf16 --compile; see benchmarks/GPU.md)",
        ),
    )
    add_options(
        group,
        (
            "--dropout",
            number(0, high=1, hint=" (e.g. 0.1)"),
            None,
            f"hidden and attention dropout, from 0 up to (not including) 1 ({defaults['dropout']})",
        ),
        (
            "--resume",
            FOLDER,
            None,
            "continue the run saved in this checkpoint folder (OUT/checkpoint), bit-identically "
            "on CPU; give the same options as the first time (other ones are refused, with a list)",
        ),
    )
    add_switches(group, ("--no-progress", "hide the progress bar"))
    add_debug_option(parser)


def add_debug_option(parser: argparse.ArgumentParser) -> None:
    """--debug: tracebacks instead of one-paragraph error messages."""
    add_switches(parser, ("--debug", "on an error, show Python's traceback instead of a one-paragraph message"))


def add_allow_unfinished_option(parser: argparse.ArgumentParser) -> None:
    """--allow-unfinished: accept a --checkpoint whose run_state.json says unfinished."""
    add_switches(
        parser,
        (
            "--allow-unfinished",
            "accept a --checkpoint whose pre-training run was stopped before its last step "
            "(its run_state.json says unfinished); refused without this",
        ),
    )


def add_pretrain_command(commands: argparse._SubParsersAction) -> None:
    """The `pretrain` command and its options."""
    parser = commands.add_parser(
        "pretrain",
        help="pre-train a BERT with masked LM + next-sentence prediction",
        description="Pre-train a fresh BERT on the course corpus (data/corpus) with MLM + NSP, and report "
        "held-out MLM accuracy, perplexity and NSP accuracy.",
    )
    sizes = ", ".join(f"{name} {'/'.join(map(str, shape))}" for name, shape in PRESETS.items())
    parser.add_argument(
        "--preset", choices=PRESETS, default="tiny", help=f"model size as layers/hidden/heads: {sizes} (default tiny)"
    )
    add_options(
        parser,
        (
            "--hidden-size",
            whole(1, " (leave it out for the preset's)"),
            None,
            "a narrower or wider model than the preset (feed-forward 4 x hidden; default: the preset's)",
        ),
        (
            "--out",
            FOLDER,
            Path("runs/pretrain"),
            "folder for the model, vocab.txt, pretraining.json and history.json; one run "
            "at a time (default runs/pretrain)",
        ),
        shared("--seq-length", "tokens per example (default 64)"),
        ("--max-predictions", whole(1), 10, "masked tokens per example at most (default 10)"),
        ("--dupe-factor", whole(1), 5, "differently masked copies of the corpus to make (default 5)"),
        (
            "--documents",
            whole(1, " (leave it out to train on all)"),
            None,
            "train on only the first N stories of the corpus (default: all)",
        ),
        (
            "--held-out-documents",
            whole(2),
            300,
            "the corpus's last N stories are kept out of training for evaluation (default 300)",
        ),
    )
    add_training_options(
        parser, {name: f"default {value:g}" for name, value in PRETRAIN_DEFAULTS.items()}, eval_every=500
    )


def listed(words: list[str], last: str = "or") -> str:
    """Words joined as prose: "a, b or c" (one word alone as it is)."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def add_finetune_command(commands: argparse._SubParsersAction) -> None:
    """The `finetune` command: its task choices and their help come from the task registry."""
    from bertlib.training.registry import task_specs

    specs = task_specs()
    parser = commands.add_parser(
        "finetune",
        help=f"fine-tune on {listed([spec.title for spec in specs.values()])}",
        description="Fine-tune a pre-trained BERT (the shipped checkpoint by default) on one of the course's "
        "labelled tasks, and score it.",
    )
    parser.add_argument(
        "--task",
        choices=tuple(specs),
        required=True,
        help="; ".join(f"{name}: {spec.description}" for name, spec in specs.items()),
    )
    parser.add_argument(
        "--init",
        choices=("pretrained", "random"),
        default="pretrained",
        help="pretrained: start from --checkpoint; random: the same architecture, freshly "
        "initialised (the baseline) (default pretrained)",
    )
    add_options(
        parser,
        shared(
            "--checkpoint",
            "pre-trained model folder (config.json, model.safetensors, vocab.txt) "
            "(default: the shipped data/checkpoints/bert-tiny-course)",
        ),
    )
    parser.add_argument(
        "--pooling",
        choices=("mean", "cls"),
        default="mean",
        help="sentiment: classify the mean of the top layer, or the pooled [CLS] vector (default mean)",
    )
    add_options(
        parser,
        shared("--seq-length", "tokens per input; QA: per window (default 64)"),
        (
            "--doc-stride",
            whole(1, ": each window must move on"),
            None,
            "QA only: how far each context window moves, in tokens; less than --seq-length "
            "(default 32); refused for other tasks",
        ),
        (
            "--eval-splits",
            str,
            "dev,test",
            "comma-separated splits to score at the end; the first is also scored during training (default dev,test)",
        ),
        (
            "--out",
            FOLDER,
            None,
            "folder for the model, finetuning.json and history.json; one run at a time (default runs/TASK)",
        ),
    )
    add_allow_unfinished_option(parser)
    add_training_options(
        parser,
        dict.fromkeys(
            ("steps", "batch_size", "lr", "dropout"),
            "default: the task's budget, bertlib.training.task_spec(TASK).budget",
        ),
        eval_every=100,
    )


def add_evidence_command(commands: argparse._SubParsersAction) -> None:
    """The `evidence` command: pre-trained against random init on every registered task."""
    from bertlib.training.registry import task_names

    parser = commands.add_parser(
        "evidence",
        help="does pre-training help? fine-tune pre-trained vs random init",
        description="Fine-tune the shipped checkpoint and the same architecture from random init on every task "
        "over several seeds, plus a bag-of-words baseline for sentiment; print mean ± std and save "
        "the results.",
    )
    add_options(
        parser,
        (
            "--seeds",
            whole(1, " (5 gives a mean and a spread)"),
            5,
            "fine-tuning seeds per model and task (default 5)",
        ),
        (
            "--first-seed",
            whole(0, " (seeds are whole numbers from 0)"),
            0,
            "the first fine-tuning seed; the seeds are FIRST .. FIRST + SEEDS - 1 (default 0)",
        ),
        (
            "--jobs",
            whole(1, " (e.g. 2 on two cores)"),
            1,
            "fine-tuning runs side by side, each in its own process with one thread; the numbers do not "
            "depend on it (default 1)",
        ),
        (
            "--tasks",
            str,
            ",".join(task_names()),
            f"comma-separated tasks (default all {len(task_names())}: {','.join(task_names())})",
        ),
        shared("--checkpoint", "the pre-trained model to test (default: the shipped checkpoint)"),
        (
            "--out",
            path_option("a JSON file", "runs/evidence.json"),
            None,
            "JSON file for the results (default data/evidence.json)",
        ),
        shared("--threads", "CPU threads for torch (default: torch's choice)"),
    )
    add_switches(parser, ("--no-progress", "hide the progress bars"))
    add_allow_unfinished_option(parser)
    add_debug_option(parser)


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser: `pretrain`, `finetune` and `evidence`."""
    parser = argparse.ArgumentParser(
        prog="python -m bertlib", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_pretrain_command(commands)
    add_finetune_command(commands)
    add_evidence_command(commands)
    return parser


def fill_defaults(args: argparse.Namespace, defaults: dict[str, float]) -> None:
    """Give --steps, --batch-size, --lr and --dropout their defaults where they were left out."""
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def from_options(make: Callable[..., T], args: argparse.Namespace, same_names: str, **given: Any) -> T:
    """`make(...)` (a settings dataclass) with each field in `same_names` (space-separated) taken
    from the option of the same name, and the others `given` (renamed or worked out)."""
    return make(**{name: getattr(args, name) for name in same_names.split()}, **given)


def training_config(args: argparse.Namespace, description: str):
    """The TrainingConfig the training options ask for."""
    from bertlib.training.trainer import TrainingConfig

    return from_options(
        TrainingConfig,
        args,
        "steps batch_size lr weight_decay accumulation_steps eval_every checkpoint_every seed device bf16 compile",
        warmup_steps=args.steps // 10 if args.warmup_steps is None else args.warmup_steps,
        max_grad_norm=args.max_grad_norm or None,
        progress=not args.no_progress,
        print_evaluations=True,
        description=description,
    )


def the_command(argv: list[str]) -> str:
    """The command line as typed, quoted for a shell (recorded beside each result)."""
    return "python -m bertlib " + shlex.join(argv)


def resume_command(argv: list[str], checkpoint: Path) -> str:
    """The command that finishes a stopped run: the same one, resuming from its checkpoint."""
    kept, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word == "--resume":
            skip = True
        elif not word.startswith("--resume="):
            kept.append(word)
    return the_command([*kept, "--resume", str(checkpoint)])


# -- checks before any work ------------------------------------------------------------------------


def check_out_folder(out: Path) -> None:
    """--out must be a folder, or a path where one can be made."""
    from bertlib.training.checkpoint import SaveError, write_failure_message

    if out.exists() and not out.is_dir():
        raise BertlibInputError(
            f"--out {out} is a file, not a folder. Give a folder (it is made if missing), e.g. --out runs/mine."
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        if isinstance(error, (FileExistsError, NotADirectoryError)):
            raise BertlibInputError(
                f"--out {out} cannot be made: a part of its path is a file. Choose another --out."
            ) from None
        raise SaveError(
            (write_failure_message(error, out / "run.lock") or f"Cannot make --out {out}: {error}.").replace(
                "Could not write", "Cannot use --out"
            )
        ) from None


@contextmanager
def output_folder(out: Path, argv: list[str], is_main: bool = True) -> Iterator[Path]:
    """Hold --out for this run: a folder, writable, locked (no other run writes there), and marked
    unfinished until the run has written everything (process 0 only)."""
    from bertlib.training.checkpoint import locked_folder, write_run_state

    if not is_main:
        yield out
        return
    check_out_folder(out)
    with locked_folder(out, the_command(argv)):
        write_run_state(
            out, finished=False, reason="its run had not finished (still running, or killed)", command=the_command(argv)
        )
        yield out


def check_resume(path: Path | None, now: dict) -> None:
    """--resume must be a training checkpoint, safe to load, saved with the same options as now."""
    from bertlib.training.checkpoint import check_same_options, read_training_state

    if path is None:
        return
    state = read_training_state(path)
    if state.options:
        check_same_options(path, state.options, now)


def stopped(run_history, out: Path, argv: list[str], steps: int) -> int:
    """After Ctrl-C: mark the model in --out unfinished, say how to finish it, exit code 130."""
    from bertlib.training.checkpoint import write_run_state

    command = resume_command(argv, out / "checkpoint")
    steps_done = run_history.steps[-1] if run_history.steps else 0
    write_run_state(
        out,
        finished=False,
        reason="it was stopped (Ctrl-C) before its last step",
        step=steps_done,
        steps=steps,
        resume=command,
        command=the_command(argv),
    )
    print(
        f"Not finished: stopped after step {steps_done} of {steps}. The model in {out} is marked unfinished "
        f"({out / 'run_state.json'}); `finetune --checkpoint {out}` refuses it unless given --allow-unfinished. "
        f"To finish the run: {command}",
        file=sys.stderr,
    )
    return 130


# -- commands ----------------------------------------------------------------------------------------


def run_pretrain(args: argparse.Namespace, argv: list[str]) -> int:
    """`pretrain`: check everything, pre-train, save the model, its record and history."""
    from bertlib.training.checkpoint import atomic_write_json
    from bertlib.training.distributed import start_processes, stop_processes
    from bertlib.training.pretraining import (
        PretrainRunOptions,
        check_pretrain_options,
        pretrain,
        resume_options_of,
        save_pretrained_run,
    )
    from bertlib.training.trainer import resume_options

    group = start_processes(args.device)
    fill_defaults(args, PRETRAIN_DEFAULTS)
    options = from_options(
        PretrainRunOptions,
        args,
        "preset hidden_size dupe_factor held_out_documents dropout documents fast_path",
        max_seq_length=args.seq_length,
        max_predictions_per_seq=args.max_predictions,
    )
    config = training_config(args, "pre-training")
    check_pretrain_options(options)
    check_resume(args.resume, resume_options(config, resume_options_of(options)))
    try:
        with output_folder(args.out, argv, group.is_main):
            run = pretrain(options, config, out_dir=args.out, resume_from=args.resume)
            if not group.is_main:
                return 130 if run.history.interrupted else 0
            record = {
                "command": the_command(argv),
                "seed": args.seed,
                "steps": args.steps,
                "processes": group.world_size,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "seconds": round(run.history.seconds, 1),
            }
            atomic_write_json(args.out / "history.json", run.history.to_dict())
            save_pretrained_run(run, options, args.out, record)
            if run.history.interrupted:
                return stopped(run.history, args.out, argv, args.steps)
            print(
                f"held-out MLM accuracy {run.scores.mlm_accuracy:.3f}, perplexity {run.scores.mlm_perplexity:.2f}, "
                f"NSP accuracy {run.scores.nsp_accuracy:.3f} ({run.scores.masked_tokens} masked tokens, "
                f"{run.scores.pairs} pairs); saved to {args.out}"
            )
            return 0
    finally:
        stop_processes()


def run_finetune(args: argparse.Namespace, argv: list[str]) -> int:
    """`finetune`: check everything, fine-tune on the task, save the model and its scores."""
    from dataclasses import asdict

    from bertlib.paths import file_sha256
    from bertlib.training.checkpoint import (
        atomic_write_json,
        require_finished,
        save_model_files,
        save_vocab,
        write_run_state,
    )
    from bertlib.training.distributed import resolve_device
    from bertlib.training.finetuning import (
        FinetuneOptions,
        check_fits_checkpoint,
        finetune,
        resume_options_of,
    )
    from bertlib.training.registry import task_spec
    from bertlib.training.trainer import resume_options

    resolve_device(args.device)
    budget = task_spec(args.task).budget
    fill_defaults(
        args, {"steps": budget.steps, "batch_size": budget.batch_size, "lr": budget.lr, "dropout": budget.dropout}
    )
    out = args.out or Path("runs") / args.task
    if args.doc_stride is not None and args.task != "qa":
        raise BertlibInputError(
            f"--doc-stride {args.doc_stride} only applies to --task qa (how far each window over a "
            f"long context moves); leave it out for --task {args.task}."
        )
    doc_stride = FinetuneOptions.doc_stride if args.doc_stride is None else args.doc_stride
    options = from_options(
        FinetuneOptions,
        args,
        "task init checkpoint pooling dropout allow_unfinished fast_path",
        max_seq_length=args.seq_length,
        doc_stride=doc_stride,
        eval_splits=tuple(args.eval_splits.split(",")),
    )
    config = training_config(args, f"fine-tuning {args.task}")
    check_fits_checkpoint(options)
    if out.resolve() == options.checkpoint_dir.resolve():
        raise BertlibInputError(
            f"--out {out} is the --checkpoint folder: fine-tuning would overwrite the "
            "pre-trained model it starts from. Choose another --out, e.g. --out runs/"
            f"{args.task}."
        )
    if options.init == "pretrained":
        require_finished(options.checkpoint_dir, options.allow_unfinished)
    check_resume(args.resume, resume_options(config, resume_options_of(options)))
    with output_folder(out, argv):
        run = finetune(options, config, out_dir=out, resume_from=args.resume)
        save_model_files(run.model, out)
        save_vocab(run.task.tokenizer.vocab, out / "vocab.txt")
        atomic_write_json(
            out / "finetuning.json",
            {
                "command": the_command(argv),
                "seed": args.seed,
                "steps": args.steps,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "seconds": round(run.history.seconds, 1),
                "sha256": file_sha256(out / "model.safetensors"),
                "scores": {split: asdict(s) for split, s in run.scores.items()},
            },
        )
        atomic_write_json(out / "history.json", run.history.to_dict())
        if run.history.interrupted:
            return stopped(run.history, out, argv, args.steps)
        write_run_state(
            out,
            finished=True,
            step=run.history.steps[-1] if run.history.steps else 0,
            steps=args.steps,
            command=the_command(argv),
        )
        for split in options.eval_splits:
            print(f"{args.task} {split} {run.task.headline}: {run.headline(split):.3f}")
        print(f"saved to {out}")
    return 0


def check_evidence_out(out: Path) -> None:
    """evidence's --out is a JSON file in a folder that exists and can be written to."""
    if out.is_dir():
        raise BertlibInputError(
            f"--out {out} is a folder; evidence writes one JSON file: give its path, "
            f"e.g. --out {out / 'evidence.json'}."
        )
    if not out.parent.is_dir():
        raise BertlibInputError(
            f"--out {out}: the folder {out.parent} does not exist; make it first or choose another --out."
        )
    if not os.access(out.parent, os.W_OK):
        raise BertlibInputError(f"--out {out}: the folder {out.parent} is not writable; choose another --out.")


def run_evidence(args: argparse.Namespace, argv: list[str]) -> int:
    """`evidence`: fine-tune pre-trained and random init on every task, save and print the table."""
    from bertlib.paths import DATA_DIR
    from bertlib.training.checkpoint import require_finished
    from bertlib.training.evidence import EVIDENCE_FILE, EvidencePlan, run_evidence_plan
    from bertlib.training.finetuning import check_fits_checkpoint

    plan = EvidencePlan(
        seeds=args.seeds,
        tasks=tuple(args.tasks.split(",")),
        checkpoint=args.checkpoint,
        allow_unfinished=args.allow_unfinished,
        first_seed=args.first_seed,
        jobs=args.jobs,
        threads=args.threads,
    )
    options = plan.finetune_options(plan.tasks[0])  # the pre-trained contender's, as the runs will use
    check_fits_checkpoint(options)
    require_finished(options.checkpoint_dir, options.allow_unfinished)
    check_evidence_out(args.out or DATA_DIR / EVIDENCE_FILE)
    run_evidence_plan(plan, out=args.out, progress=not args.no_progress, command=the_command(argv))
    return 0


COMMANDS = {"pretrain": run_pretrain, "finetune": run_finetune, "evidence": run_evidence}


def command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The sub-parser of one command (its `error` prints that command's usage)."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def explain(error: BaseException) -> str:
    """The message shown for an error: bertlib's own as it is; others with a pointer to --debug."""
    if isinstance(error, (BertlibInputError, CheckpointError)):
        return str(error)
    if isinstance(error, torch.OutOfMemoryError):
        return (
            "out of memory: lower --batch-size, or keep it and raise --accumulation-steps so that each "
            "micro-batch is smaller (add --debug for the details)."
        )
    if isinstance(error, OSError) and error.filename is not None and not str(error).startswith("[Errno"):
        return f"{error} (add --debug for the traceback)"
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.strerror}: {error.filename} (add --debug for the traceback)"
    return f"{error} (add --debug for the traceback)"


#: Errors that are the user's to fix: turned into an argparse-style message with exit code 2.
USER_ERRORS = (BertlibInputError, CheckpointError, ValueError, OSError, torch.OutOfMemoryError)


def main(argv: list[str] | None = None) -> int:
    """Run a command; returns its exit code (0, or 130 after Ctrl-C). Bad options, paths and resume
    states exit with code 2 and an argparse-style message (a traceback with --debug)."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        return COMMANDS[args.command](args, argv)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(
            "Interrupted (Ctrl-C) before training finished; nothing was marked finished. Run the command "
            "again to start over.",
            file=sys.stderr,
        )
        return 130
    except USER_ERRORS as error:
        if args.debug:
            raise
        command_parser(parser, args.command).error(explain(error))


if __name__ == "__main__":
    sys.exit(main())
