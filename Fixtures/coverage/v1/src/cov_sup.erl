-module(cov_sup).
-behaviour(supervisor).
-export([start_link/0, init/1]).
start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).
init([]) ->
    Children = [#{id => Id, start => {Id, start_link, []}} || Id <- [cov_server, cov_statem, cov_worker]],
    {ok, {#{strategy => one_for_one}, Children}}.
