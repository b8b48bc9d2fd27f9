-module(moving).
-export([where/0]).
where() -> alpha.
