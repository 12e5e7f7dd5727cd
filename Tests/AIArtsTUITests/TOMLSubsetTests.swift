import Testing
@testable import AIArtsTUI

/// The error a bad document raises, or nil when it parses.
private func parseError(_ text: String) -> ConfigError? {
    do { _ = try TOMLDocument.parse(text, file: "t.toml"); return nil } catch let error as ConfigError { return error } catch {
        Issue.record("unexpected error type \(error)")
        return nil
    }
}

@Suite struct TOMLSubsetTests {
    @Test func readsSectionsKeysAndEveryValueType() throws {
        let doc = try TOMLDocument.parse("""
            # a comment
            name = "vim"   # trailing comment
            count = -42
            big = 1_000
            on = true
            off = false
            lit = 'C:\\path'

            [home]
            move_up = ["k", "up"]
            empty = []
            [home.sub]
            nested = [[1, 2], ["a"]]
            multi = [
              "a",  # first
              "b",
            ]
            """, file: "t.toml")
        #expect(doc.tableNames == ["", "home", "home.sub"])
        let root = doc[""]!
        #expect(root.keys == ["name", "count", "big", "on", "off", "lit"])
        #expect(root["name"] == TOMLEntry(value: .string("vim"), line: 2))
        #expect(root["count"]?.value == .integer(-42))
        #expect(root["big"]?.value == .integer(1000))
        #expect(root["on"]?.value == .bool(true))
        #expect(root["off"]?.value == .bool(false))
        #expect(root["lit"]?.value == .string("C:\\path"))
        #expect(doc["home"]?["move_up"]?.value == .array([.string("k"), .string("up")]))
        #expect(doc["home"]?["empty"]?.value == .array([]))
        #expect(doc["home"]?.line == 9)
        #expect(doc["home.sub"]?["nested"]?.value == .array([.array([.integer(1), .integer(2)]), .array([.string("a")])]))
        #expect(doc["home.sub"]?["multi"] == TOMLEntry(value: .array([.string("a"), .string("b")]), line: 14))
    }

    @Test func basicStringEscapes() throws {
        let doc = try TOMLDocument.parse(#"s = "q\" b\\ t\t n\n r\r \u00e9 \U0001F600 # not a comment""#, file: "t.toml")
        #expect(doc[""]?["s"]?.value == .string("q\" b\\ t\t n\n r\r é 😀 # not a comment"))
    }

    @Test func crlfLineEndingsAndAByteOrderMark() throws {
        let doc = try TOMLDocument.parse("\u{FEFF}a = 1\r\n[s]\r\nb = \"x\"\r\n", file: "t.toml")
        #expect(doc[""]?["a"]?.value == .integer(1))
        #expect(doc["s"]?["b"] == TOMLEntry(value: .string("x"), line: 3))
    }

    @Test func errorsNameTheFileTheLineAndTheProblem() {
        let cases: [(String, Int, String)] = [
            ("a = 1\nb = \n", 2, "expected a value"),
            ("a = 1\na = 2", 2, "a is set twice at the top of the file (first on line 1)"),
            ("[s]\nx = 1\n[s]", 3, "section [s] appears twice (first on line 1)"),
            ("\n\nkey = vim", 3, "strings must be quoted: \"vim\""),
            ("k = \"open", 1, "not closed before the end of the line"),
            ("k = \"\\q\"", 1, "unknown escape \\q"),
            ("k = \"\\u12\"", 1, "\\u needs 4 hexadecimal digits"),
            ("k = \"\\uD800\"", 1, "not a Unicode scalar value"),
            ("k = \"tab\there\u{01}\"", 1, "control character U+1"),
            ("k = 1.5", 1, "only whole numbers"),
            ("k = 0x10", 1, "only decimal numbers"),
            ("k = 012", 1, "may not start with 0"),
            ("k = 1__0", 1, "_ in a number must sit between digits"),
            ("k = 99999999999999999999", 1, "too large"),
            ("k = 1 2", 1, "expected the end of the line, found '2'"),
            ("a.b = 1", 1, "dotted keys"),
            ("\"q\" = 1", 1, "quoted keys are not supported"),
            ("[[t]]", 1, "arrays of tables"),
            ("[s", 1, "expected ] to close the section name"),
            ("k = {a = 1}", 1, "inline tables"),
            ("k = \"\"\"x\"\"\"", 1, "multi-line strings"),
            ("k = [1, 2\n\n", 3, "the array opened on line 1 is not closed"),
            ("k = [1 2]", 1, "expected , or ] in the array, found '2'"),
            ("k = 1\n= 2", 2, "expected a key, a [section] or a comment, found '='"),
            ("k = 1\r", 1, "carriage return"),
            ("a = 1\n[a]", 2, "[a] clashes with the key a set on line 1"),
            ("k = true1", 1, "strings must be quoted"),
        ]
        for (text, line, message) in cases {
            let error = parseError(text)
            #expect(error?.file == "t.toml", "\(text)")
            #expect(error?.line == line, "\(text): \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(text): \(String(describing: error))")
        }
    }

    @Test func errorDescriptionReadsFileColonLine() {
        #expect(ConfigError(file: "themes/x.toml", line: 4, "bad").description == "themes/x.toml:4: bad")
        #expect(ConfigError(file: "x", "missing").description == "x: missing")
    }
}
