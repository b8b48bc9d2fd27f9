import ErlangTerm

/// A release resource file (`<name>.rel`): `{release, {Name, Vsn}, {erts, ErtsVsn}, [App]}`.
public struct ReleaseResource: Sendable, Equatable {
    /// One application of the release, as `{App, Vsn}`, `{App, Vsn, Type}`, `{App, Vsn, Incl}` or `{App, Vsn, Type, Incl}`.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var version: String
        /// `permanent` (the default), `transient`, `temporary`, `load` or `none`.
        public var type: String
        /// Included applications overriding the `.app` file's, if the `.rel` names them.
        public var includedApplications: [String]?

        public init(name: String, version: String, type: String = "permanent", includedApplications: [String]? = nil) {
            self.name = name
            self.version = version
            self.type = type
            self.includedApplications = includedApplications
        }

        public static let types: Set<String> = ["permanent", "transient", "temporary", "load", "none"]

        var term: Term {
            var elements: [Term] = [.atom(name), .text(version)]
            if type != "permanent" { elements.append(.atom(type)) }
            if let includedApplications { elements.append(.list(includedApplications.map(Term.atom))) }
            return .tuple(elements)
        }
    }

    public var name: String
    public var version: String
    public var ertsVersion: String
    public var applications: [Entry]

    public init(name: String, version: String, ertsVersion: String, applications: [Entry]) {
        self.name = name
        self.version = version
        self.ertsVersion = ertsVersion
        self.applications = applications
    }

    /// Reads and checks a `.rel` file as `systools_make:check_rel/1` does.
    public init(path: String) throws(ReleaseModelError) {
        try self.init(term: ReleaseModelError.consultOne(path, shape: "{release, {Name, Vsn}, {erts, Vsn}, [...]}"), file: path)
    }

    public init(term: Term, file: String?) throws(ReleaseModelError) {
        func failure(_ message: String) -> ReleaseModelError { ReleaseModelError(file: file, message: message) }
        guard let tuple = term.tupleElements, tuple.count == 4, tuple[0] == .atom("release"),
              let nameVersion = tuple[1].tupleElements, nameVersion.count == 2,
              let name = nameVersion[0].stringValue, let version = nameVersion[1].stringValue,
              let erts = tuple[2].tupleElements, erts.count == 2, erts[0] == .atom("erts"), let ertsVersion = erts[1].stringValue,
              let entries = tuple[3].listElements else {
            throw failure("expected {release, {Name, Vsn}, {erts, ErtsVsn}, [App, ...]} with strings for the names and versions")
        }
        var applications = [Entry]()
        for entry in entries {
            guard let parts = entry.tupleElements, (2...4).contains(parts.count), let app = parts[0].atomValue,
                  let appVersion = parts[1].stringValue else {
                throw failure("illegal application entry \(TermWriter.render(entry)); expected {App, \"Vsn\"} with an optional type and included applications")
            }
            var result = Entry(name: app, version: appVersion)
            for extra in parts.dropFirst(2) {
                if let type = extra.atomValue, Entry.types.contains(type) {
                    result.type = type
                } else if let list = extra.listElements, list.allSatisfy({ $0.atomValue != nil }) {
                    result.includedApplications = list.compactMap(\.atomValue)
                } else {
                    throw failure("illegal application entry \(TermWriter.render(entry)): \(TermWriter.render(extra)) is neither a start type nor a list of applications")
                }
            }
            applications.append(result)
        }
        self.init(name: name, version: version, ertsVersion: ertsVersion, applications: applications)
    }

    public var term: Term {
        .tuple([.atom("release"), .tuple([.text(name), .text(version)]), .tuple([.atom("erts"), .text(ertsVersion)]),
                .list(applications.map(\.term))])
    }

    /// The file's text: a coding line and the term, laid out for people.
    public var fileContents: String { TermWriter.fileContents([term]) }
}
