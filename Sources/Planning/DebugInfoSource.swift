import Beam
import Foundation
import SystemSupport

/// Where abstract code comes from: the release's own beams, else a build directory's beams with the same
/// `beam_lib:md5` (`--debug-info-from`; debug info does not change that hash, and `mix release` and relx's prod mode
/// strip it).
public struct DebugInfoSource: Sendable {
    let byMD5: [[UInt8]: String]

    public init(directories: [String] = []) {
        var paths = [String]()
        for directory in directories {
            guard let enumerator = FileManager.default.enumerator(atPath: directory) else { continue }
            while let relative = enumerator.nextObject() as? String {
                if relative.hasSuffix(".beam") { paths.append("\(directory)/\(relative)") }
            }
        }
        let digests = parallelMap(paths) { path -> [UInt8]? in
            // A beam without debug info is no source of it.
            guard let file = try? BeamFile(path: path) else { return nil }
            if file.debugInfoUnavailability() != nil { return nil }
            return try? file.md5()
        }
        var index = [[UInt8]: String]()
        for (path, digest) in zip(paths, digests) { if let digest { index[digest] = index[digest] ?? path } }
        byMD5 = index
    }

    /// The debug info of `beam`: its own, else that of a beam with the same md5 from the directories; with
    /// `functions` and `attributes`, only those (see `BeamFile.debugInfo`).
    func debugInfo(of beam: BeamModule, functions: Set<String>? = nil, attributes: Set<String>? = nil) -> DebugInfo {
        fromOwnElseMatched(beam, unreadable: .unavailable(reason: "it cannot be read"),
                           { $0.debugInfo(functions: functions, attributes: attributes) },
                           lacking: { if case .unavailable = $0 { true } else { false } })
    }

    /// Why `beam` has no abstract code here (its own, or one matched by md5), or nil if it has some; no form is read.
    func debugInfoUnavailability(of beam: BeamModule) -> String? {
        fromOwnElseMatched(beam, unreadable: "it cannot be read", { $0.debugInfoUnavailability() }, lacking: { $0 != nil })
    }

    /// `read` of `beam`'s own file; where that lacks debug info, `read` of the directories' beam with the same md5,
    /// if there is one and it can be opened; `unreadable` if `beam`'s own file cannot be.
    private func fromOwnElseMatched<T>(_ beam: BeamModule, unreadable: T, _ read: (BeamFile) -> T, lacking: (T) -> Bool) -> T {
        guard let file = try? BeamFile(path: beam.path) else { return unreadable }
        let own = read(file)
        if lacking(own), let other = byMD5[beam.md5], let source = try? BeamFile(path: other) { return read(source) }
        return own
    }
}
