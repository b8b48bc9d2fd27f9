defmodule Anemone.Reading do
  @moduledoc "New in 0.2.0: a struct that implements a protocol owned by another application (elixir's String.Chars)."
  defstruct n: 0
end

defimpl String.Chars, for: Anemone.Reading do
  def to_string(%Anemone.Reading{n: n}), do: "reading #{n}"
end
