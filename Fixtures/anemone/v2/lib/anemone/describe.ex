defprotocol Anemone.Describe do
  @moduledoc "A protocol, consolidated by mix release: version 2 adds an implementation."
  def describe(value)
end

defimpl Anemone.Describe, for: Integer do
  def describe(n), do: "the number #{n}"
end

defimpl Anemone.Describe, for: Atom do
  def describe(a), do: "the atom #{a}"
end
