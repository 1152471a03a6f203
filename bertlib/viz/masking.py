"""Figures of masked-LM corruption: which tokens were chosen, and what each chosen one became.

`masking_view` reads one masked example (the tokens the model sees, the positions it must predict
and the original tokens there) and names every token's role: not chosen, [MASK], a random token,
or unchanged. `draw_masking` draws examples as rows of coloured tokens with the originals under the
chosen ones; `plot_masking_shares` compares measured shares with BERT's recipe (15%, then 80/10/10).
Its job ends at drawing: choosing and masking the tokens is `bertlib.data.pretraining`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from bertlib.tokenization.wordpiece import MASK
from bertlib.viz.describe import describe
from bertlib.viz.plots import MIN_FONT_SIZE, MIN_WIDTH_INCHES

NOT_CHOSEN, MASKED, RANDOM, UNCHANGED = "not chosen", "[MASK]", "random token", "unchanged"
#: The roles of a chosen token, with the share of chosen tokens BERT's recipe gives each.
RECIPE = {MASKED: 0.8, RANDOM: 0.1, UNCHANGED: 0.1}
#: Light fills (Paul Tol's colour-blind-safe "light" scheme) under black text.
ROLE_COLOURS = {NOT_CHOSEN: "#FFFFFF", MASKED: "#99DDFF", RANDOM: "#FFAABB", UNCHANGED: "#BBCC33"}


@dataclass(frozen=True)
class MaskingView:
    """One example, token by token: what the model sees, what was there, and what happened."""

    shown: list[str]  # the tokens as the model sees them
    original: list[str]  # the tokens before masking
    roles: list[str]  # NOT_CHOSEN, MASKED, RANDOM or UNCHANGED, one per token

    def count(self, role: str) -> int:
        """How many tokens have this role."""
        return self.roles.count(role)


def masking_view(shown: Sequence[str], positions: Sequence[int], labels: Sequence[str]) -> MaskingView:
    """Roles of every token of a masked example (`PretrainingExample.tokens`, `.masked_positions`,
    `.masked_labels`). A random token that happens to be the original counts as unchanged: the
    model cannot tell them apart either."""
    if isinstance(shown, str):
        raise ValueError(
            f"shown is the string {shown!r}, which would be read one character at a time; pass the "
            "example's list of tokens (PretrainingExample.tokens)."
        )
    bad = [p for p in positions if isinstance(p, bool) or not isinstance(p, Integral)]
    if bad:
        raise ValueError(
            f"Masked positions must be whole numbers (token indices); got {bad[0]!r}. Pass "
            "PretrainingExample.masked_positions, or convert with int()."
        )
    if len(set(positions)) != len(positions):
        raise ValueError(f"Masked positions {list(positions)} repeat a position; each token is chosen at most once.")
    if len(positions) != len(labels):
        raise ValueError(
            f"Got {len(positions)} masked positions but {len(labels)} labels; "
            "give the original token of every masked position."
        )
    if positions and not 0 <= min(positions) <= max(positions) < len(shown):
        raise ValueError(f"Masked positions {list(positions)} fall outside the {len(shown)} tokens.")
    original = list(shown)
    roles = [NOT_CHOSEN] * len(shown)
    for position, label in zip(positions, labels, strict=True):
        original[position] = label
        if shown[position] == MASK:
            roles[position] = MASKED
        elif shown[position] == label:
            roles[position] = UNCHANGED
        else:
            roles[position] = RANDOM
    return MaskingView(list(shown), original, roles)


def draw_masking(
    views: Sequence[MaskingView], *, per_row: int = 14, titles: Sequence[str] | None = None, title: str = ""
) -> Figure:
    """Each example as rows of `per_row` tokens, coloured by role; under a chosen token, the original
    it must be predicted as. Every token is drawn: long examples take more rows."""
    if not views:
        raise ValueError("draw_masking needs at least one example.")
    if titles is not None and len(titles) != len(views):
        raise ValueError(f"Got {len(titles)} titles for {len(views)} examples; give one per example or none.")
    if isinstance(per_row, bool) or not isinstance(per_row, int) or per_row < 1:
        raise ValueError(
            f"per_row={per_row!r} must be a whole number of at least 1 (tokens per drawn row; default 14)."
        )
    layout = []  # (example, first token) per drawn row
    for index, view in enumerate(views):
        layout += [(index, start) for start in range(0, len(view.shown), per_row)]
    row_height, gap = 1.0, 0.55  # in token cells; `gap` leaves room for each example's title
    height = len(layout) * row_height + len(views) * gap
    width = max(0.9 * per_row, MIN_WIDTH_INCHES)
    figure, ax = plt.subplots(figsize=(width, 0.62 * height + 0.6), layout="constrained")
    y = 0.0
    for index, start in layout:
        view = views[index]
        if start == 0:
            y += gap
            label = titles[index] if titles is not None else f"example {index + 1}"
            ax.text(0, y - 0.12, label, fontsize=10, fontweight="bold", va="bottom")
        for column, position in enumerate(range(start, min(start + per_row, len(view.shown)))):
            role = view.roles[position]
            ax.add_patch(
                Rectangle(
                    (column + 0.04, y + 0.04),
                    0.92,
                    0.5,
                    facecolor=ROLE_COLOURS[role],
                    edgecolor="#BBBBBB" if role == NOT_CHOSEN else "#444444",
                    linewidth=0.8,
                )
            )
            ax.text(column + 0.5, y + 0.29, view.shown[position], ha="center", va="center", fontsize=MIN_FONT_SIZE)
            if role != NOT_CHOSEN:
                ax.text(
                    column + 0.5,
                    y + 0.74,
                    f"was '{view.original[position]}'",
                    ha="center",
                    va="center",
                    fontsize=MIN_FONT_SIZE,
                    style="italic",
                    color="#333333",
                )
        y += row_height
    ax.set(xlim=(0, per_row), ylim=(y + 0.05, 0))
    ax.axis("off")
    handles = [Patch(facecolor=ROLE_COLOURS[role], edgecolor="#444444", label=role) for role in ROLE_COLOURS]
    ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=4,
        frameon=False,
        title="under each chosen token: the original, which the model must predict there",
    )
    if title:
        figure.suptitle(title)
    counts = ", ".join(f"{sum(v.count(role) for v in views)} {role}" for role in RECIPE)
    chosen = sum(len(v.shown) - v.count(NOT_CHOSEN) for v in views)
    return describe(
        figure,
        f"{title + ': ' if title else ''}{len(views)} masked example"
        f"{'s' if len(views) != 1 else ''} drawn as rows of tokens, coloured by role; "
        f"{chosen} of {sum(len(v.shown) for v in views)} tokens were chosen ({counts}), "
        f"each with the original token it must be predicted as.",
    )


def plot_masking_shares(
    chosen_share: float, role_shares: Mapping[str, float], *, target_chosen: float = 0.15
) -> Figure:
    """Two bar charts: the share of tokens chosen (against `target_chosen`), and how the chosen ones
    were split between [MASK], random and unchanged (against BERT's 80/10/10)."""
    missing = [role for role in RECIPE if role not in role_shares]
    if missing:
        raise ValueError(f"role_shares lacks {missing}; give the share of each of {list(RECIPE)}.")
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(9, 3.2), layout="constrained", gridspec_kw={"width_ratios": [1, 3]}
    )
    left.bar(["chosen"], [chosen_share], color="#77AADD", width=0.5)
    left.axhline(target_chosen, color="black", linestyle="--", linewidth=1, label=f"recipe {target_chosen:.0%}")
    left.set(ylim=(0, max(0.25, chosen_share * 1.3)), ylabel="share of all tokens", title="tokens chosen")
    left.legend(loc="upper right", fontsize=MIN_FONT_SIZE)
    roles = list(RECIPE)
    right.bar(roles, [role_shares[role] for role in roles], color=[ROLE_COLOURS[r] for r in roles], edgecolor="#444444")
    for x, role in enumerate(roles):
        right.plot(
            [x - 0.4, x + 0.4],
            [RECIPE[role]] * 2,
            color="black",
            linestyle="--",
            linewidth=1,
            label="recipe 80/10/10" if x == 0 else None,
        )
        right.text(x, role_shares[role] + 0.02, f"{role_shares[role]:.1%}", ha="center", fontsize=MIN_FONT_SIZE)
    right.set(ylim=(0, 1), ylabel="share of chosen tokens", title="what the chosen tokens became")
    right.legend(loc="upper right", fontsize=MIN_FONT_SIZE)
    left.text(0, chosen_share + 0.005, f"{chosen_share:.1%}", ha="center", va="bottom", fontsize=MIN_FONT_SIZE)
    split = ", ".join(f"{role} {role_shares[role]:.1%} (recipe {RECIPE[role]:.0%})" for role in roles)
    return describe(
        figure,
        f"Two bar charts: {chosen_share:.1%} of all tokens were chosen (recipe "
        f"{target_chosen:.0%}); of the chosen tokens, {split}.",
    )
