#!/usr/bin/env bash
# Installs quantlab-ml on this server: a Native AOT build (when a C toolchain is there; else a self-contained single-file
# ReadyToRun build) with the Python trainer beside it,
# a default configuration (never overwritten), an env file for secrets (mode 0600), a symlink on PATH and, if asked,
# the nightly schedule (cron or systemd). --uninstall removes what an install put in place.
#
#   sudo scripts/install.sh [--schedule cron|systemd]        install (or upgrade) under /opt/quantlab-ml
#   sudo scripts/install.sh --uninstall [--purge]            remove it (--purge also removes configuration and logs)
#
# Options (defaults in brackets):
#   --prefix DIR          program folder [/opt/quantlab-ml]; the executable is DIR/bin/quantlab-ml, the trainer DIR/bin/trainer
#   --bindir DIR          where the quantlab-ml symlink goes [/usr/local/bin]
#   --etc DIR             configuration and env file [/etc/quantlab-ml]
#   --state DIR           store, run folders and metrics [/var/lib/quantlab-ml]
#   --logdir DIR          cron logs [/var/log/quantlab-ml]
#   --user NAME           account the schedule runs as; created as a system user when missing [quantlab-ml]
#   --schedule KIND       none, cron or systemd [none]
#   --cron-dir DIR        [/etc/cron.d]   --logrotate-dir DIR [/etc/logrotate.d]
#   --systemd-dir DIR     [/etc/systemd/system]   --tmpfiles-dir DIR [/etc/tmpfiles.d]
#   --framework-dependent build needs the .NET 10 runtime on the server (used automatically when the self-contained
#                         restore fails, e.g. offline without the runtime packs)
#   --no-ready-to-run     skip Native AOT and ReadyToRun (a faster build, slower start; used by the tests)
#   --aot                 Native AOT, installing its toolchain when missing (Debian clang, zlib1g-dev); without it, AOT
#                         is used when clang (or clang-NN) and zlib are already there, and a failed AOT build falls back
#                         to ReadyToRun. Native AOT starts in a few milliseconds; ReadyToRun needs the runtime's start-up.
#   --no-aot              the self-contained single-file ReadyToRun build even when the AOT toolchain is there
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source scripts/lib/deps.sh

prefix=/opt/quantlab-ml bindir=/usr/local/bin etc=/etc/quantlab-ml state=/var/lib/quantlab-ml logdir=/var/log/quantlab-ml
user=quantlab-ml schedule=none cron_dir=/etc/cron.d logrotate_dir=/etc/logrotate.d systemd_dir=/etc/systemd/system
tmpfiles_dir=/etc/tmpfiles.d self_contained=1 r2r=1 aot=auto uninstall=0 purge=0

die() { echo "install.sh: error: $*" >&2; exit 1; }
say() { echo "install.sh: $*" >&2; }

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?}; shift ;;
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
for d in "$prefix" "$bindir" "$etc" "$state" "$logdir"; do
  case $d in /*) ;; *) die "paths must be absolute: $d" ;; esac
done
manifest=$prefix/.install-manifest
systemd_running() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }

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
    esac
  done < "$manifest"
  if grep -q '^unit ' "$manifest" && systemd_running; then systemctl daemon-reload >&2 || true; fi
  if [ "$purge" = 1 ]; then
    etc_dir=$(sed -n 's/^etc //p' "$manifest"); log_dir=$(sed -n 's/^logdir //p' "$manifest")
    if [ -n "$etc_dir" ]; then rm -rf "$etc_dir"; fi
    if [ -n "$log_dir" ]; then rm -rf "$log_dir"; fi
    say "removed configuration and logs; the store under $(sed -n 's/^state //p' "$manifest") is kept (models are not deleted by an uninstall)"
  fi
  rm -rf "$prefix"
  say "uninstalled quantlab-ml from $prefix"
}

if [ "$uninstall" = 1 ]; then uninstall; exit 0; fi

# --- account --------------------------------------------------------------------------------------------------------
if ! id -u "$user" >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || die "user $user does not exist: run as root, or pass --user $(id -un)"
  say "creating system user $user"
  useradd --system --home-dir "$state" --no-create-home --shell /usr/sbin/nologin "$user"
fi
group=$(id -gn "$user")

# --- build ----------------------------------------------------------------------------------------------------------
ensure_dotnet
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
if [ ! -x "$staging/quantlab-ml" ] || [ ! -f "$staging/trainer/quantlab_trainer/__main__.py" ]; then
  die "publish output is incomplete ($staging)"
fi

# --- program --------------------------------------------------------------------------------------------------------
# Placeholders of the templates in cron/: the default paths and user are replaced by this install's.
render() {
  sed -e "s#/opt/quantlab-ml#$prefix#g" -e "s#/etc/quantlab-ml#$etc#g" -e "s#/var/lib/quantlab-ml#$state#g" \
      -e "s#/var/log/quantlab-ml#$logdir#g" \
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
mkdir -p "$prefix/share"
cp README.md "$prefix/share/README.md"

# Schedule files of an earlier install stay listed, so an upgrade without --schedule still uninstalls them.
previous=$(grep -E '^(file|unit) ' "$manifest" 2>/dev/null || true)
{
  echo "etc $etc"; echo "state $state"; echo "logdir $logdir"
  if [ -n "$previous" ]; then echo "$previous"; fi
  mkdir -p "$bindir"
  ln -sfn "$prefix/bin/quantlab-ml" "$bindir/quantlab-ml"
  echo "link $bindir/quantlab-ml"
} > "$manifest"

# --- configuration (never overwritten) ------------------------------------------------------------------------------
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

mkdir -p "$state/store" "$state/work" "$state/metrics" "$logdir"
chown "$user:$group" "$state" "$state/store" "$state/work" "$state/metrics" "$logdir"
chmod 0750 "$state" "$logdir"
chmod 0755 "$state/metrics"

# --- schedule -------------------------------------------------------------------------------------------------------
install_file() {
  mkdir -p "$(dirname "$2")"; render "$1" > "$2"; chmod 0644 "$2"
  grep -qxF "file $2" "$manifest" || echo "file $2" >> "$manifest"
}
case $schedule in
  cron)
    install_file cron/quantlab-ml.cron "$cron_dir/quantlab-ml"
    install_file cron/logrotate "$logrotate_dir/quantlab-ml"
    if [ "$(date +%z)" != "+0000" ]; then
      say "WARNING: this server's time zone is $(date +%Z), not UTC: Debian's cron ignores CRON_TZ and would run at 00:15 $(date +%Z)."
      say "WARNING: set it with 'timedatectl set-timezone Etc/UTC', or use --schedule systemd (its timer says UTC itself)."
    fi
    say "installed the cron schedule: $cron_dir/quantlab-ml (logs in $logdir)"
    ;;
  systemd)
    for unit in quantlab-ml.service quantlab-ml.timer quantlab-ml-reaper.service quantlab-ml-reaper.timer; do
      install_file "cron/$unit" "$systemd_dir/$unit"
    done
    install_file cron/quantlab-ml.tmpfiles "$tmpfiles_dir/quantlab-ml.conf"
    grep -q '^unit ' "$manifest" || echo "unit quantlab-ml.timer quantlab-ml-reaper.timer" >> "$manifest"
    if systemd_running; then
      systemctl daemon-reload
      systemctl enable --now quantlab-ml.timer quantlab-ml-reaper.timer >&2
      say "enabled quantlab-ml.timer and quantlab-ml-reaper.timer: systemctl list-timers 'quantlab-ml*'"
    else
      say "systemd is not running here: enable the timers later with systemctl enable --now quantlab-ml.timer quantlab-ml-reaper.timer"
    fi
    ;;
esac

say "installed $("$prefix/bin/quantlab-ml" --version) in $prefix ($([ "$native_aot" = 1 ] && echo "Native AOT" || { [ "$self_contained" = 1 ] && echo self-contained || echo framework-dependent; }))"
say "next: edit $etc/quantlab-ml.json and $etc/quantlab-ml.env, then run: sudo -u $user $prefix/bin/quantlab-ml-cron config check"
