import Foundation

/// Paths of the executables `swift build` made beside the test bundle.
public enum Products {
    /// The build products directory (`.build/<triple>/debug`).
    public static var directory: URL {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        for candidate in candidates {
            var url = candidate
            // On some platforms the bundle is a directory inside the products directory.
            if url.pathExtension == "xctest" { url = url.deletingLastPathComponent() }
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("relswap").path) { return url }
        }
        return candidates[0]
    }

    public static func executable(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Runs a product and returns status, standard output and standard error.
    public static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: URL? = nil) throws -> ErlangOracle.ProgramResult {
        try ErlangOracle.runCapturing(executable(name), arguments, environment: environment, currentDirectory: currentDirectory)
    }
}
