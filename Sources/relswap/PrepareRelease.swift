import ArgumentParser
import Foundation
import ReleaseModel

struct PrepareRelease: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare-release",
        abstract: "Give a release root what release_handler needs and mix release does not write.",
        discussion: """
        Writes releases/RELEASES (the permanent version, with root-relative lib paths, as release_handler writes \
        it) and releases/<name>-<vsn>.rel, where they are missing. Without RELEASES, release_handler invents an \
        entry with no libraries: an upgrade works, but a downgrade crashes. Run it on the release before it is \
        deployed (relswap-agent does the same on a running node that has none).

        Example:
          relswap prepare-release _build/prod/rel/anemone
        """)

    @OptionGroup var common: CommonOptions

    @Argument(help: ArgumentHelp("The release root.", valueName: "path"))
    var root: String

    @Option(name: .customLong("release-version"), help: "The version to record (default: the permanent one, from releases/start_erl.data).")
    var version: String?

    func run() throws {
        do {
            let releaseRoot = try ReleaseRoot(path: CommandSupport.absolute(root))
            guard let version = version ?? releaseRoot.permanentVersion() else {
                throw ReleaseModelError(file: releaseRoot.path, message: "has no permanent version", hint: "pass --release-version")
            }
            let release = try releaseRoot.release(version: version)
            let written = try releaseRoot.prepareForReleaseHandler(version: version)
            if common.json {
                struct Report: Encodable { var release: String; var version: String; var written: [String] }
                print(JSONOutput.text(Report(release: release.name, version: version, written: written)))
            } else {
                print(written.isEmpty ? "\(releaseRoot.path) already has releases/RELEASES and its .rel" : written.map { "wrote \($0)" }.joined(separator: "\n"))
            }
        } catch let error as ReleaseModelError {
            CommandSupport.fail("prepare-release", error.description, status: 1, json: common.json)
        } catch {
            CommandSupport.fail("prepare-release", "\(error)", status: 2, json: common.json)
        }
    }
}
