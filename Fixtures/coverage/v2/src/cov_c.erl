-module(cov_c).
-export([run/1]).
run(X) -> {c2, X}.
