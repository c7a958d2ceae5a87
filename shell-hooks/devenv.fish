# devenv shell hook for fish. Install with:  devenv hook fish | source  in ~/.config/fish/config.fish
#
# An idle prompt runs builtins only (compare $PWD, test watched files with -nt against a stamp).
# Entering a project reads a cached answer (no process) or runs node once; leaving runs nothing.
# The PWD handler applies the change inside `cd x; cmd`; the prompt handler catches edits.
# Our names use __PGRES_/__pgres_ (DEVENV_* belongs to cachix/devenv); state is exported so a shell
# started inside a project knows what it inherited. Locals are __pgres_-prefixed so that reading a
# project key by name ($$name) never finds one of ours.

set -g __pgres_node '@PGRES_NODE@'
set -g __pgres_cli '@PGRES_CLI@'
set -g __pgres_cache '@PGRES_CACHE@'

# Is an answer still current? $argv: root, stamp, trust record, files that existed at load, the git
# HEAD a branch switch rewrites (postgres.branches; '' for none).
function __pgres_fresh
    test "x$argv[2]" = x-; and return 0 # that load failed: retry on the next cd, not on every prompt
    test -e "$argv[2]"; or return 1
    set -l __pgres_seen ''
    if test -e "$argv[1]/.env"
        test "$argv[2]" -nt "$argv[1]/.env"; or return 1
        set __pgres_seen {$__pgres_seen}e
    end
    if test -e "$argv[1]/devenv.json"
        test "$argv[2]" -nt "$argv[1]/devenv.json"; or return 1
        set __pgres_seen {$__pgres_seen}j
    end
    if test -e "$argv[3]"
        test "$argv[2]" -nt "$argv[3]"; or return 1
        set __pgres_seen {$__pgres_seen}t
    end
    test -e "$argv[1]/.pgres"; and set __pgres_seen {$__pgres_seen}d
    if test -n "$argv[5]"; and test -e "$argv[5]"
        test "$argv[2]" -nt "$argv[5]"; or return 1
    end
    test "x$__pgres_seen" = "x$argv[4]"
end

function __pgres_hook --on-event fish_prompt
    if test "x$__pgres_pwd" = "x$PWD"; and set -q __pgres_pwd
        if test -n "$__PGRES_ROOT"
            __pgres_fresh "$__PGRES_ROOT" "$__PGRES_STAMP" "$__PGRES_TRUST" "$__PGRES_SEEN" "$__PGRES_HEAD"; and return
        else if not test -e "$PWD/devenv.json"; and not test -e "$PWD/.pgres"
            return
        end
    end
    __pgres_update
end

function __pgres_hook_pwd --on-variable PWD
    __pgres_hook
end

function __pgres_update
    set -l __pgres_first 0
    set -q __pgres_pwd; or set __pgres_first 1 # shell start-up: say nothing unless it is an error
    set -g __pgres_pwd $PWD
    set -l __pgres_root ''
    set -l __pgres_d $PWD
    while true
        if test -e "$__pgres_d/devenv.json"; or test -L "$__pgres_d/devenv.json"; or test -e "$__pgres_d/.pgres"; or test -L "$__pgres_d/.pgres"
            set __pgres_root $__pgres_d
            test -n "$__pgres_root"; or set __pgres_root /
            break
        end
        test -n "$__pgres_d"; or break
        set __pgres_d (string replace -r '/[^/]*$' '' -- $__pgres_d)
    end
    if test "x$__pgres_root" = "x$__PGRES_ROOT"
        test -z "$__pgres_root"; and return
        __pgres_fresh "$__pgres_root" "$__PGRES_STAMP" "$__PGRES_TRUST" "$__PGRES_SEEN" "$__PGRES_HEAD"; and return
    end
    if test -z "$__pgres_root"
        if test -n "$__PGRES_ROOT"
            test $__pgres_first = 1; or set -q PGRES_HOOK_QUIET; or printf 'devenv: unloading %s\n' "$__PGRES_ROOT" >&2
            __pgres_restore
        end
        return
    end
    __pgres_load "$__pgres_root" $__pgres_first
end

function __pgres_load
    # fish functions do not see their caller's locals: the candidate answer lives in globals
    # (which the data's plain `set` updates) until __pgres_apply has used it.
    set -g __pgres_c_v ''
    set -g __pgres_c_root ''
    set -g __pgres_c_stamp ''
    set -g __pgres_c_trust ''
    set -g __pgres_c_seen ''
    set -g __pgres_c_head ''
    set -g __pgres_c_note ''
    set -g __pgres_c_error ''
    set -g __pgres_c_keys
    set -g __pgres_c_vals
    set -l __pgres_file "$__pgres_cache/tree$argv[1]/.pgres-hook/fish"
    test -f "$__pgres_file"; and source "$__pgres_file"
    if test "x$__pgres_c_v" != x2; or test "x$__pgres_c_root" != "x$argv[1]"; or not __pgres_fresh "$argv[1]" "$__pgres_c_stamp" "$__pgres_c_trust" "$__pgres_c_seen" "$__pgres_c_head"
        set __pgres_c_v ''
        # One process: fish cannot fork a subshell, so env(1) hands node the shell's own values
        # (what we set put back) and execs it.
        set -l __pgres_env -u NODE_OPTIONS -u NODE_EXTRA_CA_CERTS
        set -l __pgres_put # env(1) takes its -u options before any NAME=VALUE
        for __pgres_k in (string split -n ' ' -- "$__PGRES_KEYS")
            set -l __pgres_n __PGRES_NEW_$__pgres_k
            set -l __pgres_o __PGRES_OLD_$__pgres_k
            if set -q $__pgres_k; and set -q $__pgres_n; and test "x$$__pgres_k" = "x$$__pgres_n"
                if set -q $__pgres_o
                    set -a __pgres_put "$__pgres_k=$$__pgres_o"
                else
                    set -a __pgres_env -u $__pgres_k
                end
            end
        end
        /usr/bin/env $__pgres_env $__pgres_put $__pgres_node $__pgres_cli hook-env fish $__pgres_cache $argv[1] | source
        if test "x$__pgres_c_v" != x2
            # node said why on stderr; remember the failure so the next prompts stay quiet and cheap
            __pgres_restore
            set -gx __PGRES_ROOT $argv[1]
            set -gx __PGRES_STAMP -
            set -gx __PGRES_TRUST ''
            set -gx __PGRES_SEEN ''
            set -gx __PGRES_HEAD ''
            set -gx __PGRES_KEYS ''
            __pgres_forget
            return
        end
    end
    __pgres_apply $argv[2]
    __pgres_forget
end

function __pgres_forget
    set -e -g __pgres_c_v __pgres_c_root __pgres_c_stamp __pgres_c_trust __pgres_c_seen __pgres_c_head __pgres_c_note __pgres_c_error __pgres_c_keys __pgres_c_vals
end

function __pgres_apply
    set -l __pgres_new ''
    set -l __pgres_sig ''
    set -l __pgres_verb loading
    set -l __pgres_said
    set -l __pgres_keys
    set -l __pgres_local
    set -l __pgres_prev_keys
    set -l __pgres_prev_vals
    set -l __pgres_i 0
    for __pgres_k in $__pgres_c_keys
        set __pgres_i (math $__pgres_i + 1)
        set __pgres_new "$__pgres_new"(string length -- "$__pgres_k")":$__pgres_k"(string length -- "$__pgres_c_vals[$__pgres_i]")":$__pgres_c_vals[$__pgres_i];"
    end
    if test "x$__PGRES_ROOT" = "x$__pgres_c_root"
        # Length-prefixed so that no two different key/value lists look alike.
        for __pgres_k in (string split -n ' ' -- "$__PGRES_KEYS")
            set -l __pgres_n __PGRES_NEW_$__pgres_k
            set -a __pgres_prev_keys $__pgres_k
            set -a __pgres_prev_vals "$$__pgres_n"
            set __pgres_sig "$__pgres_sig"(string length -- "$__pgres_k")":$__pgres_k"(string length -- "$$__pgres_n")":$$__pgres_n;"
        end
        if test "x$__pgres_sig" = "x$__pgres_new"
            # Same answer (another shell re-rendered, a comment changed): keep values, hand edits included.
            set -gx __PGRES_STAMP $__pgres_c_stamp
            set -gx __PGRES_TRUST $__pgres_c_trust
            set -gx __PGRES_SEEN $__pgres_c_seen
            set -gx __PGRES_HEAD $__pgres_c_head
            return
        end
        set __pgres_verb reloading
    end
    __pgres_restore
    set __pgres_i 0
    for __pgres_k in $__pgres_c_keys
        set __pgres_i (math $__pgres_i + 1)
        set -l __pgres_v $__pgres_c_vals[$__pgres_i]
        string match -qr '^[A-Za-z_][A-Za-z0-9_]*$' -- $__pgres_k; or continue
        if test $__pgres_verb = reloading
            set -l __pgres_p (contains -i -- $__pgres_k $__pgres_prev_keys)
            if test -z "$__pgres_p"
                set -a __pgres_said +$__pgres_k
            else
                test "x$__pgres_prev_vals[$__pgres_p]" = "x$__pgres_v"; or set -a __pgres_said "~$__pgres_k"
                set -e __pgres_prev_keys[$__pgres_p]
                set -e __pgres_prev_vals[$__pgres_p]
            end
        end
        # Only the global scope is ours to save and restore: erasing our global uncovers a universal.
        if set -q -g $__pgres_k
            test $__pgres_verb = reloading; or test "x$$__pgres_k" = "x$__pgres_v"; or set -a __pgres_said "~$__pgres_k"
            set -q -g -x $__pgres_k; or set -a __pgres_local $__pgres_k
            set -gx __PGRES_OLD_$__pgres_k $$__pgres_k
        else
            set -e -g __PGRES_OLD_$__pgres_k
            test $__pgres_verb = reloading; or set -a __pgres_said +$__pgres_k
        end
        set -gx $__pgres_k $__pgres_v
        set -gx __PGRES_NEW_$__pgres_k $__pgres_v
        set -a __pgres_keys $__pgres_k
    end
    for __pgres_k in $__pgres_prev_keys
        set -a __pgres_said -$__pgres_k
    end
    set -gx __PGRES_ROOT $__pgres_c_root
    set -gx __PGRES_STAMP $__pgres_c_stamp
    set -gx __PGRES_TRUST $__pgres_c_trust
    set -gx __PGRES_SEEN $__pgres_c_seen
    set -gx __PGRES_HEAD $__pgres_c_head
    set -gx __PGRES_KEYS "$__pgres_keys"
    set -gx __PGRES_LOCAL "$__pgres_local"
    test -n "$__pgres_c_error"; and printf '%s\n' "$__pgres_c_error" >&2
    test "$argv[1]" = 1; and return
    set -q PGRES_HOOK_QUIET; and return
    test -n "$__pgres_c_note"; and printf '%s\n' "$__pgres_c_note" >&2
    if set -q __pgres_said[1]
        printf 'devenv: %s %s (%s)\n' $__pgres_verb "$__pgres_c_root" "$__pgres_said" >&2
    else if test $__pgres_verb = loading; and test -z "$__pgres_c_error"
        printf 'devenv: loading %s\n' "$__pgres_c_root" >&2
    end
end

# Put back what each key held before, unless the user has changed it since.
function __pgres_restore
    for __pgres_k in (string split -n ' ' -- "$__PGRES_KEYS")
        set -l __pgres_n __PGRES_NEW_$__pgres_k
        set -l __pgres_o __PGRES_OLD_$__pgres_k
        if set -q $__pgres_k; and set -q $__pgres_n; and test "x$$__pgres_k" = "x$$__pgres_n"
            if set -q $__pgres_o
                if contains -- $__pgres_k (string split -n ' ' -- "$__PGRES_LOCAL")
                    set -gu $__pgres_k $$__pgres_o
                else
                    set -gx $__pgres_k $$__pgres_o
                end
            else
                set -e -g $__pgres_k
            end
        end
        set -e -g $__pgres_n
        set -e -g $__pgres_o
    end
    set -e -g __PGRES_ROOT __PGRES_STAMP __PGRES_TRUST __PGRES_SEEN __PGRES_HEAD __PGRES_KEYS __PGRES_LOCAL
end
