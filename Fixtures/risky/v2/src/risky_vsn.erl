-module(risky_vsn).
-behaviour(gen_server).
-vsn(2).
-export([start_link/0, init/1, handle_call/3, handle_cast/2, code_change/3]).
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
init([]) -> {ok, {0, []}}.
handle_call(get, _From, {N, _} = S) -> {reply, N, S}.
handle_cast(_Message, S) -> {noreply, S}.
%% Written for an old module with -vsn(1): but version 1 had none.
code_change(1, N, _Extra) -> {ok, {N, []}};
code_change({down, 1}, {N, _}, _Extra) -> {ok, N}.
