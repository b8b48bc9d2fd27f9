-module(risky_vsn).
-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2, code_change/3]).
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
init([]) -> {ok, 0}.
handle_call(get, _From, N) -> {reply, N, N}.
handle_cast(_Message, N) -> {noreply, N}.
code_change(_OldVsn, N, _Extra) -> {ok, N}.
