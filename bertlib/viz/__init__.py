"""Figures and attention views, drawn from bertlib's own tensors with matplotlib and ipywidgets.

- plots.py: the lecture's diagrams (a sentence as a matrix, attention in and out, weighted sums,
  scores and softmax, 2-D projections) and `save_figure` for slides;
- attention_views.py: head view, model view and neuron view as static figures, and head patterns;
- widgets.py: the same views with ipywidgets controls (`NeuronView`, `HeadView`, `ModelView`);
- masking.py: which tokens MLM chose and what became of them (80/10/10), and their shares;
- tagging.py: named entities as colour-coded tagged sentences (HTML, with a plain-text twin);
- spans.py: a QA context with the predicted and gold answer spans and its windows marked.
"""

from bertlib.viz.attention_views import (
    AttentionTrace,
    draw_head_view,
    draw_model_view,
    draw_neuron_view,
    head_patterns,
    neuron_view_numbers,
    trace_attention,
)
from bertlib.viz.masking import draw_masking, masking_view, plot_masking_shares
from bertlib.viz.plots import (
    plot_attention_in_out,
    plot_matrix,
    plot_projection_2d,
    plot_query_and_keys,
    plot_scores_and_softmax,
    plot_weighted_sum,
    save_figure,
)
from bertlib.viz.spans import answer_view, mark_spans
from bertlib.viz.tagging import tagged_examples, tagged_text
from bertlib.viz.widgets import HeadView, ModelView, NeuronView

__all__ = [
    "AttentionTrace",
    "HeadView",
    "ModelView",
    "NeuronView",
    "answer_view",
    "draw_head_view",
    "draw_masking",
    "draw_model_view",
    "draw_neuron_view",
    "head_patterns",
    "mark_spans",
    "masking_view",
    "neuron_view_numbers",
    "plot_attention_in_out",
    "plot_masking_shares",
    "plot_matrix",
    "plot_projection_2d",
    "plot_query_and_keys",
    "plot_scores_and_softmax",
    "plot_weighted_sum",
    "save_figure",
    "tagged_examples",
    "tagged_text",
    "trace_attention",
]
