"""Training: the optimiser, metrics, checkpoints, the loop, and the pre-training and fine-tuning runs.

- optim.py: AdamW without decay on biases and LayerNorm; linear warm-up and decay;
- metrics.py: MLM / NSP, classification, entity (conlleval) and SQuAD scores;
- batches.py: batch order as a pure function of (seed, position), shared out over processes;
- objectives.py: each task's loss as sums and counts;
- trainer.py: the loop (`train`, `TrainingConfig`, `History`);
- checkpoint.py: HF weights plus training state, for bit-identical resume;
- distributed.py: devices, torchrun process groups and DDP;
- pretraining.py, finetuning.py: the course's runs; evidence.py: does pre-training help?
- baselines.py: the bag-of-words logistic regression.

    from bertlib.training import live_pretraining_demo, finetune_for_notebook
    run = live_pretraining_demo()          # ~1 minute on 2 cores; run.history to plot
    ner = finetune_for_notebook("ner")     # from the shipped checkpoint
"""

from .checkpoint import load_checkpoint, save_checkpoint, seed_everything
from .finetuning import BUDGETS, FinetuneOptions, FinetuneRun, finetune, finetune_for_notebook
from .metrics import (
    classification_scores,
    entity_scores,
    exact_match,
    normalize_answer,
    perplexity,
    squad_scores,
    token_f1,
)
from .pretraining import (
    PretrainOptions,
    PretrainRun,
    ShippedModel,
    evaluate_pretraining,
    live_pretraining_demo,
    load_shipped,
    pretrain,
    shipped_checkpoint,
)
from .trainer import Evaluation, History, TrainingConfig, train

__all__ = [
    "BUDGETS",
    "Evaluation",
    "FinetuneOptions",
    "FinetuneRun",
    "History",
    "PretrainOptions",
    "PretrainRun",
    "ShippedModel",
    "TrainingConfig",
    "classification_scores",
    "entity_scores",
    "evaluate_pretraining",
    "exact_match",
    "finetune",
    "finetune_for_notebook",
    "live_pretraining_demo",
    "load_checkpoint",
    "load_shipped",
    "normalize_answer",
    "perplexity",
    "pretrain",
    "save_checkpoint",
    "seed_everything",
    "shipped_checkpoint",
    "squad_scores",
    "token_f1",
    "train",
]
