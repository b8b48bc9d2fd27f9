-module(snowflake_app).
-behaviour(application).
-export([start/2, stop/1]).

%% Starts the user store under the supervisor, then an inets httpd on 127.0.0.1 and the port
%% from the application environment (sys.config), whose only module is snowflake_web.
start(_Type, _Args) ->
    {ok, Sup} = snowflake_sup:start_link(),
    {ok, Port} = application:get_env(snowflake, port),
    Root = filename:join(code:priv_dir(snowflake), "www"),
    ok = filelib:ensure_dir(filename:join(Root, "x")),
    {ok, _Httpd} = inets:start(httpd, [{port, Port}, {bind_address, {127, 0, 0, 1}},
                                       {server_name, "snowflake"}, {server_root, Root},
                                       {document_root, Root}, {modules, [snowflake_web]}]),
    {ok, Sup}.

stop(_State) ->
    ok.
