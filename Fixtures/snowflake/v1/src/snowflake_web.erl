-module(snowflake_web).
-export([do/1]).
-include_lib("inets/include/httpd.hrl").

%% inets httpd callback.
%%   PUT /users/Id {"password":"pass"} -> 201, Location: /users/Id, the user as JSON
%%   GET /users/Id                     -> 200 and the user, or 404
%%   a body that is not {"password": String} -> 400; any other path -> 404
do(#mod{method = "PUT", request_uri = "/users/" ++ Id, entity_body = Body}) ->
    case password(Body) of
        {ok, Password} ->
            ok = snowflake_user:put(list_to_binary(Id), Password),
            reply(201, [{location, "/users/" ++ Id}], user_json(list_to_binary(Id), Password));
        error ->
            reply(400, [], <<"{\"error\":\"expected {\\\"password\\\": string}\"}">>)
    end;
do(#mod{method = "GET", request_uri = "/users/" ++ Id}) ->
    case snowflake_user:get(list_to_binary(Id)) of
        {ok, Password} -> reply(200, [], user_json(list_to_binary(Id), Password));
        error -> reply(404, [], <<"{\"error\":\"no such user\"}">>)
    end;
do(_ModData) ->
    reply(404, [], <<"{\"error\":\"not found\"}">>).

%% The JSON for one user. Version 1 names the id "user_id".
user_json(Id, Password) ->
    iolist_to_binary([<<"{\"user_id\":\"">>, Id, <<"\",\"password\":\"">>, Password, <<"\"}">>]).

reply(Code, Extra, Body) ->
    Headers = [{code, Code}, {content_type, "application/json"},
               {content_length, integer_to_list(byte_size(Body))} | Extra],
    {proceed, [{response, {response, Headers, [Body]}}]}.

%% A hand-written reader for exactly {"password": "..."} (OTP 25 has no json module):
%% white space is allowed around tokens; the string may hold \" and \\ escapes.
password(Body) ->
    try
        [${ | R1] = skip(Body),
        {"password", R2} = string_token(skip(R1)),
        [$: | R3] = skip(R2),
        {Password, R4} = string_token(skip(R3)),
        [$}] = string:trim(R4),
        {ok, unicode:characters_to_binary(Password)}
    catch
        _:_ -> error
    end.

skip(S) -> string:trim(S, leading).

string_token([$" | Rest]) -> string_chars(Rest, []).
string_chars([$\\, C | Rest], Acc) when C =:= $"; C =:= $\\ -> string_chars(Rest, [C | Acc]);
string_chars([$" | Rest], Acc) -> {lists:reverse(Acc), Rest};
string_chars([C | Rest], Acc) when C =/= $\\ -> string_chars(Rest, [C | Acc]).
