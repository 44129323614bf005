"""PyTorch peer of the engine benchmark: the same ResNet-18-style per-frame network, shapes and
Adam steps as reference-network.ts, on CPU with a given number of threads. Prints one JSON line.

Usage: python3 torch_peer.py --threads 1 --batch 8 --frames 8 --size 112 --steps 3 --warmup 1
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

WIDTHS = [64, 128, 256, 512]
BLOCKS = [2, 2, 2, 2]


def conv_bn(cin, cout, kernel, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.conv2 = conv_bn(cout, cout, 3, 1)
        self.downsample = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        h = F.relu(self.conv1(x))
        h = self.conv2(h)
        return F.relu(h + (self.downsample(x) if self.downsample is not None else x))


class ReferenceNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 64, 7, 2)
        layers, cin = [], 64
        for stage, (width, blocks) in enumerate(zip(WIDTHS, BLOCKS)):
            for block in range(blocks):
                layers.append(BasicBlock(cin, width, 2 if stage > 0 and block == 0 else 1))
                cin = width
        self.layers = nn.Sequential(*layers)
        self.action_head = nn.Linear(cin, 9)
        self.actor_head = nn.Linear(cin, 7)

    def forward(self, clips):
        batch, frames = clips.shape[:2]
        x = clips.flatten(0, 1)
        x = F.max_pool2d(F.relu(self.stem(x)), 3, 2, 1)
        x = self.layers(x)
        clip = x.mean(dim=(2, 3)).view(batch, frames, -1).mean(dim=1)
        return self.action_head(clip), self.actor_head(clip)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--size", type=int, default=112)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--channels-last", action="store_true", help="NHWC memory format (oneDNN's fastest on AVX-512)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = ReferenceNetwork().to(memory_format=fmt)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    clips = torch.rand(args.batch, args.frames, 3, args.size, args.size) * 2 - 1
    clips = clips.flatten(0, 1).contiguous(memory_format=fmt).view(args.batch, args.frames, 3, args.size, args.size)
    actions = torch.randint(0, 9, (args.batch,))
    actors = torch.randint(0, 7, (args.batch,))

    def forward_once():
        model.eval()
        with torch.no_grad():
            model(clips)

    def train_once():
        model.train()
        optimizer.zero_grad(set_to_none=True)
        action_logits, actor_logits = model(clips)
        loss = F.cross_entropy(action_logits, actions) + F.cross_entropy(actor_logits, actors)
        loss.backward()
        optimizer.step()
        return float(loss)

    for _ in range(args.warmup):
        forward_once()
    start = time.perf_counter()
    for _ in range(args.steps):
        forward_once()
    forward_seconds = (time.perf_counter() - start) / args.steps

    loss = float("nan")
    for _ in range(args.warmup):
        loss = train_once()
    start = time.perf_counter()
    cpu_start = time.process_time()
    for _ in range(args.steps):
        loss = train_once()
    train_seconds = (time.perf_counter() - start) / args.steps
    train_cpu_seconds = (time.process_time() - cpu_start) / args.steps

    print(json.dumps({
        "runner": "pytorch",
        "backend": "pytorch-cpu" + ("-channels-last" if args.channels_last else ""),
        "torchVersion": torch.__version__,
        "threads": args.threads,
        "batch": args.batch,
        "frames": args.frames,
        "size": args.size,
        "steps": args.steps,
        "forwardSecondsPerBatch": forward_seconds,
        "trainSecondsPerBatch": train_seconds,
        "trainCpuSecondsPerBatch": train_cpu_seconds,
        "forwardClipsPerSecond": args.batch / forward_seconds,
        "trainClipsPerSecond": args.batch / train_seconds,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "finalLoss": loss,
    }))


if __name__ == "__main__":
    main()
