%% A module that exercises every chunk beam_lib:md5/1 hashes: funs (FunT), literals (LitT),
%% strings (StrT), imports and exports; plus attributes beam_lib merges (two behaviours, -vsn, custom).
-module(md5_probe).
-behaviour(gen_server).
-behavior(probe_behaviour).
-vsn("probe-1").
-author("relswap").
-probe_tag([one]).
-probe_tag([two, three]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3, table/0, adder/1, 'quoted name'/0]).

-ifdef(EXTRA_COMMENT).
%% Compiled with -DEXTRA_COMMENT and +debug_info: only debug info and compile options differ.
-endif.

init(Args) -> {ok, Args}.
handle_call(Request, _From, State) -> {reply, {Request, lists:reverse(State)}, State}.
handle_cast(_Message, State) -> {noreply, State}.
code_change(_OldVsn, State, _Extra) -> {ok, State}.
table() -> #{literal => [1, 2, 3], text => <<"a literal binary">>, nested => {deep, [x, y, z]}}.
adder(N) -> fun(X) -> X + N end.
'quoted name'() -> string:uppercase("str").
