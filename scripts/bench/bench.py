"""Whole-process measurements of scripts/bench.sh (issue #10) and the merge of bench/out/*.json into bench/results.json.

    bench.py orchestration --cli CMD --work DIR --reps N --out FILE   item 4: run-daily --provider ssh minus the trainer
    bench.py startup --work DIR --reps N --out FILE [--trim] [--no-aot] item 6: cold start of the published builds (AOT, R2R)
    bench.py merge --out-dir bench/out --results bench/results.json   machine + rows, then the table on stdout
Every timing is wall clock around a fresh process (time.perf_counter), min and median of the repetitions.
Loopback services come from the environment scripts/lib/services.sh exports (QUANTLAB_TEST_SSH_*).
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

from benchrow import row

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))



def run(cmd, cwd=None, env=None, check=True, quiet=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE if quiet else None, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        sys.exit(f"bench.py: {' '.join(cmd)} exited {r.returncode}: {r.stderr[-2000:]}")
    return r


def wall(cmd, **kw):
    t = time.perf_counter()
    run(cmd, **kw)
    return time.perf_counter() - t


def write(path, rows):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=2)
        f.write("\n")


def ts(s):
    return datetime.fromisoformat(s).timestamp()


# --- item 4 -----------------------------------------------------------------------------------------------------------
def orchestration(a):
    cli = shlex.split(a.cli)
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    host, port = os.environ["QUANTLAB_TEST_SSH_HOST"], os.environ["QUANTLAB_TEST_SSH_PORT"]
    with open(os.environ["QUANTLAB_TEST_SSH_HOST_KEY_PUB"], encoding="utf-8") as f:
        host_key = f.read().strip()
    known = os.path.join(work, "known_hosts")
    with open(known, "w", encoding="utf-8") as f:
        f.write(f"[{host}]:{port} {host_key}\n")
    date = "2026-01-20"
    run(cli + ["data", "sample", "--symbol", "btcusdt", "--from", date, "--days", "1", "--hours", "6", "--seed", "11", "--out", "data"], cwd=work)
    env = dict(os.environ)
    env.update({"QUANTLAB_Trainer__Python": a.python, "QUANTLAB_Trainer__PackageDir": os.path.join(REPO, "python"),
                "QUANTLAB_Remote__Python": a.python, "QUANTLAB_Remote__Root": os.path.join(work, "remote-root")})
    per_rep = []
    for rep in range(a.reps + 1):  # the first run bootstraps the host's environment check and warms caches: not counted
        store = os.path.join(work, f"store-{rep}")
        seconds = wall(cli + ["run-daily", "--symbol", "btcusdt", "--date", date, "--data", "data", "--store", store, "--json",
                              "--provider", "ssh", "--host", host, "--port", port, "--user", os.environ["QUANTLAB_TEST_SSH_USER"],
                              "--key", os.environ["QUANTLAB_TEST_SSH_KEY"], "--known-hosts", known], cwd=work, env=env)
        run_dir = glob.glob(os.path.join(store, "runs", "run-*"))[0]
        job_dir = glob.glob(os.path.join(run_dir, "btcusdt-*"))[0]
        with open(os.path.join(job_dir, "out", "runtime.json"), encoding="utf-8") as f:
            runtime = json.load(f)
        with open(os.path.join(job_dir, "out", "remote.json"), encoding="utf-8") as f:
            remote = json.load(f)
        with open(os.path.join(run_dir, "audit.jsonl"), encoding="utf-8") as f:
            audit = [json.loads(line) for line in f if line.strip()]
        steps = {e["step"]: ts(e["ended_at"]) - ts(e["started_at"]) for e in audit if e.get("ended_at")}
        trainer = runtime["durations_seconds"]["total"]
        upload, download = remote["upload"]["seconds"], remote["download"]["seconds"]
        detail = {
            "trainer wall (runtime.json)": trainer,
            "ssh: connect, job folder, bootstrap, start": remote["wall_seconds"] - remote["trainer_seconds"] - upload - download,
            "ssh: upload bundle": upload,
            "ssh: trainer interpreter start + exit seen (poll)": remote["trainer_seconds"] - trainer,
            "ssh: download outputs": download,
            "train step outside the runner": steps.get("train", 0.0) - remote["wall_seconds"],
        }
        detail.update({f"step {k}": v for k, v in steps.items() if k != "train"})
        detail["process start-up, evaluation, report, exit"] = seconds - sum(steps.values())
        per_rep.append((seconds, detail))
        if rep == 0:
            shutil.copy(os.path.join(run_dir, os.path.basename(job_dir), "job.json"), os.path.join(work, "job.json"))
            shutil.copy(os.path.join(run_dir, os.path.basename(job_dir), "dataset.npz"), os.path.join(work, "dataset.npz"))
    measured = per_rep[1:] or per_rep
    overheads = [s - d["trainer wall (runtime.json)"] for s, d in measured]
    walls = [s for s, _ in measured]
    med = statistics.median(overheads)
    poll = os.environ.get("QUANTLAB_Remote__PollInterval", "default")
    rows = [row("orchestration", "run-daily --provider ssh overhead (wall - trainer)", med, "s", "run-daily wall", statistics.median(walls),
                "< 3 s", med < 3.0,
                f"1 symbol-day (6 h sample, seed 11), loopback sshd, median of {len(measured)} after one warm-up; best {min(overheads):.2f} s; "
                f"CLI: {a.cli_label}; Remote:PollInterval {poll}")]
    for key in measured[0][1]:
        if key == "trainer wall (runtime.json)":
            continue
        v = statistics.median(d[key] for _, d in measured)
        rows.append(row("orchestration", key, v, "s", "overhead", med, "report", None, "median; share of the overhead in ratio"))
    write(a.out, rows)


# --- item 6 -----------------------------------------------------------------------------------------------------------
PUBLISH = ["-c", "Release", "-r", "linux-x64", "--self-contained", "-nologo", "-v", "quiet",
           "-p:PublishSingleFile=true", "-p:PackAsTool=false", "-p:PublishDocumentationFiles=false", "-p:PublishReadyToRun=true"]


def publish(project, out, artifacts, extra=(), base=PUBLISH):
    shutil.rmtree(out, ignore_errors=True)
    r = run(["dotnet", "publish", project, *base, "--artifacts-path", artifacts, "-o", out, *extra], check=False)
    return r.returncode == 0, (r.stdout or "") + r.stderr


def aot_compiler():
    """clang, else the newest clang-NN on PATH (Debian's clang-14 has no plain `clang` without the clang package), as scripts/install.sh picks it."""
    if shutil.which("clang"):
        return "clang"
    found = sorted({int(f[6:]) for d in os.environ.get("PATH", "").split(os.pathsep) if os.path.isdir(d)
                    for f in os.listdir(d) if f.startswith("clang-") and f[6:].isdigit()})
    return f"clang-{found[-1]}" if found else None


def publish_aot(project, out, artifacts):
    """Native AOT as scripts/install.sh makes it (self-contained, no single-file bundle: the executable is the program)."""
    base = ["-c", "Release", "-r", "linux-x64", "--self-contained", "-nologo", "-v", "quiet", "-p:PublishAot=true", "-p:PackAsTool=false",
            "-p:PublishDocumentationFiles=false", f"-p:CppCompilerAndLinker={aot_compiler()}"]
    return publish(project, out, artifacts, base=base)


def source_stamp():
    """The committed src/ tree and build props plus any uncommitted change to them: an earlier publish is reused only when equal."""
    head = run(["git", "-C", REPO, "rev-parse", "HEAD:src", "HEAD:Directory.Build.props", "HEAD:Directory.Packages.props"], check=False).stdout.strip()
    diff = run(["git", "-C", REPO, "diff", "HEAD", "--", "src", "Directory.Build.props", "Directory.Packages.props"], check=False).stdout
    return head + ":" + (hashlib.sha1(diff.encode()).hexdigest() if diff else "clean")


def make_app(folder, name, items, program):
    """Writes a small app's project and Program.cs, leaving unchanged files alone so its publish stays incremental."""
    os.makedirs(folder, exist_ok=True)
    files = {name + ".csproj": f'<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType></PropertyGroup>{items}</Project>\n',
             "Program.cs": program}
    for file, text in files.items():
        path = os.path.join(folder, file)
        if not os.path.exists(path) or open(path, encoding="utf-8").read() != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    return folder


def startup(a):
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    # Inside the repository, so Directory.Build.props and Directory.Packages.props apply to them as to quantlab-ml
    # (InvariantGlobalization, the pinned System.CommandLine); written at bench time, never committed (bench/out/).
    empty = make_app(os.path.join(work, "empty"), "empty", "", "return 0;\n")
    floor = make_app(os.path.join(work, "scl-floor"), "scl-floor", '<ItemGroup><PackageReference Include="System.CommandLine" /></ItemGroup>',
                     'using System.CommandLine;\n'
                     'var root = new RootCommand("floor") { new Option<bool>("--verbose") { Description = "more" } };\n'
                     'root.Subcommands.Add(new Command("offers", "offers") { new Option<string>("--gpu") { Description = "gpu" } });\n'
                     'return await root.Parse(args).InvokeAsync();\n')
    for app, name in ((empty, "empty"), (floor, "scl-floor")):
        ok, log = publish(app, os.path.join(work, name + "-sc"), os.path.join(work, "obj-" + name))
        if not ok:
            sys.exit(f"bench.py: publishing the {name} app failed:\n" + log[-3000:])
    run(["dotnet", "build", empty, "-c", "Release", "-nologo", "-v", "quiet", "-o", os.path.join(work, "empty-fd")])
    cli_dir = os.path.join(work, "cli")
    stamp = source_stamp()
    stamp_file = os.path.join(cli_dir, ".source-stamp")
    reused = a.reuse and os.path.exists(stamp_file) and open(stamp_file, encoding="utf-8").read() == stamp
    if not reused:
        ok, log = publish(os.path.join(REPO, "src", "QuantLab.Ml.Cli"), cli_dir, os.path.join(work, "obj-cli"))
        if not ok:
            sys.exit("bench.py: publishing quantlab-ml failed:\n" + log[-3000:])
        with open(stamp_file, "w", encoding="utf-8") as f:
            f.write(stamp)
    variants = [("published, R2R", os.path.join(cli_dir, "quantlab-ml"))]
    aot_note = ""
    if a.aot and aot_compiler() is None:
        aot_note = "Native AOT not measured: no clang on PATH"
    elif a.aot:
        ok, log = publish_aot(empty, os.path.join(work, "empty-aot"), os.path.join(work, "obj-empty-aot"))
        if not ok:
            sys.exit("bench.py: publishing the empty app Native AOT failed:\n" + log[-3000:])
        aot_dir = os.path.join(work, "cli-aot")
        aot_stamp = os.path.join(aot_dir, ".source-stamp")
        if not (a.reuse and os.path.exists(aot_stamp) and open(aot_stamp, encoding="utf-8").read() == stamp):
            ok, log = publish_aot(os.path.join(REPO, "src", "QuantLab.Ml.Cli"), aot_dir, os.path.join(work, "obj-cli-aot"))
            if not ok:
                sys.exit("bench.py: publishing quantlab-ml Native AOT failed:\n" + log[-3000:])
            with open(aot_stamp, "w", encoding="utf-8") as f:
                f.write(stamp)
        variants.insert(0, ("Native AOT", os.path.join(aot_dir, "quantlab-ml")))
    trim_note = ""
    if a.trim:
        ok, log = publish(os.path.join(REPO, "src", "QuantLab.Ml.Cli"), os.path.join(work, "cli-trim"), os.path.join(work, "obj-trim"),
                          ["-p:PublishTrimmed=true"])
        warnings = sorted({w.split(":")[1].strip().split(" ")[1] for w in log.splitlines() if ": warning IL" in w or ": error IL" in w})
        if ok and os.path.exists(os.path.join(work, "cli-trim", "quantlab-ml")) and run([os.path.join(work, "cli-trim", "quantlab-ml"), "--help"], check=False).returncode == 0:
            variants.append(("trimmed", os.path.join(work, "cli-trim", "quantlab-ml")))
        trim_note = "trimmed build: " + ("ok" if ok else "fails") + (f", trim warnings {', '.join(warnings[:8])}" if warnings else "")

    store = os.path.join(work, "empty-store")
    os.makedirs(store, exist_ok=True)
    commands = [("--help", ["--help"]), ("offers --help", ["offers", "--help"]), ("runs --store <empty folder> --json", ["runs", "--store", store, "--json"])]
    empty_sc = [os.path.join(work, "empty-sc", "empty")]
    empty_fd = ["dotnet", os.path.join(work, "empty-fd", "empty.dll")]
    floor_sc = [os.path.join(work, "scl-floor-sc", "scl-floor"), "--help"]
    contenders = {"empty-sc": empty_sc, "empty-fd": empty_fd, "floor": floor_sc}
    if any(label == "Native AOT" for label, _ in variants):
        contenders["empty-aot"] = [os.path.join(work, "empty-aot", "empty")]
    for label, exe in variants:
        for name, args in commands:
            contenders[f"{label}|{name}"] = [exe, *args]
    times = {k: [] for k in contenders}
    for cmd in contenders.values():  # one untimed run each: the page cache holds every binary, as on a server that ran yesterday
        run(cmd, check=False)
    for _ in range(a.reps):
        for k, cmd in contenders.items():
            times[k].append(wall(cmd))
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    best = {k: min(v) * 1000 for k, v in times.items()}
    rows = []
    for label, _ in variants:
        how = "Native AOT linux-x64 (scripts/install.sh's build)" if label == "Native AOT" else "self-contained single-file ReadyToRun linux-x64"
        # The target's reference is the issue's: an empty app published as the installed build was (self-contained single-file
        # ReadyToRun), and `dotnet empty.dll`; the AOT build is also set beside an empty app compiled Native AOT (the floor of a process).
        ref = "empty app, single-file R2R" if label == "Native AOT" else "empty app, same publish"
        for name, _ in commands:
            k = f"{label}|{name}"
            rows.append(row("startup", f"quantlab-ml {name} ({label})", med[k], "ms", ref, med["empty-sc"], "<= 1.5 x empty app",
                            med[k] <= 1.5 * med["empty-sc"],
                            f"median of {a.reps}, best {best[k]:.0f} vs {best['empty-sc']:.0f} ms; {how}; {trim_note}; {aot_note}".replace("; ; ", "; ").rstrip("; ")))
            rows.append(row("startup", f"quantlab-ml {name} ({label}) vs dotnet empty.dll", med[k], "ms", "dotnet empty.dll", med["empty-fd"], "report", None,
                            f"median of {a.reps}, best {best[k]:.0f} vs {best['empty-fd']:.0f} ms (framework-dependent empty app through the dotnet host)"))
            if label == "Native AOT":
                rows.append(row("startup", f"quantlab-ml {name} ({label}) vs empty app AOT", med[k], "ms", "empty app, Native AOT", med["empty-aot"], "report", None,
                                f"median of {a.reps}, best {best[k]:.0f} vs {best['empty-aot']:.0f} ms (the least any process start costs here)"))
    rows.append(row("startup", "System.CommandLine floor: 2-command app --help", med["floor"], "ms", "empty app, same publish", med["empty-sc"], "report", None,
                    f"median of {a.reps}, best {best['floor']:.0f} ms; the least a System.CommandLine CLI pays, published the same way"))
    write(a.out, rows)


# --- merge and table --------------------------------------------------------------------------------------------------
def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo", encoding="utf-8") if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo", encoding="utf-8") if l.startswith("MemTotal")), 0)
    osname = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release", encoding="utf-8") if l.startswith("PRETTY_NAME=")), platform.platform())
    dotnet = run(["dotnet", "--version"], check=False).stdout.strip()
    py = os.environ.get("QUANTLAB_TEST_PYTHON", sys.executable)
    xgb = run([py, "-c", "import xgboost; print(xgboost.__version__)"], check=False).stdout.strip() or "not importable"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem / 1048576, 1), "os": f"{osname} ({platform.release()})",
            "dotnet": dotnet, "xgboost": xgb}


def fmt(v):
    return f"{v:.4g}" if isinstance(v, (int, float)) else "not measured" if v is None else str(v)


def merge(a):
    rows = []
    for path in sorted(glob.glob(os.path.join(a.out_dir, "*.json"))):
        with open(path, encoding="utf-8") as f:
            rows += json.load(f)
    doc = {"machine": machine(), "started_at": a.started_at or datetime.now(timezone.utc).isoformat(timespec="seconds"), "rows": rows}
    write(a.results, doc)
    head = ["group", "name", "value", "reference", "ratio", "target", "met"]
    table = [[r["group"], r["name"], f"{fmt(r['value'])} {r['unit'] if r['value'] is not None else ''}".rstrip(), f"{r['reference_name']} {fmt(r['reference_value'])}", fmt(r["ratio"]),
              r["target"], {True: "yes", False: "NO", None: "-"}[r["met"]]] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *table)]
    for line in [head, ["-" * w for w in widths], *table]:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
    print(f"\n{len(rows)} rows, {sum(r['met'] is False for r in rows)} targets missed -> {a.results}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("orchestration")
    o.add_argument("--cli", required=True)
    o.add_argument("--cli-label", default="")
    o.add_argument("--python", required=True)
    o.add_argument("--work", required=True)
    o.add_argument("--reps", type=int, default=5)
    o.add_argument("--out", required=True)
    s = sub.add_parser("startup")
    s.add_argument("--work", required=True)
    s.add_argument("--reps", type=int, default=5)
    s.add_argument("--trim", action="store_true")
    s.add_argument("--no-aot", dest="aot", action="store_false", help="skip the Native AOT build (default: measured when clang is on PATH)")
    s.add_argument("--reuse", action="store_true", help="keep an earlier publish of the same sources")
    s.add_argument("--out", required=True)
    m = sub.add_parser("merge")
    m.add_argument("--out-dir", required=True)
    m.add_argument("--results", required=True)
    m.add_argument("--started-at")
    a = ap.parse_args()
    {"orchestration": orchestration, "startup": startup, "merge": merge}[a.cmd](a)


if __name__ == "__main__":
    main()
