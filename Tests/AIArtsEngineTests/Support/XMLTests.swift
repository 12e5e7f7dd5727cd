import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct XMLTests {
    @Test func parsesElementsAttributesAndText() throws {
        let doc = try XML.parse("""
        \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
        <!-- made by a tool -->
        <annotation verified='yes' kind="voc">
          <filename>a &amp; b.jpg</filename>
          <size><width>640</width><height>480</height></size>
          <note><![CDATA[<raw> & stuff]]> tail</note>
          <?pi ignored?>
          <empty/>
          <char>&#65;&#x42;&lt;&gt;&quot;&apos;&#x4E2D;</char>
        </annotation>
        """)
        #expect(doc.name == "annotation")
        #expect(doc.attributes == ["verified": "yes", "kind": "voc"])
        #expect(doc.childText("filename") == "a & b.jpg")
        #expect(doc.child("size")?.childText("width") == "640")
        #expect(doc.childText("note") == "<raw> & stuff tail")
        #expect(doc.child("empty")?.children.isEmpty == true)
        #expect(doc.childText("char") == "AB<>\"'中")
        #expect(doc.childText("missing") == nil)
        #expect(doc.child("size")?.line == 5)
    }

    @Test func mismatchedTagReportsLineAndColumn() {
        let text = "<annotation>\n  <object>\n    <bndbox>\n      <xmin>1\n    </bndbox>\n  </object>\n</annotation>\n"
        #expect(throws: XMLError(line: 5, column: 5, message: "closing tag </bndbox> does not match <xmin>")) {
            try XML.parse(text)
        }
        do { _ = try XML.parse(text) } catch {
            #expect(error.description == "line 5, column 5: closing tag </bndbox> does not match <xmin>")
        }
    }

    @Test func doctypeIsSkippedAndEntitiesAreNotExpanded() throws {
        let doc = try XML.parse("""
        <?xml version="1.0"?>
        <!DOCTYPE lolz [ <!ENTITY lol "lol"> <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ELEMENT a (#PCDATA)> ]>
        <a>ok</a>
        """)
        #expect(doc.text == "ok")
        #expect(throws: XMLError.self) { try XML.parse("<!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><a>&xxe;</a>") }
        do { _ = try XML.parse("<a>&lol;</a>") } catch {
            #expect(error.message.contains("unknown entity &lol;"))
        }
    }

    @Test func depthIsLimited() {
        let deep = String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300)
        #expect(throws: XMLError.self) { try XML.parse(deep) }
        #expect((try? XML.parse(deep, maxDepth: 400)) != nil)
    }

    @Test func malformedInputsFailWithPositions() {
        let cases: [(String, String)] = [
            ("", "no root element"),
            ("<a>", "file ends inside <a>"),
            ("<a b=c/>", "must be in quotes"),
            ("<a b='1' b='2'/>", "appears twice"),
            ("<a>x & y</a>", "'&' must start an entity"),
            ("<a></a><b/>", "content after the end"),
            ("<a><!-- open</a>", "comment is never closed"),
            ("<a>&#0;</a>", "not a valid character"),
        ]
        for (text, expected) in cases {
            do {
                _ = try XML.parse(text)
                Issue.record("expected failure for \(text)")
            } catch {
                #expect(error.message.contains(expected), "\(text): \(error)")
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }

    @Test func crlfCountsOneLine() {
        do { _ = try XML.parse("<a>\r\n<b>\r\n</a>") } catch {
            #expect(error.line == 3)
        }
    }

    @Test func escapeRoundTrips() throws {
        let raw = "<x> & \"q\" 'a' 中"
        let doc = try XML.parse("<a k=\"\(XML.escape(raw))\">\(XML.escape(raw))</a>")
        #expect(doc.text == raw)
        #expect(doc.attributes["k"] == raw)
    }

    /// Element lines used to be found by rescanning from the start of the file (quadratic); they are now
    /// counted in one pass. Every element's line must still be right, across LF, CRLF and lone CR ends.
    @Test func linesOfManyElementsAreExact() throws {
        var text = "<annotation>\n"
        var expected: [Int] = []
        var line = 2
        let ends = ["\n", "\r\n", "\r"]
        for i in 0..<10_000 {
            let end = ends[i % 3]
            expected.append(line)
            text += "<object><name>c\(i)</name>\(end)<x>\(i)</x></object>\(end)"
            line += 2
        }
        text += "</annotation>\n"
        let doc = try XML.parse(text)
        let objects = doc.children(named: "object")
        #expect(objects.count == 10_000)
        #expect(objects.map(\.line) == expected)
        #expect(objects.map { $0.child("x")?.line ?? 0 } == expected.map { $0 + 1 })
        #expect(objects.enumerated().allSatisfy { $0.element.childText("name") == "c\($0.offset)" })
    }
}

@Suite struct XMLChildTextTests {
    /// childText trims ASCII padding itself and Unicode spaces the general way, keeping what is inside.
    @Test func trimsAsBefore() throws {
        let doc = try XML.parse("<a><b>  x y\t\n</b><c>\u{3000}猫 é\u{3000}</c><d> \n </d><e>é</e><f></f><g> 中 </g></a>")
        #expect(doc.childText("b") == "x y")
        #expect(doc.childText("c") == "猫 é")
        #expect(doc.childText("d") == "")
        #expect(doc.childText("e") == "é")
        #expect(doc.childText("f") == "")
        #expect(doc.childText("g") == "中")
        #expect(doc.childText("h") == nil)
    }
}
