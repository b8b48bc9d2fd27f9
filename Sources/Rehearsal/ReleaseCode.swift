import Beam
import ErlangTerm
import Foundation
import ReleaseModel
import SystemSupport

/// The code a release version should run: `beam_lib:md5` of every module of its applications (a mix release's
/// consolidated protocols by their consolidated beams), with the application each belongs to.
struct ReleaseCode: Sendable {
    var md5: [String: [UInt8]]
    var application: [String: String]

    static func load(root: String, version: String) throws -> ReleaseCode {
        let releaseRoot = try ReleaseRoot(path: root)
        let release = try releaseRoot.release(version: version)
        var beams = [(module: String, application: String, path: String)]()
        for entry in release.applications {
            let directory = releaseRoot.applicationDirectory(entry.name, version: entry.version)
            guard let resource = try? ApplicationResource(path: "\(directory)/ebin/\(entry.name).app") else { continue }
            for module in resource.modules { beams.append((module, entry.name, "\(directory)/ebin/\(module).beam")) }
        }
        let consolidated = "\(root)/releases/\(version)/consolidated"
        for file in ((try? FileManager.default.contentsOfDirectory(atPath: consolidated)) ?? []) where file.hasSuffix(".beam") {
            beams.append((String(file.dropLast(5)), "consolidated", "\(consolidated)/\(file)"))
        }
        let digests = parallelMap(beams) { beam in try? BeamFile(path: beam.path).md5() }
        var code = ReleaseCode(md5: [:], application: [:])
        for (beam, digest) in zip(beams, digests) {
            guard let digest else { continue }
            code.md5[beam.module] = digest
            if beam.application != "consolidated" || code.application[beam.module] == nil { code.application[beam.module] = beam.application }
        }
        return code
    }
}
