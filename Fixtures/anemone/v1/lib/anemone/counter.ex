defmodule Anemone.Counter do
  @moduledoc "Counts +1 per tick (the second seed, version 1)."
  use GenServer
  @vsn 1

  def start_link(_args), do: GenServer.start_link(__MODULE__, 0, name: __MODULE__)
  def value, do: GenServer.call(__MODULE__, :value)

  @impl true
  def init(count) do
    tick()
    {:ok, count}
  end

  @impl true
  def handle_call(:value, _from, count), do: {:reply, count, count}

  @impl true
  def handle_info(:tick, count) do
    tick()
    {:noreply, count + 1}
  end

  defp tick, do: Process.send_after(self(), :tick, 200)
end
