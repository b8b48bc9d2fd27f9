-module(cov_b).
-export([run/1]).
run(X) -> {b2, cov_c:run(X)}.
