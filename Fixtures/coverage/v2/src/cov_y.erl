-module(cov_y).
-export([pong/1]).
pong(0) -> y2;
pong(N) -> cov_x:ping(N - 1).
