namespace QuantLab.Ml.Remote.Scripts;

/// <summary>
/// The shell scripts the runner executes on the host. They are constants: every variable value (paths, interpreter,
/// numbers) reaches them as a quoted positional argument through <see cref="ShellQuote.Script"/>, never as text.
/// </summary>
internal static class RemoteScripts
{
    // Counts live (non-zombie) processes in process group $pg by reading /proc, because ps is missing from slim images
    // and `kill -0` also succeeds for zombies that PID 1 has not reaped yet. launch.sh uses it too.
    internal const string Alive = """
        alive() {
          n=0
          [ -n "$pg" ] || { echo 0; return; }
          for s in /proc/[0-9]*/stat; do
            { read -r l < "$s"; } 2>/dev/null || continue
            r=${l##*) }
            set -- $r
            if [ "$1" != Z ] && [ "$3" = "$pg" ]; then n=$((n + 1)); fi
          done
          echo "$n"
        }
        read_pgid() {
          pg=$(cat "$1/pgid" 2>/dev/null)
          case $pg in ''|*[!0-9]*) pg='' ;; esac
        }

        """;

    /// <summary>$1 root, $2 job id. Replaces any earlier attempt's folder (stopping its trainer if it still runs) and prints the absolute paths.</summary>
    public const string Prepare = Alive + """
        root=$1 id=$2
        mkdir -p -- "$root/jobs" "$root/envs" || exit 3
        cd -- "$root" || exit 3
        abs=$(pwd -P)
        d="$abs/jobs/$id"
        killed=0
        if [ -d "$d" ]; then
          read_pgid "$d"
          hb=$(cat "$d/heartbeat" 2>/dev/null || echo 0)
          case $hb in ''|*[!0-9]*) hb=0 ;; esac
          # Only a launcher with a fresh heartbeat still owns its process group number; an old number may belong to someone else now.
          if [ -n "$pg" ] && [ ! -e "$d/exit_code" ] && [ $(( $(date +%s) - hb )) -lt 300 ] && [ "$(alive)" -gt 0 ]; then
            kill -s TERM -- "-$pg" 2>/dev/null
            i=0
            while [ "$(alive)" -gt 0 ] && [ "$i" -lt 10 ]; do sleep 1; i=$((i + 1)); done
            kill -s KILL -- "-$pg" 2>/dev/null
            killed=1
          fi
          rm -rf -- "$d" || exit 3
        fi
        mkdir -p -- "$d/out" || exit 3
        printf 'root=%s\njob_dir=%s\nkilled=%s\n' "$abs" "$d" "$killed"
        """;

    /// <summary>$1 absolute root, $2 age in minutes, $3 current job id. Deletes job folders untouched for longer (a live heartbeat keeps a folder fresh).</summary>
    public const string Cleanup = Alive + """
        root=$1 minutes=$2 current=$3
        [ -d "$root/jobs" ] || { echo removed=0; exit 0; }
        removed=0
        for d in "$root"/jobs/job-*; do
          [ -d "$d" ] || continue
          [ "${d##*/}" = "$current" ] && continue
          [ -n "$(find "$d" -maxdepth 0 -mmin "+$minutes" 2>/dev/null)" ] || continue
          read_pgid "$d"
          if [ ! -e "$d/exit_code" ] && [ "$(alive)" -gt 0 ]; then continue; fi
          rm -rf -- "$d" && removed=$((removed + 1))
        done
        echo "removed=$removed"
        """;

    /// <summary>
    /// $1 job folder, $2 interpreter (fallback hasher), $3 where the trainer package comes from, then file names. Prints
    /// "sha256  name" lines, then unpacks the package: from the uploaded pkg.tar when $3 is empty, otherwise by copying
    /// pkg/ and launch.sh from the job folder $3 of the same batch, which was verified when it was uploaded.
    /// </summary>
    public const string HashAndUnpack = """
        d=$1 py=$2 from=$3
        shift 3
        cd -- "$d" || exit 3
        for f in "$@"; do
          if command -v sha256sum >/dev/null 2>&1; then
            sha256sum -- "$f" || exit 4
          else
            "$py" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest() + "  " + sys.argv[1])' "$f" || exit 4
          fi
        done
        rm -rf pkg || exit 5
        if [ -z "$from" ]; then
          mkdir pkg && tar -xof pkg.tar -C pkg || exit 5
        else
          cp -R -- "$from/pkg" pkg && cp -- "$from/launch.sh" launch.sh || exit 5
        fi
        """;

    /// <summary>
    /// $1 job folder, $2 configured interpreter, $3 envs folder, then pip arguments. Runs bootstrap.py, whose stdout is one
    /// JSON object, with the configured interpreter or, when that is not there, the first of the usual places: a
    /// non-interactive SSH session does not get the PATH Docker's ENV gives the image (the pytorch images keep Python in
    /// /opt/conda/bin). Exit 127 when none exists.
    /// </summary>
    public const string Bootstrap = """
        d=$1 py=$2 envs=$3
        shift 3
        cd -- "$d" || exit 3
        found=
        for c in "$py" python3 /opt/conda/bin/python3 /usr/local/bin/python3 /usr/bin/python3 python; do
          if command -v "$c" >/dev/null 2>&1; then found=$c; break; fi
        done
        if [ -z "$found" ]; then
          echo "no Python interpreter: tried $py, python3, /opt/conda/bin/python3, /usr/local/bin/python3, /usr/bin/python3, python" >&2
          exit 127
        fi
        if [ "$found" != "$py" ]; then echo "bootstrap: $py is not there; using $found" >&2; fi
        set -- --requirements pkg/requirements.txt --envs "$envs" --out bootstrap.json --configured "$py" "$@"
        exec "$found" bootstrap.py "$@"
        """;

    /// <summary>
    /// $1 job folder, $2 trainer interpreter, $3 watchdog seconds, $4 heartbeat seconds, $5 production model (0/1/2),
    /// $6 optional job folder to run after (a batch's previous job). Starts launch.sh detached, once.
    /// </summary>
    public const string Start = """
        d=$1 py=$2 watchdog=$3 beat=$4 prod=$5 after=${6:-}
        cd -- "$d" || exit 3
        if [ -e launched ]; then echo already-started; exit 0; fi
        : > launched
        if command -v setsid >/dev/null 2>&1; then
          nohup setsid sh "$d/launch.sh" "$py" "$watchdog" "$beat" "$prod" "$after" > launcher.log 2>&1 < /dev/null &
        else
          nohup "$py" -c 'import os, sys; os.setsid(); os.execvp("sh", ["sh"] + sys.argv[1:])' "$d/launch.sh" "$py" "$watchdog" "$beat" "$prod" "$after" > launcher.log 2>&1 < /dev/null &
        fi
        echo started
        """;

    /// <summary>$1 job folder, $2 log offset, $3 max log bytes, $4 log file under out/. Prints key=value lines, a "--" line, then the next piece of the log.</summary>
    public const string Status = Alive + """
        d=$1 offset=$2 max=$3 log=out/$4 wait=${5:-0}
        cd -- "$d" 2>/dev/null || { echo missing=1; echo --; exit 0; }
        read_pgid .
        # Long poll: wait here (up to $wait s) for the trainer to finish or vanish, so the end of a short training is
        # seen within 0.2 s instead of at the next poll, without more round trips. Cheap while the trainer works: a test
        # and a signal-0 every 0.2 s, the /proc count (which sees through unreaped zombies) every 2 s.
        i=0
        while [ ! -e exit_code ] && [ "$i" -lt "$((wait * 5))" ]; do
          [ -n "$pg" ] || read_pgid .
          if [ -n "$pg" ]; then
            kill -s 0 -- "-$pg" 2>/dev/null || break
            if [ $((i % 10)) -eq 9 ] && [ "$(alive)" -eq 0 ]; then break; fi
          fi
          sleep 0.2
          i=$((i + 1))
        done
        a=$(alive)
        # Read the exit code after counting processes: a launcher that finishes in between is then seen as finished, not vanished.
        printf 'alive=%s\n' "$a"
        printf 'pgid=%s\n' "$pg"
        printf 'exit=%s\n' "$(cat exit_code 2>/dev/null)"
        printf 'heartbeat=%s\n' "$(cat heartbeat 2>/dev/null)"
        printf 'now=%s\n' "$(date +%s)"
        size=0
        if [ -f "$log" ]; then size=$(wc -c < "$log" | tr -d ' '); fi
        printf 'log_size=%s\n' "$size"
        echo --
        if [ "$size" -gt "$offset" ]; then tail -c "+$((offset + 1))" -- "$log" | head -c "$max"; fi
        """;

    /// <summary>$1 job folder, $2 grace seconds. Stops the launcher's process group (TERM, then KILL) unless it already finished; prints alive=N.</summary>
    public const string Kill = Alive + """
        d=$1 grace=$2
        cd -- "$d" 2>/dev/null || { echo alive=0; exit 0; }
        # A start command still in flight has made the marker but the launcher has not written its pgid yet: wait for it.
        i=0
        while [ -e launched ] && [ ! -e pgid ] && [ ! -e exit_code ] && [ "$i" -lt 10 ]; do sleep 1; i=$((i + 1)); done
        read_pgid .
        if [ -z "$pg" ]; then echo alive=0; exit 0; fi
        if [ ! -e exit_code ]; then
          : > killed
          kill -s TERM -- "-$pg" 2>/dev/null
          i=0
          while [ "$(alive)" -gt 0 ] && [ "$i" -lt "$grace" ]; do sleep 1; i=$((i + 1)); done
          kill -s KILL -- "-$pg" 2>/dev/null
          i=0
          while [ "$(alive)" -gt 0 ] && [ "$i" -lt 10 ]; do sleep 1; i=$((i + 1)); done
        fi
        echo "alive=$(alive)"
        """;

    /// <summary>$1 file. Prints it (used for the small manifest).</summary>
    public const string Cat = """
        cat -- "$1"
        """;
}
