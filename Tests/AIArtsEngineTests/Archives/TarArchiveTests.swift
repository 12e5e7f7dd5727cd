import Foundation
import Testing

@testable import AIArtsEngine

@Suite struct TarArchiveTests {
    let photo = Array("pretend jpeg bytes".utf8)
    let big = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    var longName: String { "deep/" + String(repeating: "n", count: 120) + "/file.txt" }
    var paxName: String { "pax/" + String(repeating: "p", count: 150) + "/ünïcode.txt" }

    var items: [Fixture.TarItem] {
        [
            .init(name: "images/", type: "5"),
            .init(name: "images/a.jpg", data: photo),
            .init(name: "images/sub/b.bin", data: big),
            .init(name: "split/prefix/part/name.txt", data: photo, prefixSplit: true),
            .init(name: longName, data: photo, longName: true),
            .init(name: paxName, data: big, pax: true),
            .init(name: "contig.txt", data: photo, type: "7"),
        ]
    }

    func checkExtracted(_ report: ExtractionReport, _ scratch: Scratch) throws {
        #expect(report.skipped.isEmpty, "\(report.skipped)")
        #expect(report.files == ["images/a.jpg", "images/sub/b.bin", "split/prefix/part/name.txt", longName, paxName,
                                 "contig.txt"])
        #expect(report.bytesWritten == Int64(photo.count * 4 + big.count * 2))
        #expect(try Data(contentsOf: scratch.dest.appendingPathComponent("images/sub/b.bin")) == Data(big))
        #expect(try Data(contentsOf: scratch.dest.appendingPathComponent(paxName)) == Data(big))
        #expect(scratch.text(longName) == String(decoding: photo, as: UTF8.self))
    }

    @Test func tarExtractsFilesFoldersAndLongNames() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = try scratch.write(Fixture.tar(items), as: "set.tar")
        var last: (Int64, Int64)?
        let report = try ArchiveExtractor.extract(url, into: scratch.dest, progress: { last = ($0, $1) })
        #expect(report.kind == .tar)
        try checkExtracted(report, scratch)
        #expect(last?.0 == last?.1)
    }

    /// `tar czf x.tgz -C dir .` starts with an entry "./", the folder itself: nothing to create and
    /// nothing to report (it used to be listed as a failed entry, "empty path").
    @Test func dotSlashEntryIsTheDestinationItself() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tgz = Fixture.gzip(Fixture.tar([
            .init(name: "./", type: "5"),
            .init(name: "./images/", type: "5"),
            .init(name: "./images/a.jpg", data: photo),
            .init(name: "./labels.txt", data: photo),
        ]))
        let report = try ArchiveExtractor.extract(try scratch.write(tgz, as: "x.tgz"), into: scratch.dest)
        #expect(report.skipped.isEmpty, "\(report.skipped)")
        #expect(report.files == ["images/a.jpg", "labels.txt"])
        #expect(scratch.text("images/a.jpg") == "pretend jpeg bytes")
    }

    @Test func tarGzipStreamsIncludingMultipleMembers() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tar = Fixture.tar(items)
        // Two gzip members back to back, split mid-block: still one tar stream.
        let gz = Fixture.gzip(Array(tar.prefix(700))) + Fixture.gzip(Array(tar.dropFirst(700)))
        let report = try ArchiveExtractor.extract(try scratch.write(gz, as: "set.tgz"), into: scratch.dest)
        #expect(report.kind == .tarGzip)
        try checkExtracted(report, scratch)
    }

    @Test func linksDevicesAndFifosAreSkippedNeverCreated() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tar = Fixture.tar([
            .init(name: "escape", type: "2", link: "/etc"),
            .init(name: "hard", type: "1", link: "/etc/passwd"),
            .init(name: "dev", type: "3"),
            .init(name: "fifo", type: "6"),
            .init(name: "escape/passwd", data: photo),
            .init(name: "ok.txt", data: photo),
        ])
        let report = try ArchiveExtractor.extract(try scratch.write(tar, as: "links.tar"), into: scratch.dest)
        #expect(report.files == ["escape/passwd", "ok.txt"])  // 'escape' is a plain folder now, not a link
        #expect(report.reason(for: "escape")?.contains("symbolic links") == true)
        #expect(report.reason(for: "hard")?.contains("hard links") == true)
        #expect(report.reason(for: "dev")?.contains("device") == true)
        #expect(report.reason(for: "fifo")?.contains("FIFO") == true)
        var info = stat()
        #expect(lstat(scratch.dest.appendingPathComponent("escape").path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR)
    }

    @Test func tarSlipAndPlantedSymlinkAreRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let elsewhere = scratch.root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch.dest, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: scratch.dest.appendingPathComponent("out"), withDestinationURL: elsewhere)
        let tar = Fixture.tar([
            .init(name: "../evil.txt", data: photo),
            .init(name: "/tmp/aiarts-abs-\(UUID().uuidString)", data: photo),
            .init(name: "out/x.txt", data: photo),
            .init(name: "a/../../b.txt", data: photo, pax: true),
            .init(name: "fine.txt", data: photo),
        ])
        let report = try ArchiveExtractor.extract(try scratch.write(tar, as: "slip.tar"), into: scratch.dest)
        #expect(report.files == ["fine.txt"])
        #expect(report.skipped.count == 4)
        #expect(report.reason(for: "out/x.txt")?.contains("symlink") == true)
        #expect(scratch.allPaths(under: elsewhere).isEmpty)
        #expect(scratch.allPaths() == ["dest", "dest/fine.txt", "dest/out", "elsewhere", "slip.tar"])
    }

    @Test func truncatedTarAndTarGzipAreErrorsNamingTheEntry() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // Incompressible, so the gzip copy below trips truncation rather than the ratio limit.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let payload = (0..<10_000_000).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let tar = Fixture.tar([.init(name: "first.txt", data: photo), .init(name: "x.jpg", data: payload)])
        let cut = Array(tar.prefix(1024 + 512 + 3_000_000))
        let url = try scratch.write(cut, as: "cut.tar")
        let error = expectArchiveError(.truncated) { _ = try ArchiveExtractor.extract(url, into: scratch.dest) }
        #expect(error?.description == "cut.tar: truncated tar: entry 'x.jpg' declares 10.0 MB but the archive ends after 3.0 MB of it")
        // The file that was cut short is gone; the complete one before it stays.
        #expect(scratch.allPaths(under: scratch.dest) == ["first.txt"])

        let gz = Fixture.gzip(tar)
        let gzURL = try scratch.write(Array(gz.prefix(gz.count - 2000)), as: "cut.tgz")
        let gzError = expectArchiveError(.truncated) {
            _ = try ArchiveExtractor.extract(gzURL, into: scratch.root.appendingPathComponent("d2"))
        }
        #expect(gzError?.message.contains("entry 'x.jpg'") == true)
        #expect(gzError?.message.contains("gzip stream is cut short") == true)

        let header = try scratch.write(Array(tar.prefix(400)), as: "header.tar")
        expectArchiveError(.truncated) { _ = try ArchiveExtractor.extract(header, into: scratch.dest) }
    }

    @Test func corruptHeadersAndGzipDataAreErrors() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var tar = Fixture.tar([.init(name: "a.txt", data: photo), .init(name: "b.txt", data: photo)])
        tar[1024 + 3] ^= 0xFF  // second header's name: checksum no longer adds up
        let bad = try scratch.write(tar, as: "bad.tar")
        let error = expectArchiveError(.corrupt) { _ = try ArchiveExtractor.extract(bad, into: scratch.dest) }
        #expect(error?.message.contains("offset 1024 fails its checksum") == true)

        var gz = Fixture.gzip(Fixture.tar([.init(name: "a.txt", data: big)]))
        for i in 20..<40 { gz[i] ^= 0x5A }
        let badGz = try scratch.write(gz, as: "bad.tgz")
        expectArchiveError(.corrupt) { _ = try ArchiveExtractor.extract(badGz, into: scratch.root.appendingPathComponent("d2")) }
    }

    @Test func limitsHoldWhileWritingTar() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tar = Fixture.tar((0..<3).map { .init(name: "f\($0).bin", data: [UInt8](repeating: 1, count: 600)) })
        let url = try scratch.write(tar, as: "t.tar")
        let error = expectArchiveError(.limitExceeded) {
            _ = try ArchiveExtractor.extract(url, into: scratch.dest, limits: .init(maxTotalBytes: 1000))
        }
        #expect(error?.message.contains("'f1.bin'") == true)
        #expect(scratch.allPaths(under: scratch.dest) == ["f0.bin"])  // no half-written f1

        expectArchiveError(.limitExceeded) {
            _ = try ArchiveExtractor.extract(url, into: scratch.root.appendingPathComponent("d2"), limits: .init(maxEntries: 2))
        }

        // A gzip bomb: 8 MB of zeros shrinks about 1000:1.
        let bomb = Fixture.gzip(Fixture.tar([.init(name: "zeros.bin", data: [UInt8](repeating: 0, count: 8 << 20))]))
        let bombURL = try scratch.write(bomb, as: "bomb.tgz")
        let bombError = expectArchiveError(.limitExceeded) {
            _ = try ArchiveExtractor.extract(bombURL, into: scratch.root.appendingPathComponent("d3"), limits: .init(maxRatio: 100))
        }
        #expect(bombError?.message.contains("decompression bomb") == true)
        #expect(scratch.allPaths(under: scratch.root.appendingPathComponent("d3")).isEmpty)
    }

    @Test func cancellationRemovesNothingAlreadyDone() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = try scratch.write(Fixture.tar(items), as: "c.tar")
        var polls = 0
        #expect(throws: CancellationError.self) {
            _ = try ArchiveExtractor.extract(url, into: scratch.dest, isCancelled: { polls += 1; return polls > 3 })
        }
        #expect(scratch.allPaths(under: scratch.dest) == ["images", "images/a.jpg"])
    }

    @Test func headerNumbersAndPaxRecordsParse() {
        #expect(TarHeader.number(ArraySlice(Array("00000001750\0".utf8))) == 1000)
        #expect(TarHeader.number(ArraySlice(Array("   17 \0".utf8))) == 15)
        #expect(TarHeader.number(ArraySlice([0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0])) == 8 << 30)
        #expect(TarHeader.number(ArraySlice([0xFF, 0xFF, 0xFF])) == nil)
        #expect(TarHeader.number(ArraySlice(Array("12x4".utf8))) == nil)
        #expect(TarReader.paxRecords(Array("16 path=a/b.txt\n9 size=9\n".utf8)) == ["path": "a/b.txt", "size": "9"])
        #expect(TarReader.paxRecords(Array("99 path=a\n".utf8)) == nil)
    }

    /// Archives written by Python's zipfile and tarfile (real writers, not ours) extract the same way.
    @Test func archivesFromPythonExtract() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let script = """
        import io, os, sys, tarfile, zipfile
        root = sys.argv[1]
        with zipfile.ZipFile(os.path.join(root, 'py.zip'), 'w', zipfile.ZIP_DEFLATED) as z:
            z.writestr('imgs/a.jpg', b'A' * 5000)
            z.writestr('labels/\\u00e9t\\u00e9.txt', 'cat\\n')
        with tarfile.open(os.path.join(root, 'py.tar.gz'), 'w:gz', format=tarfile.PAX_FORMAT) as t:
            data = b'B' * 7000
            info = tarfile.TarInfo('imgs/' + 'x' * 120 + '/b.jpg'); info.size = len(data)
            t.addfile(info, io.BytesIO(data))
            link = tarfile.TarInfo('imgs/link'); link.type = tarfile.SYMTYPE; link.linkname = '/etc/passwd'
            t.addfile(link)
        with tarfile.open(os.path.join(root, 'gnu.tar'), 'w', format=tarfile.GNU_FORMAT) as t:
            info = tarfile.TarInfo('g/' + 'y' * 150 + '.txt'); info.size = 3
            t.addfile(info, io.BytesIO(b'abc'))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, scratch.root.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)

        let zip = try ArchiveExtractor.extract(scratch.root.appendingPathComponent("py.zip"), into: scratch.dest)
        #expect(zip.files == ["imgs/a.jpg", "labels/été.txt"])
        #expect(scratch.text("labels/été.txt") == "cat\n")
        let tgz = try ArchiveExtractor.extract(scratch.root.appendingPathComponent("py.tar.gz"), into: scratch.dest)
        #expect(tgz.files == ["imgs/" + String(repeating: "x", count: 120) + "/b.jpg"])
        #expect(tgz.reason(for: "imgs/link")?.contains("symbolic links") == true)
        let gnu = try ArchiveExtractor.extract(scratch.root.appendingPathComponent("gnu.tar"), into: scratch.dest)
        #expect(gnu.files == ["g/" + String(repeating: "y", count: 150) + ".txt"])
    }
}
