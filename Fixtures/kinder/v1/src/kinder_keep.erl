-module(kinder_keep).
-behaviour(gen_server).
-export([start_link/0, tick/1, init/1, handle_call/3, handle_cast/2, handle_info/2]).

start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
init([]) -> erlang:send_after(50, self(), tick), {ok, 0}.
handle_call(ticks, _From, N) -> {reply, N, N}.
handle_cast(_Message, N) -> {noreply, N}.
handle_info(tick, N) -> erlang:send_after(50, self(), tick), {noreply, ?MODULE:tick(N)}.
tick(N) -> N + 1.
