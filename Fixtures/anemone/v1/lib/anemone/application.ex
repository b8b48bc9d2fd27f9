defmodule Anemone.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    Supervisor.start_link([Anemone.Counter], strategy: :one_for_one, name: Anemone.Supervisor)
  end
end
