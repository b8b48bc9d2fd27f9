import Beam
import ErlangTerm
import Foundation

/// Elixir's consolidated protocols in a `mix release`: `releases/<vsn>/consolidated/*.beam`, first on the boot
/// path, while the applications' `ebin` directories hold the unconsolidated ones. release_handler loads only from
/// `ebin`, so a protocol that gains an implementation (`defimpl String.Chars, for: MyApp.Reading`) would stay on
/// the old consolidated code after an upgrade, whichever application owns it (`elixir`, `jason`, the project).
///
/// For every consolidated protocol whose code (`beam_lib:md5`) differs between the two releases, the appup of one
/// upgraded application loads the new consolidated beam after its own instructions, as release_handler's
/// `load_module` does (`code:purge/1`, then `code:load_binary/3`), and the downgrade loads the old one back.
/// The beams travel inside the appup (and so the relup), because the node has no path to name: a release's
/// root differs from host to host, and `apply` takes literal arguments only.
public struct ProtocolLoad: Sendable, Equatable {
    public var module: String
    /// The upgraded application whose appup carries the loads.
    public var application: String
    public var newBeam: [UInt8]
    /// `nil` when the old release had no consolidated beam for it (a new protocol).
    public var oldBeam: [UInt8]?
}

enum ConsolidatedProtocols {
    /// - Parameter upgraded: the upgraded applications with their new modules, in the new release's order.
    static func loads(oldDirectory: String, newDirectory: String, upgraded: [(name: String, modules: [String])],
                      owners: [String: String]) throws(PlanningError) -> [ProtocolLoad] {
        guard FileManager.default.fileExists(atPath: newDirectory), !upgraded.isEmpty else { return [] }
        let beams = ((try? FileManager.default.contentsOfDirectory(atPath: newDirectory)) ?? []).filter { $0.hasSuffix(".beam") }.sorted()
        var loads = [ProtocolLoad]()
        for beam in beams {
            let module = String(beam.dropLast(5))
            do {
                let newFile = try BeamFile(path: "\(newDirectory)/\(beam)")
                let oldPath = "\(oldDirectory)/\(beam)"
                let oldFile = FileManager.default.fileExists(atPath: oldPath) ? try BeamFile(path: oldPath) : nil
                if let oldFile, try oldFile.md5() == newFile.md5() { continue }
                // The application that brings an implementation (Protocol.Type modules), else the protocol's own
                // application if it is upgraded, else the first upgraded one.
                let carrier = upgraded.first { $0.modules.contains { $0.hasPrefix(module + ".") } }?.name
                    ?? owners[module].flatMap { owner in upgraded.first { $0.name == owner }?.name }
                    ?? upgraded[0].name
                loads.append(ProtocolLoad(module: module, application: carrier, newBeam: newFile.bytes, oldBeam: oldFile?.bytes))
            } catch {
                throw PlanningError(file: "\(newDirectory)/\(beam)", message: error.description)
            }
        }
        return loads
    }

    /// As `{load_module, M}` with its default brutal purges: old code purged, the beam loaded, the code it replaced
    /// purged in turn (no old code is left loaded).
    static func instructions(_ module: String, _ beam: [UInt8], file: String) -> [Term] {
        let purge = Term.tuple([.atom("apply"), .tuple([.atom("code"), .atom("purge"), .list([.atom(module)])])])
        return [purge,
                .tuple([.atom("apply"), .tuple([.atom("code"), .atom("load_binary"), .list([.atom(module), .text(file), .binary(beam)])])]),
                purge]
    }

    /// Appends the loads to the carrier application's generated appup (both directions).
    static func apply(_ loads: [ProtocolLoad], to application: inout AppupPlan.Application, fromVersion: String, toVersion: String) {
        let mine = loads.filter { $0.application == application.name }
        guard !mine.isEmpty else { return }
        for load in mine {
            application.appup.up[0].instructions += instructions(load.module, load.newBeam, file: "releases/\(toVersion)/consolidated/\(load.module).beam")
            if let old = load.oldBeam {
                application.appup.down[0].instructions += instructions(load.module, old, file: "releases/\(fromVersion)/consolidated/\(load.module).beam")
            }
        }
        application.protocols = mine.map(\.module)
    }
}
