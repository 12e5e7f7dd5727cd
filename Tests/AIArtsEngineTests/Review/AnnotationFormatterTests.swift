import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct AnnotationFormatterTests {
    @Test func readsTagsAttributesAndFreeText() throws {
        let f = try AnnotationFormatter.parse("""
            [{"name": "car", "description": "any car", "attributes": [{"name": "occluded", "values": ["yes", "no"]}, {"name": "note", "values": []}]},
             {"name": "行人"}]
            """)
        #expect(f.tags.map(\.name) == ["car", "行人"])
        #expect(f.tags[0].description == "any car")
        #expect(f.tags[0].attributes.map(\.name) == ["occluded", "note"])
        #expect(f.tags[0].attributes[1].isFreeText)
        #expect(f.tags[1].attributes.isEmpty && f.tags[1].description == "")
    }

    @Test func acceptsAnObjectHoldingTags() throws {
        let f = try AnnotationFormatter.parse(#"{"tags": [{"name": "cat", "attributes": [{"name": "pose"}]}]}"#)
        #expect(f.tags.first?.attributes.first?.isFreeText == true)
    }

    @Test func roundTripsThroughItsJSON() throws {
        let f = try AnnotationFormatter.parse(#"[{"name": "car", "attributes": [{"name": "color", "values": ["red", "blue"]}]}]"#)
        let data = try JSONEncoder().encode(f)
        #expect(try JSONDecoder().decode(AnnotationFormatter.self, from: data) == f)
        #expect(try AnnotationFormatter.parse(String(decoding: data, as: UTF8.self)) == f)
    }

    @Test(arguments: [
        ("", "not valid JSON"),
        ("[{\"name\": \"a\"}", "not valid JSON"),
        ("42", "must be a JSON array"),
        ("{\"name\": \"car\"}", "must be a JSON array"),
        ("[]", "no tags"),
        ("[\"car\"]", "tag 1 is not an object"),
        ("[{\"description\": \"x\"}]", "has no 'name'"),
        ("[{\"name\": 7}]", "'name' of formatter tag 1 must be a string"),
        ("[{\"name\": \"  \"}]", "is empty"),
        ("[{\"name\": \"a\"}, {\"name\": \"a\"}]", "names tag 'a' twice"),
        ("[{\"name\": \"a\", \"attributes\": [{\"name\": \"x\"}, {\"name\": \"x\"}]}]", "names attribute 'x' twice"),
        ("[{\"name\": \"a\", \"attributes\": {\"name\": \"x\"}}]", "must be an array"),
        ("[{\"name\": \"a\", \"attributes\": [{\"name\": \"\"}]}]", "is empty"),
        ("[{\"name\": \"a\", \"attributes\": [{\"name\": \"x\", \"values\": \"yes\"}]}]", "must be an array of strings"),
        ("[{\"name\": \"a\", \"attributes\": [{\"name\": \"x\", \"values\": [1]}]}]", "is not a string"),
        ("[{\"name\": \"a\", \"attributes\": [{\"name\": \"x\", \"values\": [\"y\", \"y\"]}]}]", "lists the value 'y' twice"),
        ("[{\"name\": \"a\", \"attributes\": [{\"name\": \"x\", \"values\": [\"\"]}]}]", "is empty"),
        ("[{\"name\": \"a\\u001b[31m\"}]", "control character"),
        ("[{\"name\": \"a\", \"attributs\": []}]", "unknown field 'attributs'"),
    ])
    func refusesBadFormattersWithAClearError(text: String, expected: String) {
        do {
            _ = try AnnotationFormatter.parse(text)
            Issue.record("accepted \(text)")
        } catch let error as AIArtsError {
            #expect(error.message.contains(expected), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func refusesDeepOrHugeInputWithoutCrashing() {
        #expect(throws: AIArtsError.self) { try AnnotationFormatter.parse(String(repeating: "[", count: 100_000)) }
        #expect(throws: AIArtsError.self) { try AnnotationFormatter.parse("[" + String(repeating: " ", count: AnnotationFormatter.maxBytes) + "]") }
    }

    @Test func loadsFromAFileOrInlineText() throws {
        let folder = TempFolder()
        let file = folder.write("formatter.json", #"[{"name": "car"}]"#)
        #expect(try AnnotationFormatter.load(fileOrJSON: file.path).tags.map(\.name) == ["car"])
        #expect(try AnnotationFormatter.load(fileOrJSON: #"  [{"name": "bus"}]"#).tags.map(\.name) == ["bus"])
        #expect(throws: AIArtsError.self) { try AnnotationFormatter.load(fileOrJSON: folder.path("missing.json").path) }
        let bad = folder.write("bad.json", "[{}]")
        do {
            _ = try AnnotationFormatter.load(fileOrJSON: bad.path)
            Issue.record("accepted a tag without a name")
        } catch let error as AIArtsError {
            #expect(error.message.hasPrefix(bad.path))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func checksValuesAgainstTheTagsAttributes() throws {
        let f = try AnnotationFormatter.parse(#"[{"name": "car", "attributes": [{"name": "color", "values": ["red", "blue"]}, {"name": "note"}]}]"#)
        try f.check(tag: "car", attribute: "color", value: "red")
        try f.check(tag: "car", attribute: "note", value: "parked, half hidden — 停着")
        #expect(throws: AIArtsError.self) { try f.check(tag: "car", attribute: "color", value: "green") }
        #expect(throws: AIArtsError.self) { try f.check(tag: "bus", attribute: "color", value: "red") }
        #expect(throws: AIArtsError.self) { try f.check(tag: "car", attribute: "size", value: "big") }
        #expect(throws: AIArtsError.self) { try f.check(tag: "car", attribute: "note", value: "bell\u{7}") }
        #expect(throws: AIArtsError.self) { try f.check(tag: "car", attribute: "note", value: "two\nlines") }
        #expect(throws: AIArtsError.self) {
            try f.check(tag: "car", attribute: "note", value: String(repeating: "x", count: AnnotationFormatter.maxValueBytes + 1))
        }
    }
}
