import ArgumentParser
import Beam
import ErlangTerm
import Foundation
import SystemSupport

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a BEAM file or an Erlang term file holds.",
        discussion: """
        For a .beam file: the module, its vsn, behaviours, exports and beam_lib:md5 (hex). \
        For a term file (.app, .rel, .appup, relup, RELEASES, sys.config, ...): every term, printed \
        as Erlang text that file:consult/1 reads back. A binary term file such as start.boot is decoded \
        from the external term format. The kind of file is told from its contents, not its name.

        A directory stands for every BEAM and term file under it (.beam, .app, .appup, .rel, .script, \
        .boot, .config, relup, RELEASES), in path order. Files are read in parallel; results are printed \
        in the order given.

        Exit status: 0 if every file was read, 1 if any could not be (each failure is reported, the \
        other files are still printed), 64 for a usage error.

        Example:
          relswap inspect _build/default/lib/snowflake/ebin/snowflake_app.beam rel/snowflake/releases/1/snowflake.rel
          relswap inspect --json rel/snowflake/lib
        """)

    @OptionGroup var common: CommonOptions

    @Argument(help: ArgumentHelp("Files, or directories to search for BEAM and term files.", valueName: "path"))
    var files: [String]

    func run() throws {
        let json = common.json
        // Each file is read, parsed and rendered on a worker; only the joining is serial.
        let paths = files.flatMap(Inspection.expand)
        if json {
            // Each file's object is rendered as UTF-8 bytes on a worker; the array is joined as bytes and written once.
            let reports = parallelMap(paths) { path -> (failed: Bool, output: [UInt8]) in
                let inspection = Inspection.inspect(path: path)
                return (inspection.isFailure, inspection.json.bytes(indent: 1))
            }
            var output = [UInt8]()
            output.reserveCapacity(reports.reduce(16) { $0 + $1.output.count + 4 })
            output.append(contentsOf: reports.isEmpty ? "[]".utf8 : "[\n  ".utf8)
            for (index, report) in reports.enumerated() {
                if index > 0 { output.append(contentsOf: ",\n  ".utf8) }
                output.append(contentsOf: report.output)
            }
            output.append(contentsOf: reports.isEmpty ? "\n".utf8 : "\n]\n".utf8)
            try FileHandle.standardOutput.write(contentsOf: output)
            if reports.contains(where: \.failed) { throw ExitCode.failure }
            return
        }
        let reports = parallelMap(paths) { path -> (failed: Bool, output: String) in
            let inspection = Inspection.inspect(path: path)
            return (inspection.isFailure, inspection.text)
        }
        var standardOutput = ""
        for report in reports {
            if report.failed {
                FileHandle.standardError.write(Data("relswap inspect: \(report.output)".utf8))
            } else {
                standardOutput += report.output
            }
        }
        print(standardOutput, terminator: "")
        if reports.contains(where: \.failed) { throw ExitCode.failure }
    }
}

/// The result of inspecting one file.
enum Inspection: Sendable {
    case beam(BeamModule)
    case terms(path: String, terms: [Term])
    case binaryTerm(path: String, term: Term)
    case failure(path: String, message: String)

    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }

    /// File names a directory argument picks up.
    static func isInspectable(_ name: String) -> Bool {
        [".beam", ".app", ".appup", ".rel", ".script", ".boot", ".config"].contains { name.hasSuffix($0) }
            || name == "relup" || name == "RELEASES"
    }

    /// A directory becomes the inspectable files under it, sorted; anything else stays as it is.
    static func expand(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        var found = [String]()
        for relative in DirectoryWalk.relativePaths(under: path) where isInspectable((relative as NSString).lastPathComponent) {
            found.append((path as NSString).appendingPathComponent(relative))
        }
        return found.isEmpty ? [path] : found.sorted()
    }

    static func inspect(path: String) -> Inspection {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch {
            let message = error.isDirectory ? "it is a directory with no BEAM or term files in it" : "cannot read it: \(error.reason)"
            return .failure(path: path, message: "\(path): \(message)")
        }
        do {
            if bytes.starts(with: Array("FOR1".utf8)) || bytes.starts(with: [0x1F, 0x8B]) {
                return .beam(try BeamModule(file: BeamFile(bytes: bytes, path: path)))
            }
            if bytes.first == ExternalTermFormat.versionMagic {
                return .binaryTerm(path: path, term: try ExternalTermFormat.decode(bytes, file: path))
            }
            return .terms(path: path, terms: try TermReader.parse(bytes: bytes, file: path))
        } catch let error as BeamError {
            return .failure(path: path, message: error.description)
        } catch let error as ErlangTermError {
            return .failure(path: path, message: error.description)
        } catch {
            return .failure(path: path, message: "\(path): \(error)")
        }
    }

    var text: String {
        switch self {
        case .beam(let module):
            var lines = ["\(module.path)",
                         "  module:     \(TermWriter.atomText(module.name))",
                         "  md5:        \(module.md5.hexString)"]
            if let version = module.version { lines.append("  vsn:        \(TermWriter.render(version))") }
            if !module.behaviours.isEmpty {
                lines.append("  behaviours: " + module.behaviours.map(TermWriter.atomText).joined(separator: ", "))
            }
            lines.append("  exports:    " + module.exports.map(\.description).joined(separator: ", "))
            return lines.joined(separator: "\n") + "\n"
        case .terms(let path, let terms):
            return "%% \(path)\n" + terms.map { TermWriter.pretty($0) + ".\n" }.joined()
        case .binaryTerm(let path, let term):
            return "%% \(path) (external term format)\n" + TermWriter.pretty(term) + ".\n"
        case .failure(_, let message):
            return message + "\n"
        }
    }

    /// The JSON form: one object per file, in the order given, keys sorted so output is stable.
    var json: JSONValue {
        switch self {
        case .beam(let module):
            var members: [(String, JSONValue)] = [
                ("attributes", .array(module.attributes.map {
                    .object([("name", .string($0.name)), ("value", .string(TermWriter.render($0.value)))])
                })),
                ("behaviours", .strings(module.behaviours)),
                // name/arity and module:name/arity, written straight as bytes.
                ("exports", .generated(count: module.exports.count) { index, text in
                    let function = module.exports[index]
                    Self.appendFunction(function.name, function.arity, into: &text)
                }),
                ("imports", .generated(count: module.imports.count) { index, text in
                    let function = module.imports[index]
                    Self.appendAtom(function.module, into: &text)
                    text.append(UInt8(ascii: ":"))
                    Self.appendFunction(function.name, function.arity, into: &text)
                }),
                ("kind", .string("beam")),
                ("md5", .string(module.md5.hexString)),
                ("module", .string(module.name)),
                ("path", .string(module.path)),
            ]
            if let version = module.version { members.append(("vsn", .string(TermWriter.render(version)))) }
            return .object(members)
        case .terms(let path, let terms):
            return .object([("kind", .string("terms")), ("path", .string(path)), ("terms", .strings(terms.map(TermWriter.render)))])
        case .binaryTerm(let path, let term):
            return .object([("kind", .string("external-term")), ("path", .string(path)), ("terms", .strings([TermWriter.render(term)]))])
        case .failure(let path, let message):
            return .object([("error", .string(message)), ("kind", .string("error")), ("path", .string(path))])
        }
    }

    /// The atom as Erlang source (`TermWriter.atomText`), as UTF-8.
    private static func appendAtom(_ name: String, into text: inout [UInt8]) {
        var atom = TermWriter.atomText(name)
        atom.withUTF8 { text.append(contentsOf: $0) }
    }

    /// `name/arity`, as `BeamModule.Function.description` has it.
    private static func appendFunction(_ name: String, _ arity: Int, into text: inout [UInt8]) {
        appendAtom(name, into: &text)
        text.append(UInt8(ascii: "/"))
        if arity >= 10 { text.append(contentsOf: String(arity).utf8) } else { text.append(UInt8(ascii: "0") + UInt8(arity)) }
    }
}
