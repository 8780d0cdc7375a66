"""The same DINO training step in PyTorch, as a reference for `octdino bench dino-step`.

ViT (reference `vision_transformer.py` layout, 1 input channel, position embeddings learned
for 224 px and interpolated), DINOHead, DINOLoss with centring, AdamW, gradient clipping and
the EMA teacher update: student on all crops, teacher on the 2 global crops.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/bench/dino_step_reference.py \
        --embed 192 --depth 12 --heads 3 --patch 16 --global-size 112 --local-size 48 \
        --local-crops 4 --batch 32 --out-dim 4096 --steps 3 [--device cuda]

`--device cuda` runs the same step on the GPU, synchronising before and after each timed step
(CUDA launches are asynchronous: without it the clock stops before the GPU has finished).
Needs Debian's python3-torch and an optimised BLAS: apt-get install python3-torch libopenblas0-pthread
(without OpenBLAS, Debian's torch falls back to the reference BLAS at ~5 GFLOP/s). Prints one JSON line;
when the device cannot be used, that line is {"error": ...} and the exit code 3.
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, dim * 4)
        self.fc2 = nn.Linear(dim * 4, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5
        x = x + self.proj((attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, dim, depth, heads, patch):
        super().__init__()
        self.patch = patch
        self.patch_embed = nn.Conv2d(1, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, (224 // patch) ** 2 + 1, dim))
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def pos(self, grid):
        n = self.pos_embed.shape[1] - 1
        g0 = int(math.sqrt(n))
        patch_pos = self.pos_embed[:, 1:].reshape(1, g0, g0, -1).permute(0, 3, 1, 2)
        patch_pos = F.interpolate(patch_pos, size=(grid, grid), mode='bicubic', align_corners=False)
        return torch.cat([self.pos_embed[:, :1], patch_pos.permute(0, 2, 3, 1).reshape(1, grid * grid, -1)], dim=1)

    def forward(self, x):
        x = self.patch_embed(x)
        grid = x.shape[-1]
        x = x.flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos(grid)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)[:, 0]


class Head(nn.Module):
    def __init__(self, in_dim, out_dim, hidden=2048, bottleneck=256):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, bottleneck))
        last = nn.Linear(bottleneck, out_dim, bias=False)
        try:  # torch >= 2.1; the hook-based nn.utils.weight_norm is deprecated there
            from torch.nn.utils.parametrizations import weight_norm
            self.last_layer = weight_norm(last)
            g = self.last_layer.parametrizations.weight.original0
        except ImportError:  # Debian's torch 1.13
            self.last_layer = nn.utils.weight_norm(last)
            g = self.last_layer.weight_g
        g.data.fill_(1)
        g.requires_grad = False

    def forward(self, x):
        return self.last_layer(F.normalize(self.mlp(x), dim=-1, p=2))


def run(net, crops):
    out = [net[0](torch.cat(group)) for group in crops]
    return net[1](torch.cat(out))


def main():
    p = argparse.ArgumentParser()
    for name, default in [('embed', 192), ('depth', 12), ('heads', 3), ('patch', 16), ('global-size', 112), ('local-size', 48),
                          ('local-crops', 4), ('batch', 32), ('out-dim', 4096), ('steps', 3)]:
        p.add_argument(f'--{name}', type=int, default=default)
    p.add_argument('--device', default='cpu', help='cpu, cuda or cuda:N')
    a = p.parse_args()
    if a.device.startswith('cuda') and not torch.cuda.is_available():
        print(json.dumps({'error': f'--device {a.device}: torch {torch.__version__} sees no CUDA device', 'device': a.device}))
        sys.exit(3)
    dev = torch.device(a.device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    torch.manual_seed(0)
    student = nn.ModuleList([ViT(a.embed, a.depth, a.heads, a.patch), Head(a.embed, a.out_dim)]).to(dev)
    teacher = nn.ModuleList([ViT(a.embed, a.depth, a.heads, a.patch), Head(a.embed, a.out_dim)]).to(dev)
    teacher.load_state_dict(student.state_dict())
    for q in teacher.parameters():
        q.requires_grad = False
    opt = torch.optim.AdamW([q for q in student.parameters() if q.requires_grad], lr=1e-4, weight_decay=0.04)
    center = torch.zeros(1, a.out_dim, device=dev)
    times = []
    for step in range(a.steps + 1):
        g = [torch.randn(a.batch, 1, a.global_size, a.global_size, device=dev) for _ in range(2)]
        l = [torch.randn(a.batch, 1, a.local_size, a.local_size, device=dev) for _ in range(a.local_crops)]
        sync()
        t0 = time.perf_counter()
        with torch.no_grad():
            t_out = run(teacher, [g])
        s_out = run(student, [g, l] if l else [g])
        t_soft = F.softmax((t_out - center) / 0.04, dim=-1).chunk(2)
        s_logs = F.log_softmax(s_out / 0.1, dim=-1).chunk(2 + a.local_crops)
        loss, pairs = 0, 0
        for iq, q in enumerate(t_soft):
            for v, s in enumerate(s_logs):
                if v != iq:
                    loss = loss + torch.sum(-q * s, dim=-1).mean()
                    pairs += 1
        loss = loss / pairs
        opt.zero_grad()
        loss.backward()
        for q in student.parameters():
            if q.grad is not None:
                norm = q.grad.data.norm(2)
                clip = 3.0 / (norm + 1e-6)
                if clip < 1:
                    q.grad.data.mul_(clip)
        opt.step()
        with torch.no_grad():
            for ps, pt in zip(student.parameters(), teacher.parameters()):
                pt.data.mul_(0.996).add_((1 - 0.996) * ps.detach().data)
            center = center * 0.9 + t_out.mean(dim=0, keepdim=True) * 0.1
        sync()
        if step > 0:
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    where = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f'cpu, {torch.get_num_threads()} threads'
    print(json.dumps({'backend': f'pytorch {torch.__version__} {where}', 'device': a.device, 'stepSecondsMedian': median,
                      'imagesPerSec': a.batch / median, 'stepSeconds': times}))


if __name__ == '__main__':
    main()
