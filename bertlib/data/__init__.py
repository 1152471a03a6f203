"""The offline course data and the examples made from it.

- world.py, lexicon.py, sentences.py, judgements.py: the seeded small world and its corpus;
- tasks.py: labelled sets from the same world (sentiment, NER, QA) and their loaders;
- examples.py: the example dataclasses and their files (text, JSON lines, SQuAD JSON);
- pretraining.py: MLM + NSP examples as Google's create_pretraining_data makes them;
- features.py: fine-tuning features and their collation into batches (subclasses of the
  tokenizer's `bertlib.tokenization.Batch`);
- external.py: real data (SST-2, CoNLL-2003, SQuAD, WikiText) and a student's own files;
- build.py, stats.py: `python -m bertlib.data build|stats`.
"""

from bertlib.data.examples import Document, Entity, NerExample, QAAnswer, QAExample, SentimentExample
from bertlib.data.external import (
    RealDataUnavailable,
    conll2003_examples,
    download,
    load_real_dataset,
    load_user_file,
    squad_examples,
    sst2_examples,
    wikitext_documents,
)
from bertlib.data.features import (
    best_span,
    classification_features,
    collate_classification,
    collate_qa,
    collate_token_classification,
    qa_features,
    token_classification_features,
)
from bertlib.data.pretraining import MaskingConfig, collate_pretraining, create_pretraining_examples
from bertlib.data.tasks import NER_LABELS, load_ner, load_qa, load_sentiment
from bertlib.data.world import load_corpus

__all__ = [
    "NER_LABELS",
    "Document",
    "Entity",
    "MaskingConfig",
    "NerExample",
    "QAAnswer",
    "QAExample",
    "RealDataUnavailable",
    "SentimentExample",
    "best_span",
    "classification_features",
    "collate_classification",
    "collate_pretraining",
    "collate_qa",
    "collate_token_classification",
    "conll2003_examples",
    "create_pretraining_examples",
    "download",
    "load_corpus",
    "load_ner",
    "load_qa",
    "load_real_dataset",
    "load_sentiment",
    "load_user_file",
    "qa_features",
    "squad_examples",
    "sst2_examples",
    "token_classification_features",
    "wikitext_documents",
]
