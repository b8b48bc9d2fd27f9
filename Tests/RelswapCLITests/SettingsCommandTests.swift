import Foundation
import TestSupport
import Testing

/// rebar2-style KEY=VALUE settings: each command names the ones it takes, and refuses others as a usage error.
@Suite struct SettingsCommandTests {
    @Test(arguments: [("generate", "force=1 and target_dir=DIR"),
                      ("generate-appups", "previous_release=PATH"),
                      ("generate-upgrade", "previous_release=PATH")])
    func anUnknownSettingIsAUsageErrorThatNamesTheAcceptedOnes(command: String, accepted: String) throws {
        let result = try Products.run("relswap", [command, "bogus=1"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("Unknown setting 'bogus=1'; relswap \(command) takes \(accepted)."), "\(result.standardError)")
    }
}

/// `--version` is Relswap's own everywhere; a release's version is `--release-version`.
@Suite struct VersionFlagTests {
    @Test func generateVersionPrintsRelswapsVersionAndReleaseVersionIsTheRelease() throws {
        let global = try Products.run("relswap", ["--version"])
        let generate = try Products.run("relswap", ["generate", "--version"])
        #expect(global.status == 0 && generate.status == 0, "\(generate.standardError)")
        #expect(generate.standardOutput == global.standardOutput)
        let help = try Products.run("relswap", ["generate", "--help"]).standardOutput
        #expect(help.components(separatedBy: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--version") }.count == 1)
        #expect(help.contains("--release-version <release-version>"))
        let appupsHelp = try Products.run("relswap", ["generate-appups", "--help"]).standardOutput
        #expect(appupsHelp.contains("--output <dir>") && !appupsHelp.contains("--out <dir>"), "one name for the output directory")
    }
}
