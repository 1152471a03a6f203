"""Pre-training a BERT on the embedded corpus: examples, model, loop, held-out scores, saved model.

The corpus (data/corpus/stories.txt) is split once into training documents and a fixed held-out
set (the last `held_out_documents` stories). Examples are made from each by `bertlib.data`'s
`create_pretraining_examples`, Google's algorithm; the held-out ones always with the same seed,
so held-out MLM accuracy, perplexity and NSP accuracy of two models are comparable.

    run = pretrain(PretrainRunOptions(), TrainingConfig(steps=2500, batch_size=64, lr=2e-3, warmup_steps=250))
    run.scores.mlm_accuracy, run.history.loss

Three configurations meet here, each named for what it sets: `PretrainRunOptions` (what to
pre-train: model size, corpus, held-out set), `bertlib.data.MaskingConfig` (how examples are cut
and masked, derived from the run options by `masking_config`) and `TrainingConfig` (the loop).

Its job ends at a pre-trained model saved with its vocabulary and a record of how it was made;
the loop itself is `trainer.py`'s, fine-tuning is `finetuning.py`'s, and finding the shipped
checkpoint is `bertlib.assets`'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
from safetensors.torch import save_file

from bertlib.assets import HELD_OUT_FILE, RUN_FILE, course_tokenizer
from bertlib.data.examples import Document
from bertlib.data.pretraining import MaskingConfig, PretrainingBatch, collate_pretraining, create_pretraining_examples
from bertlib.data.world import load_corpus
from bertlib.errors import BertlibInputError
from bertlib.model import PRESETS, BertConfig, BertForPreTraining
from bertlib.model.heads import classification_loss
from bertlib.paths import file_sha256
from bertlib.tokenization import IGNORE_INDEX, BertTokenizer
from bertlib.training.checkpoint import (
    atomic_write,
    atomic_write_json,
    save_model_files,
    save_vocab,
    seed_everything,
    write_run_state,
)
from bertlib.training.metrics import PreTrainingScores, perplexity
from bertlib.training.objectives import PreTrainingObjective
from bertlib.training.sampling import batches_in_order
from bertlib.training.trainer import History, Trainer, TrainingConfig, is_real, is_whole

#: The seed of the held-out examples' segmenting and masking: fixed, so every model meets the same.
HELD_OUT_SEED = 4242


@dataclass(frozen=True)
class PretrainRunOptions:
    """What to pre-train, and on what (the `pretrain` command's options). How its examples are masked
    is a `MaskingConfig` (see `masking_config`); the loop's own settings are a `TrainingConfig`."""

    preset: str = "tiny"  # a BertConfig preset: tiny 2/128/2, mini 4/256/4, ... (layers/hidden/heads)
    hidden_size: int | None = None  # a narrower or wider model than the preset's (feed-forward 4 x hidden)
    max_seq_length: int = 64  # tokens per example, [CLS] A [SEP] B [SEP] included
    max_predictions_per_seq: int = 10  # masked positions per example at most (15% of 64 is 9.6)
    dupe_factor: int = 5  # how many differently masked copies of the corpus to train on
    held_out_documents: int = 300  # the corpus's last stories, kept out of training for evaluation
    dropout: float = 0.1  # hidden and attention dropout
    documents: int | None = None  # train on only the first this many documents (None: all)
    fast_path: bool = False  # BertConfig.fast_path: the GPU training path (same weights, same numbers)

    def __post_init__(self) -> None:
        """Refuse a setting of the wrong type or range, naming its option and the fix."""
        if self.preset not in PRESETS:
            raise BertlibInputError(
                f"preset={self.preset!r} (--preset) is not a preset; choose one of {', '.join(PRESETS)}."
            )
        minimums = {
            "max_seq_length": (8, "--seq-length"),
            "max_predictions_per_seq": (1, "--max-predictions"),
            "dupe_factor": (1, "--dupe-factor"),
            "held_out_documents": (2, "--held-out-documents"),
        }
        for name, (minimum, flag) in minimums.items():
            value = getattr(self, name)
            if not is_whole(value) or value < minimum:
                raise BertlibInputError(f"{name}={value!r} ({flag}) must be a whole number of at least {minimum}.")
        for name, flag, fix in (
            ("hidden_size", "--hidden-size", "leave it out for the preset's"),
            ("documents", "--documents", "leave it out to train on all documents"),
        ):
            value = getattr(self, name)
            if value is not None and (not is_whole(value) or value < 1):
                raise BertlibInputError(
                    f"{name}={value!r} ({flag}) must be a whole number of at least 1 ({fix}; None in Python)."
                )
        if not is_real(self.dropout) or not (math.isfinite(self.dropout) and 0 <= self.dropout < 1):
            raise BertlibInputError(
                f"dropout={self.dropout!r} (--dropout) must be a number from 0 up to, but not including, 1 (e.g. 0.1)."
            )


@dataclass(frozen=True)
class CorpusSplit:
    """The corpus's documents: those to train on and the held-out ones."""

    train: list[Document]
    held_out: list[Document]


def split_corpus(documents: Sequence[Document], held_out: int, limit: int | None = None) -> CorpusSplit:
    """The last `held_out` documents for evaluation; the rest (or the first `limit` of them) for training."""
    if not 2 <= held_out <= len(documents) - 2:
        raise BertlibInputError(
            f"held_out_documents={held_out} (--held-out-documents) must leave at least 2 "
            f"documents on each side of the corpus's {len(documents)}; use 2 to "
            f"{len(documents) - 2}."
        )
    train = list(documents[:-held_out])
    if limit is not None and not 1 <= limit <= len(train):
        raise BertlibInputError(
            f"documents={limit} (--documents) asks for more training documents than there are: the corpus "
            f"has {len(train)} after the {held_out} held out. Use 1 to {len(train)}, or leave it out for all."
            if limit > len(train)
            else f"documents={limit} (--documents) must be at least 1; leave it out for all."
        )
    return CorpusSplit(train=train[:limit] if limit else train, held_out=list(documents[-held_out:]))


def check_pretrain_options(options: PretrainRunOptions) -> BertConfig:
    """Check, before any work, that the options fit the corpus and make a valid model; returns its config."""
    split_corpus(load_corpus(), options.held_out_documents, options.documents)
    return model_config(options, len(course_tokenizer().vocab))


def resume_options_of(options: PretrainRunOptions) -> dict:
    """The pre-training options a checkpoint records and a resume must repeat: all but `fast_path`, a
    way of computing (the same weights and numbers), which a resume may switch on or off."""
    return {name: value for name, value in asdict(options).items() if name != "fast_path"}


def example_tensors(documents: Sequence[Document], tokenizer: BertTokenizer, config: MaskingConfig) -> PretrainingBatch:
    """Google-style MLM + NSP examples of `documents`, collated into one batch of N rows."""
    examples = create_pretraining_examples(documents, tokenizer, config)
    return collate_pretraining(examples, pad_id=tokenizer.vocab.special.pad)


def model_config(options: PretrainRunOptions, vocab_size: int) -> BertConfig:
    """The preset's sizes, with the vocabulary, positions and dropout the course data needs."""
    width = (
        {}
        if options.hidden_size is None
        else {"hidden_size": options.hidden_size, "intermediate_size": 4 * options.hidden_size}
    )
    return BertConfig.preset(
        options.preset,
        vocab_size=vocab_size,
        max_position_embeddings=options.max_seq_length,
        hidden_dropout_prob=options.dropout,
        attention_probs_dropout_prob=options.dropout,
        fast_path=options.fast_path,
        **width,
    )


@torch.no_grad()
def evaluate_pretraining(
    model: BertForPreTraining, examples: PretrainingBatch, batch_size: int = 256
) -> PreTrainingScores:
    """Held-out masked-LM accuracy and perplexity, and next-sentence accuracy, in eval mode. The
    masked-LM loss is the head's own (`classification_loss`, summed)."""
    was_training = model.training
    model.eval()
    nll, correct, masked, nsp_correct, pairs = 0.0, 0, 0, 0, 0
    device = next(model.parameters()).device
    for batch in batches_in_order(examples, batch_size):
        batch = batch.to(device)
        out = model(**batch.as_kwargs())
        labels = batch.mlm_labels
        scored = labels != IGNORE_INDEX
        logits = out.mlm_logits[scored]  # (M, V): the real masked tokens only
        nll += classification_loss(logits, labels[scored], "mlm_labels", reduction="sum").item()
        correct += int((logits.argmax(-1) == labels[scored]).sum())
        masked += int(scored.sum())
        nsp_correct += int((out.nsp_logits.argmax(-1) == batch.nsp_labels).sum())
        pairs += len(batch.nsp_labels)
    model.train(was_training)
    return PreTrainingScores(
        mlm_accuracy=correct / masked,
        mlm_perplexity=perplexity(nll / masked),
        nsp_accuracy=nsp_correct / pairs,
        masked_tokens=masked,
        pairs=pairs,
    )


@dataclass
class PretrainData:
    """The tokenizer and the example tensors of one pre-training setup."""

    tokenizer: BertTokenizer
    train: PretrainingBatch
    held_out: PretrainingBatch


def masking_config(options: PretrainRunOptions, seed: int, dupe_factor: int) -> MaskingConfig:
    """How `create_pretraining_examples` cuts and masks, for these options."""
    return MaskingConfig(
        max_seq_length=options.max_seq_length,
        max_predictions_per_seq=options.max_predictions_per_seq,
        dupe_factor=dupe_factor,
        seed=seed,
    )


def training_examples(options: PretrainRunOptions, tokenizer: BertTokenizer, seed: int) -> PretrainingBatch:
    """The training documents' examples, `dupe_factor` maskings drawn with `seed`."""
    documents = split_corpus(load_corpus(), options.held_out_documents, options.documents).train
    return example_tensors(documents, tokenizer, masking_config(options, seed, options.dupe_factor))


def held_out_examples(options: PretrainRunOptions, tokenizer: BertTokenizer) -> PretrainingBatch:
    """The held-out documents' examples: one masking, always drawn with HELD_OUT_SEED."""
    documents = split_corpus(load_corpus(), options.held_out_documents).held_out
    return example_tensors(documents, tokenizer, masking_config(options, HELD_OUT_SEED, dupe_factor=1))


def pretraining_data(options: PretrainRunOptions, seed: int) -> PretrainData:
    """Tokenizer, training examples (masked with `seed`) and the fixed held-out examples."""
    tokenizer = course_tokenizer()
    return PretrainData(tokenizer, training_examples(options, tokenizer, seed), held_out_examples(options, tokenizer))


@dataclass
class PretrainRun:
    """A pre-training run's result."""

    model: BertForPreTraining
    history: History  # per-step losses (mlm, nsp), lr, and the held-out evaluations
    scores: PreTrainingScores  # held-out scores of the final model
    tokenizer: BertTokenizer
    held_out: PretrainingBatch  # the held-out examples the scores are of


def pretrain(
    options: PretrainRunOptions,
    config: TrainingConfig,
    *,
    data: PretrainData | None = None,
    out_dir: str | Path | None = None,
    resume_from: str | Path | None = None,
) -> PretrainRun:
    """Pre-train a fresh BERT (seeded by `config.seed`) with MLM + NSP, evaluating on the held-out
    documents every `config.eval_every` steps and at the end. Saves nothing by itself except
    OUT/checkpoint (see Trainer); call `save_pretrained_run` to write the finished model."""
    data = data or pretraining_data(options, config.seed)
    seed_everything(config.seed)
    model = BertForPreTraining(model_config(options, len(data.tokenizer.vocab)))

    def evaluate(m: BertForPreTraining) -> dict[str, float]:
        scores = evaluate_pretraining(m, data.held_out)
        return {
            "mlm_accuracy": scores.mlm_accuracy,
            "mlm_perplexity": scores.mlm_perplexity,
            "nsp_accuracy": scores.nsp_accuracy,
        }

    trainer = Trainer(
        model,
        data.train,
        PreTrainingObjective(),
        config.labelled("pre-training"),
        evaluate=evaluate,
        out_dir=out_dir,
        resume_from=resume_from,
        run_options=resume_options_of(options),
    )
    history = trainer.run()
    return PretrainRun(model, history, evaluate_pretraining(model, data.held_out), data.tokenizer, data.held_out)


def save_pretrained_run(run: PretrainRun, options: PretrainRunOptions, out_dir: str | Path, record: dict) -> Path:
    """Write the model (config.json, model.safetensors), its vocab.txt, the held-out examples
    (HELD_OUT_FILE), RUN_FILE: `record` (how it was made), the options, the weights' sha256 and the
    held-out scores, and last the run state (finished, or not if the run was stopped early). Every
    file is written under a temporary name and renamed."""
    out_dir = Path(out_dir)
    save_model_files(run.model, out_dir)
    save_vocab(run.tokenizer.vocab, out_dir / "vocab.txt")
    held_out = {name: tensor.contiguous() for name, tensor in run.held_out.as_kwargs().items()}
    atomic_write(
        out_dir / HELD_OUT_FILE,
        lambda path: save_file(held_out, path),
        needed_bytes=sum(t.numel() * t.element_size() for t in held_out.values()),
    )
    record = {
        **record,
        "options": asdict(options),
        "held_out": asdict(run.scores),
        "sha256": file_sha256(out_dir / "model.safetensors"),
        "steps_done": run.history.steps[-1] if run.history.steps else 0,
    }
    atomic_write_json(out_dir / RUN_FILE, record)
    steps = record.get("steps")
    write_run_state(
        out_dir,
        finished=not run.history.interrupted,
        step=record["steps_done"],
        **({"steps": steps} if steps is not None else {}),
        **({"reason": "it was stopped (Ctrl-C) before its last step"} if run.history.interrupted else {}),
    )
    return out_dir


#: The live demo: the tiny preset made narrower (hidden 64: a step costs half as much), one masking
#: of the corpus (quick to make), no dropout (it only slows a short run) and a high peak rate.
#: Fixed steps so that printed numbers repeat under nbval; benchmarks/bench_training.py checks
#: that it stays under a minute on 2 cores and reaches held-out MLM accuracy >= 0.5.
LIVE_DEMO_OPTIONS = PretrainRunOptions(hidden_size=64, dupe_factor=1, dropout=0.0)
LIVE_DEMO_CONFIG = TrainingConfig(
    steps=900, batch_size=64, lr=6e-3, warmup_steps=100, eval_every=100, description="pre-training (live)"
)


def live_pretraining_demo(steps: int = LIVE_DEMO_CONFIG.steps, seed: int = 0, progress: bool = True) -> PretrainRun:
    """Pre-train a narrow tiny BERT from scratch for about a minute, evaluating every 100 steps:
    `run.history.metric("mlm_accuracy")` against `run.history.evaluation_steps` shows it learn."""
    config = replace(
        LIVE_DEMO_CONFIG,
        steps=steps,
        seed=seed,
        progress=progress,
        warmup_steps=min(LIVE_DEMO_CONFIG.warmup_steps, steps),
    )
    return pretrain(LIVE_DEMO_OPTIONS, config)
