"""Both sides or only the left: the same small BERT pre-trained with and without a causal mask.

Notebook 06 compares a bidirectional BERT with a left-to-right one of the same size, trained on the
same batches for the same number of steps with the masked-LM loss alone (no NSP: the only
difference is the attention mask). Training them takes minutes, so the two models ship, small, in
data/checkpoints/directions/, made by

    python -m bertlib.training.directions --out data/checkpoints/directions

and the notebook scores them live. Its job ends at the two saved models; the probes that score
them are the notebook's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from bertlib.data.pretraining import PretrainingBatch
from bertlib.model import BertForMaskedLM, causal_mask
from bertlib.paths import data_path
from bertlib.training.checkpoint import save_model_files, seed_everything
from bertlib.training.optim import build_optimizer, build_scheduler
from bertlib.training.pretraining import (
    LIVE_DEMO_OPTIONS,
    PretrainData,
    model_config,
    pretraining_data,
)
from bertlib.training.sampling import BatchOrder, batch_at
from bertlib.training.trainer import TrainingConfig

#: The two models' folders under the output folder, by whether the model is causal.
FOLDERS = {False: "bidirectional", True: "left-to-right"}
#: Where they ship, under data/.
DIRECTIONS_CHECKPOINTS = Path("checkpoints") / "directions"
#: The live demo's model (notebook 06, section 4) with its first recipe, run for longer, MLM only. Written
#: out rather than derived from LIVE_DEMO_CONFIG: the shipped models (hashes pinned in the tests) must not
#: change when the live demo is tuned.
DIRECTIONS_CONFIG = TrainingConfig(
    steps=2000, batch_size=64, lr=4e-3, warmup_steps=100, eval_every=100, description="pre-training (directions)"
)


def masked_lm_loss(model: BertForMaskedLM, batch: PretrainingBatch, *, causal: bool) -> torch.Tensor:
    """The mean masked-LM loss of `batch`, with the causal mask (left to right) or the padding mask."""
    mask = causal_mask(batch.attention_mask) if causal else batch.attention_mask  # (B, T, T) or (B, T)
    out = model(
        batch.input_ids, batch.token_type_ids, mask, masked_positions=batch.masked_positions, labels=batch.mlm_labels
    )
    return out.loss


def pretrain_direction(
    causal: bool, config: TrainingConfig = DIRECTIONS_CONFIG, data: PretrainData | None = None
) -> BertForMaskedLM:
    """A fresh live-demo-sized BertForMaskedLM (seeded by `config.seed`, so both directions start
    from the same weights), trained on the same batches with the masked-LM loss; in eval mode."""
    data = data or pretraining_data(LIVE_DEMO_OPTIONS, seed=config.seed)
    seed_everything(config.seed)
    model = BertForMaskedLM(model_config(LIVE_DEMO_OPTIONS, len(data.tokenizer.vocab)))
    optimizer = build_optimizer(model, config.lr, config.weight_decay)
    scheduler = build_scheduler(optimizer, config.warmup_steps, config.steps)
    order = BatchOrder(len(data.train), config.batch_size, config.seed)
    torch.manual_seed(config.seed)
    model.train()
    for step in range(config.steps):
        optimizer.zero_grad()
        masked_lm_loss(model, batch_at(data.train, order, step), causal=causal).backward()
        if config.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        scheduler.step()
    return model.eval()


def direction_checkpoint(causal: bool) -> Path:
    """The shipped folder of the left-to-right (`causal=True`) or the bidirectional model."""
    return data_path(*DIRECTIONS_CHECKPOINTS.parts, FOLDERS[causal])


def load_direction(causal: bool) -> BertForMaskedLM:
    """The shipped left-to-right (`causal=True`) or bidirectional model, in eval mode."""
    return BertForMaskedLM.from_pretrained(direction_checkpoint(causal)).eval()


def main(argv: list[str] | None = None) -> None:
    """Train both models, one after the other, and save each under OUT/<its folder>."""
    parser = argparse.ArgumentParser(prog="python -m bertlib.training.directions", description=__doc__)
    parser.add_argument("--out", required=True, type=Path, help="folder for bidirectional/ and left-to-right/")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: the shipped files' bytes)")
    options = parser.parse_args(argv)
    torch.set_num_threads(options.threads)
    data = pretraining_data(LIVE_DEMO_OPTIONS, seed=DIRECTIONS_CONFIG.seed)
    for causal, folder in FOLDERS.items():
        save_model_files(pretrain_direction(causal, data=data), options.out / folder)
        print(f"wrote {options.out / folder}")


if __name__ == "__main__":
    main()
