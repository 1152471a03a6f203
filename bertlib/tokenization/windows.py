"""Windows over a text too long for one input: where each starts, with Google's `doc_stride`.

bertlib has one windowing routine, `window_starts`, used by every feature maker that windows a
text (extractive QA's contexts, bertlib.data.features). It follows Google's `run_squad.py`:
windows of at most `room` tokens, each starting `doc_stride` tokens after the previous one (how
far a window *moves*), until one reaches the end. Hugging Face's `stride` means the *overlap*
instead; the two are related by ``doc_stride = room - stride``. A window's model input is then
built by the tokenizer's `build_inputs(question, text.window(start, start + room))`.
"""

from __future__ import annotations

import numbers

from bertlib.errors import BertlibInputError


def check_whole(name: str, value: object, minimum: int, fix: str) -> None:
    """Refuse a `value` that is not a whole number (bool included) of at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise BertlibInputError(f"{name}={value!r} must be a whole number of at least {minimum}: {fix}")


def window_starts(length: int, room: int, doc_stride: int) -> list[int]:
    """Google's doc spans: windows of at most `room` tokens, each `doc_stride` after the last, until
    one reaches the end. `doc_stride` is how far a window moves (Google's meaning); Hugging Face's
    `stride` is the overlap instead, `room - doc_stride`.

    A `doc_stride` above `room` moves by `room`, so that no token is skipped. All three must be
    whole numbers: `length` 0 or more, `room` and `doc_stride` 1 or more (0 would never end)."""
    check_whole("length", length, minimum=0, fix="the number of context tokens")
    check_whole("room", room, minimum=1, fix="raise max_seq_length or shorten the question")
    check_whole(
        "doc_stride",
        doc_stride,
        minimum=1,
        fix="how many tokens each window moves on, e.g. 64; 0 or less would never reach the end",
    )
    starts = [0]
    while starts[-1] + room < length:
        starts.append(starts[-1] + min(room, doc_stride))
    return starts
