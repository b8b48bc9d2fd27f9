defmodule Tally.Reading do
  @moduledoc "A reading of the counter. Version 1 prints it with to_string/1 (String.Chars)."
  defstruct value: 0
end

defimpl String.Chars, for: Tally.Reading do
  def to_string(%Tally.Reading{value: value}), do: "reading #{value}"
end
