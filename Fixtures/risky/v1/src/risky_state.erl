-module(risky_state).
-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2]).
-record(state, {count = 0}).
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
init([]) -> {ok, #state{}}.
handle_call(count, _From, State = #state{count = N}) -> {reply, N, State#state{count = N + 1}}.
handle_cast(_Message, State) -> {noreply, State}.
