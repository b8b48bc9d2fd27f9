-module(cov_lib).
-export([describe/1]).
describe(Term) -> {v1, Term}.
