-module(snowflake_json).
-export([user/2]).

%% The JSON for one user. Version 1 names the id "user_id".
user(Id, Name) ->
    iolist_to_binary([<<"{\"user_id\":">>, integer_to_binary(Id), <<",\"name\":\"">>, Name, <<"\"}">>]).
