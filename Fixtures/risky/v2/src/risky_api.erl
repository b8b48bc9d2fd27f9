-module(risky_api).
-export([kept/0]).
kept() -> kept_in_two.
