import ArgumentParser
import SystemSupport

/// The version of this build of Relswap, printed by `relswap --version`.
let relswapVersion = "0.1.0"

@main
struct Relswap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relswap",
        abstract: "Build Erlang/OTP releases and hot upgrades: appups, relups and upgrade archives.",
        discussion: """
        Relswap reads and writes OTP's own formats (.app, .rel, .appup, relup, boot scripts, BEAM files) \
        and checks itself against OTP. See docs/ for one page per command.
        """,
        version: relswapVersion,
        subcommands: [Inspect.self, Generate.self, GenerateAppups.self, GenerateUpgrade.self, PrepareRelease.self, Rehearse.self])

    static func main() async {
        ProcessMemory.keepFreedMemory()
        await main(nil)
    }
}

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Flag(help: "Print machine-readable JSON on standard output instead of text.")
    var json = false
}
