-module(kinder_sup).
-behaviour(supervisor).
-export([start_link/0, init/1]).

start_link() -> supervisor:start_link({local, kinder_top}, ?MODULE, []).

init([]) ->
    Flags = #{strategy => one_for_one, intensity => 3, period => 5},
    {ok, {Flags, [child(kinder_keep), child(kinder_new)]}}.

child(Module) -> #{id => Module, start => {Module, start_link, []}}.
