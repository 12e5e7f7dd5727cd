import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(text) }

    private func error(_ text: String, maxDepth: Int = 512) -> JSONParseError? {
        do {
            _ = try JSONDocument(string: text, maxDepth: maxDepth)
            return nil
        } catch {
            return error
        }
    }

    @Test func scalarsAndContainers() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([]))
        #expect(try parse(#"{"a": [1, {"b": null}], "c": "d"}"#)
            == .object([("a", .array([.number(1), .object([("b", .null)])])), ("c", .string("d"))]))
    }

    @Test func objectMembersKeepOrderAndDuplicates() throws {
        let doc = try JSONDocument(string: #"{"z": 1, "a": 2, "z": 3}"#)
        #expect(doc.root.members.map(\.key) == ["z", "a", "z"])
        #expect(doc.root["z"]?.int == 1)  // the first of repeated keys
        #expect(doc.root["a"]?.int == 2)
        #expect(doc.root["missing"] == nil)
        #expect(doc.root.count == 3)
    }

    @Test func numbers() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("12", 12), ("-12", -12), ("3.25", 3.25), ("-0.5", -0.5),
            ("1e3", 1000), ("1E+3", 1000), ("2.5e-3", 0.0025), ("-1.5E2", -150),
            ("123456789012345678901234567890", 123456789012345678901234567890.0),
            ("1.7976931348623157e308", 1.7976931348623157e308), ("5e-324", Double("5e-324")!),
            ("0.1", 0.1), ("0.30000000000000004", 0.30000000000000004), ("9007199254740993", Double("9007199254740993")!),
            ("1e-7", 1e-7), ("123.456e10", 123.456e10),
        ]
        for (text, expected) in cases {
            let value = try JSONDocument(string: text).root.double
            #expect(value == expected, "\(text)")
            #expect(value?.sign == expected.sign, "\(text)")
        }
        #expect(try JSONDocument(string: "42").root.int == 42)
        #expect(try JSONDocument(string: "4.5").root.int == nil)
        #expect(try JSONDocument(string: "-7").root.int64 == -7)
    }

    @Test func invalidNumbers() {
        for text in ["01", "-", "1.", ".5", "1e", "1e+", "+1", "NaN", "Infinity", "-Infinity", "[1, NaN]", "1e400"] {
            #expect(error(text) != nil, "\(text) should be rejected")
        }
        #expect(error("NaN")?.message.contains("NaN") == true)
        #expect(error("[-Infinity]")?.message.contains("Infinity") == true)
    }

    @Test func stringEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u00e9\u4e2d""#) == .string("é中"))
        #expect(try parse(#""plain ünïcødé 中文""#) == .string("plain ünïcødé 中文"))
        // A surrogate pair is one scalar; lone surrogates become U+FFFD rather than failing the file.
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""x\ud83dy""#) == .string("x\u{FFFD}y"))
        #expect(try parse(#""\ude00""#) == .string("\u{FFFD}"))
        #expect(try parse(#""""#) == .string(""))
        // Escaped keys are found by subscript too.
        #expect(try JSONDocument(string: #"{"k\u0065y": 5}"#).root["key"]?.int == 5)
    }

    @Test func invalidStrings() {
        #expect(error(#""abc"#)?.message == "unterminated string")
        #expect(error(#""a\qb""#)?.message.contains("invalid escape") == true)
        #expect(error(#""\u12G4""#)?.message.contains("\\u") == true)
        #expect(error("\"a\nb\"")?.message.contains("control character") == true)
    }

    @Test func errorPositions() {
        let text = "{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}"
        let e = error(text)
        #expect(e?.line == 4)
        #expect(e?.column == 3)
        #expect(e?.message == "expected ',' or '}' after object member")
        #expect(e?.description == "line 4, column 3: expected ',' or '}' after object member")

        let array = error("[1, 2\n, 3 4]")
        #expect(array?.line == 2 && array?.column == 5)
        #expect(array?.message == "expected ',' or ']' after array element")

        // Columns count characters, not bytes.
        let unicode = error("[\"中文\" x]")
        #expect(unicode?.column == 7)

        #expect(error(#"{"a" 1}"#)?.message == "expected ':' after object key")
        #expect(error(#"{"a": 1,}"#)?.message == "trailing comma before '}'")
        #expect(error("{a: 1}")?.message.contains("string key") == true)
        #expect(error("")?.message.contains("empty input") == true)
        #expect(error("[1, 2")?.message.contains("end of input") == true)
        #expect(error("tru")?.message.contains("true") == true)
    }

    @Test func trailingGarbage() {
        let e = error("{\"a\": 1} x")
        #expect(e?.message == "unexpected 'x' after the JSON value")
        #expect(e?.column == 10)
        #expect(error("[1] [2]") != nil)
        #expect(error("1 2") != nil)
        #expect(error("  [1]  \n ") == nil)
    }

    @Test func depthLimit() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(error(deep)?.message == "nesting deeper than 512 levels")
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(error(ok) == nil)
        // Far beyond any stack: still an error, not a crash (the parser does not recurse).
        let huge = String(repeating: "{\"a\":", count: 100_000)
        #expect(error(huge, maxDepth: 1_000_000)?.message.contains("end of input") == true)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let doc = try JSONDocument(bytes: [0xEF, 0xBB, 0xBF] + Array("[1]".utf8))
        #expect(doc.root.count == 1)
    }

    @Test func lineIndex() throws {
        let doc = try JSONDocument(string: "[\n  {\"a\": 1},\n\n  {\"b\": 2}\n]")
        let lines = doc.lineIndex()
        let offsets = doc.root.elements.map { $0.offset! }
        #expect(offsets.map { lines.line(at: $0) } == [2, 4])
    }

    @Test func elementAccess() throws {
        let doc = try JSONDocument(string: "[[1, 2], {\"x\": [3]}, 4.5, \"s\"]")
        #expect(doc.root[0]?.doubles == [1, 2])
        #expect(doc.root[1]?["x"]?[0]?.int == 3)
        #expect(doc.root[2]?.double == 4.5)
        #expect(doc.root[3]?.string == "s")
        #expect(doc.root[4] == nil)
        #expect(doc.root[0]?.string == nil)
    }
}

@Suite struct JSONWriterTests {
    @Test func escapesAndRoundTrips() throws {
        let value = JSONValue.object([
            ("text", .string("quote \" backslash \\ newline \n tab \t bell \u{07} ü 😀")),
            ("numbers", .array([.number(0), .number(-3), .number(12.5), .number(1e-7), .number(1e300), .number(0.1)])),
            ("flags", .array([.bool(true), .bool(false), .null])),
            ("nested", .object([("empty", .array([])), ("obj", .object([]))])),
        ])
        for pretty in [false, true] {
            let text = value.serialized(pretty: pretty)
            #expect(try JSONValue.parse(text) == value)
        }
        let compact = value.serialized()
        #expect(compact.contains(#"\u0007"#))
        #expect(compact.contains(#"\n"#))
        #expect(compact.contains(#""numbers":[0,-3,12.5,"#))
    }

    @Test func integersHaveNoFraction() {
        var w = JSONWriter()
        w.beginArray(); w.number(3.0); w.number(-42); w.number(Int64.max); w.number(Double.nan); w.endArray()
        #expect(w.string == "[3,-42,9223372036854775807,null]")
    }

    @Test func prettyLayout() {
        var w = JSONWriter(pretty: true)
        w.beginObject(); w.member("a", 1); w.key("b"); w.beginArray(); w.endArray(); w.endObject()
        #expect(w.string == "{\n  \"a\": 1,\n  \"b\": []\n}")
    }
}
