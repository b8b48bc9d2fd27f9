-module(risky_state).
-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2]).
-record(state, {count = 0, seen = []}).
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
init([]) -> {ok, #state{}}.
handle_call(count, From, State = #state{count = N, seen = Seen}) -> {reply, N, State#state{count = N + 1, seen = [From | Seen]}}.
handle_cast(_Message, State) -> {noreply, State}.
