-module(cov_server).
-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2, code_change/3]).
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
init([]) -> {ok, #{}}.
handle_call(Request, _From, State) -> {reply, cov_lib:describe(Request), State}.
handle_cast(_Message, State) -> {noreply, State}.
code_change(_OldVsn, State, _Extra) -> {ok, State}.
