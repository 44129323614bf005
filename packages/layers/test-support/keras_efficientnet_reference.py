#!/usr/bin/env python3
"""Keras-equivalent EfficientNet reference (PyTorch) for the TypeScript tests.

This script re-implements ``keras.applications.efficientnet.EfficientNetB0``
(..B4) with ``include_top=False`` in PyTorch, following the structure of
Keras's ``keras/src/applications/efficientnet.py`` (Keras 3) and
``keras/applications/efficientnet.py`` (Keras 2.11) layer by layer, gives it
seeded random weights, and writes those weights in the HDF5 layouts that Keras
itself produces, together with reference features for a few random images.
No TensorFlow/Keras is needed; only numpy, torch and h5py.

Example::

    /usr/bin/python3 packages/layers/test-support/keras_efficientnet_reference.py \\
        --variant b0 --out-dir /tmp/ref --size 80 --images 2 --seed 0 \\
        [--imagenet-normalization] [--input-shape static|dynamic]

Model semantics reproduced (channels-last in Keras; computed NCHW here):

* ``input_1`` -> ``rescaling`` (x / 255) -> ``normalization``
  ((x - mean) / max(sqrt(variance), 1e-7), Keras's backend epsilon) ->
  with ``--imagenet-normalization`` a further ``rescaling_1`` by
  ``1 / sqrt(stddev)`` per channel: keras.applications stores the ImageNet
  *stddevs* [0.229, 0.224, 0.225] as the Normalization "variance" and adds
  this rescaling (tensorflow issue 49930) so the net effect is
  (x / 255 - mean) / std.  Without the flag the normalization stats are random
  (mean ~ U(0.4, 0.6), variance ~ U(0.04, 0.09)) and there is no extra layer.
* Stride-2 convolutions (stem and the first depthwise conv of stages 2, 3, 4
  and 6) are preceded by ``ZeroPadding2D(correct_pad(x, k))`` and use 'valid'
  padding.  ``correct_pad`` pads (k//2 - 1, k//2) on an even dimension and
  (k//2, k//2) on an odd one; when the model is built without a static input
  shape (Keras's default ``input_shape=None`` for include_top=False) Keras
  cannot know the parity and always uses (k//2 - 1, k//2).  ``--input-shape
  static`` (default) mirrors ``EfficientNetB0(include_top=False,
  input_shape=(size, size, 3))``; ``dynamic`` mirrors ``input_shape=None``.
  The two only differ when a stride-2 layer sees an odd size (e.g. size 80:
  block6a sees 5x5, giving a 3x3 output statically and 2x2 dynamically).
* Stride-1 convolutions are 'same' (symmetric (k-1)/2 padding for odd k).
* Blocks, round_filters/round_repeats, SE (squeeze channels
  max(1, int(filters_in * se_ratio)); se_reduce swish, se_expand sigmoid, both
  with bias), residual ``drop`` + ``add`` when stride 1 and filters_in ==
  filters_out (``drop`` only exists when the drop-connect rate is > 0, exactly
  as in Keras, so block1a never has one), BatchNormalization epsilon 1e-3,
  swish = x * sigmoid(x), inference mode (Dropout is the identity).

Random weights (numpy ``default_rng(seed)``): conv / depthwise kernels follow
Keras's EfficientNet initializer (VarianceScaling scale 2, fan_out, truncated
normal); SE biases ~ N(0, 0.1); every BatchNorm gamma ~ U(0.5, 1.5),
beta ~ N(0, 0.1).  BatchNorm moving statistics (``--bn-stats``):

* ``calibrated`` (default): moving_mean = m + N(0, 0.1) * sqrt(v) and
  moving_variance = max(v, mean(v)) * U(0.5, 2.0), where m, v are the layer
  input's actual per-channel mean/variance on the reference images (the floor
  at the layer's mean variance keeps near-constant channels from amplifying
  float32 rounding).  BN is still far from an
  identity (and from batch statistics), but the signal keeps its scale.
* ``random``: moving_mean ~ N(0, 0.1), moving_variance ~ U(0.5, 2.0),
  independent of the data.  The activations of this random network are only
  ~0.1 in scale, so each such BN shrinks the input-dependent part and its
  beta dominates: the final features then differ between two images by only
  ~0.02% of their magnitude, too little for a meaningful test.
The Normalization ``count`` (an int64 scalar that does not affect inference)
is set to 12345 so readers can check int64 handling.

Files written to ``--out-dir`` (all HDF5 datasets float32 except ``count``):

``keras_legacy.weights.h5``
    Keras 2 ``model.save_weights('x.h5')``: root attrs ``layer_names`` (every
    layer), ``backend`` = b'tensorflow', ``keras_version`` = b'2.11.0'; one
    group per layer with attr ``weight_names`` (e.g. b'stem_conv/kernel:0'; an
    empty float64 array for weightless layers, which is what h5py makes of
    Keras's empty list) and the
    datasets at ``<layer>/<layer>/<weight>:0``; plus the empty
    ``top_level_model_weights`` group that Keras 2.11's
    ``save_weights_to_hdf5_group`` always adds (it is not in ``layer_names``).
    String attributes: Keras assigns Python bytes, which h5py 2 stored as
    fixed-length ``|S`` strings (``--h5-strings fixed``, default; e.g. the
    keras-applications weight files) and h5py >= 3 stores as variable-length
    ASCII strings (``--h5-strings vlen``; h5py 3 then reads them back as str).
``keras_full_model.h5``
    Keras 2 ``model.save('x.h5')``: root attrs ``keras_version`` and
    ``backend`` (variable-length str, as Keras writes them) and
    ``model_config`` (a short JSON byte string, *not* a complete config), and
    the same layer groups under ``/model_weights``.
``keras3.weights.h5``
    Keras 3.0-3.9 ``model.save_weights('x.weights.h5')``: an empty root
    ``/vars`` group (the model's own variables) and
    ``/layers/<path>/vars/<i>`` datasets ``0``, ``1``, ... in the layer's
    variable order (trainable then non-trainable).  NOTE: Keras 3 does *not*
    use layer names here: ``_save_container_state`` names each entry
    ``to_snake_case(layer.__class__.__name__)`` with a ``_1``, ``_2``, ...
    counter per class in ``model.layers`` order (``layers/conv2d``,
    ``layers/conv2d_1``, ``layers/batch_normalization_7``,
    ``layers/depthwise_conv2d``, ``layers/normalization``, ...).  These Keras
    versions create a ``vars`` group for every layer, so weightless layers
    (``layers/input_layer``, ``layers/activation_3``, ...) get empty ones.
``keras3_compact.weights.h5``
    Keras >= 3.10 layout (``H5IOStore`` since keras-team/keras#21067 defers
    group creation until a variable is written): the same paths, but only for
    layers with variables, and no root ``/vars`` group.
``reference.safetensors``
    ``images`` U8 [N, H, W, 3] (fed to the model as float pixel values
    0..255), ``features`` F32 [N, h, w, C] (output of ``top_activation``),
    ``pooled`` F32 [N, C] (mean over h, w).  The forward pass runs in float64
    by default (``--compute-dtype``); the metadata entry
    ``float32_vs_float64_max_abs_diff`` says how far a float32 evaluation of
    the same weights lands (about 1e-4 to 1e-3 for b0), a floor for test
    tolerances.
``layers.json``
    ``[{"name", "class_name", "weights": ["kernel:0", ...], "shapes",
    "keras3_path"}, ...]`` for every layer in ``model.layers`` order
    (weightless layers have empty lists).  ``name`` is the Keras 2 layer name
    (the Keras 3 input layer would be called ``input_layer`` instead of
    ``input_1``).
``normalization.json``
    ``{"mean": [...], "variance": [...], "count": int, "imagenet": bool,
    "input_shape": "static"|"dynamic"}``.

Not confirmed against a real Keras run (no TensorFlow here): the byte-level
HDF5 details (h5py defaults are used, as Keras does), and whether a given
Keras 3 release lists the input layer in ``model.layers`` (it only affects the
empty ``layers/input_layer`` group of ``keras3.weights.h5``).  The layer list,
names, shapes, variable order and parameter count follow the Keras sources.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

_REPO_ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(_REPO_ROOT / "tools" / "pretrained"))
sys.dont_write_bytecode = True  # keep tests from leaving __pycache__ in the repo

from reference_cli import add_common_arguments, prepare_run  # noqa: E402  (this folder)
from export_torchvision import write_safetensors  # noqa: E402  (path set up above)

try:
    import h5py
    import torch
    import torch.nn.functional as F
except ImportError as _exc:  # pragma: no cover - environment problem
    print(
        f"error: torch and h5py are required ({_exc}); "
        "use an interpreter that has them (e.g. /usr/bin/python3)",
        file=sys.stderr,
    )
    raise SystemExit(2)

# (width_coefficient, depth_coefficient) as in keras.applications.
VARIANTS: Dict[str, Tuple[float, float]] = {
    "b0": (1.0, 1.0),
    "b1": (1.0, 1.1),
    "b2": (1.1, 1.2),
    "b3": (1.2, 1.4),
    "b4": (1.4, 1.8),
}

# Keras's DEFAULT_BLOCKS_ARGS:
# (kernel_size, repeats, filters_in, filters_out, expand_ratio, strides, se_ratio)
# (id_skip is True for every stage.)
BLOCK_STAGES: Tuple[Tuple[int, int, int, int, int, int, float], ...] = (
    (3, 1, 32, 16, 1, 1, 0.25),
    (3, 2, 16, 24, 6, 2, 0.25),
    (5, 2, 24, 40, 6, 2, 0.25),
    (3, 3, 40, 80, 6, 2, 0.25),
    (5, 3, 80, 112, 6, 1, 0.25),
    (5, 4, 112, 192, 6, 2, 0.25),
    (3, 1, 192, 320, 6, 1, 0.25),
)

DEPTH_DIVISOR = 8
DROP_CONNECT_RATE = 0.2
BN_EPSILON = 1e-3
KERAS_EPSILON = 1e-7  # keras.backend.epsilon(), used by Normalization
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STDDEV = (0.229, 0.224, 0.225)
NORMALIZATION_COUNT = 12345
KERAS2_VERSION = "2.11.0"

Tensor = torch.Tensor


@dataclass
class Layer:
    """One Keras layer: its name, class, inbound layers, weights and forward op."""

    name: str
    class_name: str
    inbound: List[str]
    op: Callable[[List[Tensor]], Tensor]
    weights: Dict[str, np.ndarray] = field(default_factory=dict)  # Keras order
    # Called once with the layer's input before the first forward pass
    # (BatchNormalization uses it to set data-calibrated moving statistics).
    calibrate: Optional[Callable[[Tensor], None]] = None


def round_filters(filters: int, width: float, divisor: int = DEPTH_DIVISOR) -> int:
    """Keras's round_filters."""
    filters_f = filters * width
    new_filters = max(divisor, int(filters_f + divisor / 2) // divisor * divisor)
    if new_filters < 0.9 * filters_f:
        new_filters += divisor
    return int(new_filters)


def round_repeats(repeats: int, depth: float) -> int:
    """Keras's round_repeats."""
    return int(math.ceil(depth * repeats))


def correct_pad(
    size: Optional[Tuple[int, int]], kernel: int
) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """keras.applications.imagenet_utils.correct_pad; ``size`` None = unknown shape."""
    if size is None:
        adjust = (1, 1)
    else:
        adjust = (1 - size[0] % 2, 1 - size[1] % 2)
    half = kernel // 2
    return ((half - adjust[0], half), (half - adjust[1], half))


class Initializer:
    """Seeded random weights in Keras layouts."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def _truncated_normal(self, shape: Tuple[int, ...], std: float) -> np.ndarray:
        values = self.rng.standard_normal(shape)
        bad = np.abs(values) > 2.0
        while bad.any():
            values[bad] = self.rng.standard_normal(int(bad.sum()))
            bad = np.abs(values) > 2.0
        return (values * std).astype(np.float32)

    def conv_kernel(self, shape: Tuple[int, int, int, int]) -> np.ndarray:
        """VarianceScaling(2.0, 'fan_out', 'truncated_normal') as Keras computes fans."""
        kh, kw, _, out = shape
        fan_out = kh * kw * out
        std = math.sqrt(2.0 / fan_out) / 0.87962566103423978
        return self._truncated_normal(shape, std)

    def small_bias(self, n: int) -> np.ndarray:
        return (self.rng.standard_normal(n) * 0.1).astype(np.float32)

    def batchnorm(self, n: int) -> Dict[str, np.ndarray]:
        """gamma U(0.5,1.5), beta N(0,0.1), moving_mean N(0,0.1), moving_variance U(0.5,2).

        In calibrated mode the last two are reinterpreted relative to the
        layer's actual input statistics (see EfficientNetBuilder.batchnorm).
        """
        return {
            "gamma:0": self.rng.uniform(0.5, 1.5, n).astype(np.float32),
            "beta:0": (self.rng.standard_normal(n) * 0.1).astype(np.float32),
            "moving_mean:0": (self.rng.standard_normal(n) * 0.1).astype(np.float32),
            "moving_variance:0": self.rng.uniform(0.5, 2.0, n).astype(np.float32),
        }


def _swish(x: Tensor) -> Tensor:
    return x * torch.sigmoid(x)


class EfficientNetBuilder:
    """Builds the Keras layer list while tracking the static spatial shape."""

    def __init__(
        self,
        variant: str,
        size: int,
        init: Initializer,
        imagenet: bool,
        static_shape: bool,
        calibrated_bn: bool = True,
    ) -> None:
        self.width, self.depth = VARIANTS[variant]
        self.variant = variant
        self.init = init
        self.imagenet = imagenet
        self.static_shape = static_shape
        self.calibrated_bn = calibrated_bn
        self.layers: List[Layer] = []
        self.hw: Tuple[int, int] = (size, size)
        self.channels = 3
        self.last = ""

    # -- helpers -----------------------------------------------------------------

    def _add(
        self,
        name: str,
        class_name: str,
        op: Callable[[List[Tensor]], Tensor],
        weights: Optional[Dict[str, np.ndarray]] = None,
        inbound: Optional[List[str]] = None,
        calibrate: Optional[Callable[[Tensor], None]] = None,
    ) -> str:
        if any(layer.name == name for layer in self.layers):
            raise RuntimeError(f"duplicate layer name {name}")
        self.layers.append(
            Layer(
                name,
                class_name,
                inbound if inbound is not None else [self.last],
                op,
                weights or {},
                calibrate,
            )
        )
        self.last = name
        return name

    def activation(self, name: str, fn: Callable[[Tensor], Tensor] = _swish) -> str:
        return self._add(name, "Activation", lambda xs: fn(xs[0]))

    def batchnorm(self, name: str) -> str:
        """Inference-mode BatchNormalization (epsilon 1e-3).

        Calibrated mode: with the layer input's per-channel batch mean m and
        variance v (over N, H, W of the reference images), the stored
        moving_mean = m + N(0, 0.1) * sqrt(v) and moving_variance =
        max(v, mean(v)) * U(0.5, 2.0), reusing the random draws of the literal scheme.
        """
        w = self.init.batchnorm(self.channels)
        mean_noise = w["moving_mean:0"].astype(np.float64)
        var_factor = w["moving_variance:0"].astype(np.float64)
        calibrated = self.calibrated_bn

        def calibrate(x: Tensor) -> None:
            if not calibrated:
                return
            xd = x.to(torch.float64)
            m = xd.mean(dim=(0, 2, 3)).numpy()
            v = xd.var(dim=(0, 2, 3), unbiased=False).numpy()
            w["moving_mean:0"] = (m + mean_noise * np.sqrt(v)).astype(np.float32)
            # Floored at the layer's mean variance: near-constant channels would otherwise be scaled up by up to
            # 1/sqrt(eps) at every BN, and float32 rounding with them (a float32 pass, PyTorch's or tfjs's, was
            # then 1.5e-4 of the feature scale off the float64 one at 64 px; with the floor 2e-5).
            v = np.maximum(v, v.mean())
            w["moving_variance:0"] = (v * var_factor).astype(np.float32)

        def op(xs: List[Tensor]) -> Tensor:
            gamma, beta, mean, var = (
                torch.from_numpy(w[k]).to(xs[0].dtype).view(1, -1, 1, 1)
                for k in ("gamma:0", "beta:0", "moving_mean:0", "moving_variance:0")
            )
            return (xs[0] - mean) * (gamma / torch.sqrt(var + BN_EPSILON)) + beta

        return self._add(name, "BatchNormalization", op, w, calibrate=calibrate)

    def conv(
        self,
        name: str,
        filters: int,
        kernel: int,
        stride: int = 1,
        padding: str = "same",
        use_bias: bool = False,
        act: Optional[Callable[[Tensor], Tensor]] = None,
    ) -> str:
        k = self.init.conv_kernel((kernel, kernel, self.channels, filters))
        weights: Dict[str, np.ndarray] = {"kernel:0": k}
        bias_t: Optional[Tensor] = None
        if use_bias:
            weights["bias:0"] = self.init.small_bias(filters)
            bias_t = torch.from_numpy(weights["bias:0"])
        w_t = torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))
        pad = self._same_or_valid(padding, kernel, stride)

        def op(xs: List[Tensor]) -> Tensor:
            dt = xs[0].dtype
            b_t = None if bias_t is None else bias_t.to(dt)
            y = F.conv2d(xs[0], w_t.to(dt), b_t, stride=stride, padding=pad)
            return act(y) if act is not None else y

        self.channels = filters
        return self._add(name, "Conv2D", op, weights)

    def depthwise(self, name: str, kernel: int, stride: int, padding: str) -> str:
        c = self.channels
        k = self.init.conv_kernel((kernel, kernel, c, 1))
        w_t = torch.from_numpy(np.ascontiguousarray(k.transpose(2, 3, 0, 1)))
        pad = self._same_or_valid(padding, kernel, stride)

        def op(xs: List[Tensor]) -> Tensor:
            return F.conv2d(xs[0], w_t.to(xs[0].dtype), None, stride=stride, padding=pad, groups=c)

        return self._add(name, "DepthwiseConv2D", op, {"depthwise_kernel:0": k})

    def _same_or_valid(self, padding: str, kernel: int, stride: int) -> int:
        h, w = self.hw
        if padding == "same":
            if stride != 1 or kernel % 2 != 1:
                raise NotImplementedError("only stride-1 odd-kernel 'same' convs occur here")
            return kernel // 2
        self.hw = ((h - kernel) // stride + 1, (w - kernel) // stride + 1)
        if min(self.hw) < 1:
            raise ValueError(f"input too small: a {kernel}x{kernel} conv sees {h}x{w}")
        return 0

    def zero_pad(self, name: str, kernel: int) -> str:
        (top, bottom), (left, right) = correct_pad(self.hw if self.static_shape else None, kernel)
        h, w = self.hw
        self.hw = (h + top + bottom, w + left + right)
        return self._add(
            name, "ZeroPadding2D", lambda xs: F.pad(xs[0], (left, right, top, bottom))
        )

    # -- model -------------------------------------------------------------------

    def build(self) -> List[Layer]:
        self._add("input_1", "InputLayer", lambda xs: xs[0], inbound=[])
        self._add("rescaling", "Rescaling", lambda xs: xs[0] * (1.0 / 255.0))

        if self.imagenet:
            mean = np.asarray(IMAGENET_MEAN, dtype=np.float32)
            variance = np.asarray(IMAGENET_STDDEV, dtype=np.float32)
        else:
            mean = self.init.rng.uniform(0.4, 0.6, 3).astype(np.float32)
            variance = self.init.rng.uniform(0.04, 0.09, 3).astype(np.float32)
        mean_t = torch.from_numpy(mean).to(torch.float64).view(1, 3, 1, 1)
        denom_t = torch.clamp(
            torch.sqrt(torch.from_numpy(variance).to(torch.float64)), min=KERAS_EPSILON
        ).view(1, 3, 1, 1)
        self._add(
            "normalization",
            "Normalization",
            lambda xs: (xs[0] - mean_t.to(xs[0].dtype)) / denom_t.to(xs[0].dtype),
            {
                "mean:0": mean,
                "variance:0": variance,
                "count:0": np.array(NORMALIZATION_COUNT, dtype=np.int64),
            },
        )
        if self.imagenet:
            scale_t = torch.tensor(
                [1.0 / math.sqrt(s) for s in IMAGENET_STDDEV], dtype=torch.float64
            ).view(1, 3, 1, 1)
            self._add("rescaling_1", "Rescaling", lambda xs: xs[0] * scale_t.to(xs[0].dtype))

        self.zero_pad("stem_conv_pad", 3)
        self.conv("stem_conv", round_filters(32, self.width), 3, stride=2, padding="valid")
        self.batchnorm("stem_bn")
        self.activation("stem_activation")

        total = float(sum(round_repeats(s[1], self.depth) for s in BLOCK_STAGES))
        b = 0
        for i, (kernel, repeats, f_in, f_out, expand, strides, se_ratio) in enumerate(BLOCK_STAGES):
            f_in = round_filters(f_in, self.width)
            f_out = round_filters(f_out, self.width)
            for j in range(round_repeats(repeats, self.depth)):
                if j > 0:
                    strides, f_in = 1, f_out
                self.block(
                    f"block{i + 1}{chr(j + 97)}_",
                    DROP_CONNECT_RATE * b / total,
                    f_in,
                    f_out,
                    kernel,
                    strides,
                    expand,
                    se_ratio,
                )
                b += 1

        self.conv("top_conv", round_filters(1280, self.width), 1)
        self.batchnorm("top_bn")
        self.activation("top_activation")
        return self.layers

    def block(
        self,
        name: str,
        drop_rate: float,
        filters_in: int,
        filters_out: int,
        kernel: int,
        strides: int,
        expand_ratio: int,
        se_ratio: float,
    ) -> None:
        """Keras's efficientnet.block (id_skip=True)."""
        block_input = self.last
        input_hw = self.hw
        filters = filters_in * expand_ratio
        if expand_ratio != 1:
            self.conv(name + "expand_conv", filters, 1)
            self.batchnorm(name + "expand_bn")
            self.activation(name + "expand_activation")

        if strides == 2:
            self.zero_pad(name + "dwconv_pad", kernel)
            conv_pad = "valid"
        else:
            conv_pad = "same"
        self.depthwise(name + "dwconv", kernel, strides, conv_pad)
        self.batchnorm(name + "bn")
        x = self.activation(name + "activation")

        if 0 < se_ratio <= 1:
            filters_se = max(1, int(filters_in * se_ratio))
            hw = self.hw
            self._add(name + "se_squeeze", "GlobalAveragePooling2D", lambda xs: xs[0].mean(dim=(2, 3)))
            self._add(name + "se_reshape", "Reshape", lambda xs: xs[0][:, :, None, None])
            self.conv(name + "se_reduce", filters_se, 1, use_bias=True, act=_swish)
            self.conv(name + "se_expand", filters, 1, use_bias=True, act=torch.sigmoid)
            self.hw = hw
            self._add(
                name + "se_excite", "Multiply", lambda xs: xs[0] * xs[1], inbound=[x, self.last]
            )
            self.channels = filters

        self.conv(name + "project_conv", filters_out, 1)
        self.batchnorm(name + "project_bn")
        if strides == 1 and filters_in == filters_out:
            if input_hw != self.hw:
                raise RuntimeError(f"{name}: residual shape mismatch {input_hw} vs {self.hw}")
            if drop_rate > 0:
                self._add(name + "drop", "Dropout", lambda xs: xs[0])
            self._add(name + "add", "Add", lambda xs: xs[0] + xs[1], inbound=[self.last, block_input])


def forward(
    layers: Sequence[Layer], pixels_nhwc: np.ndarray, dtype: torch.dtype = torch.float64
) -> Tensor:
    """Run the layer list on uint8 NHWC pixels in ``dtype``; returns the last output (NCHW).

    Each layer's ``calibrate`` hook (if any) runs once, on the first pass,
    just before the layer itself, so that pass already uses the final weights.
    """
    outputs: Dict[str, Tensor] = {}
    x0 = torch.from_numpy(pixels_nhwc).permute(0, 3, 1, 2).to(dtype).contiguous()
    with torch.no_grad():
        for layer in layers:
            inputs = [outputs[n] for n in layer.inbound] if layer.inbound else [x0]
            if layer.calibrate is not None:
                layer.calibrate(inputs[0])
                layer.calibrate = None
            outputs[layer.name] = layer.op(inputs)
    return outputs[layers[-1].name]


def smooth_images(count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Seeded random uint8 RGB images [N, H, W, 3]: upsampled coarse noise + fine noise."""
    side = max(2, size // 8)
    coarse = torch.from_numpy(rng.random((count, 3, side, side)).astype(np.float32))
    smooth = F.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
    fine = torch.from_numpy(rng.standard_normal((count, 3, size, size)).astype(np.float32)) * 0.06
    pixels = ((smooth + fine).clamp(0.0, 1.0) * 255.0).round().to(torch.uint8)
    return pixels.permute(0, 2, 3, 1).contiguous().numpy()


# -- HDF5 writers ----------------------------------------------------------------


def _byte_strings(values: Sequence[str], fixed: bool) -> object:
    """What Keras passes to h5py (bytes) as h5py 2 (fixed) or h5py 3 (vlen) stores it.

    Keras 2 assigns Python ``bytes`` / lists of ``bytes`` to attributes.  h5py 2
    turned those into fixed-length ``|S`` strings; h5py >= 3 stores them as
    variable-length ASCII strings.  An empty list stays an empty float64 array
    in both (that is what ``np.asarray([])`` gives).
    """
    encoded = [v.encode("utf8") for v in values]
    if not encoded:
        return np.asarray([])
    if fixed:
        return np.array(encoded)  # dtype |S<maxlen>
    return np.array(encoded, dtype=h5py.string_dtype(encoding="ascii"))


def _byte_string(value: str, fixed: bool) -> object:
    encoded = value.encode("utf8")
    return np.bytes_(encoded) if fixed else np.array(encoded, dtype=h5py.string_dtype("ascii"))


def _write_keras2_weights_group(
    root: "h5py.Group", layers: Sequence[Layer], fixed_strings: bool
) -> None:
    """Keras 2.11 hdf5_format.save_weights_to_hdf5_group."""
    root.attrs["layer_names"] = _byte_strings([layer.name for layer in layers], fixed_strings)
    root.attrs["backend"] = _byte_string("tensorflow", fixed_strings)
    root.attrs["keras_version"] = _byte_string(KERAS2_VERSION, fixed_strings)
    for layer in sorted(layers, key=lambda lay: lay.name):
        group = root.create_group(layer.name)
        _write_keras2_subset(
            group, [(f"{layer.name}/{k}", v) for k, v in layer.weights.items()], fixed_strings
        )
    _write_keras2_subset(root.create_group("top_level_model_weights"), [], fixed_strings)


def _write_keras2_subset(
    group: "h5py.Group", weights: List[Tuple[str, np.ndarray]], fixed_strings: bool
) -> None:
    """Keras 2.11 save_subset_weights_to_hdf5_group."""
    group.attrs["weight_names"] = _byte_strings([name for name, _ in weights], fixed_strings)
    for name, value in weights:
        dset = group.create_dataset(name, value.shape, dtype=value.dtype)
        if value.shape:
            dset[:] = value
        else:
            dset[()] = value


def write_keras2_weights(path: str, layers: Sequence[Layer], fixed_strings: bool) -> None:
    with h5py.File(path, "w") as f:
        _write_keras2_weights_group(f, layers, fixed_strings)


def write_keras2_full_model(
    path: str, layers: Sequence[Layer], model_name: str, fixed_strings: bool
) -> None:
    with h5py.File(path, "w") as f:
        # model_metadata(): keras_version/backend are str (h5py: vlen UTF-8 in
        # both h5py 2 and 3); dict values are JSON encoded to bytes.
        f.attrs["keras_version"] = KERAS2_VERSION
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = _byte_string(
            json.dumps({"class_name": "Functional", "config": {"name": model_name}}),
            fixed_strings,
        )
        _write_keras2_weights_group(f.create_group("model_weights"), layers, fixed_strings)


def _snake_case(name: str) -> str:
    """keras.src.utils.naming.to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def keras3_paths(layers: Sequence[Layer]) -> List[str]:
    """``layers/<snake_case(class)>[_n]`` as saving_lib._save_container_state names them."""
    used: Dict[str, int] = {}
    paths = []
    for layer in layers:
        base = _snake_case(layer.class_name)
        if base in used:
            used[base] += 1
            base = f"{base}_{used[base]}"
        else:
            used[base] = 0
        paths.append(f"layers/{base}")
    return paths


def write_keras3_weights(path: str, layers: Sequence[Layer], compact: bool) -> None:
    """Keras 3 saving_lib.save_weights_only + H5IOStore (compact: Keras >= 3.10)."""
    with h5py.File(path, "w") as f:
        if not compact:
            f.create_group("vars")  # the Functional model's own (empty) variables
        for layer, lpath in zip(layers, keras3_paths(layers)):
            if compact and not layer.weights:
                continue
            group = f.create_group(lpath).create_group("vars")
            for i, value in enumerate(layer.weights.values()):
                group[str(i)] = value


# -- main ------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write Keras-layout EfficientNet weights (random) plus reference features."
    )
    parser.add_argument("--variant", default="b0", choices=sorted(VARIANTS))
    add_common_arguments(parser)
    parser.add_argument(
        "--imagenet-normalization",
        action="store_true",
        help="use keras.applications' ImageNet normalization (+ the extra rescaling_1 layer)",
    )
    parser.add_argument(
        "--input-shape",
        choices=("static", "dynamic"),
        default="static",
        help="correct_pad as for input_shape=(size,size,3) (static, default) or None (dynamic)",
    )
    parser.add_argument(
        "--h5-strings",
        choices=("fixed", "vlen"),
        default="fixed",
        help="Keras 2 string attributes as fixed-length byte strings (h5py 2 era files, "
        "default) or variable-length ASCII (what Keras 2 writes under h5py >= 3)",
    )
    parser.add_argument(
        "--bn-stats",
        choices=("calibrated", "random"),
        default="calibrated",
        help="BatchNorm moving stats: 'calibrated' (default) perturbs each layer's actual "
        "input statistics on the reference images; 'random' draws them independently "
        "(N(0,0.1) / U(0.5,2)), which makes the features almost input-independent",
    )
    parser.add_argument(
        "--compute-dtype",
        choices=("float64", "float32"),
        default="float64",
        help="precision of the reference forward pass (default float64; outputs are "
        "stored as float32 either way)",
    )
    args = parser.parse_args(argv)
    prepare_run(parser, args)

    started = time.perf_counter()
    init = Initializer(args.seed)
    builder = EfficientNetBuilder(
        args.variant,
        args.size,
        init,
        args.imagenet_normalization,
        args.input_shape == "static",
        calibrated_bn=args.bn_stats == "calibrated",
    )
    layers = builder.build()
    pixels = smooth_images(args.images, args.size, np.random.default_rng(args.seed + 1))
    compute = torch.float64 if args.compute_dtype == "float64" else torch.float32
    feats = forward(layers, pixels, compute).permute(0, 2, 3, 1).contiguous()
    pooled = feats.mean(dim=(1, 2))
    feats_np = feats.to(torch.float32).numpy()
    pooled_np = pooled.to(torch.float32).numpy()
    # How far a plain float32 evaluation of the same weights lands (test tolerance hint).
    other = torch.float32 if compute == torch.float64 else torch.float64
    feats_other = forward(layers, pixels, other).permute(0, 2, 3, 1).to(torch.float64)
    f32_dev = float((feats_other - feats.to(torch.float64)).abs().max())
    if not np.isfinite(feats_np).all():
        raise RuntimeError("non-finite features; the random weights blew up")

    out = args.out_dir
    model_name = f"efficientnet{args.variant}"
    fixed = args.h5_strings == "fixed"
    write_keras2_weights(os.path.join(out, "keras_legacy.weights.h5"), layers, fixed)
    write_keras2_full_model(os.path.join(out, "keras_full_model.h5"), layers, model_name, fixed)
    write_keras3_weights(os.path.join(out, "keras3.weights.h5"), layers, compact=False)
    write_keras3_weights(os.path.join(out, "keras3_compact.weights.h5"), layers, compact=True)
    write_safetensors(
        os.path.join(out, "reference.safetensors"),
        {"images": pixels, "features": feats_np, "pooled": pooled_np},
        {
            "model": model_name,
            "seed": str(args.seed),
            "layout": "NHWC",
            "source": "top_activation",
            "input_shape": args.input_shape,
            "bn_stats": args.bn_stats,
            "compute_dtype": args.compute_dtype,
            "float32_vs_float64_max_abs_diff": f"{f32_dev:.3g}",
        },
    )

    paths = keras3_paths(layers)
    with open(os.path.join(out, "layers.json"), "w", encoding="utf-8") as handle:
        json.dump(
            [
                {
                    "name": layer.name,
                    "class_name": layer.class_name,
                    "weights": list(layer.weights),
                    "shapes": [list(v.shape) for v in layer.weights.values()],
                    "keras3_path": p,
                }
                for layer, p in zip(layers, paths)
            ],
            handle,
            indent=1,
        )
        handle.write("\n")
    norm = next(layer for layer in layers if layer.name == "normalization").weights
    with open(os.path.join(out, "normalization.json"), "w", encoding="utf-8") as handle:
        json.dump(
            {
                # str() of a float32 is its shortest round-trip repr (0.485, not 0.48500001...).
                "mean": [float(str(v)) for v in norm["mean:0"]],
                "variance": [float(str(v)) for v in norm["variance:0"]],
                "count": int(norm["count:0"]),
                "imagenet": bool(args.imagenet_normalization),
                "input_shape": args.input_shape,
                "bn_stats": args.bn_stats,
            },
            handle,
            indent=1,
        )
        handle.write("\n")

    n_params = sum(int(v.size) for layer in layers for v in layer.weights.values())
    n_weighted = sum(1 for layer in layers if layer.weights)
    elapsed = time.perf_counter() - started
    print(
        f"{model_name}: {len(layers)} layers ({n_weighted} with weights), {n_params:,} params; "
        f"features {list(feats_np.shape)} max|feature| {float(np.abs(feats_np).max()):.6g} "
        f"(float32 vs float64 max diff {f32_dev:.2g}) "
        f"-> {out} ({elapsed:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
