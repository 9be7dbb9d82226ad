# Stand-in for the real trainer in the SSH runner tests: same command line and output files, behaviour chosen by
# mode.txt next to this file (ok, sleep:SECONDS, hang, crash, exit:CODE, missing:FILE, big:MEGABYTES,
# tamper: after the launcher has written its manifest and exit code, keep changing model.bin, so the download cannot match).
# A file mode-<job id>.txt beside it overrides mode.txt for that one job (batches with one bad job).
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
mode_file = os.path.join(here, "mode.txt")
mode = open(mode_file).read().strip() if os.path.exists(mode_file) else "ok"
kind, _, arg = mode.partition(":")

p = argparse.ArgumentParser(prog="quantlab_trainer")
p.add_argument("--job", required=True)
p.add_argument("--data", required=True)
p.add_argument("--out", required=True)
p.add_argument("--production-model")
args = p.parse_args()

os.makedirs(args.out, exist_ok=True)
log = open(os.path.join(args.out, "train.log"), "a", buffering=1)


def say(message):
    log.write(message + "\n")
    print(message, flush=True)


job = json.load(open(args.job))
job_mode_file = os.path.join(here, "mode-%s.txt" % job["job_id"])
if os.path.exists(job_mode_file):
    mode = open(job_mode_file).read().strip()
    kind, _, arg = mode.partition(":")
data = open(args.data, "rb").read()
say("fake trainer: job %s mode %s pid %d pgid %d" % (job["job_id"], mode, os.getpid(), os.getpgid(0)))
say("dataset sha256 %s" % hashlib.sha256(data).hexdigest())

if kind == "sleep":
    steps = int(float(arg) * 10)
    for i in range(steps):
        if i % 10 == 0:
            say("round %d" % (i // 10))
        time.sleep(0.1)
elif kind == "hang":
    # A child in the same process group, as a real trainer's worker would be: it must die with the group.
    subprocess.Popen(["sleep", "1000"])
    i = 0
    while True:
        say("still training %d" % i)
        i += 1
        time.sleep(0.2)
elif kind == "crash":
    say("about to fail")
    say("2026-01-16T02:00:00Z ERROR exit 1: fake failure for the test")
    raise ValueError("fake failure for the test")
elif kind == "exit":
    say("exiting with %s" % arg)
    sys.exit(int(arg))

size = int(float(arg) * 1024 * 1024) if kind == "big" else 2 * 1024 * 1024 + 123
seed = hashlib.sha256(data).digest()
with open(os.path.join(args.out, "model.bin"), "wb") as f:
    block = seed
    written = 0
    while written < size:
        block = hashlib.sha256(block).digest() * 1024
        f.write(block[: size - written])
        written += len(block[: size - written])

files = {
    "predictions.npy": b"\x93NUMPY fake predictions " + seed,
    "train_metrics.json": json.dumps({"best_iteration": 7, "valid_mlogloss": 0.9}).encode(),
    "runtime.json": json.dumps({"device": "cpu", "seconds": 0.1}).encode(),
}
if args.production_model:
    files["predictions_production.npy"] = b"\x93NUMPY production " + open(args.production_model, "rb").read()[:64]
for name, content in files.items():
    if kind == "missing" and name == arg:
        continue
    with open(os.path.join(args.out, name), "wb") as f:
        f.write(content)
if kind == "missing" and arg == "model.bin":
    os.remove(os.path.join(args.out, "model.bin"))
if kind == "tamper":
    # Its own session, so the launcher's clean-up of the trainer's process group does not stop it.
    job_dir = os.path.dirname(os.path.abspath(args.out))
    tamper = (
        "import os, time\n"
        "job, model = %r, %r\n"
        "while not os.path.exists(os.path.join(job, 'exit_code')): time.sleep(0.001)\n"
        "end = time.time() + 8\n"
        "while time.time() < end:\n"
        "    open(model, 'ab').write(b'x')\n"
        "    time.sleep(0.002)\n"
    ) % (job_dir, os.path.join(os.path.abspath(args.out), "model.bin"))
    subprocess.Popen([sys.executable, "-c", tamper], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
say("done")
