-module(provider_api).
%% Version 2 drops old_fun/0.
-export([kept/0]).
kept() -> kept.
