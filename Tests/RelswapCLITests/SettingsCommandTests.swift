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
