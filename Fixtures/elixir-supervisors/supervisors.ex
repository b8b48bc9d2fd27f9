# Supervisors whose children Relswap reads from Elixir's debug info (compiled by the tests with elixirc).
defmodule Kids.Static do
  use Supervisor
  def start_link(arg), do: Supervisor.start_link(__MODULE__, arg, name: Kids.Top)

  @impl true
  def init(_arg) do
    children = [
      Kids.Worker,
      {Kids.Other, 3},
      Supervisor.child_spec({Kids.Worker, 1}, id: :second_worker),
      %{id: :by_map, start: {Kids.Worker, :start_link, []}}
    ]
    Supervisor.init(children, strategy: :one_for_one)
  end
end

defmodule Kids.Computed do
  use Supervisor
  def start_link(arg), do: Supervisor.start_link(__MODULE__, arg)

  @impl true
  def init(names), do: Supervisor.init(Enum.map(names, &{Kids.Worker, &1}), strategy: :one_for_one)
end
