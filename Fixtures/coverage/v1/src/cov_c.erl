-module(cov_c).
-export([run/1]).
run(X) -> {c1, X}.
