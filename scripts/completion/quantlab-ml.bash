# bash completion for quantlab-ml (installed by scripts/install.sh). Commands are listed here; a command's options are
# read from its own --help, so they never drift from the build that is installed.
_quantlab_ml() {
  local cur prev cmd words
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  local commands="run-daily promote models rollback data offers instances runs logs status config reap-orphans notify-failure"
  if [ "$COMP_CWORD" -eq 1 ]; then
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version --config --verbose" -- "$cur")
    return
  fi
  cmd=${COMP_WORDS[1]}
  words=$cmd
  case $cmd in
    data) [ "$COMP_CWORD" -eq 2 ] && { mapfile -t COMPREPLY < <(compgen -W "check sample" -- "$cur"); return; }; words="data ${COMP_WORDS[2]}" ;;
    config) [ "$COMP_CWORD" -eq 2 ] && { mapfile -t COMPREPLY < <(compgen -W "check" -- "$cur"); return; }; words="config ${COMP_WORDS[2]}" ;;
  esac
  case $prev in
    --config|--out|-o|--store|--data|--key|--known-hosts) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    --provider) mapfile -t COMPREPLY < <(compgen -W "local ssh vast" -- "$cur"); return ;;
  esac
  if [[ $cur == -* ]]; then
    # shellcheck disable=SC2086 # the command words are meant to split
    mapfile -t COMPREPLY < <(compgen -W "$(quantlab-ml $words --help 2>/dev/null | grep -oE '^ +(-[a-z?], )?--[a-z-]+' | grep -oE -- '--[a-z-]+')" -- "$cur")
  fi
}
complete -o default -F _quantlab_ml quantlab-ml
