#!/usr/bin/env python3
"""PyTorch reference for `byot bench model --pytorch`: the same multi-exit network, loss and optimiser as the
Java trainer, timed on random pixels. Prints one JSON line: median step time and images per second.

Network (model/src/main/java/byot/stream/model/backbone/ResNet.java, head/ExitHead.java): ResNet18 with a CIFAR
stem (3x3 conv, no max-pool), bias-free convolutions each followed by batch norm, widths 64/128/256/512 times
the width multiplier (never below 4); after each of the four sections an exit whose bottleneck of stride-2
3x3 conv+BN+ReLU layers brings the map to the deepest map's shape, then global average pooling and a dense layer.
Loss (loss/SelfDistillationLoss.java), byot mode: CE on the deepest exit; for each shallow exit
(1-alpha) CE + alpha T^2 KL(teacher || exit) + lambda mean((F - F_teacher)^2), teacher = deepest exit, detached.
SGD momentum 0.9, weight decay 5e-4 on every weight (as train/MomentumSgd.java).

Run with Debian's python3-torch: /usr/bin/python3 bench/pytorch/train_step.py --batch 128 --threads 2
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PLANES = [64, 128, 256, 512]


def scaled(channels, width):
    return max(4, int(round(channels * width)))


def convolved(size, kernel, stride):
    return (size + 2 * (kernel // 2) - kernel) // stride + 1


class ConvBn(nn.Sequential):
    def __init__(self, cin, cout, kernel, stride, relu):
        layers = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout)]
        if relu:
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = ConvBn(cin, planes, 3, stride, True)
        self.conv2 = ConvBn(planes, planes, 3, 1, False)
        self.shortcut = ConvBn(cin, planes, 1, stride, False) if stride != 1 or cin != planes else nn.Identity()

    def forward(self, x):
        return F.relu(self.conv2(self.conv1(x)) + self.shortcut(x))


class MultiExitResNet18(nn.Module):
    def __init__(self, width, channels, size, classes, blocks=(2, 2, 2, 2)):
        super().__init__()
        sections, shapes = [], []
        cin, side = channels, size
        for s, n in enumerate(blocks):
            layers = []
            if s == 0:
                layers.append(ConvBn(cin, scaled(PLANES[0], width), 3, 1, True))
                cin = scaled(PLANES[0], width)
            planes = scaled(PLANES[s], width)
            for b in range(n):
                stride = 2 if b == 0 and s > 0 else 1
                layers.append(BasicBlock(cin, planes, stride))
                side = convolved(side, 3, stride)
                cin = planes
            sections.append(nn.Sequential(*layers))
            shapes.append((cin, side))
        self.sections = nn.ModuleList(sections)
        deep_c, deep_side = shapes[-1]
        heads, fcs = [], []
        for e, (c, side) in enumerate(shapes):
            layers, step = [], 0
            while side > deep_side or (step == 0 and e < len(shapes) - 1):
                halve = side > deep_side
                out = next((sc for sc, ss in shapes if ss == convolved(side, 3, 2)), deep_c) if halve else deep_c
                layers.append(ConvBn(c, out, 3, 2 if halve else 1, True))
                c, side, step = out, convolved(side, 3, 2) if halve else side, step + 1
            if c != deep_c:
                layers.append(ConvBn(c, deep_c, 1, 1, True))
            heads.append(nn.Sequential(*layers))
            fcs.append(nn.Linear(deep_c, classes))
        self.heads = nn.ModuleList(heads)
        self.fcs = nn.ModuleList(fcs)

    def forward(self, x):
        features, logits = [], []
        for section in self.sections:
            x = section(x)
            features.append(x)
        for e, f in enumerate(features):
            h = self.heads[e](f)
            features[e] = h
            logits.append(self.fcs[e](h.mean((2, 3))))
        return features, logits


def byot_loss(features, logits, labels, alpha=0.3, hint_weight=0.03, t=3.0):
    deepest = len(logits) - 1
    teacher = logits[deepest].detach()
    teacher_features = features[deepest].detach()
    soft_teacher = F.softmax(teacher / t, dim=1)
    log_soft_teacher = F.log_softmax(teacher / t, dim=1)
    total = F.cross_entropy(logits[deepest], labels)
    for e in range(deepest):
        ce = F.cross_entropy(logits[e], labels)
        kl = (soft_teacher * (log_soft_teacher - F.log_softmax(logits[e] / t, dim=1))).sum(1).mean()
        hint = (features[e] - teacher_features).pow(2).mean()
        total = total + (1 - alpha) * ce + alpha * t * t * kl + hint_weight * hint
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=10, help="timed steps, after --warmup")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--width-mult", type=float, default=0.25)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = MultiExitResNet18(a.width_mult, 1, 28, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    pixels = torch.randint(0, 256, (a.batch, 1, 28, 28)).float()
    labels = torch.randint(0, 10, (a.batch,))
    mean, std = 0.2860, 0.3530
    times = []
    for i in range(a.warmup + a.steps):
        start = time.perf_counter()
        x = (pixels / 255.0 - mean) / std
        features, logits = model(x)
        loss = byot_loss(features, logits, labels)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    # The statistic byot bench model takes for its own engines: images over the timed steps' whole wall time, so
    # slow steps (allocation, a collector) count on both sides; the median step is printed beside it.
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch,
                      "weights": sum(p.numel() for p in model.parameters()), "loss": round(loss.item(), 4),
                      "medianStepMs": round(median * 1000, 1), "meanStepMs": round(sum(times) / len(times) * 1000, 1),
                      "imagesPerSecond": round(a.batch * len(times) / sum(times), 1)}))


if __name__ == "__main__":
    main()
