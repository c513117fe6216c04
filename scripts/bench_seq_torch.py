#!/usr/bin/env python3
"""PyTorch reference for `biore bench train-seq --compare-torch` (optional; never a dependency).

Same shapes, same model, same optimizer (Adam, no weight decay, no clipping) as
src/cli/commands/benchTrainSeq.ts, with torch's fused nn.LSTM on CPU: one warm-up step, then
the median of --steps steps on one fixed random batch. Runs the LSTM twice: over a
PackedSequence (the same masked semantics as ours: the backward direction starts at each
row's last real token) and over the plain padded tensor (faster, but reads padding).
Prints one JSON object.
"""
import argparse
import json
import os
import statistics
import time

# On a shared machine, OpenMP's default active spin-waiting makes torch's 2-thread steps up to
# 10x slower (measured: 2.55 s vs 0.28 s for the tagger at load 6); passive waiting is the
# figure torch would get, so it is the reference (set before torch loads libgomp).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def crf_nll(em, tags, mask, trans, start, end):
    """Mean linear-chain CRF NLL over rows; em [B,T,K], tags [B,T], mask [B,T] float."""
    B, T, K = em.shape
    oh = nn.functional.one_hot(tags, K).float() * mask.unsqueeze(2)
    gold = (em * oh).sum((1, 2))
    gold = gold + ((oh[:, :-1] @ trans) * oh[:, 1:]).sum((1, 2))
    gold = gold + (oh[:, 0] * start).sum(1)
    mnext = torch.cat([mask[:, 1:], torch.zeros(B, 1)], 1)
    gold = gold + ((oh * (mask - mnext).unsqueeze(2)).sum(1) * end).sum(1)
    alpha = em[:, 0] + start
    for t in range(1, T):
        nxt = torch.logsumexp(alpha.unsqueeze(2) + trans, 1) + em[:, t]
        m = mask[:, t : t + 1]
        alpha = nxt * m + alpha * (1 - m)
    logz = torch.logsumexp(alpha + end, 1)
    return ((logz - gold) * mask[:, 0]).sum() / mask[:, 0].sum().clamp(min=1)


class Model(nn.Module):
    def __init__(self, a, packed):
        super().__init__()
        self.a = a
        self.packed = packed
        self.word = nn.Embedding(a.vocab, a.emb)
        d = a.emb
        if a.model == "classifier":
            self.pos1 = nn.Embedding(2 * a.seq + 1, a.pos)
            self.pos2 = nn.Embedding(2 * a.seq + 1, a.pos)
            d += 2 * a.pos
        self.lstm = nn.LSTM(d, a.hidden, batch_first=True, bidirectional=True)
        out = a.classes if a.model == "classifier" else a.tags
        self.out = nn.Linear(2 * a.hidden, out)
        if a.model == "tagger":
            self.trans = nn.Parameter(torch.rand(a.tags, a.tags) * 0.2 - 0.1)
            self.start = nn.Parameter(torch.rand(a.tags) * 0.2 - 0.1)
            self.end = nn.Parameter(torch.rand(a.tags) * 0.2 - 0.1)

    def forward(self, b):
        x = self.word(b["ids"])
        if self.a.model == "classifier":
            x = torch.cat([x, self.pos1(b["pos1"]), self.pos2(b["pos2"])], -1)
        T = x.shape[1]
        if self.packed:
            p = pack_padded_sequence(x, b["lens"], batch_first=True, enforce_sorted=False)
            h, _ = pad_packed_sequence(self.lstm(p)[0], batch_first=True, total_length=T)
        else:
            h, _ = self.lstm(x)
        mask = b["mask"]
        if self.a.model == "classifier":
            pooled = (h + (mask.unsqueeze(2) - 1) * 1e4).max(1).values
            return nn.functional.cross_entropy(self.out(pooled), b["labels"])
        return crf_nll(self.out(h), b["tags"], mask, self.trans, self.start, self.end)


def run(a, packed):
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(7)
    B, T = a.batch, a.seq
    lens = torch.randint(T // 2, T + 1, (B,), generator=g)
    mask = (torch.arange(T).unsqueeze(0) < lens.unsqueeze(1)).float()
    b = {"ids": torch.randint(1, a.vocab, (B, T), generator=g) * mask.long(), "lens": lens, "mask": mask}
    if a.model == "classifier":
        b["pos1"] = torch.randint(0, 2 * T + 1, (B, T), generator=g)
        b["pos2"] = torch.randint(0, 2 * T + 1, (B, T), generator=g)
        b["labels"] = torch.randint(0, a.classes, (B,), generator=g)
    else:
        b["tags"] = torch.randint(0, a.tags, (B, T), generator=g)
    model = Model(a, packed)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(b)
        loss.backward()
        opt.step()
        return loss.item()

    first = step()
    times, last = [], first
    for _ in range(a.steps):
        t0 = time.perf_counter()
        last = step()
        times.append(time.perf_counter() - t0)
    return {"medianStepSeconds": round(statistics.median(times), 4), "minStepSeconds": round(min(times), 4), "firstLoss": round(first, 4), "lastLoss": round(last, 4)}


def main():
    p = argparse.ArgumentParser()
    for k, v in [("vocab", 30000), ("emb", 200), ("pos", 10), ("hidden", 200), ("seq", 64), ("batch", 32), ("classes", 5), ("tags", 7), ("steps", 12), ("threads", 2)]:
        p.add_argument("--" + k, type=int, default=v)
    p.add_argument("--model", choices=["classifier", "tagger"], default="classifier")
    p.add_argument("--lr", type=float, default=1e-3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "ompWaitPolicy": os.environ["OMP_WAIT_POLICY"], "packed": run(a, True), "padded": run(a, False)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
