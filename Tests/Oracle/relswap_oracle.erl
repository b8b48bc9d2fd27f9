%% The test oracle: OTP's own answers for the inputs the Swift tests give it.
%%
%% Called as: erl -noshell -pa DIR -run relswap_oracle main Command InputFile OutputFile
%% InputFile holds one path (or one item) per line; OutputFile gets one line per answer, in order,
%% each the hex of term_to_binary of OTP's result, so that Swift compares terms, not text.
-module(relswap_oracle).
-export([main/1]).

main([Command, Input, Output]) ->
    {ok, Bin} = file:read_file(Input),
    Items = [binary_to_list(L) || L <- binary:split(Bin, <<"\n">>, [global]), L =/= <<>>],
    Lines = run(Command, Items),
    ok = file:write_file(Output, [[L, $\n] || L <- Lines]),
    halt(0).

hex(Term) -> binary:encode_hex(term_to_binary(Term)).
hex2(Term) -> binary:encode_hex(term_to_binary(Term, [{minor_version, 2}])).

wanted_form({function, _, Name, _, _}) -> Name =:= code_change;
wanted_form({attribute, _, Name, _}) -> Name =:= record;
wanted_form(_) -> true.

%% beam_lib's view of each file: {Module, MD5, Exports, Imports, Attributes, CompileInfo}.
run("beams", Paths) ->
    [hex(beam_info(P)) || P <- Paths];
%% beam_lib's abstract code of each file, whole and cut to what the risk checks read (code_change, the records,
%% every form that is neither a function nor an attribute): {Forms, Selected}, or none without abstract code.
run("abstract", Paths) ->
    [hex(case beam_lib:chunks(P, [abstract_code]) of
             {ok, {_, [{abstract_code, {raw_abstract_v1, Forms}}]}} ->
                 {Forms, [F || F <- Forms, wanted_form(F)]};
             _ -> none
         end) || P <- Paths];
%% file:consult/1 of each file.
run("consult", Paths) ->
    [hex(file:consult(P)) || P <- Paths];
%% One file of terms: for each term, term_to_binary/1 and the OTP 26 form, separated by a space.
run("encode", [Path]) ->
    case file:consult(Path) of
        {ok, Terms} -> [[hex(T), $\s, hex2(T)] || T <- Terms];
        {error, Reason} -> [["ERROR ", io_lib:format("~0tp", [Reason])]]
    end;
%% Terms that only a running node makes: for each, term_to_binary/1, compressed, and the OTP 26 form.
run("produce", []) ->
    [[hex(T), $\s, binary:encode_hex(term_to_binary(T, [compressed])), $\s, hex2(T)] || T <- produced_terms()];
%% make_relup for each item (see run_relup/1).
run("relups", Items) ->
    [hex(run_relup(I)) || I <- Items];
%% Each item is the hex of an external-format binary: binary_to_term/1's answer, or the atom badarg.
run("decode", Hexes) ->
    [hex(try {ok, binary_to_term(binary:decode_hex(list_to_binary(H)))} catch error:badarg -> badarg end) || H <- Hexes].

%% systools:make_relup/4 for each item "TopRel|Base1,Base2|PathGlob|Opt1,Opt2":
%% {ok, Relup} or {error, Reason}, never written to disk.
run_relup(Item) ->
    [Top, Bases, Glob, Opts] = string:split(Item, "|", all),
    BaseList = [B || B <- string:split(Bases, ",", all), B =/= ""],
    Options = [list_to_atom(O) || O <- string:split(Opts, ",", all), O =/= ""],
    case systools:make_relup(Top, BaseList, BaseList, [{path, [Glob]}, silent, noexec | Options]) of
        {ok, Relup, _, _} -> {ok, Relup};
        {error, Module, Reason} -> {error, {Module, Reason}};
        Other -> {error, Other}
    end.

beam_info(Path) ->
    try
        {ok, {Module, MD5}} = beam_lib:md5(Path),
        {ok, {Module, [{exports, E}, {imports, I}, {attributes, A}]}} =
            beam_lib:chunks(Path, [exports, imports, attributes]),
        CInf = case beam_lib:chunks(Path, [compile_info]) of
                   {ok, {Module, [{compile_info, C}]}} -> C;
                   {error, beam_lib, _} -> none
               end,
        {Module, MD5, E, I, A, CInf}
    catch Class:Reason -> {error, Class, Reason}
    end.

produced_terms() ->
    Self = self(),
    Ref = make_ref(),
    Port = hd(erlang:ports()),
    Local = fun(X) -> {X, Self} end,
    Big = maps:from_list([{K, K * K} || K <- lists:seq(1, 20)]),
    [Self, Ref, Port, Local, fun lists:map/2, {Self, [Ref]}, #{pid => Self, ref => Ref},
     Big, lists:seq(1, 300), lists:duplicate(70000, $a), list_to_binary(lists:seq(0, 255)),
     <<1:3>>, <<255, 7:5>>, 1 bsl 2100, -(1 bsl 2100), atom_with_éacute, list_to_atom([16#3b1, 16#3b2]),
     list_to_atom(lists:duplicate(255, $x)), list_to_atom(lists:duplicate(200, 16#3b1)),
     [1, 2 | three], {}, [], <<>>, 3.14, -0.0, 1.0e300, 4.9e-324].
