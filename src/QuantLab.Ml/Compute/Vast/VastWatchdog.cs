using System.Globalization;

namespace QuantLab.Ml.Compute.Vast;

/// <summary>
/// The onstart script of a rented instance: a watchdog that, once max runtime + margin has passed, stops the trainer and
/// destroys the instance itself, so the machine cannot outlive its job even when quantlab-ml died and nobody ran reap-orphans.
/// </summary>
/// <remarks>
/// Written for the image as it really is: the watchdog is the image's own Python (the pytorch runtime images have no
/// curl), the trainers are found through the process-group files their launchers write (no <c>pkill -f</c>, whose
/// pattern matched the watchdog's own command line and killed it before the DELETE), the instance id and key come from
/// CONTAINER_ID and CONTAINER_API_KEY, which Vast sets in the container. Whether that instance key may destroy its own
/// instance is not documented: the watchdog logs the HTTP status it gets and, when refused, says so; the trainer is
/// stopped either way and reap-orphans' schedule is the guarantee that the machine goes (docs/vast.md).
/// Everything variable reaches the Python code as an argument, never as code; the log goes to
/// /var/log/quantlab-watchdog.log (or $QUANTLAB_WATCHDOG_LOG).
/// </remarks>
public static class VastWatchdog
{
    /// <summary>Interpreters tried in order: the image's PATH, then where the pytorch/conda images keep Python.</summary>
    public static readonly IReadOnlyList<string> Interpreters = ["python3", "/opt/conda/bin/python3", "/usr/local/bin/python3", "/usr/bin/python3", "python"];

    public static string OnstartScript(TimeSpan hardLimit, string apiBaseUrl, string remoteRoot = "quantlab-ml")
    {
        var seconds = ((long)Math.Ceiling(hardLimit.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var baseUrl = apiBaseUrl.TrimEnd('/');
        CheckPlain(baseUrl, "Vast base URL");
        CheckPlain(remoteRoot, "Remote:Root");
        var candidates = string.Join(' ', Interpreters);
        return $$"""
            log=${QUANTLAB_WATCHDOG_LOG:-/var/log/quantlab-watchdog.log}
            [ -w "${log%/*}" ] || log=/tmp/quantlab-watchdog.log
            py=
            for c in {{candidates}}; do
              if command -v "$c" >/dev/null 2>&1; then py=$c; break; fi
            done
            if [ -z "$py" ]; then echo "quantlab watchdog: no Python found ({{candidates}}); not armed" >>"$log"; else
            "$py" - '{{seconds}}' '{{baseUrl}}' '{{remoteRoot}}' >>"$log" 2>&1 <<'QUANTLAB_WATCHDOG' &
            {{Python}}
            QUANTLAB_WATCHDOG
            fi

            """;
    }

    private static void CheckPlain(string value, string what)
    {
        if (value.Length == 0 || value.Any(c => c is '\'' or '"' or '`' or '$' or '\\' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new Common.UsageException($"{what} '{Common.SymbolName.Printable(value)}' cannot be used in the watchdog script");
        }
    }

    // Python 3.6+ and the standard library only. Exit 0: destroyed or already gone; 2: the key was refused; 3: gave up.
    private const string Python = """
        import glob, json, os, signal, sys, time, urllib.error, urllib.request
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        limit, base, root = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        root = root if os.path.isabs(root) else os.path.join(os.path.expanduser("~"), root)
        def log(m):
            print(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) + " quantlab watchdog: " + m, flush=True)
        iid = os.environ.get("CONTAINER_ID") or os.environ.get("VAST_CONTAINERLABEL", "")[2:]
        key = os.environ.get("CONTAINER_API_KEY", "")
        log("armed: stops the trainers under %s and destroys instance %s in %d s (pid %d)" % (root, iid or "?", limit, os.getpid()))
        time.sleep(limit)
        def groups():
            out = []
            for f in glob.glob(os.path.join(root, "jobs", "*", "pgid")):
                if os.path.exists(os.path.join(os.path.dirname(f), "exit_code")):
                    continue
                try:
                    pg = int(open(f).read().strip())
                except (OSError, ValueError):
                    continue
                if pg > 1 and pg != os.getpgrp():
                    out.append(pg)
            return out
        def signal_all(sig):
            n = 0
            for pg in groups():
                try:
                    os.killpg(pg, sig)
                    n += 1
                except OSError:
                    pass
            return n
        n = signal_all(signal.SIGTERM)
        log("limit of %d s reached: sent TERM to %d trainer process groups" % (limit, n))
        for _ in range(20):  # up to 10 s for them to go, then KILL what is left
            if not n or not signal_all(0):
                break
            time.sleep(0.5)
        else:
            signal_all(signal.SIGKILL)
        if not iid.isdigit() or not key:
            log("cannot destroy: CONTAINER_ID or CONTAINER_API_KEY is not set; the trainer is stopped, reap-orphans must destroy this instance")
            sys.exit(2)
        url = "%s/api/v0/instances/%s/" % (base, iid)
        for attempt in range(1, 7):
            req = urllib.request.Request(url, data=b"{}", method="DELETE", headers={
                "Authorization": "Bearer " + key, "Content-Type": "application/json", "Accept": "application/json"})
            status, body = None, ""
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status, body = r.status, r.read(2000).decode("utf-8", "replace")
            except urllib.error.HTTPError as e:
                status, body = e.code, e.read(2000).decode("utf-8", "replace")
            except Exception as e:
                body = "%s: %s" % (type(e).__name__, e)
            try:
                answer = json.loads(body)
            except ValueError:
                answer = None
            answer = answer if isinstance(answer, dict) else {}
            said = " ".join(str(answer.get(k, "")) for k in ("error", "msg")).strip() or body.strip()[:200]
            log("DELETE instance %s (attempt %d): HTTP %s %s" % (iid, attempt, status, said))
            if status == 200 and answer.get("success") is not False:
                log("destroyed instance %s" % iid)
                sys.exit(0)
            if "no_such_instance" in said or "not_found" in said:
                log("instance %s is already gone" % iid)
                sys.exit(0)
            if status in (401, 403) or "auth_error" in said or "nvalid user key" in said:
                log("the instance key may not destroy instance %s (HTTP %s): the trainer is stopped; it bills until reap-orphans destroys it" % (iid, status))
                sys.exit(2)
            time.sleep(min(5 * attempt, 30))
        log("gave up destroying instance %s: the trainer is stopped; it bills until reap-orphans destroys it" % iid)
        sys.exit(3)
        """;
}
