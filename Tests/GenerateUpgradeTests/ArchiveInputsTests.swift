import ErlangTerm
import Foundation
import TestSupport
import Testing

/// What generate-upgrade does with links, special files and signals while it packs.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ArchiveInputsTests {
    static func listing(_ archive: URL) throws -> [String] {
        let text = try ErlangOracle.evaluate("{ok, Names} = erl_tar:table(\"\(archive.path)\", [compressed]), [io:format(\"~s~n\", [N]) || N <- Names]")
        return text.split(separator: "\n").map(String.init)
    }

    @Test func linksInsideTheReleaseAreFollowedAndDanglingOnesLeftOut() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try GenerateUpgradeTests.counterPair(in: directory)
        let priv = new.appendingPathComponent("lib/counter-2/priv")
        try FileManager.default.createDirectory(at: priv, withIntermediateDirectories: true)
        try "shared".write(to: new.appendingPathComponent("releases/2/shared.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: priv.appendingPathComponent("shared.txt").path, withDestinationPath: "../../../releases/2/shared.txt")
        try FileManager.default.createSymbolicLink(atPath: priv.appendingPathComponent("asset.js").path, withDestinationPath: "/usr/share/nothing-here/asset.js")
        let out = directory.appendingPathComponent("out")
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", out.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("\(priv.path)/asset.js is a link to nothing; left out of the archive"))
        let names = try Self.listing(out.appendingPathComponent("counter_2.tar.gz"))
        #expect(names.contains("lib/counter-2/priv/shared.txt"), "the link inside the release is packed as its file")
        #expect(!names.contains { $0.hasSuffix("asset.js") })
    }

    @Test(arguments: ["file", "application"])
    func aLinkOutOfTheReleaseIsRefused(kind: String) throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try GenerateUpgradeTests.counterPair(in: directory)
        let link: URL
        if kind == "file" {
            let secret = directory.appendingPathComponent("host-secret.txt")
            try "not for the node".write(to: secret, atomically: true, encoding: .utf8)
            link = new.appendingPathComponent("lib/counter-2/ebin/notes.txt")
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: secret.path)
        } else {
            // relx's dev mode: lib/<app>-<vsn> is a link into the build directory.
            let build = directory.appendingPathComponent("_build/counter")
            try FileManager.default.createDirectory(at: build.deletingLastPathComponent(), withIntermediateDirectories: true)
            link = new.appendingPathComponent("lib/counter-2")
            try FileManager.default.moveItem(at: link, to: build)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: build.path)
        }
        let out = directory.appendingPathComponent("out")
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", out.path])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("\(link.path): is a link to ") && result.standardError.contains("outside the release"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("counter_2.tar.gz").path))
        #expect(!FileManager.default.fileExists(atPath: new.appendingPathComponent("releases/2/relup").path))
    }

    /// A FIFO under lib/ is refused by name; neither generate-upgrade nor inspect waits on it.
    @Test func aFIFOIsRefusedWithoutWaiting() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try GenerateUpgradeTests.counterPair(in: directory)
        let fifo = new.appendingPathComponent("lib/counter-2/ebin/stuck.beam")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", directory.appendingPathComponent("out").path])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("\(fifo.path): is not a regular file or directory"), "\(result.standardError)")
        let inspect = try Products.run("relswap", ["inspect", new.appendingPathComponent("lib/counter-2/ebin").path])
        #expect(inspect.status == 1)
        #expect(inspect.standardError.contains("\(fifo.path): cannot read it: it is not a regular file"), "\(inspect.standardError)")
    }

    /// SIGTERM while the archive is being written: exit 143, and no temporary file, archive or relup left; an output
    /// directory the command made is gone too. The signal is sent the moment the temporary archive appears, when the
    /// command has just created it.
    @Test(arguments: [true, false]) func aSignalLeavesNothingHalfWritten(outputExists: Bool) throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try GenerateUpgradeTests.counterPair(in: directory)
        // Enough incompressible bytes that packing takes a while.
        let big = new.appendingPathComponent("lib/counter-2/priv/random.bin")
        try FileManager.default.createDirectory(at: big.deletingLastPathComponent(), withIntermediateDirectories: true)
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        try random.readData(ofLength: 64 << 20).write(to: big)
        try random.close()
        let out = directory.appendingPathComponent("out")
        if outputExists { try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Products.executable("relswap"))
        process.arguments = ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", out.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writing = Poll.until(seconds: 30, interval: 0.001) {
            ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).contains { $0.contains(".relswap-") }
        }
        #expect(writing, "the archive was being written")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 143, "exit 128 + SIGTERM")
        if outputExists {
            let left = try FileManager.default.contentsOfDirectory(atPath: out.path)
            #expect(left.isEmpty, "no temporary file and no archive: \(left)")
        } else {
            #expect(!FileManager.default.fileExists(atPath: out.path), "the output directory the command made is removed")
        }
        let releaseFiles = try FileManager.default.contentsOfDirectory(atPath: new.appendingPathComponent("releases/2").path)
        #expect(!releaseFiles.contains { $0.contains("relup") }, "\(releaseFiles)")
    }
}

/// A full disk is said to be the archive's problem, with the archive named, not blamed on a file being packed.
@Suite(.serialized, .timeLimit(.minutes(2))) struct FullDiskTests {
    @Test func aFullDiskIsTheArchivesProblem() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try GenerateUpgradeTests.counterPair(in: directory)
        // A small file system of its own (tests run as root, as CI does), unmounted at the end.
        let small = directory.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        try ErlangOracle.runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", small.path])
        defer { _ = try? ErlangOracle.runProgram("/bin/umount", [small.path]) }
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", small.path])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("\(small.path)/counter_2.tar.gz: cannot write the archive: No space left on device"), "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: small.path).isEmpty, "nothing half-written")
        #expect(!FileManager.default.fileExists(atPath: new.appendingPathComponent("releases/2/relup").path))
    }
}
