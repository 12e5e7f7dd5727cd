import Foundation
import Testing

@testable import AIArtsEngine

/// Damaged archives must end in a report or an error, never a crash, and never write outside
/// the destination. Mutations are seeded, so a failure reproduces.
@Suite struct DamagedArchiveTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    static let labels = Array(String(repeating: "dog 0.1 0.2 0.3 0.4\n", count: 40).utf8)

    static let samples: [(name: String, bytes: [UInt8])] = {
        let zip = Fixture.zip([
            .init(name: "a/", data: []),
            .init(name: "a/b.txt", data: labels, deflate: true),
            .init(name: "c.txt", data: labels),
        ])
        let zip64 = Fixture.zip([.init(name: "d.txt", data: labels, deflate: true)], zip64: true)
        let tar = Fixture.tar([
            .init(name: "x/", type: "5"),
            .init(name: "x/" + String(repeating: "l", count: 130), data: labels, longName: true),
            .init(name: "y.txt", data: labels, pax: true),
        ])
        return [("f.zip", zip), ("f64.zip", zip64), ("f.tar", tar), ("f.tgz", Fixture.gzip(tar))]
    }()

    /// ZIP64 fields near Int64.max: offset and size arithmetic must not overflow (it would trap).
    @Test(arguments: [0, 8, 16])
    func hugeZip64NumbersAreErrorsNotCrashes(field: Int) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var zip = Fixture.zip([.init(name: "d.txt", data: Self.labels, deflate: true)], zip64: true)
        let marker: [UInt8] = [1, 0, 24, 0]
        let starts = (0...(zip.count - 4)).filter { Array(zip[$0..<($0 + 4)]) == marker }
        let central = try #require(starts.last) + 4  // the central directory's copy
        zip.replaceSubrange((central + field)..<(central + field + 8), with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        let url = try scratch.write(zip, as: "huge.zip")
        do {
            let report = try ArchiveExtractor.extract(url, into: scratch.dest)
            #expect(report.filesExtracted == 0)
        } catch is ArchiveError {}
    }

    @Test(arguments: 0..<4)
    func mutatedArchivesNeverCrashOrEscape(sample: Int) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (name, original) = Self.samples[sample]
        var random = Generator(state: 0x5EED_0000 + UInt64(sample))
        for round in 0..<150 {
            var bytes = original
            for _ in 0...Int.random(in: 0...3, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.replaceSubrange(at..<min(bytes.count, at + 8), with: [UInt8](repeating: 0xFF, count: 8))
                case 2: bytes.removeSubrange(at...)
                default: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &random)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            let url = try scratch.write(bytes, as: name)
            let dest = scratch.root.appendingPathComponent("out\(round)")
            do {
                _ = try ArchiveExtractor.extract(url, into: dest, limits: .init(maxTotalBytes: 1 << 20))
            } catch is ArchiveError {
                // expected for most damage
            }
            let stray = scratch.allPaths().filter { !$0.hasPrefix("out") && $0 != name }
            #expect(stray.isEmpty, "round \(round) wrote outside its folder: \(stray)")
            #expect(!scratch.allPaths().contains { $0.contains(".aiarts-partial") }, "round \(round) left a temporary")
        }
    }
}
