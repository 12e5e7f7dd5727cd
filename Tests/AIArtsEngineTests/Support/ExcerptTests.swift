import Testing
@testable import AIArtsEngine

@Suite struct ExcerptTests {
    @Test func shortTextIsKeptAndLongTextIsCutWithItsSize() {
        #expect(Excerpt.cut("key: value") == "key: value")
        let line = String(repeating: "é", count: 2_000_000)
        let cut = Excerpt.cut(line)
        #expect(cut.hasPrefix(String(repeating: "é", count: 200) + "…"))
        #expect(cut.hasSuffix("(4000000 bytes in all)"))
        #expect(cut.count < 250)
        // Exactly at the limit in characters but longer in bytes: kept whole.
        let multi = String(repeating: "中", count: 200)
        #expect(Excerpt.cut(multi) == multi)
    }

    /// A data.yaml line of megabytes is quoted cut in the parse error, not echoed whole.
    @Test func yamlErrorsQuoteACutLine() {
        do {
            _ = try YOLOYAML.parse("names: [a]\n" + String(repeating: "x", count: 4_000_000) + "\n")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.description.count < 400)
            #expect(error.description.contains("(4000000 bytes in all)"))
        }
    }
}
