-module(cov_lib).
-export([describe/1]).
describe(Term) -> {v2, cov_added:tag(Term)}.
