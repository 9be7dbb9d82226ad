namespace QuantLab.Ml.Remote.Scripts;

/// <summary>launch.sh: uploaded with each job and started detached; the trainer's whole life on the host.</summary>
internal static class LaunchScript
{
    public const string FileName = "launch.sh";

    public const string Text = """
        #!/bin/sh
        # quantlab-ml launcher. Runs detached in its own session and process group, so it outlives the SSH session
        # that started it. Writes pgid first, a heartbeat while it lives, "started" when the trainer starts (a batch's next
        # job waits for the previous one before that), manifest.sha256 of out/, exit_code last.
        # Args: python watchdog_seconds heartbeat_seconds production(0 none|1 model|2 model and its own test features)
        #       [job folder whose launcher must be gone before this trainer starts]
        set -u
        py=$1 watchdog=$2 beat=$3 prod=$4 after=${5:-}
        cd "$(dirname "$0")" || exit 1

        """ + RemoteScripts.Alive + """
        echo "$$" > pgid.tmp && mv -f pgid.tmp pgid
        ( while :; do date +%s > heartbeat.tmp && mv -f heartbeat.tmp heartbeat; sleep "$beat"; done ) &
        if [ -n "$after" ]; then
          # The next job of a batch, started while the previous one trains: it begins the moment the previous launcher
          # is gone (finished, timed out or stopped) instead of when quantlab-ml next looks. A previous launcher that
          # never wrote its pgid is waited for 60 s.
          # Waiting must cost the host next to nothing (the trainer before it needs the CPU): a test and a signal-0
          # every 0.1 s, and the /proc count, which also sees through zombies nobody reaps, every 2 s.
          waited=0 pg=
          while [ ! -e "$after/exit_code" ]; do
            [ -n "$pg" ] || read_pgid "$after"
            if [ -n "$pg" ]; then
              kill -s 0 -- "-$pg" 2>/dev/null || break
              if [ $((waited % 20)) -eq 19 ] && [ "$(alive)" -eq 0 ]; then break; fi
            elif [ "$waited" -ge 600 ]; then
              break
            fi
            sleep 0.1
            waited=$((waited + 1))
          done
        fi
        set -- --job ../job.json --data ../dataset.npz --out ../out
        if [ "$prod" != 0 ]; then set -- "$@" --production-model ../production_model.bin; fi
        if [ "$prod" = 2 ]; then set -- "$@" --production-data ../production_data.npz; fi
        PYTHONUNBUFFERED=1
        PYTHONDONTWRITEBYTECODE=1
        export PYTHONUNBUFFERED PYTHONDONTWRITEBYTECODE
        : > started
        (cd pkg && exec "$py" -m quantlab_trainer "$@") > console.log 2>&1 < /dev/null &
        trainer=$!
        # Host-side limit: stops the trainer even when quantlab-ml has lost this host for good.
        ( sleep "$watchdog"; : > watchdog_fired; kill -s TERM "$trainer" 2>/dev/null; sleep 15; kill -s KILL "$trainer" 2>/dev/null ) &
        wait "$trainer"
        rc=$?
        if [ -e watchdog_fired ]; then rc=124; fi
        hash() {
          if command -v sha256sum >/dev/null 2>&1; then
            sha256sum -- "$1"
          else
            "$py" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest() + "  " + sys.argv[1])' "$1"
          fi
        }
        (cd out && for f in *; do if [ -f "$f" ]; then hash "$f" || exit 1; fi; done) > manifest.sha256.tmp && mv -f manifest.sha256.tmp manifest.sha256
        echo "$rc" > exit_code.tmp && mv -f exit_code.tmp exit_code
        # Take the heartbeat loop, the watchdog and anything the trainer left behind down too; the launcher ignores the signal.
        trap '' TERM
        kill -s TERM -- "-$$" 2>/dev/null
        exit 0

        """;
}
