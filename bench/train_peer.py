"""PyTorch peer of `tileflow bench train`: the same architecture, optimizer, loss, batch and threads.

Run by bench/train.bench.ts with Debian's PyTorch (/usr/bin/python3, python3-torch):

    /usr/bin/python3 bench/train_peer.py --arch eurosat-cnn --channels 13 --size 64 --batch 32 --threads 2

Prints one JSON line with training and inference images per second, measured as tileflow measures:
synthetic batches held in memory, `--warmup` untimed steps, then `--steps` timed Adam steps with
cross-entropy; inference in eval mode under no_grad with a softmax, `--infer-batches` timed batches.
"""
import argparse
import json
import time

import torch
from torch import nn


def eurosat_cnn(channels: int, classes: int, size: int, dropout: float = 0.25) -> nn.Module:
    """Four blocks of 3x3 conv, ReLU, batch norm, 2x2 max pool, dropout; dense; classes (tileflow's eurosat-cnn)."""
    layers = []
    c = channels
    for out in (32, 64, 128, 256):
        layers += [nn.Conv2d(c, out, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(out), nn.MaxPool2d(2), nn.Dropout(dropout)]
        c = out
    edge = size // 16
    layers += [nn.Flatten(), nn.Linear(c * edge * edge, 256), nn.ReLU(), nn.Dropout(dropout), nn.Linear(256, classes)]
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(out + (self.down(x) if self.down is not None else x))


def resnet(blocks, channels: int, classes: int) -> nn.Module:
    """torchvision's ResNet layout with basic blocks and any number of input channels."""
    layers = [nn.Conv2d(channels, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for stage, count in enumerate(blocks):
        width = 64 * 2 ** stage
        for i in range(count):
            layers.append(BasicBlock(cin, width, 2 if stage > 0 and i == 0 else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", default="eurosat-cnn", choices=["eurosat-cnn", "resnet18", "resnet34"])
    parser.add_argument("--channels", type=int, default=13)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--infer-batches", type=int, default=30)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    if args.arch == "eurosat-cnn":
        model = eurosat_cnn(args.channels, args.classes, args.size)
    else:
        model = resnet([2, 2, 2, 2] if args.arch == "resnet18" else [3, 4, 6, 3], args.channels, args.classes)
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    shape = (args.batch, args.channels, args.size, args.size)
    batches = [
        (torch.rand(shape).mul_(2).sub_(1).to(device), (torch.arange(args.batch) * 7 + i).remainder(args.classes).to(device))
        for i in range(4)
    ]

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    def step(i: int) -> None:
        x, y = batches[i % 4]
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()  # tileflow reads the loss back every step too

    model.train()
    for i in range(args.warmup):
        step(i)
    sync()
    started = time.perf_counter()
    for i in range(args.steps):
        step(i)
    sync()
    train_seconds = time.perf_counter() - started

    model.eval()
    with torch.no_grad():
        for i in range(2):
            torch.softmax(model(batches[i][0]), 1).cpu()
        started = time.perf_counter()
        for i in range(args.infer_batches):
            torch.softmax(model(batches[i % 4][0]), 1).cpu()
        infer_seconds = time.perf_counter() - started

    print(json.dumps({
        "arch": args.arch,
        "threads": args.threads,
        "device": args.device,
        "train_images_per_second": args.steps * args.batch / train_seconds,
        "infer_images_per_second": args.infer_batches * args.batch / infer_seconds,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
