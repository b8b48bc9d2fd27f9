import ErlangTerm

/// The abstract code a beam carries, as `beam_lib:chunks(F, [debug_info])` reads it from the `Dbgi` chunk
/// (OTP 20 and later) or the older `Abst` chunk.
public enum DebugInfo: Sendable {
    /// Erlang abstract forms (`erl_abstract_code` backend, or an `Abst` chunk): `[{function, Anno, Name, Arity, Clauses}, ...]`.
    case erlang(forms: [Term])
    /// Elixir's expanded definitions (`elixir_erl` backend): `[{{Name, Arity}, Kind, Meta, [{Meta, Args, Guards, Body}]}]`,
    /// and the rest of its module map (`struct`, `attributes`, ...).
    case elixir(definitions: [Term], module: [MapEntry])
    /// No abstract code: why (stripped by `mix release` or relx's prod mode, compiled without `debug_info`, an
    /// unknown backend).
    case unavailable(reason: String)
}

extension BeamFile {
    /// The module's abstract code, or why there is none. A chunk that does not decode is reported as unavailable
    /// rather than thrown: debug info is optional, and nothing about loading the module depends on it.
    public func debugInfo() -> DebugInfo {
        if let data = data(of: "Dbgi") {
            guard let term = try? ExternalTermFormat.decode(Array(data)), let parts = term.tupleElements, parts.count == 3,
                  parts[0] == .atom("debug_info_v1"), let backend = parts[1].atomValue else {
                return .unavailable(reason: "its Dbgi chunk is not {debug_info_v1, Backend, Data}")
            }
            switch backend {
            case "erl_abstract_code":
                guard let data = parts[2].tupleElements, data.count == 2 else { return .unavailable(reason: "its erl_abstract_code data is not {Forms, Options}") }
                if data[0] == .atom("none") { return .unavailable(reason: "it was compiled without debug_info") }
                guard let forms = data[0].listElements else { return .unavailable(reason: "its abstract code is not a list of forms") }
                return .erlang(forms: forms)
            case "elixir_erl":
                guard let data = parts[2].tupleElements, data.count == 3, data[0] == .atom("elixir_v1"),
                      case .map(let entries) = data[1] else { return .unavailable(reason: "its elixir_erl data is not {elixir_v1, Map, Specs}") }
                let definitions = entries.first { $0.key == .atom("definitions") }?.value.listElements ?? []
                return .elixir(definitions: definitions, module: entries)
            default:
                return .unavailable(reason: "its debug info comes from the \(backend) backend, which Relswap does not read")
            }
        }
        if let data = data(of: "Abst") {
            guard !data.isEmpty else { return .unavailable(reason: "it was compiled without debug_info") }
            guard let term = try? ExternalTermFormat.decode(Array(data)), let parts = term.tupleElements, parts.count == 2,
                  let forms = parts[1].listElements else { return .unavailable(reason: "its Abst chunk is not {raw_abstract_v1, Forms}") }
            return .erlang(forms: forms)
        }
        return .unavailable(reason: "it has no debug info (stripped, as mix release and relx's prod mode do, or compiled without debug_info)")
    }
}
