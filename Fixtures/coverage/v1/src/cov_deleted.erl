-module(cov_deleted).
-export([old/0]).
old() -> gone_in_2.
