// libjpeg and libpng print warnings and errors to stderr by default; in a
// terminal UI that would scribble over the screen. This test runs the noisy
// cases with stderr pointed at a file and checks none of the decoders' own
// messages appear there.
import Foundation
import Testing
@testable import AIArtsImaging

#if canImport(Glibc)
import Glibc
#endif

@Suite struct QuietTests {
    @Test func decodersNeverWriteToStderr() throws {
        let jpeg = try Fixture.noisyJPEG(width: 128, height: 128)
        let png = try ImageCodec.encodePNG(Fixture.quadrants(width: 32, height: 32))
        var badPNG = png
        badPNG[29] ^= 0xFF  // IHDR CRC
        var ancillary = png
        var text = Fixture.chunk("tEXt", Array("Comment\u{0}x".utf8))
        text[text.count - 1] ^= 0xFF
        ancillary.insert(contentsOf: text, at: 33)

        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = dir.appendingPathComponent("stderr.txt").path
        fflush(nil)
        let saved = dup(2)
        let fd = open(capture, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(saved >= 0 && fd >= 0)
        dup2(fd, 2)
        close(fd)

        var messages: [String] = []
        func note(_ body: () throws -> DecodedImage) {
            do {
                if let w = try body().warning { messages.append(w) }
            } catch {
                messages.append(String(describing: error))
            }
        }
        note { try ImageCodec.decode(Array(jpeg[0..<(jpeg.count / 2)])) }       // Premature end
        note { try ImageCodec.decode([0xFF, 0xD8, 0xFF, 0xDB, 0, 1, 0, 0]) }     // fatal error
        note { try ImageCodec.decode(Fixture.patchSOF(jpeg, width: 0, height: 0)) }
        note { try ImageCodec.decode(badPNG) }                                    // critical CRC
        note { try ImageCodec.decode(ancillary) }                                 // warning only
        note { try ImageCodec.decode(Array(png[0..<40])) }                        // truncated

        fflush(nil)
        dup2(saved, 2)
        close(saved)
        let written = (try? String(contentsOfFile: capture, encoding: .utf8)) ?? ""
        // Give anything unrelated (test runner chatter) back to the real stderr.
        if !written.isEmpty { FileHandle.standardError.write(Data(written.utf8)) }

        #expect(messages.count == 6)
        // The scenarios really produced library messages...
        let all = messages.joined(separator: "\n")
        #expect(all.contains("Premature end of JPEG file"))
        #expect(all.contains("CRC error"))
        // ...and none of that text reached stderr.
        for phrase in ["Premature end", "Bogus", "CRC error", "libpng", "Corrupt JPEG", "Empty JPEG", "IDAT", "tEXt"] {
            #expect(!written.contains(phrase), "stderr got: \(written)")
        }
    }
}
