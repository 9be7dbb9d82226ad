#!/usr/bin/env bash
# Installs quantlab-ml like a package: a Native AOT build (when a C toolchain is there; else a self-contained single-file
# ReadyToRun build) with the Python trainer beside it, a default configuration (never overwritten), an env file for
# secrets (mode 0600), bash and zsh completion, the chart fonts, and, if asked, the nightly schedule (cron or systemd).
# Every file it writes is listed in DIR/.install-manifest; --uninstall removes exactly those and keeps configuration and
# state (models, run folders) unless --purge.
#
#   scripts/install.sh --prefix DIR [--schedule cron|systemd]    everything under DIR (config DIR/etc, state DIR/var,
#                                                                logs DIR/log); nothing outside it, no user is created
#   sudo scripts/install.sh --system [--schedule cron|systemd]   /opt/quantlab-ml, /etc/quantlab-ml, /var/lib/quantlab-ml,
#                                                                /var/log/quantlab-ml, /usr/local/bin, a system user
#   scripts/install.sh --uninstall --prefix DIR [--purge]        remove it (--purge also configuration, state and logs)
#
# Options (defaults: --system | --prefix DIR):
#   --prefix DIR          program folder [/opt/quantlab-ml | DIR]; the executable is DIR/bin/quantlab-ml, the trainer DIR/bin/trainer
#   --bindir DIR          where the quantlab-ml symlink goes [/usr/local/bin | none: DIR/bin is the executable's own folder]
#   --etc DIR             configuration and env file [/etc/quantlab-ml | DIR/etc]
#   --state DIR           store, run folders and metrics [/var/lib/quantlab-ml | DIR/var]
#   --logdir DIR          cron logs [/var/log/quantlab-ml | DIR/log]
#   --user NAME           account the schedule runs as [quantlab-ml, created when missing | the current user, never created]
#   --schedule KIND       none, cron or systemd [none]
#   --mailto ADDRESS      where cron mails a failed run [root]; '' mails nothing
#   --cron-dir DIR        [/etc/cron.d | DIR/etc/cron.d]   --logrotate-dir DIR [/etc/logrotate.d | DIR/etc/logrotate.d]
#   --systemd-dir DIR     [/etc/systemd/system | DIR/etc/systemd]   --tmpfiles-dir DIR [/etc/tmpfiles.d | DIR/etc/tmpfiles.d]
#   --completion-dir DIR  bash completion [/usr/share/bash-completion/completions | DIR/share/bash-completion/completions];
#                         zsh's _quantlab-ml goes to [/usr/local/share/zsh/site-functions | DIR/share/zsh/site-functions]
#   --framework-dependent build needs the .NET 10 runtime on the server (used automatically when the self-contained
#                         restore fails, e.g. offline without the runtime packs)
#   --no-ready-to-run     skip Native AOT and ReadyToRun (a faster build, slower start; used by the tests)
#   --aot                 Native AOT, installing its toolchain when missing (Debian clang, zlib1g-dev); without it, AOT
#                         is used when clang (or clang-NN) and zlib are already there, and a failed AOT build falls back
#                         to ReadyToRun. Native AOT starts in a few milliseconds; ReadyToRun needs the runtime's start-up.
#   --no-aot              the self-contained single-file ReadyToRun build even when the AOT toolchain is there
#
# Chart fonts (DejaVu, for the candidate report's charts): --system installs Debian's fonts-dejavu-core when missing;
# --prefix only says so (installing a Debian package is outside DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source scripts/lib/deps.sh

prefix= bindir= etc= state= logdir= user= schedule=none cron_dir= logrotate_dir= systemd_dir= tmpfiles_dir= completion_dir=
zsh_dir= mailto=root self_contained=1 r2r=1 aot=auto uninstall=0 purge=0 system=0

die() { echo "install.sh: error: $*" >&2; exit 1; }
say() { echo "install.sh: $*" >&2; }
steps=8 step_no=0
step() { step_no=$((step_no + 1)); echo "install.sh: [$step_no/$steps] $*" >&2; }

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?}; shift ;;
    --system) system=1 ;;
    --mailto) mailto=${2?}; shift ;;
    --completion-dir) completion_dir=${2:?}; shift ;;
    --bindir) bindir=${2:?}; shift ;;
    --etc) etc=${2:?}; shift ;;
    --state) state=${2:?}; shift ;;
    --logdir) logdir=${2:?}; shift ;;
    --user) user=${2:?}; shift ;;
    --schedule) schedule=${2:?}; shift ;;
    --cron-dir) cron_dir=${2:?}; shift ;;
    --logrotate-dir) logrotate_dir=${2:?}; shift ;;
    --systemd-dir) systemd_dir=${2:?}; shift ;;
    --tmpfiles-dir) tmpfiles_dir=${2:?}; shift ;;
    --framework-dependent) self_contained=0 ;;
    --no-ready-to-run) r2r=0 ;;
    --aot) aot=yes ;;
    --no-aot) aot=no ;;
    --uninstall) uninstall=1 ;;
    --purge) purge=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
case $schedule in none|cron|systemd) ;; *) die "--schedule must be none, cron or systemd" ;; esac
case $mailto in *[!A-Za-z0-9@._+,-]*) die "--mailto: '$mailto' is not a mail address" ;; esac
if [ "$uninstall" = 1 ] && [ -z "$prefix" ]; then prefix=/opt/quantlab-ml; fi
if [ "$system" = 1 ]; then
  : "${prefix:=/opt/quantlab-ml}" "${bindir:=/usr/local/bin}" "${etc:=/etc/quantlab-ml}" "${state:=/var/lib/quantlab-ml}"
  : "${logdir:=/var/log/quantlab-ml}" "${user:=quantlab-ml}" "${cron_dir:=/etc/cron.d}" "${logrotate_dir:=/etc/logrotate.d}"
  : "${systemd_dir:=/etc/systemd/system}" "${tmpfiles_dir:=/etc/tmpfiles.d}"
  : "${completion_dir:=/usr/share/bash-completion/completions}" "${zsh_dir:=/usr/local/share/zsh/site-functions}"
else
  [ -n "$prefix" ] || die "say where: --prefix DIR (everything under DIR) or --system (/opt, /etc, /var and a system user)"
  # Only under the prefix unless a folder is named: a prefix install must not touch the rest of the machine.
  : "${etc:=$prefix/etc}" "${state:=$prefix/var}" "${logdir:=$prefix/log}" "${user:=$(id -un)}"
  : "${cron_dir:=$prefix/etc/cron.d}" "${logrotate_dir:=$prefix/etc/logrotate.d}" "${systemd_dir:=$prefix/etc/systemd}"
  : "${tmpfiles_dir:=$prefix/etc/tmpfiles.d}" "${completion_dir:=$prefix/share/bash-completion/completions}"
  : "${zsh_dir:=$prefix/share/zsh/site-functions}"
fi
for d in "$prefix" "$etc" "$state" "$logdir" ${bindir:+"$bindir"}; do
  case $d in /*) ;; *) die "paths must be absolute: $d" ;; esac
done
manifest=$prefix/.install-manifest
systemd_running() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }

# The manifest: one "KIND PATH" line per thing installed. file/link: removed by --uninstall; config: kept unless --purge;
# statedir/logdir: kept unless --purge; unit: systemd units to disable first; program: the program folder.
uninstall() {
  [ -f "$manifest" ] || die "$prefix was not installed by install.sh (no $manifest)"
  if grep -q '^unit ' "$manifest" && systemd_running; then
    # shellcheck disable=SC2046
    systemctl disable --now $(sed -n 's/^unit //p' "$manifest") >&2 || true
  fi
  while read -r kind path; do
    case $kind in
      link) if [ -L "$path" ] && [ "$(readlink "$path")" = "$prefix/bin/quantlab-ml" ]; then rm -f "$path"; fi ;;
      file) rm -f "$path" ;;
      config|statedir|logdir) if [ "$purge" = 1 ]; then rm -rf "$path"; fi ;;
    esac
  done < "$manifest"
  if grep -q '^unit ' "$manifest" && systemd_running; then systemctl daemon-reload >&2 || true; fi
  rm -rf "$prefix/bin" "$prefix/share/quantlab-ml"
  if [ "$purge" = 1 ]; then
    say "removed the configuration, the state (store, run folders) and the logs"
  else
    say "kept the configuration and the state: $(sed -n 's/^\(config\|statedir\) //p' "$manifest" | tr '\n' ' ')(--purge removes them)"
  fi
  if [ "$purge" = 1 ]; then
    rm -f "$manifest"
  else
    # What is kept stays listed, so a later --uninstall --purge can still remove it.
    grep -E '^(config|statedir|logdir) ' "$manifest" > "$manifest.kept" || true
    mv "$manifest.kept" "$manifest"
  fi
  # Folders the install made are removed only when empty (what the operator put there stays).
  find "$prefix" -depth -type d -empty -delete 2>/dev/null || true
  say "uninstalled quantlab-ml from $prefix"
}
if [ "$uninstall" = 1 ]; then uninstall; exit 0; fi

# --- account --------------------------------------------------------------------------------------------------------
step "account $user"
if ! id -u "$user" >/dev/null 2>&1; then
  [ "$system" = 1 ] || die "user $user does not exist (only --system creates one)"
  [ "$(id -u)" -eq 0 ] || die "user $user does not exist: run as root, or pass --user $(id -un)"
  say "creating system user $user"
  useradd --system --home-dir "$state" --no-create-home --shell /usr/sbin/nologin "$user"
fi
group=$(id -gn "$user")

# --- build ----------------------------------------------------------------------------------------------------------
step "build (dotnet publish: several minutes on two cores; a line every minute)"
ensure_dotnet
# A line a minute while dotnet publishes quietly, so a long build is not mistaken for a hung one.
( m=0; while sleep 60; do m=$((m + 1)); say "  ... still building ($m min)"; done ) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
case $(uname -m) in x86_64) rid=linux-x64 ;; aarch64|arm64) rid=linux-arm64 ;; *) die "unsupported machine $(uname -m)" ;; esac
# Its own artifacts folder: the publish never disturbs the developer's bin/obj, and a second install is incremental.
build=$repo/artifacts/install
staging=$build/publish
r2r_flag=false
if [ "$r2r" = 1 ]; then r2r_flag=true; fi
publish() {
  rm -rf "$staging"
  dotnet publish src/QuantLab.Ml.Cli -c Release -r "$rid" -nologo -v quiet --artifacts-path "$build/out" -o "$staging" \
    -p:PublishSingleFile=true -p:PackAsTool=false -p:PublishDocumentationFiles=false \
    -p:PublishReadyToRun=$r2r_flag "$@" >&2
}
# Native AOT: ILCompiler (a NuGet package the SDK restores) compiles to machine code and links with clang; zlib is linked in.
aot_compiler() {
  command -v clang >/dev/null && { echo clang; return; }
  local c; c=$(compgen -c clang- 2>/dev/null | grep -E '^clang-[0-9]+$' | sort -t- -k2 -n | tail -1 || true)
  [ -n "$c" ] && echo "$c"
}
aot_toolchain() { [ -n "$(aot_compiler)" ] && { [ -e /usr/include/zlib.h ] || ldconfig -p 2>/dev/null | grep -q 'libz\.so '; }; }
publish_aot() {
  rm -rf "$staging"
  dotnet publish src/QuantLab.Ml.Cli -c Release -r "$rid" --self-contained -nologo -v quiet --artifacts-path "$build/out-aot" -o "$staging" \
    -p:PublishAot=true -p:PackAsTool=false -p:PublishDocumentationFiles=false -p:CppCompilerAndLinker="$(aot_compiler)" >&2 || return 1
  # The native debug symbols (quantlab-ml.dbg, tens of MB) and the managed pdbs are not installed.
  rm -f "$staging"/*.dbg "$staging"/*.pdb
}
native_aot=0
if [ "$self_contained" = 1 ] && [ "$r2r" = 1 ] && [ "$aot" != no ]; then
  if [ "$aot" = yes ] && ! aot_toolchain; then ensure_debian_packages clang zlib1g-dev; fi
  if aot_toolchain; then
    say "publishing a Native AOT build for $rid (compiler: $(aot_compiler))"
    if publish_aot; then
      native_aot=1
    else
      say "WARNING: the Native AOT build failed; falling back to the single-file ReadyToRun build"
    fi
  else
    say "no C toolchain for Native AOT (clang, zlib1g-dev; --aot installs them): publishing the ReadyToRun build"
  fi
fi
if [ "$native_aot" = 1 ]; then
  :
elif [ "$self_contained" = 1 ]; then
  say "publishing a self-contained single-file build for $rid$([ "$r2r" = 1 ] && echo ' (ReadyToRun)')"
  if ! publish --self-contained; then
    say "WARNING: the self-contained build failed (runtime packs not restorable, offline?);"
    say "WARNING: falling back to a framework-dependent single file: this server then needs the .NET 10 runtime"
    self_contained=0
  fi
fi
if [ "$self_contained" = 0 ]; then
  publish --no-self-contained || die "dotnet publish failed"
fi
kill "$ticker" 2>/dev/null || true
if [ ! -x "$staging/quantlab-ml" ] || [ ! -f "$staging/trainer/quantlab_trainer/__main__.py" ]; then
  die "publish output is incomplete ($staging)"
fi
# Debug symbols are not installed (managed .pdb of every build, the native .dbg of Native AOT).
rm -f "$staging"/*.pdb "$staging"/*.dbg

# --- program --------------------------------------------------------------------------------------------------------
step "program into $prefix/bin"
# Placeholders of the templates in cron/: the default paths and user are replaced by this install's.
render() {
  sed -e "s#/opt/quantlab-ml#$prefix#g" -e "s#/etc/quantlab-ml#$etc#g" -e "s#/var/lib/quantlab-ml#$state#g" \
      -e "s#/var/log/quantlab-ml#$logdir#g" -e "s#^MAILTO=root\$#MAILTO=$mailto#" \
      -e "s#^\(User\|Group\)=quantlab-ml#\1=$user#" -e "s#^Group=$user#Group=$group#" \
      -e "s#^\([0-9*][^ ]* [^ ]* [^ ]* [^ ]* [^ ]*\) quantlab-ml #\1 $user #" \
      -e "s#su quantlab-ml quantlab-ml#su $user $group#" -e "s#create 0640 quantlab-ml quantlab-ml#create 0640 $user $group#" "$1"
}
mkdir -p "$prefix"
rm -rf "$prefix/bin.new"
cp -a "$staging" "$prefix/bin.new"
render cron/quantlab-ml-cron > "$prefix/bin.new/quantlab-ml-cron"
chmod 755 "$prefix/bin.new/quantlab-ml-cron"
chmod -R u=rwX,go=rX "$prefix/bin.new"
# Swap in one step so a run starting during an upgrade sees the old or the new build, never half of one.
if [ -d "$prefix/bin" ]; then mv "$prefix/bin" "$prefix/bin.old"; fi
mv "$prefix/bin.new" "$prefix/bin"
rm -rf "$prefix/bin.old"
mkdir -p "$prefix/share/quantlab-ml"
cp README.md "$prefix/share/quantlab-ml/README.md"
if [ -d docs ]; then mkdir -p "$prefix/share/quantlab-ml/docs" && cp docs/*.md "$prefix/share/quantlab-ml/docs/" 2>/dev/null || true; fi

# Schedule files of an earlier install stay listed, so an upgrade without --schedule still uninstalls them.
previous=$(grep -E '^(file|unit) ' "$manifest" 2>/dev/null || true)
{
  echo "program $prefix/bin"
  if [ -n "$previous" ]; then echo "$previous"; fi
  if [ -n "$bindir" ]; then
    mkdir -p "$bindir"
    ln -sfn "$prefix/bin/quantlab-ml" "$bindir/quantlab-ml"
    echo "link $bindir/quantlab-ml"
  fi
} > "$manifest"
add_manifest() { grep -qxF "$1 $2" "$manifest" || echo "$1 $2" >> "$manifest"; }

# --- completion -----------------------------------------------------------------------------------------------------
step "bash and zsh completion"
install_plain() { mkdir -p "$(dirname "$2")"; cp "$1" "$2"; chmod 0644 "$2"; add_manifest file "$2"; }
install_plain scripts/completion/quantlab-ml.bash "$completion_dir/quantlab-ml"
install_plain scripts/completion/_quantlab-ml "$zsh_dir/_quantlab-ml"

# --- fonts ----------------------------------------------------------------------------------------------------------
step "chart fonts (DejaVu)"
if fc-list 2>/dev/null | grep -q 'DejaVu Sans' || [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  say "DejaVu Sans is installed"
elif [ "$system" = 1 ]; then
  ensure_debian_packages fonts-dejavu-core
else
  say "WARNING: DejaVu Sans is missing: report charts fall back to another font (sudo apt-get install fonts-dejavu-core)"
fi

# --- configuration (never overwritten) ------------------------------------------------------------------------------
step "configuration in $etc (kept when present)"
mkdir -p "$etc"
if [ ! -e "$etc/quantlab-ml.json" ]; then
  cat > "$etc/quantlab-ml.json" <<JSON
{
  "Symbols": ["btcusdt"],
  "Exchange": "binance",
  "DataRoot": "/srv/compact",
  "StoreRoot": "$state/store",
  "WorkDir": "$state/work",
  "Provider": "local",
  "Trainer": { "Python": "/usr/bin/python3" },
  "Alerts": { "Format": "generic" },
  "Metrics": { "TextfileDir": "$state/metrics" }
}
JSON
  chown "root:$group" "$etc/quantlab-ml.json" 2>/dev/null || true
  chmod 0640 "$etc/quantlab-ml.json"
  say "wrote $etc/quantlab-ml.json: set DataRoot (and Symbols, Provider) for this server"
else
  say "kept the existing $etc/quantlab-ml.json"
fi
if [ ! -e "$etc/quantlab-ml.env" ]; then
  (umask 077; cat > "$etc/quantlab-ml.env" <<'ENV'
# Secrets of quantlab-ml: KEY=value lines, no quotes, no spaces around '='. Mode 0600, owned by the account that runs it.
# Read by systemd (EnvironmentFile=) and by quantlab-ml-cron; never put them in quantlab-ml.json.
#QUANTLAB_Alerts__WebhookUrl=https://hooks.slack.com/services/...
#VAST_API_KEY=
#AWS_ACCESS_KEY_ID=
#AWS_SECRET_ACCESS_KEY=
ENV
  )
  say "wrote $etc/quantlab-ml.env (mode 0600): put the secrets there"
fi
chown "$user:$group" "$etc/quantlab-ml.env"
chmod 0600 "$etc/quantlab-ml.env"
add_manifest config "$etc/quantlab-ml.json"
add_manifest config "$etc/quantlab-ml.env"

step "state in $state, logs in $logdir"
mkdir -p "$state/store" "$state/work" "$state/metrics" "$logdir"
add_manifest statedir "$state"
add_manifest logdir "$logdir"
chown "$user:$group" "$state" "$state/store" "$state/work" "$state/metrics" "$logdir"
chmod 0750 "$state" "$logdir"
chmod 0755 "$state/metrics"

# --- schedule -------------------------------------------------------------------------------------------------------
install_file() {
  mkdir -p "$(dirname "$2")"; render "$1" > "$2"; chmod 0644 "$2"
  add_manifest file "$2"
}
step "schedule: $schedule"
case $schedule in
  cron)
    install_file cron/quantlab-ml.cron "$cron_dir/quantlab-ml"
    install_file cron/logrotate "$logrotate_dir/quantlab-ml"
    if [ "$(date +%z)" != "+0000" ]; then
      say "WARNING: this server's time zone is $(date +%Z), not UTC: Debian's cron ignores CRON_TZ and would run at 00:15 $(date +%Z)."
      say "WARNING: set it with 'timedatectl set-timezone Etc/UTC', or use --schedule systemd (its timer says UTC itself)."
    fi
    say "installed the cron schedule: $cron_dir/quantlab-ml (logs in $logdir, failures mailed to ${mailto:-nobody})"
    ;;
  systemd)
    for unit in quantlab-ml.service quantlab-ml.timer quantlab-ml-reaper.service quantlab-ml-reaper.timer quantlab-ml-alert@.service; do
      install_file "cron/$unit" "$systemd_dir/$unit"
    done
    install_file cron/quantlab-ml.tmpfiles "$tmpfiles_dir/quantlab-ml.conf"
    grep -q '^unit ' "$manifest" || echo "unit quantlab-ml.timer quantlab-ml-reaper.timer" >> "$manifest"
    if systemd_running && [ "$systemd_dir" = /etc/systemd/system ]; then
      systemctl daemon-reload
      systemctl enable --now quantlab-ml.timer quantlab-ml-reaper.timer >&2
      say "enabled quantlab-ml.timer and quantlab-ml-reaper.timer: systemctl list-timers 'quantlab-ml*'"
    else
      say "units written to $systemd_dir: link or copy them to /etc/systemd/system, then systemctl enable --now quantlab-ml.timer quantlab-ml-reaper.timer"
    fi
    ;;
esac

say "installed $("$prefix/bin/quantlab-ml" --version) in $prefix ($([ "$native_aot" = 1 ] && echo "Native AOT" || { [ "$self_contained" = 1 ] && echo self-contained || echo framework-dependent; }))"
say "next: edit $etc/quantlab-ml.json and $etc/quantlab-ml.env, then run: sudo -u $user $prefix/bin/quantlab-ml-cron config check"
