-module(cov_statem).
-behaviour(gen_statem).
-export([start_link/0, init/1, callback_mode/0, idle/3, code_change/4]).
start_link() -> gen_statem:start_link({local, ?MODULE}, ?MODULE, [], []).
init([]) -> {ok, idle, 0}.
callback_mode() -> state_functions.
idle({call, From}, count, N) -> {keep_state, N + 2, [{reply, From, N}]}.
code_change(_OldVsn, State, Data, _Extra) -> {ok, State, Data}.
