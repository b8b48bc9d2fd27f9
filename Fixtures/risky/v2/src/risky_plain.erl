-module(risky_plain).
-behaviour(gen_server).
-export([hello/0, init/1, handle_call/3, handle_cast/2]).
hello() -> hello.
init([]) -> {ok, []}.
handle_call(_Request, _From, S) -> {reply, ok, S}.
handle_cast(_Message, S) -> {noreply, S}.
