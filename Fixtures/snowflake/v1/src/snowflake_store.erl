-module(snowflake_store).
-behaviour(gen_server).
-export([start_link/0, put/2, get/1]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

%% Users by id, kept in the process state across hot upgrades.
start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, #{}, []).
put(Id, Name) -> gen_server:call(?MODULE, {put, Id, Name}).
get(Id) -> gen_server:call(?MODULE, {get, Id}).

init(Users) -> {ok, Users}.
handle_call({put, Id, Name}, _From, Users) -> {reply, ok, Users#{Id => Name}};
handle_call({get, Id}, _From, Users) -> {reply, maps:find(Id, Users), Users}.
handle_cast(_Message, Users) -> {noreply, Users}.
code_change(_OldVsn, Users, _Extra) -> {ok, Users}.
