defmodule Tally.Server do
  @moduledoc "A GenServer whose state is a struct."
  use GenServer
  defstruct count: 0

  def start_link(_), do: GenServer.start_link(__MODULE__, %__MODULE__{}, name: __MODULE__)
  @impl true
  def init(state), do: {:ok, state}
  @impl true
  def handle_call(:count, _from, %__MODULE__{count: n} = s), do: {:reply, n, %{s | count: n + 1}}
end
