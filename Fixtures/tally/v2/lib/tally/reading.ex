defmodule Tally.Reading do
  @moduledoc "Version 2 keeps the struct and drops its String.Chars implementation."
  defstruct value: 0
end
