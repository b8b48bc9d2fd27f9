-module(snowflake_http).
-export([do/1]).
-include_lib("inets/include/httpd.hrl").

%% inets httpd callback: PUT /users/Id stores the request body as the user's name,
%% GET /users/Id answers the user as JSON.
do(#mod{method = "PUT", request_uri = "/users/" ++ Id, entity_body = Body}) ->
    ok = snowflake_store:put(list_to_integer(Id), list_to_binary(Body)),
    reply(204, <<>>);
do(#mod{method = "GET", request_uri = "/users/" ++ Id}) ->
    UserId = list_to_integer(Id),
    case snowflake_store:get(UserId) of
        {ok, Name} -> reply(200, snowflake_json:user(UserId, Name));
        error -> reply(404, <<"{\"error\":\"no such user\"}">>)
    end;
do(_ModData) ->
    reply(404, <<"{\"error\":\"not found\"}">>).

reply(Code, Body) ->
    Headers = [{code, Code}, {content_type, "application/json"}, {content_length, integer_to_list(byte_size(Body))}],
    {proceed, [{response, {response, Headers, [Body]}}]}.
