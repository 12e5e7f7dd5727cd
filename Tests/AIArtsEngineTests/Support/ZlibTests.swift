import Foundation
import Testing
@testable import AIArtsEngine

/// The one zlib wrapper: every format both ways, data larger than one chunk, and damaged input.
@Suite struct ZlibTests {
    /// Text that compresses, followed by bytes that do not: more than the 64 KiB chunks the wrapper works in.
    static let data: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return Array(String(repeating: "epoch 1 loss 0.25\n", count: 8000).utf8) + (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()

    @Test(arguments: [ZlibStream.Format.zlib, .gzip, .raw])
    func roundTrips(format: ZlibStream.Format) throws {
        let packed = try #require(ZlibStream.compress(Self.data, format: format, level: 1))
        #expect(packed.count < Self.data.count)
        #expect(ZlibStream.decompress(packed, format: format, limit: Self.data.count) == Self.data)
        #expect(ZlibStream.decompress(ZlibStream.compress([], format: format)!, format: format, limit: 0) == [])
    }

    @Test func theHeaderSaysWhichFormat() throws {
        #expect(try #require(ZlibStream.compress([1, 2, 3], format: .gzip)).starts(with: [0x1F, 0x8B]))
        #expect(try #require(ZlibStream.compress([1, 2, 3], format: .zlib)).first == 0x78)
        // Data of one format is refused by another.
        #expect(ZlibStream.decompress(ZlibStream.compress([1, 2, 3], format: .gzip)!, format: .zlib, limit: 10) == nil)
    }

    @Test func damagedCutOrTooLargeIsNil() throws {
        let packed = try #require(ZlibStream.compress(Self.data, format: .gzip))
        #expect(ZlibStream.decompress(Array(packed.dropLast(8)), format: .gzip, limit: Self.data.count) == nil)  // no trailer
        var flipped = packed
        flipped[packed.count - 3] ^= 0xFF                                                                           // wrong length
        #expect(ZlibStream.decompress(flipped, format: .gzip, limit: Self.data.count) == nil)
        #expect(ZlibStream.decompress(packed, format: .gzip, limit: Self.data.count - 1) == nil)
        #expect(ZlibStream.decompress([0xFF, 0xFF, 0xFF], format: .raw, limit: 100) == nil)
    }

    @Test func crc32IsZlibs() {
        // The CRC-32 check value of "123456789".
        #expect(Array("123456789".utf8).withUnsafeBytes { ZlibStream.crc32(0, $0) } == 0xCBF4_3926)
        let whole = Self.data.withUnsafeBytes { ZlibStream.crc32(0, $0) }
        let parts = Self.data.withUnsafeBytes { all in
            ZlibStream.crc32(ZlibStream.crc32(0, UnsafeRawBufferPointer(rebasing: all[..<1000])), UnsafeRawBufferPointer(rebasing: all[1000...]))
        }
        #expect(whole == parts)
    }
}
