"""Stacks of images as scikit-image, torchvision and OpenCV users hold them.

``(N, H, W)`` (grayscale), ``(N, C, H, W)`` (channels first, torch) and
``(N, H, W, C)`` (channels last, scikit-image, OpenCV, PIL), often uint8,
become rows of ``C * H * W`` values in ``(C, H, W)`` order, the layout the
image encoders read. Which layout a stack is in is decided once, at ``fit``,
and never guessed where the array could mean two things:

- a 4-D array is always images; ``input_shape`` ``(C, H, W)`` or
  ``(H, W)`` says which axis holds the channels; without it, the axis of at
  most 4 values (1, 3 or 4 channels, the other of more) does; a stack
  where both could (``(N, 3, 4, 4)``) is an error asking for
  ``input_shape``;
- a 3-D array is images when ``input_shape`` is ``(H, W)`` or ``(1, H, W)``
  or ``input_kind="image"``; without either it stays a collection of series
  ``(n_cases, n_channels, n_timepoints)`` (aeon's layout);
- an ``input_shape`` that disagrees with the array is an error, never
  ignored.

uint8 and other integer stacks become float32 (a float stack keeps its
dtype); a channels-last stack is copied once into channels-first rows.
"""

import numpy as np

__all__ = ["image_layout", "stack_rows"]

# an axis of at most this many values may hold the channels
_MAX_CHANNELS = 4


def image_layout(shape, input_shape=None, input_kind="auto", fitted=None):
    """How a stack of ``shape`` holds its images, or ``None`` for a 3-D
    collection of series.

    Parameters
    ----------
    shape : tuple of int
        The array's shape, 3-D or 4-D.
    input_shape : tuple of int, default=None
        The estimator's parameter (at ``fit``).
    input_kind : str, default="auto"
    fitted : tuple of int, default=None
        ``(C, H, W)`` of the fitted images (at ``transform``): the stack
        must hold images of that shape, in any of the layouts.

    Returns
    -------
    layout : {"first", "last"} or None
        Channels first (``(N, H, W)`` is channels first with one channel) or
        last.
    image_shape : tuple of int
        ``(C, H, W)``.

    Raises
    ------
    ValueError
        ``input_shape`` that disagrees with the array, a layout that cannot
        be told, or images of another size than the fitted ones.
    """
    shape = tuple(int(s) for s in shape)
    images = shape[1:]
    if fitted is not None:
        return _fitted_layout(images, tuple(fitted))
    given = None if input_shape is None else tuple(int(s) for s in input_shape)
    if len(images) == 2:
        return _three_d_layout(images, given, input_kind)
    if input_kind in ("signal", "table"):
        raise ValueError(
            f"X is a 4-D stack of images but input_kind={input_kind!r}; pass "
            "rows (n_samples, n_features) or series (n_cases, n_channels, "
            "n_timepoints) for that kind."
        )
    if given is not None:
        return _given_layout(images, given)
    first, last = images[0] <= _MAX_CHANNELS, images[2] <= _MAX_CHANNELS
    if first and last:
        raise ValueError(
            f"X is a stack of images of shape {images}, with channels first "
            f"({images[0]} channels of {images[1:]}) or last ({images[2]} "
            f"channels of {images[:2]}); say which with input_shape=(C, H, W)."
        )
    if last and not first:
        return "last", (images[2], images[0], images[1])
    return "first", images


def stack_rows(X, layout):
    """``X`` ``(N, ...)`` as rows ``(N, C * H * W)`` in ``(C, H, W)`` order:
    integers as float32, floats as they are (a view where the layout
    allows)."""
    if layout == "last":
        X = np.moveaxis(X, -1, 1)
    if X.dtype.kind in "biu":
        X = X.astype(np.float32)
    return np.reshape(X, (X.shape[0], -1))


def _three_d_layout(images, given, input_kind):
    """A 3-D array ``(N, H, W)``: images or a collection of series."""
    if given is None:
        return ("first", (1, *images)) if input_kind == "image" else None
    if input_kind in ("signal", "table") or len(given) == 1:
        return None  # series: the collection reader checks input_shape
    if given in (images, (1, *images)):
        return "first", (1, *images)
    raise ValueError(
        f"X is a stack of {images} arrays but input_shape={given}; a 3-D "
        "stack holds grayscale images (N, H, W) with input_shape=(H, W), or "
        "series (n_cases, n_channels, n_timepoints) with input_shape=None."
    )


def _given_layout(images, given):
    """A 4-D stack with ``input_shape`` given."""
    if len(given) == 2:
        given = (1, *given)
    if len(given) == 3:
        if images == given:
            return "first", given
        channels, height, width = given
        if images == (height, width, channels):
            return "last", given
    raise ValueError(
        f"X is a stack of images of shape {images} but input_shape={given}: "
        "neither channels first (C, H, W) nor last (H, W, C) of it. Leave "
        "input_shape=None for a 4-D stack, or give its (C, H, W)."
    )


def _fitted_layout(images, fitted):
    """The layout of a stack at ``transform``: the fitted images'."""
    channels, height, width = fitted
    if images == fitted or (channels == 1 and images == (height, width)):
        return "first", fitted
    if images == (height, width, channels):
        return "last", fitted
    raise ValueError(
        f"X holds images of shape {images} but this JEPATransformer was "
        f"fitted on images of shape (C, H, W) = {fitted}; resize them to "
        f"{(height, width)} (channels first or last)."
    )
