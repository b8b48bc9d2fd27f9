-module(counter).
-behaviour(gen_server).
-vsn(1).
-export([start_link/0, value/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, code_change/3]).

%% Adds 1 to its state every `interval` milliseconds (application environment).
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
value() -> gen_server:call(?MODULE, value).

init([]) ->
    tick(),
    {ok, 0}.
handle_call(value, _From, Count) -> {reply, Count, Count}.
handle_cast(_Message, Count) -> {noreply, Count}.
handle_info(tick, Count) ->
    tick(),
    {noreply, Count + 1}.
code_change(_OldVsn, Count, _Extra) -> {ok, Count}.

tick() -> erlang:send_after(application:get_env(counter, interval, 200), self(), tick).
