defmodule Tally.Server do
  @moduledoc "Version 2 adds a field to the state struct, and no code_change to fill it in."
  use GenServer
  defstruct count: 0, last: nil

  def start_link(_), do: GenServer.start_link(__MODULE__, %__MODULE__{}, name: __MODULE__)
  @impl true
  def init(state), do: {:ok, state}
  @impl true
  def handle_call(:count, from, %__MODULE__{count: n} = s), do: {:reply, n, %{s | count: n + 1, last: from}}
end
