# devenv shell hook for zsh. Install with:  eval "$(devenv hook zsh)"  in ~/.zshrc
#
# An idle prompt runs builtins only (compare $PWD, test watched files with -nt against a stamp).
# Entering a project reads a cached answer (no process) or runs node once; leaving runs nothing.
# chpwd applies the change inside `cd x; cmd`; precmd catches edits. Our names use __PGRES_/__pgres_
# (DEVENV_* belongs to cachix/devenv); state is exported so a shell started inside a project knows
# what it inherited. Locals are __pgres_-prefixed: zsh scoping is dynamic, a local named like a
# project key would capture that key.

typeset -g __pgres_node='@PGRES_NODE@'
typeset -g __pgres_cli='@PGRES_CLI@'
typeset -g __pgres_cache='@PGRES_CACHE@'

# Is an answer still current? $1 root, $2 stamp, $3 trust record, $4 files that existed at load,
# $5 the git HEAD a branch switch rewrites (postgres.branches; '' for none).
__pgres_fresh() {
  emulate -L zsh
  [[ $2 == - ]] && return 0 # that load failed: retry on the next cd, not on every prompt
  [[ -e $2 ]] || return 1
  local __pgres_seen=
  if [[ -e $1/.env ]]; then [[ $2 -nt $1/.env ]] || return 1; __pgres_seen+=e; fi
  if [[ -e $1/devenv.json ]]; then [[ $2 -nt $1/devenv.json ]] || return 1; __pgres_seen+=j; fi
  if [[ -e $3 ]]; then [[ $2 -nt $3 ]] || return 1; __pgres_seen+=t; fi
  [[ -e $1/.pgres ]] && __pgres_seen+=d
  [[ -z $5 || ! -e $5 || $2 -nt $5 ]] || return 1
  [[ $__pgres_seen == "$4" ]]
}

__pgres_hook() {
  local __pgres_rc=$?
  emulate -L zsh
  if [[ ${__pgres_pwd-} == "$PWD" ]]; then
    if [[ -n ${__PGRES_ROOT-} ]]; then
      __pgres_fresh "$__PGRES_ROOT" "${__PGRES_STAMP-}" "${__PGRES_TRUST-}" "${__PGRES_SEEN-}" "${__PGRES_HEAD-}" && return $__pgres_rc
    elif [[ ! -e $PWD/devenv.json && ! -e $PWD/.pgres ]]; then
      return $__pgres_rc
    fi
  fi
  __pgres_update
  return $__pgres_rc
}

__pgres_update() {
  emulate -L zsh
  local __pgres_first=0
  (( ${+__pgres_pwd} )) || __pgres_first=1 # shell start-up: say nothing unless it is an error
  typeset -g __pgres_pwd=$PWD
  local __pgres_root= __pgres_d=$PWD
  while :; do
    if [[ -e $__pgres_d/devenv.json || -L $__pgres_d/devenv.json || -e $__pgres_d/.pgres || -L $__pgres_d/.pgres ]]; then
      __pgres_root=${__pgres_d:-/}
      break
    fi
    [[ -n $__pgres_d ]] || break
    __pgres_d=${__pgres_d%/*}
  done
  if [[ $__pgres_root == "${__PGRES_ROOT-}" ]]; then
    [[ -z $__pgres_root ]] && return 0
    __pgres_fresh "$__pgres_root" "${__PGRES_STAMP-}" "${__PGRES_TRUST-}" "${__PGRES_SEEN-}" "${__PGRES_HEAD-}" && return 0
  fi
  if [[ -z $__pgres_root ]]; then
    if [[ -n ${__PGRES_ROOT-} ]]; then
      [[ $__pgres_first == 1 || -n ${PGRES_HOOK_QUIET-} ]] || print -ru2 -- "devenv: unloading $__PGRES_ROOT"
      __pgres_restore
    fi
    return 0
  fi
  __pgres_load "$__pgres_root" "$__pgres_first"
}

__pgres_load() {
  emulate -L zsh
  local __pgres_c_v= __pgres_c_root= __pgres_c_stamp= __pgres_c_trust= __pgres_c_seen= __pgres_c_head= __pgres_c_note= __pgres_c_error=
  local -a __pgres_c_keys __pgres_c_vals
  local __pgres_file=$__pgres_cache/tree$1/.pgres-hook/zsh
  [[ -f $__pgres_file ]] && . "$__pgres_file"
  if [[ $__pgres_c_v != 2 || $__pgres_c_root != "$1" ]] ||
    ! __pgres_fresh "$1" "$__pgres_c_stamp" "$__pgres_c_trust" "$__pgres_c_seen" "$__pgres_c_head"; then
    __pgres_c_v=
    local __pgres_out
    # One process: the command substitution's fork restores the shell's own values, then becomes node.
    __pgres_out=$(
      __pgres_restore
      unset NODE_OPTIONS NODE_EXTRA_CA_CERTS
      exec "$__pgres_node" "$__pgres_cli" hook-env zsh "$__pgres_cache" "$1"
    ) && eval "$__pgres_out"
    if [[ $__pgres_c_v != 2 ]]; then
      # node said why on stderr; remember the failure so the next prompts stay quiet and cheap
      __pgres_restore
      export __PGRES_ROOT="$1" __PGRES_STAMP=- __PGRES_TRUST= __PGRES_SEEN= __PGRES_HEAD= __PGRES_KEYS=
      return 0
    fi
  fi
  __pgres_apply "$2"
}

__pgres_apply() {
  emulate -L zsh
  local __pgres_k __pgres_v __pgres_i __pgres_sig= __pgres_new= __pgres_keys= __pgres_local= __pgres_said= __pgres_verb=loading
  local -A __pgres_prev
  for (( __pgres_i = 1; __pgres_i <= $#__pgres_c_keys; __pgres_i++ )); do
    __pgres_k=$__pgres_c_keys[__pgres_i]
    __pgres_v=$__pgres_c_vals[__pgres_i]
    __pgres_new+="${#__pgres_k}:${__pgres_k}${#__pgres_v}:${__pgres_v};"
  done
  if [[ ${__PGRES_ROOT-} == "$__pgres_c_root" ]]; then
    # Length-prefixed so that no two different key/value lists look alike.
    for __pgres_k in ${(s: :)${__PGRES_KEYS-}}; do
      __pgres_v=__PGRES_NEW_$__pgres_k
      __pgres_v=${(P)__pgres_v-}
      __pgres_prev[$__pgres_k]=$__pgres_v
      __pgres_sig+="${#__pgres_k}:${__pgres_k}${#__pgres_v}:${__pgres_v};"
    done
    if [[ $__pgres_sig == "$__pgres_new" ]]; then
      # Same answer (another shell re-rendered, a comment changed): keep values, hand edits included.
      export __PGRES_STAMP="$__pgres_c_stamp" __PGRES_TRUST="$__pgres_c_trust" __PGRES_SEEN="$__pgres_c_seen" \
        __PGRES_HEAD="$__pgres_c_head"
      return 0
    fi
    __pgres_verb=reloading
  fi
  __pgres_restore
  for (( __pgres_i = 1; __pgres_i <= $#__pgres_c_keys; __pgres_i++ )); do
    __pgres_k=$__pgres_c_keys[__pgres_i]
    __pgres_v=$__pgres_c_vals[__pgres_i]
    [[ $__pgres_k =~ '^[A-Za-z_][A-Za-z0-9_]*$' ]] || continue
    if [[ $__pgres_verb == reloading ]]; then
      if (( ! ${+__pgres_prev[$__pgres_k]} )); then __pgres_said+=" +$__pgres_k"
      elif [[ $__pgres_prev[$__pgres_k] != "$__pgres_v" ]]; then __pgres_said+=" ~$__pgres_k"; fi
      unset "__pgres_prev[$__pgres_k]"
    fi
    if (( ${(P)+__pgres_k} )); then
      [[ $__pgres_verb == reloading || ${(P)__pgres_k} == "$__pgres_v" ]] || __pgres_said+=" ~$__pgres_k"
      [[ ${(tP)__pgres_k} == *-export* ]] || __pgres_local+=" $__pgres_k"
      export "__PGRES_OLD_$__pgres_k=${(P)__pgres_k}"
    else
      unset "__PGRES_OLD_$__pgres_k"
      [[ $__pgres_verb == reloading ]] || __pgres_said+=" +$__pgres_k"
    fi
    export "$__pgres_k=$__pgres_v" "__PGRES_NEW_$__pgres_k=$__pgres_v"
    __pgres_keys+=" $__pgres_k"
  done
  for __pgres_k in ${(k)__pgres_prev}; do __pgres_said+=" -$__pgres_k"; done
  export __PGRES_ROOT="$__pgres_c_root" __PGRES_STAMP="$__pgres_c_stamp" __PGRES_TRUST="$__pgres_c_trust" \
    __PGRES_SEEN="$__pgres_c_seen" __PGRES_HEAD="$__pgres_c_head" __PGRES_KEYS="${__pgres_keys# }" __PGRES_LOCAL="${__pgres_local# }"
  [[ -n $__pgres_c_error ]] && print -ru2 -- "$__pgres_c_error"
  [[ $1 == 1 || -n ${PGRES_HOOK_QUIET-} ]] && return 0
  [[ -n $__pgres_c_note ]] && print -ru2 -- "$__pgres_c_note"
  if [[ -n $__pgres_said ]]; then
    print -ru2 -- "devenv: $__pgres_verb $__pgres_c_root (${__pgres_said# })"
  elif [[ $__pgres_verb == loading && -z $__pgres_c_error ]]; then
    print -ru2 -- "devenv: loading $__pgres_c_root"
  fi
  return 0
}

# Put back what each key held before, unless the user has changed it since.
__pgres_restore() {
  emulate -L zsh
  local __pgres_k __pgres_n __pgres_o
  for __pgres_k in ${(s: :)${__PGRES_KEYS-}}; do
    __pgres_n=__PGRES_NEW_$__pgres_k
    __pgres_o=__PGRES_OLD_$__pgres_k
    if (( ${(P)+__pgres_k} && ${(P)+__pgres_n} )) && [[ ${(P)__pgres_k} == "${(P)__pgres_n}" ]]; then
      if (( ${(P)+__pgres_o} )); then
        export "$__pgres_k=${(P)__pgres_o}"
        [[ " ${__PGRES_LOCAL-} " == *" $__pgres_k "* ]] && typeset -g +x "$__pgres_k"
      else
        unset "$__pgres_k"
      fi
    fi
    unset "$__pgres_n" "$__pgres_o"
  done
  unset __PGRES_ROOT __PGRES_STAMP __PGRES_TRUST __PGRES_SEEN __PGRES_HEAD __PGRES_KEYS __PGRES_LOCAL
}

# add-zsh-hook ignores a function already present, so sourcing .zshrc twice adds nothing.
autoload -Uz add-zsh-hook
add-zsh-hook precmd __pgres_hook
add-zsh-hook chpwd __pgres_hook
