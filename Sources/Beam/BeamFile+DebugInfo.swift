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
    ///
    /// - Parameters:
    ///   - functions: only these functions' forms (Erlang) or definitions (Elixir) are decoded; nil decodes them all.
    ///   - attributes: only these attributes' forms (`{attribute, Anno, Name, Value}`) are decoded; nil decodes them
    ///     all. Other forms (`eof`, errors) are always kept. Abstract code is most of a beam, and a check that reads
    ///     one function (`code_change`) and the records of a large module spent nearly all its time building and
    ///     freeing the rest.
    public func debugInfo(functions: Set<String>? = nil, attributes: Set<String>? = nil) -> DebugInfo {
        readDebugInfo(functions: functions, attributes: attributes, probe: false)
    }

    /// Why the module has no abstract code, or nil if it has some: the chunk's head is read (inflated when
    /// compressed), not its forms.
    public func debugInfoUnavailability() -> String? {
        if case .unavailable(let reason) = readDebugInfo(functions: [], attributes: [], probe: true) { return reason }
        return nil
    }

    /// With `probe`, stops where the forms (or Elixir's map) begin, and gives none of them.
    private func readDebugInfo(functions: Set<String>?, attributes: Set<String>?, probe: Bool) -> DebugInfo {
        let erlangForm = { (cursor: inout ExternalTermFormat.Cursor) throws(ErlangTermError) -> Bool in
            try Self.wantedErlangForm(&cursor, functions: functions, attributes: attributes)
        }
        let elixirDefinition = { (cursor: inout ExternalTermFormat.Cursor) throws(ErlangTermError) -> Bool in
            guard let functions, try cursor.tupleHeader() == 4, try cursor.tupleHeader() == 2, let name = try cursor.atom() else { return true }
            return functions.contains(name)
        }
        if let data = data(of: "Dbgi") {
            let unreadable = DebugInfo.unavailable(reason: "its Dbgi chunk is not {debug_info_v1, Backend, Data}")
            do throws(ErlangTermError) {
                var cursor = try ExternalTermFormat.Cursor(Array(data))
                guard try cursor.tupleHeader() == 3, try cursor.atom() == "debug_info_v1", let backend = try cursor.atom() else { return unreadable }
                switch backend {
                case "erl_abstract_code":
                    guard try cursor.tupleHeader() == 2 else { return .unavailable(reason: "its erl_abstract_code data is not {Forms, Options}") }
                    if let atom = try cursor.atom() {
                        return .unavailable(reason: atom == "none" ? "it was compiled without debug_info" : "its abstract code is not a list of forms")
                    }
                    let mark = cursor.mark
                    if probe, try cursor.listHeader() != nil { return .erlang(forms: []) }
                    cursor.rewind(to: mark)
                    guard let forms = try Self.selected(&cursor, wanted: erlangForm) else {
                        return .unavailable(reason: "its abstract code is not a list of forms")
                    }
                    return .erlang(forms: forms)
                case "elixir_erl":
                    let notElixir = DebugInfo.unavailable(reason: "its elixir_erl data is not {elixir_v1, Map, Specs}")
                    guard try cursor.tupleHeader() == 3, try cursor.atom() == "elixir_v1", let count = try cursor.mapHeader() else { return notElixir }
                    if probe { return .elixir(definitions: [], module: []) }
                    var entries = [MapEntry](), definitions = [Term]()
                    for _ in 0..<count {
                        let key = try cursor.term()
                        if key == .atom("definitions"), let kept = try Self.selected(&cursor, wanted: elixirDefinition) {
                            definitions = kept
                            entries.append(MapEntry(key: key, value: .list(kept)))
                        } else {
                            entries.append(MapEntry(key: key, value: try cursor.term()))
                        }
                    }
                    guard case .map(let module) = Term.sortedMap(entries), module.count == entries.count else { return notElixir }
                    return .elixir(definitions: definitions, module: module)
                default:
                    return .unavailable(reason: "its debug info comes from the \(backend) backend, which Relswap does not read")
                }
            } catch {
                return unreadable
            }
        }
        if let data = data(of: "Abst") {
            guard !data.isEmpty else { return .unavailable(reason: "it was compiled without debug_info") }
            let unreadable = DebugInfo.unavailable(reason: "its Abst chunk is not {raw_abstract_v1, Forms}")
            do throws(ErlangTermError) {
                var cursor = try ExternalTermFormat.Cursor(Array(data))
                guard try cursor.tupleHeader() == 2 else { return unreadable }
                try cursor.skip()
                let mark = cursor.mark
                if probe, try cursor.listHeader() != nil { return .erlang(forms: []) }
                cursor.rewind(to: mark)
                guard let forms = try Self.selected(&cursor, wanted: erlangForm) else { return unreadable }
                return .erlang(forms: forms)
            } catch {
                return unreadable
            }
        }
        return .unavailable(reason: "it has no debug info (stripped, as mix release and relx's prod mode do, or compiled without debug_info)")
    }

    /// The elements of the proper list at the cursor that `wanted` (which reads the element's head) keeps; the
    /// others are skipped unbuilt. nil (the cursor then undefined) when the next term is no proper list.
    static func selected(_ cursor: inout ExternalTermFormat.Cursor,
                         wanted: (inout ExternalTermFormat.Cursor) throws(ErlangTermError) -> Bool) throws(ErlangTermError) -> [Term]? {
        guard let (count, hasTail) = try cursor.listHeader() else { return nil }
        var kept = [Term]()
        for _ in 0..<count {
            let mark = cursor.mark
            let keep = try wanted(&cursor)
            cursor.rewind(to: mark)
            if keep { kept.append(try cursor.term()) } else { try cursor.skip() }
        }
        if hasTail, try cursor.term() != .list([]) { return nil }
        return kept
    }

    /// `{function, Anno, Name, Arity, Clauses}` is wanted if Name is in `functions`, `{attribute, Anno, Name, Value}`
    /// if Name is in `attributes` (nil: all of that kind); any other form is.
    static func wantedErlangForm(_ cursor: inout ExternalTermFormat.Cursor, functions: Set<String>?, attributes: Set<String>?) throws(ErlangTermError) -> Bool {
        guard functions != nil || attributes != nil, let arity = try cursor.tupleHeader(), arity == 4 || arity == 5 else { return true }
        let kind = try cursor.atom()
        let names = kind == "function" && arity == 5 ? functions : kind == "attribute" && arity == 4 ? attributes : nil
        guard let names else { return true }
        try cursor.skip()
        guard let name = try cursor.atom() else { return true }
        return names.contains(name)
    }
}
