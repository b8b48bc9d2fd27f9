import ErlangTerm
import Foundation
import SystemSupport

/// Reads back what an upgrade archive carries that the node will consult or boot, and refuses what would break it:
/// a corrupt `start.boot` is found only by `install_release`, after the point of no return (the node restarts and
/// loses its data), and a malformed `sys.config` made permanent leaves a node that cannot boot.
public enum PackedFilesCheck {
    /// `releases/<vsn>/`: the `.rel` (this release), every boot file (a script of this release), `sys.config` (one
    /// list of `{App, [{Key, Value}]}` or included file names), `vm.args` (text).
    public static func checkReleaseDirectory(_ directory: String, release: ReleaseResource) throws(ReleaseModelError) {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for file in files where file.hasSuffix(".rel") {
            let path = "\(directory)/\(file)"
            let resource = try ReleaseResource(path: path)
            guard resource.version == release.version else {
                throw ReleaseModelError(file: path, message: "is release \(resource.name) \(resource.version), in the directory of version \(release.version)",
                                        hint: "regenerate the release; a .rel belongs in releases/<its version>/")
            }
        }
        for file in files where file.hasSuffix(".boot") {
            let path = "\(directory)/\(file)"
            let script: Term
            do {
                script = try ExternalTermFormat.decode(try FileBytes.read(path), file: path)
            } catch let error as ErlangTermError {
                throw ReleaseModelError(file: path, message: "is not a boot file: \(error.description)", hint: bootHint)
            } catch {
                throw ReleaseModelError(file: path, message: "cannot be read: \(error)", hint: bootHint)
            }
            guard let parts = script.tupleElements, parts.count == 3, parts[0] == .atom("script"),
                  let id = parts[1].tupleElements, id.count == 2, id[0].stringValue != nil, id[1].stringValue != nil,
                  let instructions = parts[2].listElements, !instructions.isEmpty else {
                throw ReleaseModelError(file: path, message: "is not {script, {Name, Vsn}, [Instruction]}", hint: bootHint)
            }
            if file == "start.boot", id[0].stringValue != release.name || id[1].stringValue != release.version {
                throw ReleaseModelError(file: path, message: "boots release \(id[0].stringValue!) \(id[1].stringValue!), not \(release.name) \(release.version)",
                                        hint: bootHint)
            }
        }
        let sysConfig = "\(directory)/sys.config"
        if FileManager.default.fileExists(atPath: sysConfig) { try checkSysConfig(sysConfig) }
        let vmArgs = "\(directory)/vm.args"
        if FileManager.default.fileExists(atPath: vmArgs) {
            guard let bytes = try? FileBytes.read(vmArgs), String(validating: bytes, as: UTF8.self) != nil, !bytes.contains(0) else {
                throw ReleaseModelError(file: vmArgs, message: "is not a text file", hint: "vm.args holds emulator flags, one or more per line")
            }
        }
    }

    static let bootHint = "regenerate the release (relswap generate); install_release would fail on it after the point of no return"

    /// `sys.config`: exactly one term, a list whose elements are `{App, [{Key, Value}]}` or a file name to include.
    public static func checkSysConfig(_ path: String) throws(ReleaseModelError) {
        let hint = "sys.config is one term ending in a full stop: [{App, [{Key, Value}]}] (or names of files to include); a node made permanent with a broken one cannot boot"
        let term = try ReleaseModelError.consultOne(path, shape: "[{App, [{Key, Value}]}]", hint: hint)
        guard let entries = term.listElements else {
            throw ReleaseModelError(file: path, message: "is not a list: \(TermWriter.render(term).prefix(80))", hint: hint)
        }
        for entry in entries {
            if entry.stringValue != nil, !entry.isEmptyList { continue }
            guard let pair = entry.tupleElements, pair.count == 2, pair[0].atomValue != nil, let settings = pair[1].listElements,
                  settings.allSatisfy({ $0.tupleElements?.count == 2 && $0.tupleElements?[0].atomValue != nil }) else {
                throw ReleaseModelError(file: path, message: "has an entry that is not {App, [{Key, Value}]} or a file name: \(TermWriter.render(entry).prefix(80))", hint: hint)
            }
        }
    }

    /// A relup: one term `{Vsn, [{UpFrom, Descr, Instructions}], [{DownTo, Descr, Instructions}]}` for `version`.
    public static func checkRelup(_ path: String, version: String) throws(ReleaseModelError) {
        let term = try ReleaseModelError.consultOne(path, shape: "{Vsn, Up, Down}")
        guard let parts = term.tupleElements, parts.count == 3, parts[0].stringValue == version, parts[1].isList, parts[2].isList else {
            throw ReleaseModelError(file: path, message: "is not a relup for version \(version)")
        }
    }
}

extension Term {
    var isEmptyList: Bool { self == .list([]) }
}
