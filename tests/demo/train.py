#!/usr/bin/env python3
"""A small, real training job for the treqs demo and tests: logistic
regression by gradient descent on a generated, linearly separable-ish data
set, with Python's standard library only (no downloads).

It reports its metrics the two ways treqs reads them: lines
"treqs-metric NAME=VALUE" on standard output, and $TREQS_OUTPUT_DIR/metrics.json.
"""
import argparse
import json
import math
import os
import random
import sys
import time


def make_data(n, dim, seed):
    rng = random.Random(seed)
    w_true = [rng.uniform(-2, 2) for _ in range(dim)]
    rows = []
    for _ in range(n):
        x = [rng.gauss(0, 1) for _ in range(dim)]
        z = sum(a * b for a, b in zip(w_true, x)) + rng.gauss(0, 0.5)
        rows.append((x, 1.0 if z > 0 else 0.0))
    return rows


def sigmoid(z):
    if z < -30:
        return 0.0
    if z > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))


def evaluate(w, b, rows):
    loss = 0.0
    correct = 0
    for x, y in rows:
        p = sigmoid(sum(a * c for a, c in zip(w, x)) + b)
        p = min(max(p, 1e-12), 1 - 1e-12)
        loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
        correct += (p >= 0.5) == (y == 1.0)
    return loss / len(rows), correct / len(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.5)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--dim", type=int, default=8)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many epochs (test runs)")
    ap.add_argument("--sleep", type=float, default=0.0, help="seconds to sleep per epoch (to look busy)")
    ap.add_argument("--fail", choices=["nan", "oom", "exit"], help="simulate a failure")
    args = ap.parse_args()

    rows = make_data(args.samples, args.dim, args.seed)
    split = int(len(rows) * 0.8)
    train, val = rows[:split], rows[split:]
    w = [0.0] * args.dim
    b = 0.0
    epochs = args.epochs if not args.max_steps else min(args.epochs, args.max_steps)
    start = time.time()
    for epoch in range(1, epochs + 1):
        gw = [0.0] * args.dim
        gb = 0.0
        for x, y in train:
            err = sigmoid(sum(a * c for a, c in zip(w, x)) + b) - y
            for i in range(args.dim):
                gw[i] += err * x[i]
            gb += err
        for i in range(args.dim):
            w[i] -= args.lr * gw[i] / len(train)
        b -= args.lr * gb / len(train)
        train_loss, _ = evaluate(w, b, train)
        if args.fail == "nan" and epoch == 2:
            print(f"epoch {epoch} loss=nan", flush=True)
            time.sleep(60)
        if args.fail == "oom" and epoch == 2:
            print("RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB", flush=True)
            time.sleep(60)
        print(f"epoch {epoch} loss={train_loss:.4f}", flush=True)
        if args.sleep:
            time.sleep(args.sleep)
    if args.fail == "exit":
        print("simulated failure", file=sys.stderr)
        sys.exit(3)
    val_loss, val_acc = evaluate(w, b, val)
    elapsed = time.time() - start
    metrics = {"val_loss": round(val_loss, 4), "val_accuracy": round(val_acc, 4),
               "throughput": round(len(train) * epochs / max(elapsed, 1e-6), 1)}
    for k, v in metrics.items():
        print(f"treqs-metric {k}={v}", flush=True)
    out = os.environ.get("TREQS_OUTPUT_DIR")
    if out:
        with open(os.path.join(out, "metrics.json"), "w") as f:
            json.dump(metrics, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
