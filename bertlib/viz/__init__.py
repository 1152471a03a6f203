"""Figures and attention views, drawn from bertlib's own tensors with matplotlib and ipywidgets.

- plots.py: the lecture's diagrams (a sentence as a matrix, attention in and out, weighted sums,
  scores and softmax, 2-D projections) and `save_figure` for slides;
- attention_views.py: head view, model view and neuron view as static figures, and head patterns;
- widgets.py: the same views with ipywidgets controls (`NeuronView`, `HeadView`, `ModelView`).
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
from bertlib.viz.plots import (
    plot_attention_in_out,
    plot_matrix,
    plot_projection_2d,
    plot_query_and_keys,
    plot_scores_and_softmax,
    plot_weighted_sum,
    save_figure,
)
from bertlib.viz.widgets import HeadView, ModelView, NeuronView

__all__ = [
    "AttentionTrace",
    "HeadView",
    "ModelView",
    "NeuronView",
    "draw_head_view",
    "draw_model_view",
    "draw_neuron_view",
    "head_patterns",
    "neuron_view_numbers",
    "plot_attention_in_out",
    "plot_matrix",
    "plot_projection_2d",
    "plot_query_and_keys",
    "plot_scores_and_softmax",
    "plot_weighted_sum",
    "save_figure",
    "trace_attention",
]
