%% A supervisor in the old style: 6-tuple child specifications, written through a macro, and a global name.
-module(tuple_sup).
-behaviour(supervisor).
-export([start_link/0, init/1]).

-define(CHILD(I, Type), {I, {I, start_link, []}, permanent, 5000, Type, [I]}).

start_link() -> supervisor:start_link({global, tuple_top}, ?MODULE, []).

init([]) ->
    {ok, {{one_for_one, 5, 10}, [?CHILD(tuple_worker, worker), ?CHILD(tuple_child_sup, supervisor)]}};
init(ignore_me) ->
    ignore.
