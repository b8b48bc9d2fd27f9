defmodule Tally.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args), do: Supervisor.start_link([Tally.Server], strategy: :one_for_one, name: Tally.Supervisor)
end
