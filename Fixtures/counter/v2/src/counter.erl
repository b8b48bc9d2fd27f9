-module(counter).
-behaviour(gen_server).
-vsn(2).
-export([start_link/0, value/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, code_change/3]).

%% Adds 2 to its state every `interval` milliseconds. Upgrading from -vsn(1) adds 1000 to the
%% count, so a test can see the state moved on in place; downgrading keeps the count.
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
value() -> gen_server:call(?MODULE, value).

init([]) ->
    tick(),
    {ok, 0}.
handle_call(value, _From, Count) -> {reply, Count, Count}.
handle_cast(_Message, Count) -> {noreply, Count}.
handle_info(tick, Count) ->
    tick(),
    {noreply, Count + 2}.
code_change(1, Count, _Extra) -> {ok, Count + 1000};
code_change({down, 1}, Count, _Extra) -> {ok, Count};
code_change(_OldVsn, Count, _Extra) -> {ok, Count}.

tick() -> erlang:send_after(application:get_env(counter, interval, 200), self(), tick).
