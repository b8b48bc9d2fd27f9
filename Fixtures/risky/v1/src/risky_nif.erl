-module(risky_nif).
-export([add/2]).
add(A, B) -> A + B.
