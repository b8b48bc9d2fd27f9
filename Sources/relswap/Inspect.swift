import ArgumentParser
import Beam
import ErlangTerm
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a BEAM file or an Erlang term file holds.",
        discussion: """
        For a .beam file: the module, its vsn, behaviours, exports and beam_lib:md5 (hex). \
        For a term file (.app, .rel, .appup, relup, RELEASES, sys.config, ...): every term, printed \
        as Erlang text that file:consult/1 reads back. A binary term file such as start.boot is decoded \
        from the external term format. The kind of file is told from its contents, not its name.

        Files are read in parallel; results are printed in the order given.

        Exit status: 0 if every file was read, 1 if any could not be (each failure is reported).

        Example:
          relswap inspect _build/default/lib/snowflake/ebin/snowflake_app.beam rel/snowflake/releases/1/snowflake.rel
        """)

    @OptionGroup var common: CommonOptions

    @Argument(help: ArgumentHelp("Files to inspect.", valueName: "file"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name at least one file to inspect.") }
    }

    func run() throws {
        let reports = parallelMap(files) { Inspection.inspect(path: $0) }
        if common.json {
            print(try Inspection.json(reports))
        } else {
            for report in reports {
                switch report {
                case .failure(let path, let message):
                    FileHandle.standardError.write(Data("relswap inspect: \(message)\n".utf8))
                    _ = path
                default:
                    print(report.text, terminator: "")
                }
            }
        }
        if reports.contains(where: \.isFailure) { throw ExitCode.failure }
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

    static func inspect(path: String) -> Inspection {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let reason = !exists ? "no such file" : (isDirectory.boolValue ? "it is a directory" : "cannot read it")
            return .failure(path: path, message: "\(path): \(reason)")
        }
        let bytes = [UInt8](data)
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
    struct JSONReport: Encodable {
        struct Attribute: Encodable { var name: String; var value: String }
        var path: String
        var kind: String
        var module: String? = nil
        var md5: String? = nil
        var vsn: String? = nil
        var behaviours: [String]? = nil
        var exports: [String]? = nil
        var imports: [String]? = nil
        var attributes: [Attribute]? = nil
        var terms: [String]? = nil
        var error: String? = nil
    }

    var jsonReport: JSONReport {
        switch self {
        case .beam(let module):
            return JSONReport(
                path: module.path, kind: "beam", module: module.name, md5: module.md5.hexString,
                vsn: module.version.map(TermWriter.render), behaviours: module.behaviours,
                exports: module.exports.map(\.description),
                imports: module.imports.map { "\(TermWriter.atomText($0.module)):\(TermWriter.atomText($0.name))/\($0.arity)" },
                attributes: module.attributes.map { JSONReport.Attribute(name: $0.name, value: TermWriter.render($0.value)) })
        case .terms(let path, let terms):
            return JSONReport(path: path, kind: "terms", terms: terms.map(TermWriter.render))
        case .binaryTerm(let path, let term):
            return JSONReport(path: path, kind: "external-term", terms: [TermWriter.render(term)])
        case .failure(let path, let message):
            return JSONReport(path: path, kind: "error", error: message)
        }
    }

    static func json(_ reports: [Inspection]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(reports.map(\.jsonReport)), as: UTF8.self)
    }
}
