"""Training: the optimiser, metrics, checkpoints, the loop, and the pre-training and fine-tuning runs.

- optim.py: AdamW without decay on biases and LayerNorm; linear warm-up and decay;
- metrics.py: MLM / NSP, classification, entity (conlleval) and SQuAD scores;
- sampling.py: batch order as a pure function of (seed, position), shared out over processes;
- objectives.py: each task's loss as sums and counts;
- trainer.py: the loop (`train`, `TrainingConfig`, `History`);
- checkpoint.py: HF weights plus training state, for bit-identical resume;
- distributed.py: devices, torchrun process groups and DDP;
- registry.py: one `TaskSpec` per fine-tuning task (splits, budget, evidence contenders, CLI help);
- pretraining.py, finetuning.py: the course's runs; evidence.py: does pre-training help?
- baselines.py: the bag-of-words logistic regression.

    from bertlib.training import live_pretraining_demo, finetune_for_notebook
    run = live_pretraining_demo()          # ~1 minute on 2 cores; run.history to plot
    ner = finetune_for_notebook("ner")     # from the shipped checkpoint
"""

from bertlib.training.checkpoint import load_checkpoint, save_checkpoint, seed_everything
from bertlib.training.finetuning import (
    FinetuneOptions,
    FinetuneRun,
    PredictedLabels,
    PredictedSpans,
    PredictedTags,
    finetune,
    finetune_for_notebook,
)
from bertlib.training.metrics import (
    classification_scores,
    entity_scores,
    exact_match,
    normalize_answer,
    perplexity,
    squad_scores,
    token_f1,
)
from bertlib.training.pretraining import (
    PretrainRun,
    PretrainRunOptions,
    evaluate_pretraining,
    live_pretraining_demo,
    pretrain,
)
from bertlib.training.registry import TaskBudget, TaskSpec, register_task, task_spec, task_specs, unregister_task
from bertlib.training.trainer import Evaluation, History, TrainingConfig, train

__all__ = [
    "Evaluation",
    "FinetuneOptions",
    "FinetuneRun",
    "History",
    "PredictedLabels",
    "PredictedSpans",
    "PredictedTags",
    "PretrainRun",
    "PretrainRunOptions",
    "TaskBudget",
    "TaskSpec",
    "TrainingConfig",
    "classification_scores",
    "entity_scores",
    "evaluate_pretraining",
    "exact_match",
    "finetune",
    "finetune_for_notebook",
    "live_pretraining_demo",
    "load_checkpoint",
    "normalize_answer",
    "perplexity",
    "pretrain",
    "register_task",
    "save_checkpoint",
    "seed_everything",
    "squad_scores",
    "task_spec",
    "task_specs",
    "token_f1",
    "train",
    "unregister_task",
]
