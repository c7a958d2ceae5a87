# devenv shell hook for bash. Install with:  eval "$(devenv hook bash)"  in ~/.bashrc
#
# An idle prompt runs builtins only (compare $PWD, test watched files with -nt against a stamp).
# Entering a project reads a cached answer (no process) or runs node once; leaving runs nothing.
# Our names use __PGRES_/__pgres_ (DEVENV_* belongs to cachix/devenv). State is exported so a
# shell started inside a project knows what it inherited. Every local is __pgres_-prefixed because
# bash scoping is dynamic: a local named like a project key would capture that key.

__pgres_node='@PGRES_NODE@'
__pgres_cli='@PGRES_CLI@'
__pgres_cache='@PGRES_CACHE@'

# Is an answer still current? $1 root, $2 stamp, $3 trust record, $4 files that existed at load,
# $5 the git HEAD a branch switch rewrites (postgres.branches; '' for none).
__pgres_fresh() {
  [ "$2" = - ] && return 0 # that load failed: retry on the next cd, not on every prompt
  [[ -e $2 ]] || return 1
  local __pgres_seen=''
  if [[ -e $1/.env ]]; then [[ $2 -nt $1/.env ]] || return 1; __pgres_seen+=e; fi
  if [[ -e $1/devenv.json ]]; then [[ $2 -nt $1/devenv.json ]] || return 1; __pgres_seen+=j; fi
  if [[ -e $3 ]]; then [[ $2 -nt $3 ]] || return 1; __pgres_seen+=t; fi
  [[ -e $1/.pgres ]] && __pgres_seen+=d
  [[ -z $5 || ! -e $5 || $2 -nt $5 ]] || return 1
  [ "$__pgres_seen" = "$4" ]
}

__pgres_hook() {
  local __pgres_rc=$?
  if [ "${__pgres_pwd-}" = "$PWD" ]; then
    if [ -n "${__PGRES_ROOT-}" ]; then
      __pgres_fresh "$__PGRES_ROOT" "${__PGRES_STAMP-}" "${__PGRES_TRUST-}" "${__PGRES_SEEN-}" "${__PGRES_HEAD-}" && return $__pgres_rc
    elif [[ ! -e $PWD/devenv.json && ! -e $PWD/.pgres ]]; then
      return $__pgres_rc
    fi
  fi
  __pgres_update
  return $__pgres_rc
}

__pgres_update() {
  local __pgres_first=0
  [ -n "${__pgres_pwd+x}" ] || __pgres_first=1 # shell start-up: say nothing unless it is an error
  __pgres_pwd=$PWD
  local __pgres_root='' __pgres_d=$PWD
  while :; do
    if [[ -e $__pgres_d/devenv.json || -L $__pgres_d/devenv.json || -e $__pgres_d/.pgres || -L $__pgres_d/.pgres ]]; then
      __pgres_root=${__pgres_d:-/}
      break
    fi
    [ -n "$__pgres_d" ] || break
    __pgres_d=${__pgres_d%/*}
  done
  if [ "$__pgres_root" = "${__PGRES_ROOT-}" ]; then
    [ -z "$__pgres_root" ] && return 0
    __pgres_fresh "$__pgres_root" "${__PGRES_STAMP-}" "${__PGRES_TRUST-}" "${__PGRES_SEEN-}" "${__PGRES_HEAD-}" && return 0
  fi
  if [ -z "$__pgres_root" ]; then
    if [ -n "${__PGRES_ROOT-}" ]; then
      [ "$__pgres_first" = 1 ] || [ -n "${PGRES_HOOK_QUIET-}" ] || printf 'devenv: unloading %s\n' "$__PGRES_ROOT" >&2
      __pgres_restore
    fi
    return 0
  fi
  __pgres_load "$__pgres_root" "$__pgres_first"
}

__pgres_load() {
  local __pgres_c_v='' __pgres_c_root='' __pgres_c_stamp='' __pgres_c_trust='' __pgres_c_seen='' __pgres_c_head='' __pgres_c_note='' __pgres_c_error=''
  local -a __pgres_c_keys=() __pgres_c_vals=()
  local __pgres_file=$__pgres_cache/tree$1/.pgres-hook/bash
  # shellcheck source=/dev/null # the cached answer hook-env wrote (plain assignments)
  [[ -f $__pgres_file ]] && . "$__pgres_file"
  if [ "$__pgres_c_v" != 2 ] || [ "$__pgres_c_root" != "$1" ] ||
    ! __pgres_fresh "$1" "$__pgres_c_stamp" "$__pgres_c_trust" "$__pgres_c_seen" "$__pgres_c_head"; then
    __pgres_c_v=
    local __pgres_out
    # One process: the command substitution's fork restores the shell's own values, then becomes node.
    __pgres_out=$(
      __pgres_restore
      unset NODE_OPTIONS NODE_EXTRA_CA_CERTS
      exec "$__pgres_node" "$__pgres_cli" hook-env bash "$__pgres_cache" "$1"
    ) && eval "$__pgres_out"
    if [ "$__pgres_c_v" != 2 ]; then
      # node said why on stderr; remember the failure so the next prompts stay quiet and cheap
      __pgres_restore
      export __PGRES_ROOT="$1" __PGRES_STAMP=- __PGRES_TRUST='' __PGRES_SEEN='' __PGRES_HEAD='' __PGRES_KEYS=''
      return 0
    fi
  fi
  __pgres_apply "$2"
}

# Length-prefixed so that no two different key/value lists look alike.
__pgres_applied_sig() {
  local __pgres_k __pgres_n IFS=' '
  __pgres_sig=
  for __pgres_k in ${__PGRES_KEYS-}; do
    __pgres_n=__PGRES_NEW_$__pgres_k
    __pgres_n=${!__pgres_n-}
    __pgres_sig+="${#__pgres_k}:$__pgres_k${#__pgres_n}:$__pgres_n;"
  done
}

__pgres_apply() {
  local __pgres_k __pgres_v __pgres_i __pgres_sig __pgres_new='' __pgres_keys='' __pgres_local='' __pgres_said='' __pgres_verb=loading
  for __pgres_i in "${!__pgres_c_keys[@]}"; do
    __pgres_k=${__pgres_c_keys[__pgres_i]}
    __pgres_v=${__pgres_c_vals[__pgres_i]-}
    __pgres_new+="${#__pgres_k}:$__pgres_k${#__pgres_v}:$__pgres_v;"
  done
  if [ "${__PGRES_ROOT-}" = "$__pgres_c_root" ]; then
    __pgres_applied_sig
    if [ "$__pgres_sig" = "$__pgres_new" ]; then
      # Same answer (another shell re-rendered, a comment changed): keep values, hand edits included.
      export __PGRES_STAMP="$__pgres_c_stamp" __PGRES_TRUST="$__pgres_c_trust" __PGRES_SEEN="$__pgres_c_seen" \
        __PGRES_HEAD="$__pgres_c_head"
      return 0
    fi
    __pgres_verb=reloading
    # Report what changed against the previous answer, not everything again.
    local -A __pgres_prev=()
    local IFS=' '
    for __pgres_k in ${__PGRES_KEYS-}; do
      __pgres_v=__PGRES_NEW_$__pgres_k
      __pgres_prev[$__pgres_k]=${!__pgres_v-}
    done
  fi
  __pgres_restore
  for __pgres_i in "${!__pgres_c_keys[@]}"; do
    __pgres_k=${__pgres_c_keys[__pgres_i]}
    __pgres_v=${__pgres_c_vals[__pgres_i]-}
    [[ $__pgres_k =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    if [ "$__pgres_verb" = reloading ]; then
      if [[ ! -v __pgres_prev[$__pgres_k] ]]; then __pgres_said+=" +$__pgres_k"
      elif [ "${__pgres_prev[$__pgres_k]}" != "$__pgres_v" ]; then __pgres_said+=" ~$__pgres_k"; fi
      unset -v '__pgres_prev[$__pgres_k]'
    fi
    if [[ -v $__pgres_k ]]; then
      [ "$__pgres_verb" = reloading ] || [ "${!__pgres_k}" = "$__pgres_v" ] || __pgres_said+=" ~$__pgres_k"
      [[ ${!__pgres_k@a} == *x* ]] || __pgres_local+=" $__pgres_k"
      export "__PGRES_OLD_$__pgres_k=${!__pgres_k}"
    else
      unset -v "__PGRES_OLD_$__pgres_k"
      [ "$__pgres_verb" = reloading ] || __pgres_said+=" +$__pgres_k"
    fi
    export "$__pgres_k=$__pgres_v" "__PGRES_NEW_$__pgres_k=$__pgres_v"
    __pgres_keys+=" $__pgres_k"
  done
  [ "$__pgres_verb" = reloading ] && for __pgres_k in "${!__pgres_prev[@]}"; do __pgres_said+=" -$__pgres_k"; done
  export __PGRES_ROOT="$__pgres_c_root" __PGRES_STAMP="$__pgres_c_stamp" __PGRES_TRUST="$__pgres_c_trust" \
    __PGRES_SEEN="$__pgres_c_seen" __PGRES_HEAD="$__pgres_c_head" __PGRES_KEYS="${__pgres_keys# }" __PGRES_LOCAL="${__pgres_local# }"
  [ -n "$__pgres_c_error" ] && printf '%s\n' "$__pgres_c_error" >&2
  [ "$1" = 1 ] || [ -n "${PGRES_HOOK_QUIET-}" ] && return 0
  [ -n "$__pgres_c_note" ] && printf '%s\n' "$__pgres_c_note" >&2
  if [ -n "$__pgres_said" ]; then
    printf 'devenv: %s %s (%s)\n' "$__pgres_verb" "$__pgres_c_root" "${__pgres_said# }" >&2
  elif [ "$__pgres_verb" = loading ] && [ -z "$__pgres_c_error" ]; then
    printf 'devenv: loading %s\n' "$__pgres_c_root" >&2
  fi
  return 0
}

# Put back what each key held before, unless the user has changed it since.
__pgres_restore() {
  local __pgres_k __pgres_n __pgres_o IFS=' '
  for __pgres_k in ${__PGRES_KEYS-}; do
    __pgres_n=__PGRES_NEW_$__pgres_k
    __pgres_o=__PGRES_OLD_$__pgres_k
    if [[ -v $__pgres_k && -v $__pgres_n ]] && [ "${!__pgres_k}" = "${!__pgres_n}" ]; then
      if [[ -v $__pgres_o ]]; then
        export "$__pgres_k=${!__pgres_o}"
        # shellcheck disable=SC2163 # the variable named in __pgres_k, as `export` takes it above
        case " ${__PGRES_LOCAL-} " in *" $__pgres_k "*) export -n "$__pgres_k" ;; esac
      else
        unset -v "$__pgres_k"
      fi
    fi
    unset -v "$__pgres_n" "$__pgres_o"
  done
  unset -v __PGRES_ROOT __PGRES_STAMP __PGRES_TRUST __PGRES_SEEN __PGRES_HEAD __PGRES_KEYS __PGRES_LOCAL
}

# Install once, first in line so later prompt commands already see the project's variables.
# PROMPT_COMMAND may be a string or (bash 5.1+) an array; sourcing .bashrc twice adds nothing.
if [[ -v PROMPT_COMMAND && ${PROMPT_COMMAND@a} == *a* ]]; then
  __pgres_d=0
  for __pgres_k in "${PROMPT_COMMAND[@]}"; do [ "$__pgres_k" = __pgres_hook ] && __pgres_d=1; done
  [ "$__pgres_d" = 1 ] || PROMPT_COMMAND=(__pgres_hook "${PROMPT_COMMAND[@]}")
  unset -v __pgres_d __pgres_k
else
  # shellcheck disable=SC2128,SC2178 # not an array here: the branch above took that form
  case ${PROMPT_COMMAND-} in
  *__pgres_hook*) ;;
  '') PROMPT_COMMAND=__pgres_hook ;;
  *) PROMPT_COMMAND=__pgres_hook$'\n'$PROMPT_COMMAND ;;
  esac
fi

# Opt-in (PGRES_HOOK_CD=1 before the eval): `cd x && cmd` on one line sees x's environment, as it does
# in zsh and fish, where the hook also runs on the directory change itself. Off by default because it
# defines cd, pushd and popd as functions, which other tools may define too.
if [ "${PGRES_HOOK_CD-}" = 1 ]; then
  cd() { builtin cd "$@" && __pgres_hook; }
  pushd() { builtin pushd "$@" && __pgres_hook; }
  popd() { builtin popd "$@" && __pgres_hook; }
fi
