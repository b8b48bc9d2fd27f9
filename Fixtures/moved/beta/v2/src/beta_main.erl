-module(beta_main).
-export([v/0]).
v() -> 2.
