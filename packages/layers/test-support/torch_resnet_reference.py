#!/usr/bin/env python3
"""Produce a PyTorch reference for the TypeScript ResNet backbone tests.

Builds ``torchvision.models.<model>(weights=None)`` (no download), seeds torch,
and randomises every BatchNorm layer (weight ~ U(0.5, 1.5), bias ~ N(0, 0.1),
running_mean ~ N(0, 0.1), running_var ~ U(0.5, 2.0)) so that eval-mode
BatchNorm is far from an identity.  Convolution weights keep torchvision's
initialisation.  With ``--bn-stats calibrated`` the running statistics are
instead running_mean = m + N(0, 0.1) * sqrt(v), running_var = v * U(0.5, 2.0)
with m, v each BN input's actual per-channel statistics on the reference
images (the default ``random`` lets activations grow with depth: resnet101
reaches ~6e4 and its features vary only a few percent between images).  It then runs ``--images`` seeded, smooth-ish random RGB
images through the network in eval mode and writes:

``DIR/weights.safetensors``
    the full ``state_dict`` (torchvision tensor names, F32 plus I64
    ``num_batches_tracked``), with the same ``__metadata__`` keys as
    ``tools/pretrained/export_torchvision.py`` (``weights`` = ``"random"``).

``DIR/reference.safetensors``
    ``images``   U8  [N, H, W, 3]  the pixels fed to the network (NHWC);
    ``features`` F32 [N, h, w, C]  output of ``layer4`` (before avgpool), NHWC;
    ``pooled``   F32 [N, C]        mean of ``features`` over h and w.

The network input is ``(images / 255 - mean) / std`` with the ImageNet
mean/std, in NCHW float32.

Example::

    /usr/bin/python3 packages/layers/test-support/torch_resnet_reference.py \\
        --model resnet18 --out-dir /tmp/ref --size 80 --images 2 --seed 0
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

_REPO_ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(_REPO_ROOT / "tools" / "pretrained"))
sys.dont_write_bytecode = True  # keep tests from leaving __pycache__ in the repo

from reference_cli import add_common_arguments, prepare_run  # noqa: E402  (this folder)
from export_torchvision import (  # noqa: E402  (path set up above)
    IMAGENET_MEAN,
    IMAGENET_STD,
    SUPPORTED_MODELS,
    preprocessing_json,
    state_dict_to_numpy,
    write_safetensors,
)

try:
    import torch
    import torchvision
except ImportError as _exc:  # pragma: no cover - environment problem
    print(
        f"error: torch and torchvision are required ({_exc}); "
        "use an interpreter that has them (e.g. /usr/bin/python3)",
        file=sys.stderr,
    )
    raise SystemExit(2)


def smooth_images(count: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """Seeded random uint8 RGB images [N, H, W, 3]: upsampled coarse noise + fine noise."""
    coarse_side = max(2, size // 8)
    coarse = torch.rand((count, 3, coarse_side, coarse_side), generator=generator)
    smooth = torch.nn.functional.interpolate(
        coarse, size=(size, size), mode="bilinear", align_corners=False
    )
    fine = torch.randn((count, 3, size, size), generator=generator) * 0.06
    pixels = ((smooth + fine).clamp(0.0, 1.0) * 255.0).round().to(torch.uint8)
    return pixels.permute(0, 2, 3, 1).contiguous()


def randomise_batchnorm(model: torch.nn.Module, generator: torch.Generator) -> int:
    """Give every BatchNorm non-trivial affine params and running stats; returns the count."""
    count = 0
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                shape = module.weight.shape
                module.weight.copy_(torch.rand(shape, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(shape, generator=generator) * 0.1)
                module.running_mean.copy_(torch.randn(shape, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(shape, generator=generator) * 1.5 + 0.5)
                count += 1
    return count


def calibrate_batchnorm(model: torch.nn.Module) -> None:
    """Install one-shot pre-forward hooks that rebase each BN's running stats on its input.

    randomise_batchnorm's draws become relative perturbations: running_mean
    (~N(0, 0.1)) scales the input's per-channel std, running_var (~U(0.5, 2))
    multiplies its variance.
    """
    handles: Dict[torch.nn.Module, Any] = {}

    def hook(module: torch.nn.Module, inputs: Tuple[torch.Tensor, ...]) -> None:
        x = inputs[0].to(torch.float64)
        m = x.mean(dim=(0, 2, 3))
        v = x.var(dim=(0, 2, 3), unbiased=False)
        noise = module.running_mean.to(torch.float64)
        factor = module.running_var.to(torch.float64)
        module.running_mean.copy_((m + noise * v.sqrt()).to(module.running_mean.dtype))
        module.running_var.copy_((v * factor).to(module.running_var.dtype))
        handles.pop(module).remove()

    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            handles[module] = module.register_forward_pre_hook(hook)


def layer4_features(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Run a torchvision ResNet up to and including ``layer4`` (NCHW output)."""
    x = model.conv1(x)
    x = model.bn1(x)
    x = model.relu(x)
    x = model.maxpool(x)
    x = model.layer1(x)
    x = model.layer2(x)
    x = model.layer3(x)
    return model.layer4(x)


def build_reference(
    model_name: str, size: int, images: int, seed: int, calibrated: bool = False
) -> Tuple[torch.nn.Module, np.ndarray, np.ndarray, np.ndarray]:
    """Return (model, images NHWC uint8, features NHWC f32, pooled f32)."""
    torch.manual_seed(seed)
    model = getattr(torchvision.models, model_name)(weights=None)
    generator = torch.Generator().manual_seed(seed)
    randomise_batchnorm(model, generator)
    model.eval()

    pixels = smooth_images(images, size, generator)
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=torch.float32).view(1, 3, 1, 1)
    x = pixels.permute(0, 3, 1, 2).to(torch.float32) / 255.0
    x = (x - mean) / std
    with torch.no_grad():
        if calibrated:
            calibrate_batchnorm(model)  # the hooks remove themselves after one call
        feats = layer4_features(model, x)
    feats_nhwc = feats.permute(0, 2, 3, 1).contiguous()
    pooled = feats_nhwc.mean(dim=(1, 2))
    return model, pixels.numpy(), feats_nhwc.numpy(), pooled.numpy()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write random-weight torchvision ResNet weights plus reference features."
    )
    parser.add_argument("--model", required=True, choices=SUPPORTED_MODELS)
    add_common_arguments(parser)
    parser.add_argument(
        "--bn-stats",
        choices=("random", "calibrated"),
        default="random",
        help="BatchNorm running stats: 'random' (default: N(0,0.1) / U(0.5,2)) or "
        "'calibrated' (random perturbations of each BN input's actual statistics)",
    )
    parser.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this state_dict entry out of weights.safetensors (repeatable; tests partial imports)",
    )
    args = parser.parse_args(argv)
    prepare_run(parser, args)

    started = time.perf_counter()
    model, pixels, feats, pooled = build_reference(
        args.model, args.size, args.images, args.seed, calibrated=args.bn_stats == "calibrated"
    )

    metadata = {
        "source": "torchvision",
        "model": args.model,
        "weights": "random",
        "torchvision_version": str(torchvision.__version__),
        "torch_version": str(torch.__version__),
        "preprocessing": preprocessing_json(IMAGENET_MEAN, IMAGENET_STD),
    }
    state = state_dict_to_numpy(model.state_dict())
    for name in args.drop:
        if name not in state:
            parser.error(f"--drop {name!r}: no such state_dict entry")
        del state[name]
    write_safetensors(os.path.join(args.out_dir, "weights.safetensors"), state, metadata)
    write_safetensors(
        os.path.join(args.out_dir, "reference.safetensors"),
        {"images": pixels, "features": feats, "pooled": pooled},
        {
            "model": args.model,
            "seed": str(args.seed),
            "layout": "NHWC",
            "source": "layer4",
            "bn_stats": args.bn_stats,
        },
    )
    elapsed = time.perf_counter() - started
    print(
        f"{args.model}: features {list(feats.shape)} max|feature| {float(np.abs(feats).max()):.6g} "
        f"-> {args.out_dir} ({elapsed:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
