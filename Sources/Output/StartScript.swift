/// The shell scripts a release carries: `bin/<name>` and a relocatable `erts-<vsn>/bin/erl`.
enum StartScript {
    /// `erts-<vsn>/bin/erl` that finds its root from where it lives. Debian's `erl` hard-codes
    /// `/usr/lib/erlang`, and `erl.src` ships only in erlang-src, so this calls `erlexec` itself, as relx does.
    static let relocatableErl = """
    #!/bin/sh
    # erl for a release written by relswap generate: the root is two directories above this file,
    # wherever the release was copied to.
    BINDIR=$(cd "$(dirname "$0")" && pwd -P)
    ROOTDIR=$(cd "$BINDIR/../.." && pwd -P)
    EMU=beam
    PROGNAME=erl
    export EMU ROOTDIR BINDIR PROGNAME
    exec "$BINDIR/erlexec" ${1+"$@"}

    """

    /// The Erlang code the control commands run in a short-lived hidden node. It takes its inputs from
    /// the environment so that nothing in them needs shell or Erlang quoting.
    static let controlCode = #"""
    Target = os:getenv("RELSWAP_NODE"), Action = os:getenv("RELSWAP_ACTION"), Arg = os:getenv("RELSWAP_ARG", ""),
    [_, Host] = string:split(atom_to_list(node()), "@"),
    Node = list_to_atom(case lists:member($@, Target) of true -> Target; false -> Target ++ "@" ++ Host end),
    Fail = fun(Format, Args) -> io:format(standard_error, Format, Args), halt(1) end,
    case os:getenv("RELSWAP_COOKIE") of false -> ok; "" -> ok; Cookie -> erlang:set_cookie(Node, list_to_atom(Cookie)) end,
    case net_adm:ping(Node) of pong -> ok; pang -> Fail("node ~s is not running, or its cookie differs~n", [Node]) end,
    Call = fun(M, F, A) -> case rpc:call(Node, M, F, A, 60000) of {badrpc, Why} -> Fail("~s:~s failed on ~s: ~p~n", [M, F, Node, Why]); R -> R end end,
    case Action of
      "ping" -> io:format("pong~n");
      "started" -> case Call(init, get_status, []) of {started, _} -> io:format("started~n"); {Status, _} -> io:format(standard_error, "~p~n", [Status]), halt(2) end;
      "pid" -> io:format("~s~n", [Call(os, getpid, [])]);
      "stop" -> Pid = Call(os, getpid, []), ok = Call(init, stop, []), io:format("~s~n", [Pid]);
      "versions" -> [io:format("~s ~s ~s~n", [N, V, S]) || {N, V, _, S} <- Call(release_handler, which_releases, [])];
      "eval" ->
        Text = string:trim(Arg, trailing),
        Source = case lists:suffix(".", Text) of true -> Text; false -> Text ++ "." end,
        Exprs = case erl_scan:string(Source) of
                  {ok, Tokens, _} -> case erl_parse:parse_exprs(Tokens) of {ok, E} -> E; {error, {_, M, D}} -> Fail("~s~n", [M:format_error(D)]) end;
                  {error, {_, M, D}, _} -> Fail("~s~n", [M:format_error(D)])
                end,
        {value, Value, _} = Call(erl_eval, exprs, [Exprs, []]),
        io:format("~p~n", [Value])
    end,
    halt(0).
    """#

    /// `bin/start [DataFile]`: the start program `release_handler` gives heart (`<root>/bin/start <DataFile>`) when
    /// an upgrade restarts the node into a new emulator, and heart's own command: it starts the release that the
    /// data file (`ErtsVsn RelVsn`, default `releases/start_erl.data`) names, in the background, and returns once it
    /// is up. If that release does not come up (a new emulator that does not start), it starts the permanent one
    /// instead, so the node comes back as it was before the install: nothing is permanent before make_permanent.
    static func startProgram(name: String) -> String {
        #"""
        #!/bin/sh
        # bin/start [DATA_FILE]: start __NAME__ in the background from the release DATA_FILE names ("ErtsVsn RelVsn"),
        # as release_handler's start program (through heart). Written by relswap generate.
        ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
        PERMANENT="$ROOT/releases/start_erl.data"
        DATA="${1:-$PERMANENT}"
        if RELSWAP_START_ERL_DATA="$DATA" "$ROOT/bin/__NAME__" daemon; then exit 0; fi
        if [ "$DATA" != "$PERMANENT" ]; then
            echo "bin/start: the release in $DATA did not come up; starting the permanent one ($(cat "$PERMANENT"))" >&2
            exec "$ROOT/bin/__NAME__" daemon
        fi
        exit 1

        """#.replacingOccurrences(of: "__NAME__", with: name)
    }

    /// `bin/<name>`: console, foreground, daemon (start), stop, ping, pid, remote, eval, versions.
    static func releaseScript(name: String) -> String {
        let control = controlCode.replacingOccurrences(of: "\n", with: " ")
        return #"""
        #!/bin/sh
        # bin/__NAME__: start and control the __NAME__ release. Written by relswap generate.
        # Boots the release that releases/start_erl.data names, so a release made permanent by an upgrade
        # is the one that starts after a restart. Node name and cookie come from that release's vm.args.
        set -e

        RELEASE_ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd -P)
        # Run from the release root, as relx and rebar2 do: the node's working directory (and so a crash dump)
        # is the release's, not the caller's.
        cd "$RELEASE_ROOT_DIR"
        REL_NAME="__NAME__"
        # The permanent release, unless bin/start names another (release_handler's new_start_erl.data).
        START_ERL_DATA="${RELSWAP_START_ERL_DATA:-$RELEASE_ROOT_DIR/releases/start_erl.data}"
        [ -f "$START_ERL_DATA" ] || { echo "$START_ERL_DATA is missing; regenerate the release" >&2; exit 1; }
        read -r ERTS_VSN REL_VSN < "$START_ERL_DATA" || true
        REL_DIR="$RELEASE_ROOT_DIR/releases/$REL_VSN"
        VM_ARGS="$REL_DIR/vm.args"
        # release_handler's temporary release of an emulator upgrade (releases/__new_emulator__<vsn>) has a boot file
        # and a sys.config but no vm.args: the node keeps the permanent release's name, cookie and flags.
        if [ ! -f "$VM_ARGS" ]; then
            read -r _ PERMANENT_VSN < "$RELEASE_ROOT_DIR/releases/start_erl.data" || true
            VM_ARGS="$RELEASE_ROOT_DIR/releases/$PERMANENT_VSN/vm.args"
        fi

        if [ -x "$RELEASE_ROOT_DIR/erts-$ERTS_VSN/bin/erlexec" ]; then
            BINDIR="$RELEASE_ROOT_DIR/erts-$ERTS_VSN/bin"
        else
            # The release was made without erts: use the installed OTP's, which must be the same version.
            ERL=$(command -v erl) || { echo "no erts-$ERTS_VSN in the release and no erl on PATH" >&2; exit 1; }
            OTP_ROOT=$(cd "$(dirname "$(readlink -f "$ERL")")/.." && pwd -P)
            BINDIR="$OTP_ROOT/erts-$ERTS_VSN/bin"
            [ -x "$BINDIR/erlexec" ] || { echo "$OTP_ROOT has no erts-$ERTS_VSN; install the OTP the release was made with" >&2; exit 1; }
        fi
        ROOTDIR="$RELEASE_ROOT_DIR"
        EMU=beam
        PROGNAME=erl
        export ROOTDIR BINDIR EMU PROGNAME
        # What heart runs when the node dies (with -heart in vm.args): boot the permanent release again.
        HEART_COMMAND="${HEART_COMMAND:-$RELEASE_ROOT_DIR/bin/start}"
        export HEART_COMMAND

        NAME_LINE=$(grep -E '^[[:space:]]*-s?name[[:space:]]' "$VM_ARGS" | head -n 1) || true
        NAME_FLAG=$(echo "$NAME_LINE" | awk '{print $1}')
        NODE_NAME=$(echo "$NAME_LINE" | awk '{print $2}')
        COOKIE=$(grep -E '^[[:space:]]*-setcookie[[:space:]]' "$VM_ARGS" | head -n 1 | awk '{print $2}') || true
        [ -n "$NODE_NAME" ] || { echo "$VM_ARGS sets no -sname or -name" >&2; exit 1; }
        # How the node's distribution is carried (TLS: -proto_dist inet_tls with its -ssl_dist_* options; another
        # epmd): the control node and the remote shell connect the same way.
        DIST_FLAGS=$(grep -E '^[[:space:]]*-(proto_dist|ssl_dist_optfile|ssl_dist_opt|epmd_module|erl_epmd_port)[[:space:]]' "$VM_ARGS" | tr '\n' ' ') || true
        PIPE_DIR="${PIPE_DIR:-$RELEASE_ROOT_DIR/tmp/erl_pipes/$NODE_NAME/}"
        LOG_DIR="${RUNNER_LOG_DIR:-$RELEASE_ROOT_DIR/log}"

        boot_release() {
            exec "$BINDIR/erlexec" -boot "$REL_DIR/start" -mode embedded -config "$REL_DIR/sys.config" \
                -args_file "$VM_ARGS" "$@"
        }

        # The cookie never goes on a command line, where ps shows it: the control node gets it from its
        # environment (only its owner can read that) and the remote shell from a private HOME's .erlang.cookie.
        # The control node's own cookie is a placeholder: it only talks to the release's node.
        # A hidden, short-lived node that talks to the release's node.
        control() {
            case "$NODE_NAME" in *@*) HOST_PART="@${NODE_NAME#*@}" ;; *) HOST_PART="" ;; esac
            RELSWAP_NODE="$NODE_NAME" RELSWAP_ACTION="$1" RELSWAP_ARG="${2:-}" RELSWAP_COOKIE="$COOKIE" \
                "$BINDIR/erlexec" -boot "$REL_DIR/start_clean" -noshell -noinput -hidden \
                "$NAME_FLAG" "relswap_ctl_$$$HOST_PART" ${COOKIE:+-setcookie relswap_control} $DIST_FLAGS \
                -eval '__CONTROL__'
        }

        is_running() { control ping > /dev/null 2>&1; }

        usage() {
            echo "Usage: $0 {console|foreground|daemon|start|stop|ping|pid|remote|eval EXPR|versions}"
        }

        case "${1:-}" in
            console)
                shift
                boot_release "$@"
                ;;
            foreground)
                shift
                boot_release -noshell -noinput "$@"
                ;;
            daemon|start)
                if is_running; then echo "node $NODE_NAME is already running" >&2; exit 1; fi
                mkdir -p "$PIPE_DIR" "$LOG_DIR"
                "$BINDIR/run_erl" -daemon "$PIPE_DIR" "$LOG_DIR" "exec \"$RELEASE_ROOT_DIR/bin/$REL_NAME\" console"
                # Return once the node has finished booting (init:get_status() is {started, _}), so that
                # scripts can use it, and its applications, straight away.
                tries=0
                until control started > /dev/null 2>&1; do
                    tries=$((tries + 1))
                    if [ "$tries" -ge "${RELSWAP_START_TRIES:-60}" ]; then
                        echo "node $NODE_NAME did not answer; see $LOG_DIR/erlang.log.1" >&2
                        exit 1
                    fi
                    sleep 0.5
                done
                ;;
            stop)
                PID=$(control stop) || exit 1
                # Wait for the emulator to exit, so that a following start does not race it.
                tries=0
                while kill -0 "$PID" 2>/dev/null; do
                    tries=$((tries + 1))
                    [ "$tries" -lt 600 ] || { echo "node $NODE_NAME (pid $PID) did not stop" >&2; exit 1; }
                    sleep 0.1
                done
                echo ok
                ;;
            ping|pid|versions)
                control "$1"
                ;;
            eval)
                [ $# -ge 2 ] || { echo "Usage: $0 eval EXPR" >&2; exit 64; }
                control eval "$2"
                ;;
            remote)
                case "$NODE_NAME" in *@*) HOST_PART="@${NODE_NAME#*@}" ;; *) HOST_PART="" ;; esac
                REMOTE_HOME="$HOME"
                if [ -n "$COOKIE" ]; then
                    REMOTE_HOME=$(mktemp -d "${TMPDIR:-/tmp}/relswap_remsh.XXXXXX")
                    trap 'rm -rf "$REMOTE_HOME"' EXIT INT TERM HUP
                    (umask 077 && printf '%s' "$COOKIE" > "$REMOTE_HOME/.erlang.cookie")
                    chmod 400 "$REMOTE_HOME/.erlang.cookie"
                fi
                status=0
                HOME="$REMOTE_HOME" "$BINDIR/erlexec" -boot "$REL_DIR/start_clean" -hidden "$NAME_FLAG" "relswap_remsh_$$$HOST_PART" $DIST_FLAGS \
                    -remsh "$NODE_NAME" || status=$?
                exit $status
                ;;
            *)
                usage >&2
                exit 64
                ;;
        esac

        """#
        .replacingOccurrences(of: "__NAME__", with: name)
        .replacingOccurrences(of: "__CONTROL__", with: control)
    }
}

import Foundation
