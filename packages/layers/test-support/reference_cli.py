"""Command-line pieces shared by the reference scripts of this folder (jest's Python references).

Both scripts take the same image and output flags; ``add_common_arguments`` declares them and
``prepare_run`` validates them, limits torch to ``--threads`` and creates ``--out-dir``.
"""

from __future__ import annotations

import argparse
import os


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """--out-dir, --size, --images, --seed and --threads, as every reference script takes them."""
    parser.add_argument("--out-dir", required=True, help="output folder (created if missing)")
    parser.add_argument("--size", type=int, default=80, help="image height and width (default 80)")
    parser.add_argument("--images", type=int, default=2, help="number of images (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (default 1, keeps CPU use low)"
    )


def prepare_run(parser: argparse.ArgumentParser, args: argparse.Namespace, min_size: int = 32) -> None:
    """Checks the common flags (exiting with the parser's usage on a bad one), sets torch's threads, makes --out-dir."""
    import torch

    if args.size < min_size:
        parser.error(f"--size must be at least {min_size} (got {args.size})")
    if args.images < 1:
        parser.error(f"--images must be at least 1 (got {args.images})")
    if args.threads < 1:
        parser.error(f"--threads must be at least 1 (got {args.threads})")
    torch.set_num_threads(args.threads)
    try:
        os.makedirs(args.out_dir, exist_ok=True)
    except OSError as exc:
        parser.error(f"cannot create --out-dir {args.out_dir!r}: {exc}")
