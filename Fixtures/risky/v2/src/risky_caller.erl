-module(risky_caller).
-export([call/0]).
call() -> risky_api:old_fun().
