-module(cov_b).
-export([run/1]).
run(X) -> {b1, cov_c:run(X)}.
