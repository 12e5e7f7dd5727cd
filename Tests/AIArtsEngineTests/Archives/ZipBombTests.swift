import Foundation
import Testing

@testable import AIArtsEngine

/// Zips that unpack to far more than their own size (issue 11): refused before anything is written.
@Suite struct ZipBombTests {
    /// Many central-directory entries sharing one deflate stream: each entry alone has an ordinary
    /// ratio, so only the overlap gives it away. Before, every entry was extracted (gigabytes from
    /// kilobytes) and the import failed later with an unrelated message.
    @Test func overlappingEntriesAreRefusedBeforeWriting() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let bomb = Fixture.overlappingZip(count: 50, data: [UInt8](repeating: 0x41, count: 2 << 20))
        #expect(bomb.count < 10_000)
        let url = try scratch.write(bomb, as: "overlap.zip")
        let error = expectArchiveError(.corrupt) { _ = try ArchiveExtractor.extract(url, into: scratch.dest) }
        #expect(error?.message.contains("'x0.bin' and 'x1.bin' overlap") == true)
        #expect(error?.message.contains("zip bomb") == true)
        #expect(scratch.allPaths(under: scratch.dest) == [])
    }

    /// Entries that do not overlap but declare, together, far more than the archive's size allows:
    /// each stays under the per-entry ratio floor, so only the whole-archive bound catches them.
    @Test func totalIsBoundedByTheArchiveSize() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip = Fixture.zip((0..<20).map { .init(name: "z\($0).bin", data: [UInt8](repeating: 0, count: 1 << 20), deflate: true) })
        let url = try scratch.write(zip, as: "many.zip")
        let error = expectArchiveError(.limitExceeded) {
            _ = try ArchiveExtractor.extract(url, into: scratch.dest, limits: .init(maxRatio: 100))
        }
        #expect(error?.message.contains("beyond the 100:1 limit (likely a zip bomb); nothing was extracted") == true)
        #expect(scratch.allPaths(under: scratch.dest) == [])

        // Under a looser limit the same archive is an ordinary one and extracts whole.
        let report = try ArchiveExtractor.extract(url, into: scratch.root.appendingPathComponent("ok"), limits: .init(maxRatio: 5000))
        #expect(report.files.count == 20)
    }

    /// A lone entry sharing no bytes with others, and entries back to back, are not overlaps.
    @Test func adjacentEntriesAreNotOverlaps() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let zip = Fixture.zip([.init(name: "a.txt", data: []), .init(name: "b.txt", data: Array("b".utf8)),
                               .init(name: "d/", data: []), .init(name: "c.txt", data: Array("c".utf8), deflate: true)])
        let report = try ArchiveExtractor.extract(try scratch.write(zip, as: "ok.zip"), into: scratch.dest)
        #expect(report.files == ["a.txt", "b.txt", "c.txt"])
    }
}
