-module(snowflake_user).
-behaviour(gen_server).
-export([start_link/0, put/2, get/1]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

%% Owns the ETS table of users: {Id, Password}, both binaries. The table lives as long as this
%% process, so a hot upgrade that keeps the process keeps the users.
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).
put(Id, Password) -> gen_server:call(?MODULE, {put, Id, Password}).
get(Id) ->
    case ets:lookup(snowflake_users, Id) of
        [{Id, Password}] -> {ok, Password};
        [] -> error
    end.

init([]) ->
    ets:new(snowflake_users, [named_table, protected, set, {read_concurrency, true}]),
    {ok, #{}}.
handle_call({put, Id, Password}, _From, State) ->
    true = ets:insert(snowflake_users, {Id, Password}),
    {reply, ok, State}.
handle_cast(_Message, State) -> {noreply, State}.
code_change(_OldVsn, State, _Extra) -> {ok, State}.
