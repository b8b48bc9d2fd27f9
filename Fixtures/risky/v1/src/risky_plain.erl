-module(risky_plain).
-export([hello/0]).
hello() -> hello.
