import CArchive
import ErlangTerm
import Foundation

/// What the agent checks in an archive before sending it: a readable tar.gz that holds `releases/<pkg>.rel`.
struct UpgradeArchiveCheck {
    var package: String
    var version: String
    var releaseName: String
    var bytes: [UInt8]

    init(path: String) throws {
        let name = (path as NSString).lastPathComponent
        guard name.hasSuffix(".tar.gz") else {
            throw AgentFailure(.archive, "\(path): an upgrade archive is <name>_<vsn>.tar.gz, as relswap generate-upgrade writes it")
        }
        package = String(name.dropLast(".tar.gz".count))
        guard let data = FileManager.default.contents(atPath: path) else { throw AgentFailure(.archive, "\(path): cannot read the archive") }
        bytes = [UInt8](data)
        guard let archive = archive_read_new() else { throw AgentFailure(.archive, "libarchive could not start a reader") }
        defer { archive_read_free(archive) }
        archive_read_support_filter_gzip(archive)
        archive_read_support_format_tar(archive)
        let opened = bytes.withUnsafeBytes { archive_read_open_memory(archive, $0.baseAddress, $0.count) }
        guard opened == ARCHIVE_OK else { throw AgentFailure(.archive, "\(path): not a readable tar.gz") }
        var entry: OpaquePointer?
        var relText: String?
        while archive_read_next_header(archive, &entry) == ARCHIVE_OK {
            guard let entry, let pathname = archive_entry_pathname(entry).map({ String(cString: $0) }) else { continue }
            if pathname == "releases/\(package).rel" {
                var contents = [UInt8](repeating: 0, count: Int(archive_entry_size(entry)))
                let read = contents.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
                relText = read >= 0 ? String(decoding: contents.prefix(read), as: UTF8.self) : nil
                break
            }
        }
        guard let relText else {
            throw AgentFailure(.archive, "\(path): holds no releases/\(package).rel, which release_handler:unpack_release(\"\(package)\") looks for")
        }
        guard let term = try? TermReader.parse(relText).first, let parts = term.tupleElements, parts.count == 4,
              let nameVersion = parts[1].tupleElements, nameVersion.count == 2,
              let name = nameVersion[0].stringValue, let version = nameVersion[1].stringValue else {
            throw AgentFailure(.archive, "\(path): releases/\(package).rel is not a release resource file")
        }
        releaseName = name
        self.version = version
    }
}
