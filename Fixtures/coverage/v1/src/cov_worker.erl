-module(cov_worker).
-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2]).
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
init([]) -> {ok, []}.
handle_call(_Request, _From, State) -> {reply, worker_v1, State}.
handle_cast(_Message, State) -> {noreply, State}.
