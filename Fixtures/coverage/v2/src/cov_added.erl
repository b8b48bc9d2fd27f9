-module(cov_added).
-export([tag/1]).
tag(X) -> {added, X}.
