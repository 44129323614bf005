#!/usr/bin/env python3
"""Export a torchvision ResNet's weights to a ``.safetensors`` file.

This tool is for users who have PyTorch, torchvision (>= 0.13) and internet
access: it instantiates a torchvision ResNet, optionally with pretrained
weights (downloaded by torchvision into its usual cache), and writes the
model's complete ``state_dict()`` as a safetensors file that the TypeScript
side of this repository can load without any Python dependency.

Example::

    python3 tools/pretrained/export_torchvision.py \\
        --model resnet50 --weights IMAGENET1K_V2 --out resnet50.safetensors

``--weights`` accepts a member name of the model's torchvision weights enum
(``IMAGENET1K_V1``, ``IMAGENET1K_V2``, ...), ``DEFAULT`` (resolved to the
member torchvision currently recommends), or ``none`` (random init, no
download).

The safetensors file is written with numpy only (see ``write_safetensors``):

* 8 bytes: little-endian unsigned 64-bit length ``N`` of the header;
* ``N`` bytes: UTF-8 JSON header, padded with spaces so that the tensor data
  starts at an 8-byte aligned offset;
* the raw little-endian tensor bytes, back to back, in header order.

Each header entry is ``{"dtype": "F32", "shape": [...], "data_offsets":
[begin, end]}`` with offsets relative to the start of the data section; the
optional ``"__metadata__"`` entry maps strings to strings.  Tensor names are
exactly the ``state_dict`` keys (``conv1.weight``, ``layer1.0.bn1.running_var``,
``fc.weight``, ...); BatchNorm ``num_batches_tracked`` counters are stored as
``I64`` scalars.

The metadata written by this tool is::

    source               "torchvision"
    model                e.g. "resnet50"
    weights              enum member name (DEFAULT resolved) or "none"
    torchvision_version  torchvision.__version__
    torch_version        torch.__version__
    preprocessing        JSON string {"mean": [r, g, b], "std": [r, g, b]}

``write_safetensors`` only needs numpy, and this module imports torch lazily,
so other scripts can import it without PyTorch installed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from typing import Any, Dict, List, Mapping, NoReturn, Optional, Sequence, Tuple

import numpy as np

SUPPORTED_MODELS: Tuple[str, ...] = ("resnet18", "resnet34", "resnet50", "resnet101")

# torchvision's enum class name for each supported model.
_WEIGHTS_ENUM_NAMES: Dict[str, str] = {
    "resnet18": "ResNet18_Weights",
    "resnet34": "ResNet34_Weights",
    "resnet50": "ResNet50_Weights",
    "resnet101": "ResNet101_Weights",
}

IMAGENET_MEAN: Tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: Tuple[float, float, float] = (0.229, 0.224, 0.225)

# numpy dtype -> safetensors dtype tag.
_DTYPE_TAGS: Dict[np.dtype, str] = {
    np.dtype(np.float64): "F64",
    np.dtype(np.float32): "F32",
    np.dtype(np.float16): "F16",
    np.dtype(np.int64): "I64",
    np.dtype(np.int32): "I32",
    np.dtype(np.int16): "I16",
    np.dtype(np.int8): "I8",
    np.dtype(np.uint64): "U64",
    np.dtype(np.uint32): "U32",
    np.dtype(np.uint16): "U16",
    np.dtype(np.uint8): "U8",
    np.dtype(np.bool_): "BOOL",
}

_METADATA_KEY = "__metadata__"


def _safetensors_header(
    tensors: Mapping[str, np.ndarray], metadata: Optional[Mapping[str, str]]
) -> Tuple[bytes, List[np.ndarray]]:
    """Build the padded header bytes and the list of arrays to write, in order."""
    header: Dict[str, Any] = {}
    if metadata:
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(
                    f"safetensors metadata must map str to str; got {key!r}: {type(value).__name__}"
                )
        header[_METADATA_KEY] = dict(metadata)

    arrays: List[np.ndarray] = []
    offset = 0
    for name, value in tensors.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"tensor names must be non-empty strings; got {name!r}")
        if name == _METADATA_KEY:
            raise ValueError(f"{_METADATA_KEY!r} is reserved and cannot be a tensor name")
        array = np.asarray(value)
        tag = _DTYPE_TAGS.get(array.dtype.newbyteorder("="))
        if tag is None:
            raise TypeError(
                f"tensor {name!r} has unsupported dtype {array.dtype}; "
                f"supported: {sorted(str(d) for d in _DTYPE_TAGS)}"
            )
        # Little-endian, C-contiguous copy only when needed (keeps 0-d scalars 0-d,
        # unlike np.ascontiguousarray).
        little = array.dtype.newbyteorder("<")
        if array.dtype != little or not array.flags.c_contiguous:
            array = np.array(array, dtype=little, order="C")
        nbytes = int(array.nbytes)
        header[name] = {
            "dtype": tag,
            "shape": [int(d) for d in array.shape],
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
        arrays.append(array)

    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    # 8-byte length prefix + header must end on an 8-byte boundary.
    raw += b" " * ((-len(raw)) % 8)
    return raw, arrays


def write_safetensors(
    path: str, tensors: Mapping[str, np.ndarray], metadata: Optional[Mapping[str, str]] = None
) -> None:
    """Write ``tensors`` (name -> numpy array) to ``path`` in safetensors format.

    The file is written to a temporary file in the destination folder and then
    moved into place with ``os.replace``, so readers never see a partial file.
    Tensors are stored in the mapping's iteration order.
    """
    header, arrays = _safetensors_header(tensors, metadata)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"output folder does not exist: {folder}")
    fd, tmp_path = tempfile.mkstemp(
        prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(len(header).to_bytes(8, "little", signed=False))
            handle.write(header)
            for array in arrays:
                # 1-D byte view (works for 0-d scalars too); no extra copy.
                handle.write(array.reshape(-1).view(np.uint8).data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        try:
            os.unlink(tmp_path)
        except OSError:
            pass
        raise


def state_dict_to_numpy(state_dict: Mapping[str, Any]) -> Dict[str, np.ndarray]:
    """Convert a torch ``state_dict`` to name -> numpy arrays (same order)."""
    out: Dict[str, np.ndarray] = {}
    for name, tensor in state_dict.items():
        out[name] = tensor.detach().cpu().contiguous().numpy()
    return out


def preprocessing_json(mean: Sequence[float], std: Sequence[float]) -> str:
    """The ``preprocessing`` metadata value: a JSON string with mean and std."""
    return json.dumps({"mean": [float(v) for v in mean], "std": [float(v) for v in std]})


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _resolve_weights(model_name: str, weights_name: str) -> Tuple[Any, str]:
    """Return (torchvision weights enum member or None, resolved name)."""
    import torchvision.models as tvm

    enum_name = _WEIGHTS_ENUM_NAMES[model_name]
    enum_cls = getattr(tvm, enum_name, None)
    if enum_cls is None:
        _fail(
            f"torchvision.models.{enum_name} not found; this tool needs torchvision >= 0.13"
        )
    valid = [member.name for member in enum_cls]
    if weights_name.lower() == "none":
        return None, "none"
    if weights_name == "DEFAULT":
        member = enum_cls.DEFAULT
        return member, member.name
    try:
        member = enum_cls[weights_name]
    except KeyError:
        _fail(
            f"unknown weights {weights_name!r} for {model_name}; valid: "
            + ", ".join(valid + ["DEFAULT", "none"])
        )
    return member, member.name


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Export a torchvision ResNet state_dict to a safetensors file."
    )
    parser.add_argument("--model", required=True, choices=SUPPORTED_MODELS)
    parser.add_argument(
        "--weights",
        default="DEFAULT",
        help="torchvision weights enum member (e.g. IMAGENET1K_V1, IMAGENET1K_V2), "
        "DEFAULT, or none for random init (default: DEFAULT)",
    )
    parser.add_argument("--out", required=True, help="output .safetensors path")
    args = parser.parse_args(argv)

    try:
        import torch
        import torchvision
    except ImportError as exc:
        _fail(f"this tool needs PyTorch and torchvision installed ({exc})")

    member, resolved = _resolve_weights(args.model, args.weights)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        _fail(f"output folder does not exist: {out_dir}")

    builder = getattr(torchvision.models, args.model)
    try:
        model = builder(weights=member)
    except Exception as exc:  # download / cache problems surface here
        _fail(
            f"could not build {args.model} with weights {resolved} "
            f"(downloading pretrained weights needs internet access): {exc}"
        )
    model.eval()

    if member is not None:
        transform = member.transforms()
        mean = list(getattr(transform, "mean", IMAGENET_MEAN))
        std = list(getattr(transform, "std", IMAGENET_STD))
    else:
        mean, std = list(IMAGENET_MEAN), list(IMAGENET_STD)

    tensors = state_dict_to_numpy(model.state_dict())
    metadata = {
        "source": "torchvision",
        "model": args.model,
        "weights": resolved,
        "torchvision_version": str(torchvision.__version__),
        "torch_version": str(torch.__version__),
        "preprocessing": preprocessing_json(mean, std),
    }
    write_safetensors(args.out, tensors, metadata)
    n_params = sum(int(p.numel()) for p in model.parameters())
    n_values = sum(int(np.prod(a.shape)) for a in tensors.values())
    print(
        f"wrote {len(tensors)} tensors, {n_params:,} parameters "
        f"({n_values:,} values incl. BatchNorm buffers) to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
