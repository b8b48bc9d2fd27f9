-module(snowflake_json).
-export([user/2]).

%% The JSON for one user. Version 2 names the id "userId" (the change the seed upgrade ships).
user(Id, Name) ->
    iolist_to_binary([<<"{\"userId\":">>, integer_to_binary(Id), <<",\"name\":\"">>, Name, <<"\"}">>]).
