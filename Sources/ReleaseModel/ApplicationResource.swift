import ErlangTerm

/// An application resource file (`ebin/<app>.app`): `{application, Name, [{Key, Value}]}`.
///
/// Parsed and checked as `systools_make:parse_application/4` does: `description`, `vsn`, `modules`,
/// `registered` and `applications` are required; the other keys get OTP's defaults. Values are kept as
/// terms where the boot script copies them unchanged (`env`, `mod`, `start_phases`, `maxT`, `maxP`).
public struct ApplicationResource: Sendable, Equatable {
    public var name: String
    public var version: String
    public var description: String
    public var id: String
    public var modules: [String]
    public var registered: [String]
    /// `applications`: what must be started first.
    public var applications: [String]
    public var optionalApplications: [String]
    public var includedApplications: [String]
    /// `{Module, StartArgs}`, or `[]` for a library application.
    public var mod: Term
    /// `undefined` unless the file gives start phases.
    public var startPhases: Term
    public var env: Term
    public var maxT: Term
    public var maxP: Term
    /// The file this came from.
    public var file: String

    /// Keys every `.app` must have, as systools requires them.
    public static let requiredKeys = ["description", "vsn", "modules", "registered", "applications"]

    /// Reads and checks the file at `path`.
    public init(path: String) throws(ReleaseModelError) {
        try self.init(term: ReleaseModelError.consultOne(path, shape: "{application, Name, [...]}",
                                                         hint: "an .app file holds exactly one application term"), file: path)
    }

    public init(term: Term, file: String) throws(ReleaseModelError) {
        self.file = file
        func failure(_ message: String, hint: String? = nil) -> ReleaseModelError {
            ReleaseModelError(file: file, message: message, hint: hint)
        }
        guard let tuple = term.tupleElements, tuple.count == 3, tuple[0] == .atom("application"),
              let name = tuple[1].atomValue, let entries = tuple[2].listElements else {
            throw failure("expected {application, Name, [{Key, Value}, ...]}, found \(TermWriter.render(term).prefix(120))")
        }
        self.name = name
        var dictionary = [String: Term]()
        for entry in entries {
            // lists:keysearch takes the first occurrence of a key.
            if let pair = entry.tupleElements, pair.count == 2, let key = pair[0].atomValue, dictionary[key] == nil {
                dictionary[key] = pair[1]
            }
        }
        for key in ApplicationResource.requiredKeys where dictionary[key] == nil {
            throw failure("application \(name) has no '\(key)' key",
                          hint: "add {\(key), ...} to the application's key list (systools requires description, vsn, modules, registered and applications)")
        }
        func text(_ key: String, default value: String? = nil) throws(ReleaseModelError) -> String {
            guard let term = dictionary[key] else { return value ?? "" }
            guard let string = term.stringValue else { throw failure("'\(key)' of application \(name) must be a string, not \(TermWriter.render(term))") }
            return string
        }
        func atoms(_ key: String) throws(ReleaseModelError) -> [String] {
            guard let term = dictionary[key] else { return [] }
            guard let elements = term.listElements else { throw failure("'\(key)' of application \(name) must be a list of atoms") }
            var names = [String]()
            for element in elements {
                guard let atom = element.atomValue else {
                    throw failure("'\(key)' of application \(name) must be a list of atoms; \(TermWriter.render(element)) is not an atom")
                }
                names.append(atom)
            }
            return names
        }
        version = try text("vsn")
        description = try text("description")
        id = try text("id", default: "")
        modules = try atoms("modules")
        registered = try atoms("registered")
        applications = try atoms("applications")
        optionalApplications = try atoms("optional_applications")
        includedApplications = try atoms("included_applications")

        mod = dictionary["mod"] ?? .list([])
        if mod != .list([]) {
            guard let pair = mod.tupleElements, pair.count == 2, pair[0].atomValue != nil else {
                throw failure("'mod' of application \(name) must be {Module, StartArgs}, not \(TermWriter.render(mod))")
            }
        }
        startPhases = dictionary["start_phases"] ?? .atom("undefined")
        if startPhases != .atom("undefined"), !(startPhases.listElements?.allSatisfy { $0.tupleElements != nil } ?? false) {
            throw failure("'start_phases' of application \(name) must be a list of {Phase, Args}")
        }
        env = dictionary["env"] ?? .list([])
        guard env.listElements?.allSatisfy({ $0.tupleElements != nil }) ?? false else {
            throw failure("'env' of application \(name) must be a list of {Key, Value}")
        }
        func limit(_ key: String) throws(ReleaseModelError) -> Term {
            let value = dictionary[key] ?? .atom("infinity")
            switch value {
            case .atom("infinity"): return value
            case .integer(let number) where number > 0: return value
            default: throw failure("'\(key)' of application \(name) must be a positive integer or infinity")
            }
        }
        maxT = try limit("maxT")
        maxP = try limit("maxP")
        for (key, list) in [("modules", modules), ("applications", applications), ("registered", registered)] {
            var seen = Set<String>()
            if let duplicate = list.first(where: { !seen.insert($0).inserted }) {
                throw failure("'\(key)' of application \(name) lists \(duplicate) twice")
            }
        }
    }

    /// The application term as `systools_make:pack_app/1` writes it into boot scripts.
    ///
    /// - Parameters:
    ///   - uses: the `applications` list after systools' reordering (see `BootScriptBuilder`).
    ///   - includes: the included applications after the `.rel` file's override.
    public func packed(uses: [String], includes: [String]) -> Term {
        var entries: [Term] = [
            .tuple([.atom("description"), .text(description)]),
            .tuple([.atom("vsn"), .text(version)]),
            .tuple([.atom("id"), .text(id)]),
            .tuple([.atom("modules"), .list(modules.map(Term.atom))]),
            .tuple([.atom("registered"), .list(registered.map(Term.atom))]),
            .tuple([.atom("applications"), .list(uses.map(Term.atom))]),
            .tuple([.atom("optional_applications"), .list(optionalApplications.map(Term.atom))]),
            .tuple([.atom("included_applications"), .list(includes.map(Term.atom))]),
            .tuple([.atom("env"), env]),
            .tuple([.atom("maxT"), maxT]),
            .tuple([.atom("maxP"), maxP]),
        ]
        if startPhases != .atom("undefined") { entries.append(.tuple([.atom("start_phases"), startPhases])) }
        if mod != .list([]) { entries.append(.tuple([.atom("mod"), mod])) }
        return .tuple([.atom("application"), .atom(name), .list(entries)])
    }
}
