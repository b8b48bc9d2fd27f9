-module(alpha_main).
-export([v/0]).
v() -> 2.
