import Foundation
import Testing
@testable import AIArtsRender

@Suite struct JSONControlsTests {
    private func encoded(_ value: [String: String]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }

    /// JSONEncoder leaves C1 and bidi controls raw; after the rewrite none of their bytes remain,
    /// they read as \uXXXX, and the document still decodes to the same strings.
    @Test func c1AndBidiControlsAreEscapedAndMeaningIsKept() throws {
        let hostile = "a\u{85}b\u{9B}31mc\u{9D}0;t\u{9C}d\u{202E}gpj.exe\u{2066}e\u{2069}\u{200F}\u{61C}"
        let value = ["name\u{202A}": hostile, "plain": "ünïcödé 中 é"]
        let data = try encoded(value)
        #expect(data.range(of: Data([0xC2, 0x85])) != nil)  // the encoder alone leaves it raw
        let safe = JSONControls.escape(data)
        let text = String(decoding: safe, as: UTF8.self)
        #expect(!text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
        #expect(!text.unicodeScalars.contains { [0x202A, 0x202E, 0x2066, 0x2069, 0x200F, 0x061C].contains($0.value) })
        #expect(text.contains("a\\u0085b\\u009B31mc\\u009D0;t\\u009Cd\\u202Egpj.exe\\u2066e\\u2069\\u200F\\u061C"))
        #expect(text.contains("\"name\\u202A\""))
        #expect(try JSONDecoder().decode([String: String].self, from: safe) == value)
    }

    @Test func textWithoutControlsIsUnchanged() throws {
        let data = try encoded(["a": "é — “quotes” ‘x’ … ‚ \u{2026}\u{2070}\u{20AC}\u{2028}\u{200D}"])
        #expect(JSONControls.escape(data) == data)
    }
}
