#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%% Writes a large synthetic release pair for the benchmarks: Apps applications of Mods modules each (a
%% supervisor, gen_servers with code_change/3, and library modules calling each other), beams of 1-40 KB,
%% some with large literal tables. Version 2 changes Share of the modules across a third of the
%% applications (and bumps their versions), adds and deletes a module, adds one application and removes
%% another. Everything is compiled in this one VM, and everything is decided by Seed.
%%
%% Beside them, one library application per cycle size (RELSWAP_BENCH_CYCLES, default "100,500"): cycleN, whose N
%% modules call each other in one ring (m1 -> m2 -> ... -> mN -> m1), every one changed in version 2, so that the
%% relup orders a dependency cycle of N modules.
%%
%% Usage: make-large-release.escript OutDir [Apps Mods SharePercent Seed]
%% Writes OutDir/v1/lib/<app>-1/ebin and OutDir/v2/lib/<app>-<vsn>/ebin.
-mode(compile).

main([Out]) -> main([Out, "60", "50", "5", "42"]);
main([Out, Apps0, Mods0, Share0, Seed0]) ->
    [Apps, Mods, Share, Seed] = [list_to_integer(X) || X <- [Apps0, Mods0, Share0, Seed0]],
    put(seed, Seed),
    Names = [app_name(I) || I <- lists:seq(1, Apps)],
    Changed = changed_modules(Names, Mods, Share),
    build(Out, "v1", Names, Mods, 1, #{}, none),
    %% v2: the last application is removed, a new one added, one module added, one deleted.
    V2Names = lists:droplast(Names) ++ [app_name(Apps + 1)],
    build(Out, "v2", V2Names, Mods, 2, Changed, {hd(Names), lists:nth(2, Names)}),
    Cycles = [list_to_integer(C) || C <- string:lexemes(os:getenv("RELSWAP_BENCH_CYCLES", "100,500"), ",")],
    [build_cycle(Out, Tag, N, Version) || N <- Cycles, {Tag, Version} <- [{"v1", 1}, {"v2", 2}]],
    io:format("~p applications of ~p modules; ~p modules changed in v2; cycles of ~w modules~n",
              [Apps, Mods, maps:size(Changed), Cycles]).

build_cycle(Out, Tag, N, Version) ->
    App = list_to_atom("cycle" ++ integer_to_list(N)),
    Dir = filename:join([Out, Tag, "lib", atom_to_list(App) ++ "-" ++ integer_to_list(Version), "ebin"]),
    ok = filelib:ensure_dir(filename:join(Dir, "x")),
    Modules = [mod_name(App, J) || J <- lists:seq(1, N)],
    lists:foreach(
      fun(J) ->
              Name = mod_name(App, J),
              Source = library_source(Name, Version, 1, [mod_name(App, J rem N + 1)]),
              {ok, Tokens, _} = erl_scan:string(lists:flatten(Source)),
              Forms = [begin {ok, F} = erl_parse:parse_form(T), F end || T <- split_forms(Tokens, [], [])],
              Table = {function, 1, table, 0, [{clause, 1, [], [], [erl_parse:abstract(Version)]}]},
              {ok, Name, Beam} = compile:forms(Forms ++ [Table], [deterministic]),
              ok = file:write_file(filename:join(Dir, atom_to_list(Name) ++ ".beam"), Beam)
      end, lists:seq(1, N)),
    AppFile = {application, App, [{description, atom_to_list(App)}, {vsn, integer_to_list(Version)},
                                  {modules, Modules}, {registered, []}, {applications, [kernel, stdlib]}]},
    ok = file:write_file(filename:join(Dir, atom_to_list(App) ++ ".app"), io_lib:format("~p.~n", [AppFile])).

app_name(I) -> list_to_atom(lists:flatten(io_lib:format("app~3..0B", [I]))).
mod_name(App, J) -> list_to_atom(lists:flatten(io_lib:format("~s_m~3..0B", [App, J]))).

%% Share percent of all modules change, spread over a third of the applications.
changed_modules(Names, Mods, Share) ->
    Touched = [N || {I, N} <- lists:zip(lists:seq(1, length(Names)), Names), I rem 3 =:= 1],
    Count = length(Names) * Mods * Share div 100,
    PerApp = max(1, Count div max(1, length(Touched))),
    maps:from_list([{mod_name(App, J), true} || App <- Touched, J <- lists:seq(2, min(Mods, PerApp + 1))]).

build(Out, Tag, Names, Mods, Version, Changed, Edits) ->
    lists:foreach(
      fun(App) ->
              AppChanged = lists:any(fun(J) -> maps:is_key(mod_name(App, J), Changed) end, lists:seq(1, Mods)),
              IsNew = Version =:= 2 andalso App =:= lists:last(Names) andalso not is_old(App, Mods),
              Vsn = case Version =:= 2 andalso (AppChanged orelse IsNew orelse edited(App, Edits)) of true -> "2"; false -> "1" end,
              Dir = filename:join([Out, Tag, "lib", atom_to_list(App) ++ "-" ++ Vsn, "ebin"]),
              ok = filelib:ensure_dir(filename:join(Dir, "x")),
              Js = module_numbers(App, Mods, Version, Edits),
              Modules = [mod_name(App, J) || J <- Js],
              [compile_module(Dir, App, J, Js, maps:is_key(mod_name(App, J), Changed)) || J <- Js],
              AppFile = {application, App, [{description, atom_to_list(App)}, {vsn, Vsn}, {modules, Modules},
                                            {registered, [mod_name(App, 1)]}, {applications, [kernel, stdlib]},
                                            {mod, {mod_name(App, 1), []}}]},
              ok = file:write_file(filename:join(Dir, atom_to_list(App) ++ ".app"), io_lib:format("~p.~n", [AppFile]))
      end, Names).

is_old(App, _) -> list_to_integer(lists:nthtail(3, atom_to_list(App))) =< 0.
edited(App, {Added, Deleted}) -> App =:= Added orelse App =:= Deleted;
edited(_, none) -> false.

module_numbers(App, Mods, 2, {Added, Deleted}) ->
    Base = lists:seq(1, Mods),
    Base1 = case App of Added -> Base ++ [Mods + 1]; _ -> Base end,
    case App of Deleted -> lists:delete(Mods, Base1); _ -> Base1 end;
module_numbers(_, Mods, _, _) -> lists:seq(1, Mods).

%% Module 1 is the application's supervisor (and application callback), 2-4 are gen_servers, the rest
%% libraries that call the next two modules of the same application.
compile_module(Dir, App, J, Js, Changed) ->
    Name = mod_name(App, J),
    Salt = case Changed of true -> 2; false -> 1 end,
    %% Each module's content depends only on its name (and whether it changed), not on build order.
    rand:seed(exsss, {erlang:phash2(Name), J, get(seed)}),
    %% Most modules are small; one in ten carries a large literal table.
    Literal = case rand:uniform(10) of 1 -> 8 + rand:uniform(32); _ -> rand:uniform(8) end,
    Calls = [mod_name(App, K) || K <- Js, K > J, K =< J + 2, K > 4],
    Source =
        case J of
            1 -> supervisor_source(Name, [mod_name(App, K) || K <- Js, K >= 2, K =< 4]);
            _ when J =< 4 -> server_source(Name, Salt, Literal);
            _ -> library_source(Name, Salt, Literal, Calls)
        end,
    {ok, Tokens, _} = erl_scan:string(lists:flatten(Source)),
    Forms = [begin {ok, F} = erl_parse:parse_form(T), F end || T <- split_forms(Tokens, [], [])],
    %% table/0 returns a literal of random bytes, built as an abstract term (fast, and incompressible in LitT).
    Table = {function, 1, table, 0, [{clause, 1, [], [], [erl_parse:abstract(table(Salt, Literal))]}]},
    {ok, Name, Beam} = compile:forms(Forms ++ [Table], [deterministic]),
    ok = file:write_file(filename:join(Dir, atom_to_list(Name) ++ ".beam"), Beam).

split_forms([{dot, _} = Dot | Rest], Current, Acc) -> split_forms(Rest, [], [lists:reverse([Dot | Current]) | Acc]);
split_forms([T | Rest], Current, Acc) -> split_forms(Rest, [T | Current], Acc);
split_forms([], [], Acc) -> lists:reverse(Acc).

table(Salt, KB) ->
    [{I, Salt, rand:bytes(64)} || I <- lists:seq(1, KB * 16)].

supervisor_source(Name, Children) ->
    io_lib:format("-module(~s).~n-behaviour(supervisor).~n-behaviour(application).~n"
                  "-export([start/2, stop/1, start_link/0, init/1, table/0]).~n"
                  "start(_, _) -> start_link().~nstop(_) -> ok.~n"
                  "start_link() -> supervisor:start_link({local, ~s}, ~s, []).~n"
                  "init([]) -> {ok, {#{strategy => one_for_one}, [#{id => C, start => {C, start_link, []}} || C <- ~w]}}.~n",
                  [Name, Name, Name, Children]).

server_source(Name, Salt, _KB) ->
    io_lib:format("-module(~s).~n-behaviour(gen_server).~n"
                  "-export([start_link/0, init/1, handle_call/3, handle_cast/2, code_change/3, table/0]).~n"
                  "start_link() -> gen_server:start_link({local, ~s}, ~s, [], []).~n"
                  "init([]) -> {ok, ~p}.~nhandle_call(_, _, S) -> {reply, S, S}.~nhandle_cast(_, S) -> {noreply, S}.~n"
                  "code_change(_, S, _) -> {ok, S}.~n",
                  [Name, Name, Name, Salt]).

library_source(Name, Salt, _KB, Calls) ->
    Body = case Calls of [] -> "X"; _ -> string:join([io_lib:format("~s:run(X)", [C]) || C <- Calls], " + ") end,
    io_lib:format("-module(~s).~n-export([run/1, table/0]).~n"
                  "run(X) -> ~p + ~s.~n",
                  [Name, Salt, Body]).
