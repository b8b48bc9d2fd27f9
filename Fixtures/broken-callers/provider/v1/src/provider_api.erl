-module(provider_api).
-export([old_fun/0, kept/0]).
old_fun() -> old.
kept() -> kept.
