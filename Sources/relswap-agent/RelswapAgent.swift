import ArgumentParser

@main
struct RelswapAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relswap-agent",
        abstract: "Apply Relswap upgrade archives to running Erlang nodes over the distribution protocol.",
        discussion: """
        This build only prints its version and this usage: the node commands (releases, unpack, install, \
        permanent, downgrade, remove, upgrade) are not implemented yet.
        """,
        version: "0.1.0")

    func run() throws {
        print(Self.helpMessage())
    }
}
