-module(snowflake_sup).
-behaviour(supervisor).
-export([start_link/0, init/1]).

start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    User = #{id => snowflake_user, start => {snowflake_user, start_link, []}},
    {ok, {#{strategy => one_for_one, intensity => 5, period => 10}, [User]}}.
