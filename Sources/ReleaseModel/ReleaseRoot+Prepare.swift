import Foundation

extension ReleaseRoot {
    /// What `release_handler` needs and `mix release` does not write (`relswap prepare-release`): `releases/RELEASES`
    /// with `version` permanent (root-relative library paths), and `releases/<name>-<vsn>.rel`. Files that exist are
    /// left alone. Returns the files written.
    public func prepareForReleaseHandler(version: String) throws -> [String] {
        let release = try self.release(version: version)
        var written = [String]()
        let releasesFile = "\(path)/releases/RELEASES"
        if !FileManager.default.fileExists(atPath: releasesFile) {
            try ReleasesFile(releases: [.init(permanent: release)]).fileContents.write(toFile: releasesFile, atomically: true, encoding: .utf8)
            written.append(releasesFile)
        }
        let namedRel = "\(path)/releases/\(release.name)-\(release.version).rel"
        if !FileManager.default.fileExists(atPath: namedRel) {
            try release.fileContents.write(toFile: namedRel, atomically: true, encoding: .utf8)
            written.append(namedRel)
        }
        return written
    }
}
