#!/usr/bin/env python3
"""gen_trs.py - a deterministic corpus of Training Requests for the benchmarks.

Python standard library only.  Two steps, usually run together:

  gen_trs.py files -n 10000 --seed 42 OUT/requests
      writes TR-0001.yaml .. TR-NNNN.yaml (flat), every one valid under the
      default .treqs/config.yaml: all fields of DESIGN section 2 with varied
      values, comments, flow and block style, 2- and 4-space indentation,
      literal and folded scalars, some CRLF files, a few with a '---'
      marker, 1% (--bom PERCENT) with a UTF-8 byte order mark, UTF-8
      titles and notes, and a few accepted variants (submitter, status:
      pending) that validate with a warning.

  gen_trs.py repo --treqs BIN -n 10000 --seed 42 OUT/requests OUT/repo
      builds a real git repository from those files: git init -b main,
      treqs init, then (with git fast-import; no git add / git commit):
        - most TRs under .treqs/requests/ on main, added over ~20 commits;
        - a few percent archived: .treqs/archive/TR-NNNN/{request.yaml,
          result.json,log.txt} on main (older ids);
        - a few hundred on their own branch treqs/TR-NNNN (newer ids) that
          forks from main and adds only that file; a third of those also
          have a remote-tracking ref refs/remotes/origin/treqs/TR-NNNN;
        - refs/remotes/origin/main at main's tip, as in a clone;
      then checks main out and packs objects and refs (git repack -ad,
      git pack-refs --all), as a clone would be.  OUT/repo/.git/bench-blobs
      lists, one per line, the ids of exactly the blobs `treqs list` reads
      (main's requests/*.yaml, the archived request.yaml files and the
      branch files), for `git cat-file --batch`.

  gen_trs.py all --treqs BIN -n N --seed S OUT  = files OUT/requests + repo OUT/repo

The same seed gives the same bytes (each file's generator is seeded with
"seed-index"), and commit dates are fixed, so commit ids are stable too.
"""

import argparse
import os
import random
import subprocess
import sys

# ---------------------------------------------------------------- vocabulary

PRICES = {"A100": 2.50, "H100": 4.00, "L4": 0.80, "cpu": 0.0}
UNPRICED_GPUS = ["V100", "RTX 4090", "MI300X", "TPU-v5e", "A10G", "L40S"]

MODELS = ["ResNet-50", "ViT-B/16", "BERT-base", "T5-small", "GPT-2 medium", "LLaMA-7B LoRA",
          "Whisper-small", "wav2vec2", "U-Net", "DINOv2", "CLIP ViT-L", "Mistral-7B", "YOLOv8",
          "EfficientNet-B4", "DeBERTa-v3", "Conformer", "PPO agent", "diffusion UNet"]
CHANGES = ["larger batch with linear LR scaling", "cosine schedule instead of step decay",
           "mixed precision (bf16)", "gradient checkpointing", "label smoothing 0.1",
           "longer warm-up", "AdamW beta2 0.95", "deduplicated training set",
           "curriculum by sequence length", "EMA of weights", "stochastic depth 0.2",
           "RandAugment n=2 m=9", "tokenizer with 64k vocabulary", "FlashAttention kernels",
           "ZeRO stage 2 sharding", "re-run of the baseline with a new seed",
           "dropout sweep", "weight decay 0.05", "frozen backbone, new head", "knowledge distillation"]
UTF8_TITLES = ["Réentraînement du modèle de détection", "Größere Batches für das Sprachmodell",
               "Ajuste fino con datos en español (ñ, á, é)", "日本語コーパスでの事前学習",
               "中文文本分类基线", "Обучение с линейным масштабированием LR",
               "Ölçeklenebilir eğitim denemesi", "Δοκιμή με μεγαλύτερο batch",
               "Tuning F1 Score — precision × recall", "Loss ≤ 0.47 in half the time",
               "Café-scale sweep ☕ over learning rates", "Modelo pequeño 🚀 para móviles"]
DATASETS = ["imagenet_v3", "imagenet-21k", "coco_2017", "librispeech-960h", "c4_en", "wikitext-103",
            "openwebtext", "squad_v2", "glue", "cifar100", "laion-400m-subset", "commonvoice_de",
            "internal/clickstream-2024q1", "pile-dedup", "mnli", "ade20k", "kinetics-400"]
METRICS = {"val_loss": ("<=", 0.2, 2.5, 2), "accuracy": (">=", 0.6, 0.95, 3),
           "top1_acc": (">=", 0.7, 0.9, 3), "F1 Score": (">=", 0.5, 0.95, 2),
           "bleu": (">", 20, 45, 1), "wer": ("<", 0.03, 0.3, 3), "perplexity": ("<=", 5, 40, 1),
           "throughput": (">=", 500, 20000, 0), "mAP@0.5": (">=", 0.3, 0.7, 3),
           "latency_ms": ("<", 5, 120, 0), "exact_match": (">=", 0.6, 0.9, 2),
           "reward": (">", 100, 900, 0), "nan_steps": ("==", 0, 0, 0), "oom_restarts": ("!=", 1, 1, 0)}
NAMES = [("jane", "Jane Doe"), ("li.wei", "Li Wei"), ("jose", "José García"), ("anna", "Anna Müller"),
         ("kofi", "Kofi Mensah"), ("priya", "Priya Raman"), ("sven", "Sven Øster"), ("yuki", "Yuki Tanaka"),
         ("omar", "Omar Haddad"), ("mia", "Mia Rossi"), ("tom", "Tom Brown"), ("zoe", "Zoë Laurent")]
DOMAINS = ["example.org", "ml.example.com", "research.example.net"]
REVIEWERS = ["ml-lead@example.org", "infra@example.org", "vision-lead@example.org",
             "nlp-lead@example.org", "budget@example.org", "sre@ml.example.com"]
TEAMS = ["vision", "nlp", "speech", "rl", "infra", "recsys", "research.core"]
DRIVERS = ["local", "slurm", "kubernetes", "ray", "http"]
SCRIPTS = ["train.py", "scripts/train.py", "finetune.py", "src/main.py", "tools/train_net.py"]
FLAGS = [("--batch-size", ["32", "64", "128", "256", "1024"]), ("--lr", ["1e-4", "3e-4", "4e-4", "0.1", "2e-5"]),
         ("--epochs", ["10", "30", "90", "300"]), ("--precision", ["bf16", "fp16", "fp32"]),
         ("--seed", ["0", "1", "42", "1234"]), ("--config", ["configs/base.yaml", "configs/large.yaml"]),
         ("--warmup-steps", ["500", "2000", "10000"]), ("--grad-accum", ["1", "2", "8"])]
COMMENTS = ["reviewed with the infra team", "see the design doc in the wiki", "TODO: confirm with finance",
            "numbers from the last sweep", "keep in sync with configs/base.yaml",
            "pessimistic estimate", "includes evaluation time", "à vérifier avec l'équipe",
            "from the capacity plan", "matches the baseline's setup"]
NOTE_LINES = ["Free text.", "Previous attempt diverged after 3k steps; lowering the LR.",
              "The data loader is the bottleneck on 8 GPUs; we pin memory now.",
              "Results go to the shared dashboard.", "Ping #ml-infra before launching on H100s.",
              "Baseline numbers come from the archived run.", "Les résultats seront comparés à la référence.",
              "Zusätzliche Auswertung auf dem Testset folgt.", "  indented: keep this line as written",
              "Cost estimate assumes spot pricing is NOT available.", "- a list item in prose",
              "key: value in notes is just text", "Tracking issue: ML-4711."]
OBJECTIVES = ["Same validation loss as {b} in half the wall time",
              "Reach {m} {v} on the held-out set",
              "Decide whether the {c} is worth keeping for the next release",
              "Check that {model} still trains stably with the {c}",
              "Quantify the effect of the {c} on {m}",
              "Produce a checkpoint for the {team} team's evaluation"]
HYPOTHESES = ["The {c} keeps {m} within 5% of the baseline",
              "{m} improves by at least 1 point with the {c}",
              "Wall time drops by 30% with no loss in {m}",
              "Nothing changes; this is a control run"]
STATUSES = ["draft", "review", "review", "approved", "changes-requested", "running", "executed", "failed"]


class W:
    """Writes lines with one indentation unit; joins with LF or CRLF."""

    def __init__(self, ind, eol):
        self.lines, self.ind, self.eol = [], ind, eol

    def put(self, depth, text):
        self.lines.append(self.ind * depth + text)

    def text(self):
        return self.eol.join(self.lines) + self.eol


def dq(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sq(s):
    return "'" + s.replace("'", "''") + "'"


SAFE_PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./@ ")


def scalar(r, s):
    """A string value in a random but correct style (plain only when it reads back as a string)."""
    looks_special = s.lower() in ("true", "false", "null", "yes", "no", "~", "") or \
        s[:1] in "-. " or s[-1:] == " " or s.replace(".", "", 1).replace("e-", "", 1).isdigit()
    plain = not looks_special and all(ord(c) > 127 or c in SAFE_PLAIN for c in s)
    k = r.random()
    if plain and k < 0.5:
        return s
    if k < 0.85 or "'" in s:
        return dq(s)
    return sq(s)


def num(r, v, decimals):
    if decimals == 0 or v == int(v) and r.random() < 0.5:
        return str(int(round(v)))
    return f"{v:.{decimals}f}"


def flow_list(r, items, quote=True):
    sep = r.choice([", ", ", ", ","])
    body = sep.join(scalar(r, x) if quote else x for x in items)
    return f"[{body}]" if r.random() < 0.8 else f"[ {body} ]"


def maybe_comment(r, p=0.12):
    return "  # " + r.choice(COMMENTS) if r.random() < p else ""


def email(r):
    user, _ = r.choice(NAMES)
    return f"{user}@{r.choice(DOMAINS)}"


def gen_tr(seed, i, bom_rate=0.0):
    """The bytes of a valid TR-<i> file, and its status word."""
    r = random.Random(f"{seed}-{i}")
    tid = f"TR-{i:04d}"
    crlf = r.random() < 0.10
    w = W("  " if r.random() < 0.8 else "    ", "\r\n" if crlf else "\n")

    model, change = r.choice(MODELS), r.choice(CHANGES)
    metrics = r.sample(sorted(METRICS), r.randint(1, 4))
    m0 = metrics[0]
    team = r.choice(TEAMS)
    baseline = f"TR-{r.randint(1, i - 1):04d}" if i > 1 and r.random() < 0.45 else None

    gpu = r.choice(list(PRICES) * 3 + UNPRICED_GPUS)
    count = 1 if gpu == "cpu" else r.choice([1, 1, 2, 4, 8, 8, 16, 32, 64])
    hours = r.choice([0.5, 1, 1.5, 2, 4, 6, 8, 12, 24, 36, 48, 72, 96, 168])
    price = PRICES.get(gpu, r.choice([1.2, 2.0, 3.1]))
    cost = count * hours * price * r.uniform(0.92, 1.08)   # within the 25% tolerance

    def title():
        if r.random() < 0.15:
            t = r.choice(UTF8_TITLES)
        else:
            t = f"{model}: {change}" if r.random() < 0.6 else f"{change.capitalize()} for {model}"
        if ":" in t or "#" in t or "/" in t:
            return [f"title: {dq(t) if r.random() < 0.8 else sq(t)}"]
        return [f"title: {scalar(r, t)}"]

    def objective():
        o = r.choice(OBJECTIVES).format(b=baseline or "the last release", m=m0, v=METRICS[m0][0] + " target",
                                        c=change, model=model, team=team)
        if r.random() < 0.2:
            # folded block scalar over two lines
            words = o.split(" ")
            cut = max(1, len(words) // 2)
            return ["objective: >", w.ind + " ".join(words[:cut]), w.ind + " ".join(words[cut:])]
        return [f"objective: {dq(o) if r.random() < 0.7 or ':' in o else o}"]

    def hypothesis():
        h = r.choice(HYPOTHESES).format(c=change, m=m0)
        return [f"hypothesis: {dq(h) if r.random() < 0.6 else sq(h)}"]

    def resources():
        cnt = None if count == 1 and r.random() < 0.5 else count
        hrs = num(r, hours, 1)
        gt = gpu if r.random() < 0.7 and gpu != "RTX 4090" else dq(gpu)
        extra = []
        if r.random() < 0.4:
            extra.append(("memory_gb", str(r.choice([32, 64, 128, 256, 512]))))
        if r.random() < 0.3:
            extra.append(("cpus", str(r.choice([4, 8, 16, 32, 96]))))
        kv = [("gpu_type", gt)] + ([("gpu_count", str(cnt))] if cnt is not None else []) + [("hours", hrs)] + extra
        if r.random() < 0.3:
            return ["resources: {" + ", ".join(f"{k}: {v}" for k, v in kv) + "}" + maybe_comment(r)]
        out = ["resources:" + maybe_comment(r, 0.05)]
        for k, v in kv:
            out.append(f"{w.ind}{k}: {v}" + (maybe_comment(r, 0.1) if k == "hours" else ""))
        return out

    def strlist(key, items):
        if not items:
            return [f"{key}: []"]
        if r.random() < 0.6:
            return [f"{key}: {flow_list(r, items)}"]
        lead = w.ind if r.random() < 0.5 else ""
        return [f"{key}:"] + [f"{lead}- {scalar(r, x)}" for x in items]

    def datasets():
        return strlist("datasets", r.sample(DATASETS, r.randint(1, 3)))

    def cost_line():
        return [f"cost_estimate_usd: {num(r, round(cost, 2), 2)}" + maybe_comment(r, 0.2)]

    def eval_metrics():
        return strlist("eval_metrics", metrics)

    def expected():
        conds = []
        for m in metrics[: r.randint(0, len(metrics))]:
            op, lo, hi, dec = METRICS[m]
            v = lo if lo == hi else r.uniform(lo, hi)
            c = f"{op} {num(r, v, dec) if dec else int(v)}"
            key = m if " " not in m or r.random() < 0.5 else dq(m)
            val = c if op in ("<", "<=", "==") and r.random() < 0.3 else dq(c)
            conds.append((key, val))
        if not conds:
            return ["expected: {}"] if r.random() < 0.5 else []
        if r.random() < 0.35:
            return ["expected: {" + ", ".join(f"{k}: {v}" for k, v in conds) + "}"]
        return ["expected:"] + [f"{w.ind}{k}: {v}" for k, v in conds]

    def run():
        out = ["run:"]
        script = r.choice(SCRIPTS)
        args = []
        for flag, vals in r.sample(FLAGS, r.randint(0, 4)):
            args += [flag, r.choice(vals)]
        if r.random() < 0.1:
            out.append(f"{w.ind}shell: true")
            out.append(f"{w.ind}command: {dq(' '.join(['python', script] + args) + ' 2>&1 | tee train.log')}")
        elif r.random() < 0.7:
            out.append(f"{w.ind}command: {flow_list(r, ['python', script] + args)}")
        else:
            out.append(f"{w.ind}command:")
            out += [f"{w.ind * 2}- {scalar(r, a)}" for a in ["python3", script] + args]
        if r.random() < 0.3:
            out.append(f"{w.ind}workdir: {scalar(r, r.choice(['experiments/' + team, 'src', 'projects/' + team + '/v2']))}")
        if r.random() < 0.35:
            env = r.sample([("CUDA_VISIBLE_DEVICES", dq("0,1")), ("WANDB_MODE", "offline"), ("OMP_NUM_THREADS", "8"),
                            ("NCCL_DEBUG", "WARN"), ("HF_HOME", dq("/scratch/hf")), ("PYTHONHASHSEED", "0")],
                           r.randint(1, 3))
            if r.random() < 0.5:
                out.append(f"{w.ind}env: {{" + ", ".join(f"{k}: {v}" for k, v in env) + "}")
            else:
                out.append(f"{w.ind}env:")
                out += [f"{w.ind * 2}{k}: {v}" for k, v in env]
        if r.random() < 0.6:
            mins = r.choice([5, 10, 15, 30, 60])
            targs = ["--max-steps", str(r.choice([50, 100, 200]))]
            if r.random() < 0.6:
                out.append(f"{w.ind}test_run: {{ minutes: {mins}, args: {flow_list(r, targs)} }}")
            else:
                out += [f"{w.ind}test_run:", f"{w.ind * 2}minutes: {mins}", f"{w.ind * 2}args:"]
                out += [f"{w.ind * 3}- {dq(a)}" for a in targs]
        if r.random() < 0.25:
            out.append(f"{w.ind}max_restarts: {r.randint(0, 3)}")
        return out

    def submitted_by():
        key = "submitter" if r.random() < 0.02 else "submitted_by"
        e = email(r)
        return [f"{key}: {dq(e) if r.random() < 0.7 else e}"]

    def reviewers():
        return strlist("reviewers", r.sample(REVIEWERS, r.randint(1, 2)))

    status_word = None

    def status():
        nonlocal status_word
        status_word = "pending" if r.random() < 0.02 else r.choice(STATUSES)
        return [f"status: {status_word}" + ("  # written by treqs" if r.random() < 0.1 else "")]

    def notes():
        k = r.random()
        if k < 0.15:
            return []
        if k < 0.25:
            return ['notes: ""']
        lines = r.sample(NOTE_LINES, r.randint(1, 5))
        if k < 0.85:
            # a first line indented more than the rest needs an indentation indicator
            head = f"notes: |{len(w.ind)}" if lines[0].startswith(" ") else "notes: |"
            return [head] + [w.ind + x for x in lines]
        return ["notes: >-"] + [w.ind + x.strip() for x in lines if not x.startswith("-")] or ["notes: x"]

    def team_line():
        return [f"team: {team}"]

    def driver_line():
        return [f"driver: {r.choice(DRIVERS)}"]

    fields = [("id", lambda: [f"id: {tid if r.random() < 0.9 else dq(tid)}"]),
              ("title", title), ("objective", objective)]
    if r.random() < 0.8:
        fields.append(("hypothesis", hypothesis))
    if baseline:
        fields.append(("baseline", lambda: [f"baseline: {baseline}"]))
    fields += [("resources", resources), ("datasets", datasets) if r.random() < 0.9 else None,
               ("cost_estimate_usd", cost_line), ("eval_metrics", eval_metrics) if r.random() < 0.9 else None,
               ("expected", expected), ("run", run) if r.random() < 0.95 else None,
               ("submitted_by", submitted_by) if r.random() < 0.9 else None,
               ("reviewers", reviewers) if r.random() < 0.8 else None,
               ("team", team_line) if r.random() < 0.5 else None,
               ("driver", driver_line) if r.random() < 0.2 else None,
               ("status", status), ("notes", notes)]
    fields = [f for f in fields if f]
    if r.random() < 0.1:
        # someone moved a few fields around
        a, b = r.sample(range(1, len(fields)), 2)
        fields[a], fields[b] = fields[b], fields[a]

    if r.random() < 0.05:
        w.put(0, "---")
    if r.random() < 0.5:
        w.put(0, "# A Training Request (see treqs-tr(5)).")
        if r.random() < 0.5:
            w.put(0, f"# {r.choice(COMMENTS)}")
    for name, fn in fields:
        if r.random() < 0.08:
            w.put(0, f"# {r.choice(COMMENTS)}")
        for line in fn():
            w.lines.append(line)
        if r.random() < 0.05:
            w.lines.append("")
    data = w.text().encode("utf-8")
    if r.random() < bom_rate:
        data = b"\xef\xbb\xbf" + data
    return data, status_word


# ---------------------------------------------------------------- placement

def plan(seed, n):
    """Which ids are archived and which live on their own branch."""
    r = random.Random(f"{seed}-plan")
    k = max(1, n * 3 // 100) if n >= 20 else 1
    old = list(range(1, max(2, n * 6 // 10) + 1))
    new = list(range(max(1, n * 9 // 10), n + 1))
    archived = set(r.sample(old, min(k, len(old))))
    branches = sorted(set(r.sample(new, min(k, len(new)))) - archived)
    pushed = set(branches[::3])
    return archived, branches, pushed


def cmd_files(args):
    os.makedirs(args.dir, exist_ok=True)
    for i in range(1, args.n + 1):
        data, _ = gen_tr(args.seed, i, args.bom / 100.0)
        with open(os.path.join(args.dir, f"TR-{i:04d}.yaml"), "wb") as f:
            f.write(data)
    print(f"gen_trs: wrote {args.n} TR files to {args.dir}", file=sys.stderr)


def git(repo, *a, env=None, **kw):
    return subprocess.run(["git", "-C", repo] + list(a), check=True, env=env, **kw)


def cmd_repo(args):
    n, repo = args.n, args.repo
    archived, branches, pushed = plan(args.seed, n)
    branch_set = set(branches)
    env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.org",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.org",
               GIT_AUTHOR_DATE="@1700000000 +0000", GIT_COMMITTER_DATE="@1700000000 +0000")
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(k, None)
    os.makedirs(repo, exist_ok=True)
    git(repo, "init", "-q", "-b", "main", env=env)
    git(repo, "config", "user.name", "Bench", env=env)
    git(repo, "config", "user.email", "bench@example.org", env=env)
    git(repo, "remote", "add", "origin", "https://example.org/ml/models.git", env=env)
    subprocess.run([args.treqs, "init"], cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)
    # the TRs name cluster drivers: define them, as a real repository would
    cfg = os.path.join(repo, ".treqs", "config.yaml")
    with open(cfg) as f:
        text = f.read()
    text = text.replace("drivers: {}\n", "drivers:\n"
                        "  slurm: {type: slurm, endpoint: \"unix:/run/slurmrestd.sock\"}\n"
                        "  kubernetes: {type: kubernetes, endpoint: \"https://k8s.example.org\", image: \"train:1\"}\n"
                        "  ray: {type: ray, endpoint: \"http://ray.example.org:8265\"}\n"
                        "  http: {type: http, endpoint: \"http://jobs.example.org\", repo: \"ml/models\"}\n", 1)
    with open(cfg, "w") as f:
        f.write(text)
    git(repo, "commit", "-q", "--amend", "--no-edit", "-a", env=env)

    def read(i):
        with open(os.path.join(args.dir, f"TR-{i:04d}.yaml"), "rb") as f:
            return f.read()

    out = []

    def blob_inline(path, data):
        out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    def commit(ref, msg, parent, mark, t):
        m = msg.encode()
        out.append(f"commit {ref}\nmark :{mark}\n"
                   f"committer Bench <bench@example.org> {t} +0000\ndata {len(m)}\n".encode() + m + b"\n")
        if parent:
            out.append(f"from {parent}\n".encode())

    main_ids = [i for i in range(1, n + 1) if i not in branch_set]
    ncommits = max(1, min(20, len(main_ids) // 50))
    per = (len(main_ids) + ncommits - 1) // ncommits
    t, mark, parent = 1700000100, 1, "refs/heads/main^0"
    for c in range(ncommits):
        chunk = main_ids[c * per:(c + 1) * per]
        if not chunk:
            break
        commit("refs/heads/main", f"treqs: TR-{chunk[0]:04d}..TR-{chunk[-1]:04d}\n\nTReqs-Action: new\n",
               parent, mark, t)
        for i in chunk:
            tid = f"TR-{i:04d}"
            if i in archived:
                blob_inline(f".treqs/archive/{tid}/request.yaml", read(i))
                res = (f'{{"id": "{tid}", "exit_status": 0, "gpu_hours": {i % 97 + 0.5}, '
                       f'"cost_actual_usd": {i % 389 + 12.25}, "metrics": {{"val_loss": 0.{i % 90 + 10}}}}}\n')
                blob_inline(f".treqs/archive/{tid}/result.json", res.encode())
                blob_inline(f".treqs/archive/{tid}/log.txt",
                            "".join(f"step {s} loss 0.{(i * s) % 900 + 100}\n" for s in range(0, 2000, 100)).encode())
            else:
                blob_inline(f".treqs/requests/{tid}.yaml", read(i))
        parent, mark, t = f":{mark}", mark + 1, t + 60
    main_mark = parent
    # a clone's remote-tracking copy of main: what makes main's TRs "in review"
    out.append(f"reset refs/remotes/origin/main\nfrom {main_mark}\n\n".encode())
    for i in branches:
        tid = f"TR-{i:04d}"
        commit(f"refs/heads/treqs/{tid}", f"treqs: new {tid}\n\nTReqs-Id: {tid}\nTReqs-Action: new\n",
               main_mark, mark, t)
        blob_inline(f".treqs/requests/{tid}.yaml", read(i))
        if i in pushed:
            out.append(f"reset refs/remotes/origin/treqs/{tid}\nfrom :{mark}\n\n".encode())
        mark, t = mark + 1, t + 1
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet", "--done"], input=b"".join(out) + b"done\n",
                   check=True, env=env)
    git(repo, "reset", "-q", "--hard", "main", env=env)   # HEAD already names main; check the files out
    if not args.no_repack:
        git(repo, "repack", "-adq", env=env)
        git(repo, "pack-refs", "--all", env=env)
    # the blobs `treqs list` reads, as object names for cat-file --batch
    lines = []
    for i in range(1, n + 1):
        tid = f"TR-{i:04d}"
        if i in branch_set:
            lines.append(f"refs/heads/treqs/{tid}:.treqs/requests/{tid}.yaml")
        elif i in archived:
            lines.append(f"main:.treqs/archive/{tid}/request.yaml")
        else:
            lines.append(f"main:.treqs/requests/{tid}.yaml")
    res = subprocess.run(["git", "-C", repo, "cat-file", "--batch-check=%(objectname)"],
                         input="\n".join(lines) + "\n", capture_output=True, text=True, check=True, env=env)
    ids = res.stdout.split()
    if len(ids) != n or any(len(x) != 40 for x in ids):
        sys.exit("gen_trs: some TR blobs are missing from the repository")
    gitdir = subprocess.run(["git", "-C", repo, "rev-parse", "--absolute-git-dir"], capture_output=True,
                            text=True, check=True).stdout.strip()
    with open(os.path.join(gitdir, "bench-blobs"), "w") as f:
        f.write("\n".join(ids) + "\n")
    print(f"gen_trs: repository {repo}: {len(main_ids) - len(archived)} TRs on main, {len(archived)} archived, "
          f"{len(branches)} on treqs/ branches ({len(pushed)} also at origin)", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("files", "repo", "all"):
        p = sub.add_parser(name)
        p.add_argument("-n", type=int, default=10000, help="number of TRs (default 10000)")
        p.add_argument("--seed", type=int, default=42)
        p.add_argument("--bom", type=float, default=1.0, metavar="PERCENT",
                       help="start this share of files with a UTF-8 byte order mark (default 1)")
        if name != "files":
            p.add_argument("--treqs", required=True, help="the treqs binary (for treqs init)")
            p.add_argument("--no-repack", action="store_true", help="leave fast-import's pack as it is")
        if name == "all":
            p.add_argument("out")
        else:
            p.add_argument("dir", help="the directory of TR files")
        if name == "repo":
            p.add_argument("repo")
    args = ap.parse_args()
    if args.n < 1 or args.n > 999999999:
        ap.error("-n must be from 1 to 999999999")
    if args.cmd == "all":
        args.dir = os.path.join(args.out, "requests")
        args.repo = os.path.join(args.out, "repo")
        cmd_files(args)
        cmd_repo(args)
    elif args.cmd == "files":
        cmd_files(args)
    else:
        cmd_repo(args)


if __name__ == "__main__":
    main()
