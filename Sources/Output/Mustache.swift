/// The part of mustache that rebar2 and relx overlays use: `{{var}}` and `{{{var}}}` are replaced by the
/// variable's value, and a variable that is not defined becomes empty, as in mustache.
enum Mustache {
    static func render(_ template: String, _ variables: [String: String]) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            let triple = rest[open.upperBound...].hasPrefix("{")
            let nameStart = triple ? rest.index(after: open.upperBound) : open.upperBound
            let closing = triple ? "}}}" : "}}"
            guard let close = rest[nameStart...].range(of: closing) else {
                output += rest[open.lowerBound...]
                return output
            }
            let name = rest[nameStart..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            output += variables[name] ?? ""
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}

import Foundation
