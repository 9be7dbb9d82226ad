namespace QuantLab.Ml.Remote.Scripts;

/// <summary>bootstrap.py: checks the host's interpreter against requirements.txt and only when that fails builds a venv with pip.</summary>
internal static class BootstrapScript
{
    public const string FileName = "bootstrap.py";

    public const string Text = """
        # quantlab-ml environment bootstrap. Prints one JSON object on stdout; everything else goes to stderr.
        # A host that already has the required packages (e.g. no internet, preinstalled image) is used as is: pip runs
        # only when a requirement is missing or at an unsupported version, into a venv under <root>/envs reused by later jobs.
        import argparse
        import hashlib
        import importlib
        import json
        import os
        import platform
        import re
        import shutil
        import subprocess
        import sys

        IMPORT_CHECKED = ("numpy", "xgboost")


        def fail(message, code=3):
            print("bootstrap: " + message, file=sys.stderr)
            sys.exit(code)


        def parse_requirements(path):
            try:
                with open(path, encoding="utf-8") as f:
                    lines = f.readlines()
            except OSError as e:
                fail("cannot read %s: %s" % (path, e))
            reqs = []
            for raw in lines:
                line = raw.split("#", 1)[0].strip()
                if not line or line.startswith("-"):
                    continue
                m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)", line)
                if not m:
                    fail("cannot parse requirement %r" % line)
                clauses = [c.strip() for c in m.group(3).split(",") if c.strip()]
                reqs.append((m.group(1), clauses))
            return reqs


        def release(version):
            m = re.match(r"^\s*v?(\d+(?:\.\d+)*)", version)
            return [int(x) for x in m.group(1).split(".")] if m else []


        def padded(a, b):
            n = max(len(a), len(b))
            return a + [0] * (n - len(a)), b + [0] * (n - len(b))


        def satisfies(version, clause):
            m = re.match(r"^(~=|===|==|!=|<=|>=|<|>)\s*(\S+)$", clause)
            if not m:
                return False
            op, want = m.groups()
            have = release(version)
            if op in ("==", "!=") and want.endswith(".*"):
                prefix = release(want[:-2])
                same = padded(have[: len(prefix)], prefix)[0] == prefix
                return same if op == "==" else not same
            a, b = padded(have, release(want))
            if op in ("==", "==="):
                return a == b
            if op == "!=":
                return a != b
            if op == ">=":
                return a >= b
            if op == "<=":
                return a <= b
            if op == ">":
                return a > b
            if op == "<":
                return a < b
            w = release(want)
            return a >= b and len(w) >= 2 and have[: len(w) - 1] == w[:-1]


        def check(reqs):
            from importlib import metadata

            found, problems = {}, []
            for name, clauses in reqs:
                try:
                    version = metadata.version(name)
                except metadata.PackageNotFoundError:
                    problems.append("%s is not installed" % name)
                    continue
                found[name.lower()] = version
                bad = [c for c in clauses if not satisfies(version, c)]
                if bad:
                    problems.append("%s %s does not satisfy %s" % (name, version, ",".join(bad)))
            listed = set(n.lower() for n, _ in reqs)
            for module in IMPORT_CHECKED:
                if module in listed and module in found:
                    try:
                        importlib.import_module(module)
                    except Exception as e:  # a broken install must send us to pip, not to a crashing trainer
                        problems.append("import %s failed: %s" % (module, e))
            return found, problems


        def gpus():
            smi = shutil.which("nvidia-smi")
            if not smi:
                return False, []
            try:
                out = subprocess.run(
                    [smi, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                    capture_output=True, text=True, timeout=60,
                )
            except (OSError, subprocess.SubprocessError) as e:
                print("bootstrap: nvidia-smi failed: %s" % e, file=sys.stderr)
                return True, []
            return True, [line.strip() for line in out.stdout.splitlines() if line.strip()]


        def run_check_only(python, requirements):
            out = subprocess.run(
                [python, os.path.abspath(__file__), "--check-only", "--requirements", requirements],
                capture_output=True, text=True,
            )
            if out.returncode != 0:
                fail("checking %s failed: %s" % (python, out.stderr.strip()[-500:]))
            return json.loads(out.stdout)


        def venv_python(args, requirements_bytes, reqs, problems):
            key = hashlib.sha256(requirements_bytes + b"\0" + sys.executable.encode()).hexdigest()[:16]
            envs = os.path.abspath(args.envs)
            os.makedirs(envs, exist_ok=True)
            venv = os.path.join(envs, key)
            python = os.path.join(venv, "bin", "python")
            import fcntl

            with open(os.path.join(envs, key + ".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # two jobs bootstrapping one host build the venv once
                if os.path.exists(os.path.join(venv, ".ok")):
                    checked = run_check_only(python, args.requirements)
                    if not checked["problems"]:
                        return python, venv, checked["found"], False
                print("bootstrap: %s; installing requirements into %s" % ("; ".join(problems), venv), file=sys.stderr)
                shutil.rmtree(venv, ignore_errors=True)
                made = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], stdout=sys.stderr)
                if made.returncode != 0:
                    fail("python -m venv failed with exit %d (on Debian/Ubuntu install python3-venv)" % made.returncode)
                pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", args.requirements]
                installed = subprocess.run(pip + args.pip_arg, stdout=sys.stderr)
                if installed.returncode != 0:
                    fail("pip install -r requirements.txt failed with exit %d" % installed.returncode)
                checked = run_check_only(python, args.requirements)
                if checked["problems"]:
                    fail("after pip install: " + "; ".join(checked["problems"]))
                open(os.path.join(venv, ".ok"), "w").close()
                return python, venv, checked["found"], True


        def main():
            p = argparse.ArgumentParser()
            p.add_argument("--requirements", required=True)
            p.add_argument("--envs")
            p.add_argument("--out")
            p.add_argument("--pip-arg", action="append", default=[])
            p.add_argument("--check-only", action="store_true")
            p.add_argument("--configured")
            args = p.parse_args()
            reqs = parse_requirements(args.requirements)
            found, problems = check(reqs)
            if args.check_only:
                print(json.dumps({"found": found, "problems": problems}))
                return
            with open(args.requirements, "rb") as f:
                requirements_bytes = f.read()
            python, venv, pip_installed = sys.executable, None, False
            if problems:
                python, venv, found, pip_installed = venv_python(args, requirements_bytes, reqs, problems)
            has_smi, gpu_list = gpus()
            report = {
                "python": python,
                "python_configured": args.configured,
                "python_resolved": sys.executable,
                "requirements": ["%s%s" % (n, ",".join(c)) for n, c in reqs],
                "python_version": platform.python_version(),
                "packages": found,
                "requirements_sha256": hashlib.sha256(requirements_bytes).hexdigest(),
                "pip_installed": pip_installed,
                "venv": venv,
                "nvidia_smi": has_smi,
                "gpus": gpu_list,
                "platform": platform.platform(),
            }
            if args.out:
                with open(args.out, "w") as f:
                    json.dump(report, f, indent=2)
            print(json.dumps(report))


        if __name__ == "__main__":
            main()

        """;
}
