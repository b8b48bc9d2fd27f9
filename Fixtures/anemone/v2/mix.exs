defmodule Anemone.MixProject do
  use Mix.Project

  def project do
    [
      app: :anemone,
      version: "0.2.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: []
    ]
  end

  # :sasl is what hot upgrades need: it runs release_handler.
  def application do
    [
      extra_applications: [:logger, :sasl],
      mod: {Anemone.Application, []}
    ]
  end
end
