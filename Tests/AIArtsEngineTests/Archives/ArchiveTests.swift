import Foundation
import Testing

@testable import AIArtsEngine

/// Runs `body`, expecting an ArchiveError of `category`; returns it for message checks.
@discardableResult
func expectArchiveError(_ category: ArchiveError.Category, _ body: () throws -> Void,
                        sourceLocation: SourceLocation = #_sourceLocation) -> ArchiveError? {
    do {
        try body()
        Issue.record("expected an ArchiveError (\(category))", sourceLocation: sourceLocation)
    } catch let error as ArchiveError {
        #expect(error.category == category, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

extension ExtractionReport {
    func reason(for path: String) -> String? { skipped.first { $0.path == path }?.reason }
}

@Suite struct ArchiveTests {
    let photo = Array("not really a jpeg, but bytes all the same".utf8)
    let labels = Array(String(repeating: "cat 0.5 0.5 0.1 0.1\n", count: 200).utf8)

    @Test func zipStoredAndDeflatedEntriesExtractWithTheirContents() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip = Fixture.zip([
            .init(name: "images/"),
            .init(name: "images/a.jpg", data: photo),
            .init(name: "labels/deep/nested/a.txt", data: labels, deflate: true),
            .init(name: "empty.txt", data: [], deflate: true),
        ])
        let url = try scratch.write(zip, as: "set.zip")
        var calls: [(Int64, Int64)] = []
        let report = try ArchiveExtractor.extract(url, into: scratch.dest, progress: { calls.append(($0, $1)) })
        #expect(report.kind == .zip)
        #expect(report.filesExtracted == 3)
        #expect(report.bytesWritten == Int64(photo.count + labels.count))
        #expect(report.skipped.isEmpty)
        #expect(report.files == ["images/a.jpg", "labels/deep/nested/a.txt", "empty.txt"])
        #expect(scratch.text("images/a.jpg") == String(decoding: photo, as: UTF8.self))
        #expect(scratch.text("labels/deep/nested/a.txt") == String(decoding: labels, as: UTF8.self))
        #expect(scratch.text("empty.txt") == "")
        #expect(calls.last.map { $0.0 == $0.1 } == true)
        #expect(!scratch.allPaths().contains { $0.contains(".aiarts-partial") })
    }

    @Test func zip64FieldsCommentAndPrependedStubAreUnderstood() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip64 = Fixture.zip([.init(name: "a/b.txt", data: labels, deflate: true)], zip64: true)
        let report = try ArchiveExtractor.extract(try scratch.write(zip64, as: "z64.zip"), into: scratch.dest)
        #expect(report.files == ["a/b.txt"])
        #expect(scratch.text("a/b.txt") == String(decoding: labels, as: UTF8.self))

        // A self-extracting stub in front and a long comment behind: offsets shift, end record moves.
        let stub = [UInt8](repeating: 0x90, count: 3000)
        let odd = Fixture.zip([.init(name: "c.txt", data: photo)], comment: String(repeating: "x", count: 4000), prefix: stub)
        let other = scratch.root.appendingPathComponent("second")
        let second = try ArchiveExtractor.extract(try scratch.write(odd, as: "sfx.zip"), into: other)
        #expect(second.files == ["c.txt"])
    }

    @Test func zipSlipAndAbsoluteNamesAreSkippedAndNothingLandsOutside() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let outside = "/tmp/aiarts-escape-\(UUID().uuidString)"
        let zip = Fixture.zip([
            .init(name: "../evil.txt", data: photo),
            .init(name: outside, data: photo),
            .init(name: "ok/../../evil2.txt", data: photo),
            .init(name: "..\\evil3.txt", data: photo),
            .init(name: "C:\\evil4.txt", data: photo),
            .init(name: "fine.txt", data: photo),
        ])
        let report = try ArchiveExtractor.extract(try scratch.write(zip, as: "slip.zip"), into: scratch.dest)
        #expect(report.files == ["fine.txt"])
        #expect(report.skipped.count == 5)
        #expect(report.reason(for: "../evil.txt")?.contains("..") == true)
        #expect(report.reason(for: outside)?.contains("absolute") == true)
        #expect(!FileManager.default.fileExists(atPath: outside))
        #expect(scratch.allPaths() == ["dest", "dest/fine.txt", "slip.zip"])
    }

    @Test func namesThroughASymlinkInTheDestinationAreRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let elsewhere = scratch.root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch.dest, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: scratch.dest.appendingPathComponent("link"), withDestinationURL: elsewhere)
        try FileManager.default.createSymbolicLink(at: scratch.dest.appendingPathComponent("same.txt"),
                                                   withDestinationURL: elsewhere.appendingPathComponent("target.txt"))
        let zip = Fixture.zip([
            .init(name: "link/pwn.txt", data: photo),
            .init(name: "link/deeper/pwn.txt", data: photo),
            .init(name: "same.txt", data: photo),
            .init(name: "zip-link", data: Array("/etc/passwd".utf8), unixMode: 0o120777),
            .init(name: "ok.txt", data: photo),
        ])
        let report = try ArchiveExtractor.extract(try scratch.write(zip, as: "links.zip"), into: scratch.dest)
        #expect(report.files == ["ok.txt"])
        #expect(report.reason(for: "link/pwn.txt")?.contains("symlink 'link'") == true)
        #expect(report.reason(for: "link/deeper/pwn.txt")?.contains("symlink") == true)
        #expect(report.reason(for: "same.txt")?.contains("symlink") == true)
        #expect(report.reason(for: "zip-link")?.contains("symbolic links") == true)
        #expect(scratch.allPaths(under: elsewhere).isEmpty)
        #expect(scratch.allPaths(under: scratch.dest) == ["link", "ok.txt", "same.txt"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.dest.appendingPathComponent("same.txt").path)
            == elsewhere.appendingPathComponent("target.txt").path)
    }

    @Test func crcMismatchAndBadDeflateSkipOnlyThatEntry() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip = Fixture.zip([
            .init(name: "first.txt", data: photo, deflate: true),
            .init(name: "bad-crc.txt", data: labels, deflate: true, crc: 0xDEAD_BEEF),
            .init(name: "bad-data.txt", data: labels, method: 8, compressedOverride: [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01]),
            .init(name: "short-data.txt", data: labels, method: 8,
                  compressedOverride: Array(Fixture.deflateRaw(labels).prefix(10))),
            .init(name: "lying-size.txt", data: labels, deflate: true, declaredSize: 100),
            .init(name: "last.txt", data: labels),
        ])
        let report = try ArchiveExtractor.extract(try scratch.write(zip, as: "crc.zip"), into: scratch.dest)
        #expect(report.files == ["first.txt", "last.txt"])
        #expect(report.reason(for: "bad-crc.txt")?.contains("CRC mismatch") == true)
        #expect(report.reason(for: "bad-data.txt")?.contains("bad deflate data") == true)
        #expect(report.reason(for: "short-data.txt")?.contains("ends before") == true)
        #expect(report.reason(for: "lying-size.txt")?.contains("more than the 100 bytes") == true)
        #expect(scratch.allPaths(under: scratch.dest) == ["first.txt", "last.txt"])
    }

    @Test func encryptedAndUnknownMethodEntriesAreSkipped() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip = Fixture.zip([
            .init(name: "secret.txt", data: photo, flags: 1),
            .init(name: "bz.txt", data: photo, method: 12),
            .init(name: "plain.txt", data: photo),
        ])
        let report = try ArchiveExtractor.extract(try scratch.write(zip, as: "m.zip"), into: scratch.dest)
        #expect(report.files == ["plain.txt"])
        #expect(report.reason(for: "secret.txt")?.contains("encrypted") == true)
        #expect(report.reason(for: "bz.txt")?.contains("bzip2") == true)
    }

    @Test func truncatedZipIsAnErrorNamingTheProblem() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip = Fixture.zip([.init(name: "a.txt", data: labels), .init(name: "b.txt", data: labels)])
        let cut = try scratch.write(Array(zip.prefix(zip.count / 2)), as: "cut.zip")
        let error = expectArchiveError(.truncated) { _ = try ArchiveExtractor.extract(cut, into: scratch.dest) }
        #expect(error?.description.hasPrefix("cut.zip: truncated") == true)

        // The directory is intact but claims more data than the file holds: the message names the entry.
        let hollow = Fixture.zip([.init(name: "a.txt", data: labels), .init(name: "b.txt", data: labels, declaredPacked: 10_000_000)])
        let url = try scratch.write(hollow, as: "hollow.zip")
        let named = expectArchiveError(.truncated) { _ = try ArchiveExtractor.extract(url, into: scratch.dest) }
        #expect(named?.message.contains("entry 'b.txt' declares 10.0 MB but the archive ends after") == true)
    }

    @Test func zipBombRatioAndTotalLimitsHold() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zeros = [UInt8](repeating: 0, count: 3 << 20)
        let zip = Fixture.zip([.init(name: "bomb.bin", data: zeros, deflate: true), .init(name: "ok.txt", data: photo)])
        let url = try scratch.write(zip, as: "bomb.zip")
        let strict = ArchiveExtractor.Limits(maxRatio: 50)
        let report = try ArchiveExtractor.extract(url, into: scratch.dest, limits: strict)
        #expect(report.files == ["ok.txt"])
        #expect(report.reason(for: "bomb.bin")?.contains("zip bomb") == true)

        // A header that understates the size: caught while inflating, not from the header.
        let liar = Fixture.zip([.init(name: "liar.bin", data: zeros, deflate: true, declaredSize: 1 << 20)])
        let liarReport = try ArchiveExtractor.extract(try scratch.write(liar, as: "liar.zip"), into: scratch.dest,
                                                      limits: ArchiveExtractor.Limits(maxRatio: 1_000_000))
        #expect(liarReport.reason(for: "liar.bin")?.contains("more than") == true)

        let small = ArchiveExtractor.Limits(maxTotalBytes: 1 << 20)
        let error = expectArchiveError(.limitExceeded) {
            _ = try ArchiveExtractor.extract(url, into: scratch.root.appendingPathComponent("d2"), limits: small)
        }
        #expect(error?.message.contains("limit") == true)

        let many = Fixture.zip((0..<5).map { .init(name: "f\($0).txt", data: photo) })
        expectArchiveError(.limitExceeded) {
            _ = try ArchiveExtractor.extract(try scratch.write(many, as: "many.zip"),
                                             into: scratch.root.appendingPathComponent("d4"), limits: .init(maxEntries: 3))
        }
    }

    @Test func kindComesFromMagicBytesNotTheExtension() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip = try scratch.write(Fixture.zip([.init(name: "z.txt", data: photo)]), as: "really-a-zip.tar")
        let tar = Fixture.tar([.init(name: "t.txt", data: photo)])
        let tarURL = try scratch.write(tar, as: "really-a-tar.zip")
        let tgz = try scratch.write(Fixture.gzip(tar), as: "really-a-tgz.bin")
        #expect(try ArchiveKind.detect(zip) == .zip)
        #expect(try ArchiveKind.detect(tarURL) == .tar)
        #expect(try ArchiveKind.detect(tgz) == .tarGzip)
        #expect(try ArchiveExtractor.extract(tgz, into: scratch.dest).files == ["t.txt"])
        #expect(try ArchiveExtractor.extract(zip, into: scratch.dest).files == ["z.txt"])
        // Old (pre-POSIX) tar: no magic, recognised by its checksum.
        var v7 = Fixture.header(name: "v7.txt", size: 0, type: "0")
        for i in 257..<265 { v7[i] = 0 }
        v7.replaceSubrange(148..<156, with: [UInt8](repeating: 0x20, count: 8))
        let sum = v7.reduce(0) { $0 + Int($1) }
        v7.replaceSubrange(148..<156, with: Array((String(sum, radix: 8).leftPadded(to: 6) + "\0 ").utf8))
        #expect(ArchiveKind.detect(header: v7) == .tar)

        let junk = try scratch.write(Array("hello, not an archive".utf8) + [UInt8](repeating: 7, count: 600), as: "x.tar")
        let error = expectArchiveError(.unrecognised) { _ = try ArchiveExtractor.extract(junk, into: scratch.dest) }
        #expect(error?.description.hasPrefix("x.tar:") == true)
    }

    @Test func cancellationStopsBetweenEntries() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip = Fixture.zip((0..<5).map { .init(name: "f\($0).txt", data: photo) })
        let url = try scratch.write(zip, as: "c.zip")
        var polls = 0
        #expect(throws: CancellationError.self) {
            _ = try ArchiveExtractor.extract(url, into: scratch.dest, isCancelled: {
                polls += 1
                return polls > 3  // once before starting, then before f0 and f1
            })
        }
        #expect(scratch.allPaths(under: scratch.dest) == ["f0.txt", "f1.txt"])
    }

    @Test func zipNamesDecodeAsUTF8OrCP437() {
        #expect(ZipNames.decode(Array("café/ü.jpg".utf8), utf8Flag: true) == "café/ü.jpg")
        #expect(ZipNames.decode(Array("café.jpg".utf8), utf8Flag: false) == "café.jpg")
        #expect(ZipNames.decode([0x80, 0x61, 0xE1, 0xFF], utf8Flag: false) == "Ça\u{00DF}\u{00A0}")
    }

    @Test func duplicatesReplaceAndFileFolderClashesAreSkipped() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip = Fixture.zip([
            .init(name: "a.txt", data: [1]),
            .init(name: "a.txt", data: [2, 2]),
            .init(name: "a.txt/inner.txt", data: [3]),
            .init(name: "dir/"),
            .init(name: "dir", data: [4]),
        ])
        let report = try ArchiveExtractor.extract(try scratch.write(zip, as: "d.zip"), into: scratch.dest)
        #expect(report.filesExtracted == 2)
        #expect(try Data(contentsOf: scratch.dest.appendingPathComponent("a.txt")) == Data([2, 2]))
        #expect(report.reason(for: "a.txt/inner.txt")?.contains("not a folder") == true)
        #expect(report.reason(for: "dir")?.contains("already a folder") == true)
    }
}
