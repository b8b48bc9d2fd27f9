import Foundation

/// What Relswap reads from a release's `vm.args`: the cookie its node runs with.
public enum VMArgs {
    /// The value of the first `-setcookie` line, or `nil` when the file or the line is missing.
    public static func cookie(path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count >= 2, words[0] == "-setcookie" { return String(words[1]) }
        }
        return nil
    }
}
