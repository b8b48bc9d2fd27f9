-module(cov_x).
-export([ping/1]).
ping(0) -> x2;
ping(N) -> cov_y:pong(N - 1).
