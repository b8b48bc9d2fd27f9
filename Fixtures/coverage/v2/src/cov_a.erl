-module(cov_a).
-export([run/1]).
run(X) -> {a2, cov_b:run(X)}.
