#!/usr/bin/python3
"""Reference DINO recipe (facebookresearch/dino main_dino.py loop) at tiny scale on the OCT demo
data, with weighted k-NN (eval_knn style, multi-label) before / during / after training: the
PyTorch side of tests/bench/ml/dino-knn.bench.ts, on the images that bench dumps (--dump PREFIX).

    npx tsx tests/bench/ml/dino-knn.bench.ts --patients 16 --slices 8 --dump /tmp/demo16
    /usr/bin/python3 tests/bench/ml/dino_knn_reference.py --data /tmp/demo16 --base_lr 0.005 --steps 256

Module code is imported from tests/fixtures/ml/make-{vit,dino-step}-reference.py (read only); the ViT is re-initialised with the reference init (trunc_normal 0.02 on Linear,
zero biases, LayerNorm 1/0, trunc_normal 0.02 on cls/pos), since the fixture adds noise to
norms/biases for parity testing.
"""
import argparse
import importlib.util
import json
import math
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

torch.set_num_threads(1)
FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "ml")


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(FIX, file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


vitref = load("vitref", "make-vit-reference.py")
stepref = load("stepref", "make-dino-step-reference.py")

MEAN, STD = 0.5, 0.25


# ---------------------------------------------------------------- model
class Backbone(vitref.VisionTransformer):
    def __init__(self, **kw):
        super().__init__(**kw)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.LayerNorm):
            nn.init.constant_(m.bias, 0)
            nn.init.constant_(m.weight, 1.0)

    def forward(self, x):
        cls, _ = super().forward(x)
        return cls


def build(a):
    bb = Backbone(img=32, patch=8, chans=1, dim=a.dim, depth=a.depth, heads=a.heads)
    head = stepref.DINOHead(a.dim, a.K, norm_last_layer=True, nlayers=3, hidden_dim=a.hidden, bottleneck_dim=a.bottleneck)
    return stepref.MultiCropWrapper(bb, head)


class DINOLoss(nn.Module):
    """main_dino.py DINOLoss (world size 1), plus diagnostics."""

    def __init__(self, out_dim, ncrops, temps, student_temp=0.1, center_momentum=0.9):
        super().__init__()
        self.student_temp, self.center_momentum, self.ncrops = student_temp, center_momentum, ncrops
        self.register_buffer("center", torch.zeros(1, out_dim))
        self.temps = temps

    def forward(self, s_out, t_out, epoch):
        s = (s_out / self.student_temp).chunk(self.ncrops)
        temp = self.temps[epoch]
        t = F.softmax((t_out - self.center) / temp, dim=-1).detach().chunk(2)
        total, n, kl = 0, 0, 0.0
        for iq, q in enumerate(t):
            for v in range(len(s)):
                if v == iq:
                    continue
                ls = F.log_softmax(s[v], dim=-1)
                total += torch.sum(-q * ls, dim=-1).mean()
                with torch.no_grad():
                    kl += torch.sum(q * (torch.log(q.clamp_min(1e-30)) - ls), dim=-1).mean().item()
                n += 1
        total /= n
        with torch.no_grad():
            q = torch.cat(t)
            ent = (-(q * torch.log(q.clamp_min(1e-30))).sum(-1)).mean().item()
            spread = (t_out.std(0).mean() / temp).item()
        self.update_center(t_out)
        return total, ent, kl / n, spread

    @torch.no_grad()
    def update_center(self, t_out):
        bc = torch.sum(t_out, dim=0, keepdim=True) / len(t_out)
        self.center = self.center * self.center_momentum + bc * (1 - self.center_momentum)


def cosine_scheduler(base, final, epochs, niter, warmup_epochs=0, start_warmup_value=0):
    """utils.cosine_scheduler."""
    warm = np.array([])
    wi = warmup_epochs * niter
    if warmup_epochs > 0:
        warm = np.linspace(start_warmup_value, base, wi)
    iters = np.arange(epochs * niter - wi)
    sched = final + 0.5 * (base - final) * (1 + np.cos(np.pi * iters / len(iters)))
    sched = np.concatenate((warm, sched))
    assert len(sched) == epochs * niter
    return sched


# ---------------------------------------------------------------- augmentation (plain torch)
def rrc_params(H, W, scale, ratio, g):
    area = H * W
    lr = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        ta = area * (scale[0] + (scale[1] - scale[0]) * g.random())
        ar = math.exp(lr[0] + (lr[1] - lr[0]) * g.random())
        w = int(round(math.sqrt(ta * ar)))
        h = int(round(math.sqrt(ta / ar)))
        if 0 < w <= W and 0 < h <= H:
            return g.integers(0, H - h + 1), g.integers(0, W - w + 1), h, w
    # fallback: central crop (torchvision)
    in_ratio = W / H
    if in_ratio < ratio[0]:
        w = W; h = int(round(w / ratio[0]))
    elif in_ratio > ratio[1]:
        h = H; w = int(round(h * ratio[1]))
    else:
        w, h = W, H
    return (H - h) // 2, (W - w) // 2, h, w


def gblur(x, sigma):
    r = max(1, int(math.ceil(3 * sigma)))
    r = min(r, x.shape[-1] // 2 - 1)
    k = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (k / sigma) ** 2)
    k = k / k.sum()
    x = F.pad(x[None], (r, r, r, r), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1))
    x = F.conv2d(x, k.view(1, 1, -1, 1))
    return x[0]


def augment(img, size, scale, p_blur, p_sol, g):
    """img [1,H,W] in [0,1] -> normalised [1,size,size]."""
    H, W = img.shape[-2:]
    i, j, h, w = rrc_params(H, W, scale, (3 / 4, 4 / 3), g)
    x = F.interpolate(img[None, :, i:i + h, j:j + w], size=(size, size), mode="bilinear", align_corners=False)[0]
    if g.random() < 0.5:
        x = x.flip(-1)
    if g.random() < 0.8:  # ColorJitter(brightness .4, contrast .4), random order
        ops = [0, 1]
        if g.random() < 0.5:
            ops = [1, 0]
        for o in ops:
            f = 0.6 + 0.8 * g.random()
            if o == 0:
                x = (x * f).clamp(0, 1)
            else:
                m = x.mean()
                x = ((x - m) * f + m).clamp(0, 1)
    if g.random() < p_blur:
        x = gblur(x, 0.1 + 1.9 * g.random())
    if g.random() < p_sol:
        x = torch.where(x >= 0.5, 1 - x, x)
    return (x - MEAN) / STD


def make_batch(imgs, a, g):
    g1 = [augment(im, 32, (0.4, 1.0), 1.0, 0.0, g) for im in imgs]
    g2 = [augment(im, 32, (0.4, 1.0), 0.1, 0.2, g) for im in imgs]
    crops = [torch.stack(g1), torch.stack(g2)]
    for _ in range(a.nlocal):
        crops.append(torch.stack([augment(im, 16, (0.05, 0.4), 0.5, 0.0, g) for im in imgs]))
    return crops


# ---------------------------------------------------------------- k-NN
def knn_auroc(feats, Y, bank_mask, k=20, T=0.07):
    f = F.normalize(feats, dim=1)
    fb, yb = f[bank_mask], Y[bank_mask]
    fq, yq = f[~bank_mask], Y[~bank_mask]
    sim = fq @ fb.T
    kk = min(k, fb.shape[0])
    s, idx = sim.topk(kk, dim=1)
    w = (s / T).exp()
    scores = (w[:, :, None] * yb[idx]).sum(1) / w.sum(1, keepdim=True)
    aucs = []
    for l in range(Y.shape[1]):
        yt = yq[:, l].numpy()
        if yt.min() != yt.max():
            aucs.append(roc_auc_score(yt, scores[:, l].numpy()))
        else:
            aucs.append(float("nan"))
    macro = float(np.nanmean(aucs))
    return macro, aucs


@torch.no_grad()
def features(backbone, X32):
    backbone.eval()
    out = torch.cat([backbone(X32[i:i + 128]) for i in range(0, len(X32), 128)])
    backbone.train()
    return out


# ---------------------------------------------------------------- main
def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, help="PREFIX of PREFIX.u8 / PREFIX.json written by dino-knn.bench.ts --dump")
    p.add_argument("--base_lr", type=float, default=0.005)
    p.add_argument("--steps", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dim", type=int, default=32)
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--bottleneck", type=int, default=32)
    p.add_argument("--K", type=int, default=256)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--nlocal", type=int, default=2)
    p.add_argument("--teacher_temp", type=float, default=0.04)
    p.add_argument("--warmup_teacher_temp", type=float, default=0.04)
    p.add_argument("--warmup_teacher_temp_epochs", type=int, default=0)
    p.add_argument("--m0", type=float, default=None)
    p.add_argument("--lr_final", type=float, default=1e-6)
    p.add_argument("--out", default=None)
    a = p.parse_args()

    torch.manual_seed(a.seed)
    g = np.random.default_rng(a.seed)
    meta = json.load(open(f"{a.data}.json"))
    S, N = meta["size"], meta["count"]
    raw = np.fromfile(f"{a.data}.u8", dtype=np.uint8).reshape(N, 1, S, S)
    imgs = torch.from_numpy(raw.astype(np.float32) / 255.0)
    Y = torch.tensor(meta["y"], dtype=torch.float32)
    pats = sorted(set(meta["patients"]))
    even = {pc for i, pc in enumerate(pats) if i % 2 == 0}
    bank = torch.tensor([pc in even for pc in meta["patients"]])
    X32 = (F.interpolate(imgs, size=(32, 32), mode="bilinear", align_corners=False) - MEAN) / STD

    raw_auc, raw_per = knn_auroc(X32.flatten(1), Y, bank)

    student, teacher = build(a), build(a)
    teacher.load_state_dict(student.state_dict())
    for q in teacher.parameters():
        q.requires_grad = False

    niter = N // a.batch
    epochs = max(1, a.steps // niter)
    total = epochs * niter
    warm = max(0, epochs // 10)
    lr_s = cosine_scheduler(a.base_lr * a.batch / 256.0, a.lr_final, epochs, niter, warmup_epochs=warm)
    wd_s = cosine_scheduler(0.04, 0.4, epochs, niter)
    m0 = a.m0 if a.m0 is not None else max(0.9, min(0.996, 1 - 10 / total))
    mom_s = cosine_scheduler(m0, 1.0, epochs, niter)
    temps = np.concatenate((np.linspace(a.warmup_teacher_temp, a.teacher_temp, a.warmup_teacher_temp_epochs),
                            np.ones(epochs - a.warmup_teacher_temp_epochs) * a.teacher_temp))
    loss_fn = DINOLoss(a.K, 2 + a.nlocal, temps)
    opt = torch.optim.AdamW(stepref.get_params_groups(student))
    logK = math.log(a.K)

    res = {"args": vars(a), "epochs": epochs, "total_steps": total, "warmup_epochs": warm, "m0": m0,
           "raw_knn": raw_auc, "raw_knn_per_label": raw_per, "log": [], "knn": []}

    def mean_cos(f):
        f = F.normalize(f, dim=1); c = f @ f.T; n = len(f)
        return ((c.sum() - c.diag().sum()) / (n * n - n)).item()

    def evaluate(it):
        ft = features(teacher.backbone, X32)
        t_auc, t_per = knn_auroc(ft, Y, bank)
        s_auc, s_per = knn_auroc(features(student.backbone, X32), Y, bank)
        res["knn"].append({"step": it, "teacher_mean_cos": mean_cos(ft), "teacher": t_auc, "student": s_auc, "teacher_per": t_per, "student_per": s_per})
        print(f"  kNN @ step {it}: teacher {t_auc:.4f}  student {s_auc:.4f}  mean cos(teacher feats) {mean_cos(ft):.3f}  (raw {raw_auc:.4f})", flush=True)

    print(f"{a.data} N={N} epochs={epochs} niter={niter} total={total} warmup={warm} lr={lr_s.max():.3g} m0={m0:.4f}", flush=True)
    evaluate(0)
    t0 = time.time()
    it = 0
    acc = []
    for ep in range(epochs):
        perm = g.permutation(N)
        for b in range(niter):
            idx = perm[b * a.batch:(b + 1) * a.batch]
            crops = make_batch([imgs[i] for i in idx], a, g)
            for i, pg in enumerate(opt.param_groups):
                pg["lr"] = lr_s[it]
                if i == 0:
                    pg["weight_decay"] = wd_s[it]
            with torch.no_grad():
                t_out = teacher(crops[:2])
            s_out = student(crops)
            loss, ent, kl, spread = loss_fn(s_out, t_out, ep)
            opt.zero_grad()
            loss.backward()
            stepref.clip_gradients(student, 3.0)
            stepref.cancel_gradients_last_layer(ep, student, 1)
            opt.step()
            with torch.no_grad():
                m = mom_s[it]
                for ps, pt in zip(student.parameters(), teacher.parameters()):
                    pt.data.mul_(m).add_((1 - m) * ps.detach().data)
            acc.append((loss.item(), ent / logK, kl, spread))
            it += 1
            if it % 16 == 0:
                l, e, k_, sp = np.mean(acc, axis=0)
                acc = []
                res["log"].append({"step": it, "loss": l, "ent_ratio": e, "kl": k_, "t_spread": sp, "lr": lr_s[it - 1], "m": mom_s[it - 1]})
                print(f"step {it:4d} loss {l:.4f} (logK {logK:.4f}) H/logK {e:.4f} KL {k_:.4f} std(t)/tau {sp:.3f} lr {lr_s[it-1]:.2e} m {mom_s[it-1]:.5f} [{time.time()-t0:.0f}s]", flush=True)
            if it == total // 2:
                evaluate(it)
    evaluate(it)
    out = a.out or f"{a.data}-reference-lr{a.base_lr}-s{a.steps}-seed{a.seed}-b{a.bottleneck}.json"
    json.dump(res, open(out, "w"), indent=1)
    print("wrote", out)


if __name__ == "__main__":
    main()
