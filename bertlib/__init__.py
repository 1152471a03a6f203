"""bertlib: a small, readable BERT built from scratch for the course.

Import what you need from its parts, which follow the order of the course:

    bertlib.tokenization   text -> WordPiece tokens -> ids (BertTokenizer, train_wordpiece)
    bertlib.data           the offline "small world" corpus, labelled sets, pre-training examples
    bertlib.model          BertConfig, BertModel and its heads, from_pretrained / save_pretrained
    bertlib.training       optimisation, metrics, checkpoints, pre-training and fine-tuning loops
    bertlib.viz            the lecture's figures and the attention views
    bertlib.course         notebook setup, exercise checks, student copies

`python -m bertlib --help` lists the command-line tools (pre-training, fine-tuning, evidence).
"""

__version__ = "0.1.0"
