import Beam
import CArchive
import Crypto
import ErlangTerm
import Foundation

/// What the agent checks in an archive before sending it, reading it whole (every entry decompressed once):
/// a tar.gz whose entries stay inside the release root (relative paths under `lib/`, `releases/` or `erts-*/`, no
/// `..`, regular files and directories only), whose unpacked size and compression ratio are bounded (a gzip bomb is
/// refused here, not on the node), that holds `releases/<pkg>.rel` of the release and version the package name
/// says, and `releases/<vsn>/start.boot`. It also keeps each packed beam's `beam_lib:md5`, so that the node's code
/// can be checked against the archive after unpack and install.
public struct UpgradeArchiveCheck: Sendable {
    public struct Limits: Sendable {
        /// The most the entries may unpack to, in bytes.
        public var maximumUnpackedSize: Int64 = 2 << 30
        /// The most the entries may unpack to per byte of archive (beams compress 3 to 5 times; a gzip bomb 100s).
        public var maximumRatio: Int64 = 50

        public init(maximumUnpackedSize: Int64 = 2 << 30, maximumRatio: Int64 = 50) {
            self.maximumUnpackedSize = maximumUnpackedSize
            self.maximumRatio = maximumRatio
        }
        /// The most a `.rel` or a beam may be, in bytes (read into memory to be checked).
        static let maximumRelSize: Int64 = 1 << 20
        static let maximumBeamSize: Int64 = 256 << 20
    }

    public var package: String
    public var version: String
    public var releaseName: String
    /// The erts version the release's `.rel` names: another than the node's makes the upgrade restart the node into
    /// the new emulator (`restart_new_emulator`).
    public var ertsVersion: String
    public var bytes: [UInt8]
    public var sha256: String
    /// `app-vsn` of each `lib/` directory the archive holds.
    public var libraries: [String]
    /// `beam_lib:md5` of each packed beam, by `app-vsn`: (module, md5, the whole file's md5). The whole file's md5 is
    /// what the node checks after the unpack: it needs no `beam_lib`, so an emulator that cannot read the new OTP's
    /// beams can still check that they are the archive's.
    var beams: [String: [(module: String, md5: [UInt8], fileMD5: [UInt8])]]
    /// mix releases: `beam_lib:md5` of the consolidated protocols in `releases/<vsn>/consolidated/`, by module; the
    /// code a node runs for those after the upgrade (Relswap's appups load them).
    var consolidated: [String: [UInt8]]

    public init(path: String, limits: Limits = Limits()) throws {
        try self.init(bytes: try Self.read(path), name: (path as NSString).lastPathComponent, path: path, limits: limits)
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw AgentFailure(.archive, "\(path): cannot read the archive") }
        return [UInt8](data)
    }

    /// Checks an archive held in memory; `name` is its file name (`<name>_<vsn>.tar.gz`), `path` names it in errors.
    public init(bytes: [UInt8], name: String, path: String, limits: Limits = Limits()) throws {
        guard name.hasSuffix(".tar.gz") else {
            throw AgentFailure(.archive, "\(path): an upgrade archive is <name>_<vsn>.tar.gz, as relswap generate-upgrade writes it")
        }
        package = String(name.dropLast(".tar.gz".count))
        self.bytes = bytes
        sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        guard let archive = archive_read_new() else { throw AgentFailure(.archive, "libarchive could not start a reader") }
        defer { archive_read_free(archive) }
        archive_read_support_filter_gzip(archive)
        archive_read_support_format_tar(archive)
        let opened = bytes.withUnsafeBytes { archive_read_open_memory(archive, $0.baseAddress, $0.count) }
        guard opened == ARCHIVE_OK else { throw AgentFailure(.archive, "\(path): not a readable tar.gz") }
        func refuse(_ message: String) -> AgentFailure { AgentFailure(.archive, "\(path): \(message)") }
        func read(_ entry: OpaquePointer, _ size: Int64) throws -> [UInt8] {
            var contents = [UInt8](repeating: 0, count: Int(size))
            var offset = 0
            while offset < contents.count {
                let count = contents.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress! + offset, $0.count - offset) }
                guard count > 0 else { throw refuse("an entry is cut short (the archive is damaged)") }
                offset += count
            }
            return contents
        }

        var entry: OpaquePointer?
        var relText: String?, total: Int64 = 0, names = Set<String>()
        var libraries = [String](), beams = [String: [(module: String, md5: [UInt8], fileMD5: [UInt8])]](), consolidated = [String: [UInt8]]()
        while true {
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                throw refuse("not a readable tar.gz: \(archive_error_string(archive).map { String(cString: $0) } ?? "damaged")")
            }
            guard let pathname = archive_entry_pathname(entry).map({ String(cString: $0) }) else { throw refuse("an entry has no name") }
            let parts = pathname.split(separator: "/", omittingEmptySubsequences: true)
            guard !pathname.hasPrefix("/"), !parts.contains(".."), let top = parts.first,
                  top == "lib" || top == "releases" || top.hasPrefix("erts-") else {
                throw refuse("entry \(pathname) would be written outside lib/, releases/ and erts-*/ of the node's root; refusing the archive")
            }
            // AE_IFREG and AE_IFDIR (macros with casts, which Swift does not import): the POSIX values.
            let type = archive_entry_filetype(entry)
            let AE_IFREG: mode_t = 0o100000, AE_IFDIR: mode_t = 0o040000
            guard archive_entry_hardlink(entry) == nil, type == AE_IFREG || type == AE_IFDIR else {
                throw refuse("entry \(pathname) is a link or a special file; an upgrade archive holds regular files and directories only")
            }
            let size = archive_entry_size(entry)
            guard size >= 0 else { throw refuse("entry \(pathname) declares a negative size") }
            total += size
            guard total <= limits.maximumUnpackedSize else {
                throw refuse("unpacks to more than \(limits.maximumUnpackedSize) bytes; refusing it (raise --max-unpacked-size if that is expected)")
            }
            guard total <= Int64(bytes.count) * limits.maximumRatio + (1 << 20) else {
                throw refuse("unpacks to \(total) bytes or more from \(bytes.count): over \(limits.maximumRatio) times its size, as a gzip bomb does; refusing it (raise --max-compression-ratio if that is expected)")
            }
            names.insert(parts.joined(separator: "/"))
            if parts.count >= 2, top == "lib", !libraries.contains(String(parts[1])) { libraries.append(String(parts[1])) }
            if pathname == "releases/\(package).rel" {
                guard size <= Limits.maximumRelSize else { throw refuse("releases/\(package).rel declares \(size) bytes; a .rel is small") }
                relText = String(decoding: try read(entry, size), as: UTF8.self)
            } else if parts.count == 4, top == "releases", parts[2] == "consolidated", parts[3].hasSuffix(".beam"), type == AE_IFREG {
                guard size <= Limits.maximumBeamSize else { throw refuse("\(pathname) declares \(size) bytes, more than a beam may be") }
                do {
                    let file = try BeamFile(bytes: try read(entry, size), path: pathname)
                    consolidated[try file.moduleName()] = try file.md5()
                } catch let error as BeamError {
                    throw refuse("\(pathname) is not a readable beam: \(error)")
                }
            } else if parts.count == 4, top == "lib", parts[2] == "ebin", parts[3].hasSuffix(".beam"), type == AE_IFREG {
                guard size <= Limits.maximumBeamSize else { throw refuse("\(pathname) declares \(size) bytes, more than a beam may be") }
                let beam = try read(entry, size)
                do {
                    let file = try BeamFile(bytes: beam, path: pathname)
                    let module = try file.moduleName()
                    guard module + ".beam" == parts[3] else {
                        throw refuse("\(pathname) holds module \(module); the code server would not find it under that name")
                    }
                    beams[String(parts[1]), default: []].append((module, try file.md5(), Array(Insecure.MD5.hash(data: beam))))
                } catch let error as BeamError {
                    throw refuse("\(pathname) is not a readable beam: \(error)")
                }
            } else {
                guard archive_read_data_skip(archive) == ARCHIVE_OK else { throw refuse("entry \(pathname) is damaged") }
            }
        }
        guard let relText else {
            throw refuse("holds no releases/\(package).rel, which release_handler:unpack_release(\"\(package)\") looks for")
        }
        guard let term = try? TermReader.parse(relText).first, let rel = term.tupleElements, rel.count == 4,
              let nameVersion = rel[1].tupleElements, nameVersion.count == 2,
              let releaseName = nameVersion[0].stringValue, let version = nameVersion[1].stringValue,
              let erts = rel[2].tupleElements, erts.count == 2, let ertsVersion = erts[1].stringValue else {
            throw refuse("releases/\(package).rel is not a release resource file")
        }
        guard package.hasSuffix("_\(version)") else {
            throw refuse("releases/\(package).rel is version \(version) of \(releaseName), not the version the package name \(package) says")
        }
        guard names.contains("releases/\(version)/start.boot") else {
            throw refuse("holds no releases/\(version)/start.boot, which install_release needs")
        }
        self.releaseName = releaseName
        self.version = version
        self.ertsVersion = ertsVersion
        self.libraries = libraries
        self.beams = beams
        self.consolidated = consolidated
    }
}
