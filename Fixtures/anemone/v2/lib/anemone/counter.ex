defmodule Anemone.Counter do
  @moduledoc "Counts +2 per tick (the second seed, version 2); upgrading from 1 adds 1000."
  use GenServer
  @vsn 2

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
    {:noreply, count + 2}
  end

  @impl true
  def code_change(1, count, _extra), do: {:ok, count + 1000}
  def code_change({:down, 1}, count, _extra), do: {:ok, count}
  def code_change(_old, count, _extra), do: {:ok, count}

  defp tick, do: Process.send_after(self(), :tick, 200)
end
