-module(cov_a).
-export([run/1]).
run(X) -> {a1, cov_b:run(X)}.
