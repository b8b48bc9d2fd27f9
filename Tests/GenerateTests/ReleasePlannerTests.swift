import ErlangTerm
import Foundation
import Planning
import ReleaseModel
import TestSupport
import Testing

/// The planner as a library: the boot files' encoding follows the target OTP release.
@Suite struct ReleasePlannerTests {
    @Test(arguments: [(25, UInt8(100)), (26, UInt8(119)), (27, UInt8(119))])
    func bootFilesAreEncodedForTheTargetOTPRelease(_ release: Int, _ atomTag: UInt8) throws {
        var installation = try OTPInstallation.onPath()
        installation.otpRelease = release
        let request = ReleaseRequest(name: "plain", version: "1", applications: [], targetDirectory: "/nonexistent/plain", baseDirectory: "/")
        let plan = try ReleasePlanner.plan(request, installation: installation)
        let boot = ExternalTermFormat.encode(plan.bootScript, options: plan.encoding)
        // {script, ...}: 131, SMALL_TUPLE_EXT 3, then the atom `script` with the release's atom tag.
        #expect(Array(boot.prefix(4)) == [131, 104, 3, atomTag])
        #expect(try ExternalTermFormat.decode(boot) == plan.bootScript)
        #expect(plan.release.applications.map(\.name) == ["kernel", "stdlib", "sasl"])
    }
}
