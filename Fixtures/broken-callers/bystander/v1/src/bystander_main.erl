-module(bystander_main).
-export([run/0]).
%% Mentions old_fun only as an atom, and calls only what stays.
run() -> {old_fun, provider_api:kept()}.
