import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct TFEventsMetricsTests {
    typealias E = TFEventsTestEncoder

    @Test func crc32cKnownValuesAndMask() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)  // RFC 3720 B.4
        #expect(CRC32C.checksum(Array(0...31)) == 0x46DD_794E)
        // Slicing-by-8 and the byte loop agree at every length and alignment.
        let data = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for n in 0...data.count {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in data[0..<n] {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            #expect(CRC32C.checksum(Array(data[0..<n])) == ~crc)
        }
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        #expect(CRC32C.masked(0xFFFF_FFFF) == 0xA282_EAD7)  // wraps
    }

    @Test func scalarsFromSimpleValuesAndTensors() {
        let half1_5: UInt16 = 0x3E00, bf16_2: UInt16 = 0x4000
        var file = E.frame(E.event(wallTime: 100, fileVersion: "brain.Event:2"))
        file += E.frame(E.event(wallTime: 101.5, step: 1, values: [E.simpleValue("loss", 0.5), E.simpleValue("lr", 0.25)]))
        file += E.frame(E.event(wallTime: 102, step: 2, values: [E.tensorValue("acc", dtype: 1, content: E.le(Float(0.75).bitPattern))]))
        file += E.frame(E.event(wallTime: 103, step: 3, values: [E.tensorValue("acc", dtype: 1, floats: [0.8], plugin: nil)]))
        file += E.frame(E.event(step: 4, values: [E.tensorValue("acc", dtype: 1, floats: [0.85], packed: false, plugin: nil)]))
        file += E.frame(E.event(step: 5, values: [E.tensorValue("d", dtype: 2, content: E.le((1.0 / 3.0).bitPattern))]))
        file += E.frame(E.event(step: 6, values: [E.tensorValue("d", dtype: 2, doubles: [0.125])]))
        file += E.frame(E.event(step: 7, values: [E.tensorValue("h", dtype: 19, content: E.le(half1_5))]))
        file += E.frame(E.event(step: 8, values: [E.tensorValue("h", dtype: 19, halves: [0xC000])]))
        file += E.frame(E.event(step: 9, values: [E.tensorValue("b", dtype: 14, content: E.le(bf16_2))]))
        // Not scalars: a histogram-plugin tensor, a 2-element tensor, a string tensor.
        file += E.frame(E.event(step: 10, values: [E.tensorValue("hist", dtype: 2, doubles: [1], plugin: "histograms")]))
        file += E.frame(E.event(step: 11, values: [E.tensorValue("vec", dtype: 1, shape: [2], floats: [1, 2])]))
        file += E.frame(E.event(step: 12, values: [E.tensorValue("txt", dtype: 7, content: [0x41], plugin: "text")]))
        var reader = TFEventsReader()
        let chunk = reader.consume(file)
        #expect(chunk.records == 13)
        #expect(reader.offset == file.count && reader.skipped.total == 0)
        let got = chunk.points.map { "\($0.series)@\($0.step!)=\($0.value)" }
        #expect(got == ["loss@1=0.5", "lr@1=0.25", "acc@2=0.75", "acc@3=0.800000011920929", "acc@4=0.8500000238418579",
                        "d@5=\(1.0 / 3.0)", "d@6=0.125", "h@7=1.5", "h@8=-2.0", "b@9=2.0"])
        #expect(chunk.points[0].wallTime == 101.5)
    }

    @Test func halfPrecisionEdgeCases() {
        #expect(TFEventDecoder.halfToDouble(0x3C00) == 1)
        #expect(TFEventDecoder.halfToDouble(0x7BFF) == 65504)
        #expect(TFEventDecoder.halfToDouble(0x0001) == 0x1p-24)
        #expect(TFEventDecoder.halfToDouble(0xFC00) == -.infinity)
        #expect(TFEventDecoder.halfToDouble(0x7E00).isNaN)
    }

    @Test func truncatedTailWaitsAndBadChecksumSkips() throws {
        let records = (1...3).map { E.frame(E.event(step: Int64($0), values: [E.simpleValue("loss", Float($0))])) }
        let bad = E.frame(E.event(step: 99, values: [E.simpleValue("loss", 99)]), corruptData: true)
        let whole = records[0] + bad + records[1] + records[2]
        let cut = whole.count - 5
        let folder = TempFolder()
        let url = folder.write("events.out.tfevents.1.host", Data(whole[0..<cut]))
        var reader = TFEventsReader(path: url.path)
        var chunk = try reader.read()
        #expect(chunk.points.map(\.step) == [1, 2])
        #expect(reader.skipped.counts[.badChecksum] == 1 && reader.skipped.firstAt[.badChecksum] == records[0].count)
        #expect(reader.offset == records[0].count + bad.count + records[1].count)
        // The writer finishes the record: reading resumes exactly there (reopened from the saved offset).
        try Data(whole).write(to: url)
        var reopened = TFEventsReader(path: url.path, offset: reader.offset)
        chunk = try reopened.read()
        #expect(chunk.points.map(\.step) == [3] && chunk.points[0].value == 3)
        #expect(try reopened.read().points.isEmpty)
    }

    @Test func corruptLengthStopsForGood() {
        var file = E.frame(E.event(step: 1, values: [E.simpleValue("a", 1)]))
        var second = E.frame(E.event(step: 2, values: [E.simpleValue("a", 2)]))
        second[8] ^= 0xFF  // the length's checksum
        file += second + E.frame(E.event(step: 3, values: [E.simpleValue("a", 3)]))
        var reader = TFEventsReader()
        let chunk = reader.consume(file)
        #expect(chunk.points.count == 1)
        #expect(reader.corruptAt == second.count - second.count + E.frame(E.event(step: 1, values: [E.simpleValue("a", 1)])).count)
        #expect(reader.consume([]).points.isEmpty)
    }

    @Test func garbageInsideAValidFrameIsCountedNotFatal() {
        let garbage: [UInt8] = [0x0A, 0xFF, 0xFF]  // field 1, length-delimited, impossible length
        let file = E.frame(garbage) + E.frame(E.event(step: 1, values: [E.simpleValue("a", 1)]))
        var reader = TFEventsReader()
        #expect(reader.consume(file).points.count == 1)
        #expect(reader.skipped.counts[.badRecord] == 1)
    }

    @Test func shrunkFileResets() throws {
        let folder = TempFolder()
        let two = E.frame(E.event(step: 1, values: [E.simpleValue("a", 1)])) + E.frame(E.event(step: 2, values: [E.simpleValue("a", 2)]))
        let url = folder.write("events.out.tfevents", Data(two))
        var reader = TFEventsReader(path: url.path)
        _ = try reader.read()
        try Data(E.frame(E.event(step: 7, values: [E.simpleValue("a", 7)]))).write(to: url)
        let chunk = try reader.read()
        #expect(chunk.reset && chunk.points.map(\.step) == [7])
    }

    /// A repository cloned without Git LFS holds pointer files under the event files' names.
    @Test func aGitLFSPointerIsNamedAsOneNotAsACorruptFile() throws {
        let folder = TempFolder()
        let url = folder.write("events.out.tfevents.1700000000.host", """
            version https://git-lfs.github.com/spec/v1
            oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393
            size 12345

            """)
        var reader = TFEventsReader(path: url.path)
        let error = #expect(throws: MetricsError.self) { try reader.read() }
        #expect(error?.message.contains("Git LFS pointer") == true)
        #expect(error?.message.contains("12345 bytes") == true)
        #expect(error?.message.contains("git lfs pull") == true)
        #expect(reader.skipped.total == 0)
    }
}
