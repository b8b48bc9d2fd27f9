-module(client_user).
-export([both/0]).
both() -> {provider_api:old_fun(), provider_api:kept()}.
