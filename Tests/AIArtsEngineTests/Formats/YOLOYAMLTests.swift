import Foundation
import Testing
@testable import AIArtsEngine

/// data.yaml read through Yams: what ultralytics and Roboflow files use, and the guards for untrusted files.
@Suite struct YOLOYAMLTests {
    @Test func plainDataYAML() throws {
        let doc = try YOLOYAML.parse("""
        \u{FEFF}# comment
        path: ../datasets/coco8  # trailing comment
        train: 'images/train'
        val: "images/va#l"
        test:
        nc: 3
        names: [person, 'big car',
          "a \\"q\\""]
        other:
        - x
        - y
        nested:
          0: zero
          1: one
        """)
        #expect(doc["path"]?.string == "../datasets/coco8")
        #expect(doc["train"]?.string == "images/train")
        #expect(doc["val"]?.string == "images/va#l")
        #expect(doc["test"]?.string == "")  // null reads as empty
        #expect(doc["names"] == .list([.scalar("person"), .scalar("big car"), .scalar("a \"q\"")]))
        #expect(doc["other"] == .list([.scalar("x"), .scalar("y")]))
        #expect(doc["nested"]?["1"]?.string == "one")
        #expect(doc.line(of: "nc") == 6)
        #expect(try YOLOYAML.parse("names: {0: a, 1: 'b: c'}")["names"]?["1"]?.string == "b: c")
        #expect(try YOLOYAML.parse("")  == .map([]))
    }

    /// ultralytics' coco.yaml carries its download script as a block scalar; the old reader kept it "roughly".
    @Test func blockScalarsAnchorsAliasesAndMergeKeys() throws {
        let doc = try YOLOYAML.parse("""
        base: &paths
          train: images/train
          val: images/val
        <<: *paths
        val: images/minival
        names: &classes [cat, dog]
        same_names: *classes
        download: |
          # a comment inside the script is script
          urls = [f"{url}coco2017labels.zip"]

            segments: True
        summary: >-
          folded
          text
        """)
        #expect(doc["train"]?.string == "images/train")   // merged from base
        #expect(doc["val"]?.string == "images/minival")   // an own key wins over the merge
        #expect(doc["same_names"] == doc["names"])
        #expect(doc["names"] == .list([.scalar("cat"), .scalar("dog")]))
        #expect(doc["download"]?.string == "# a comment inside the script is script\nurls = [f\"{url}coco2017labels.zip\"]\n\n  segments: True\n")
        #expect(doc["summary"]?.string == "folded text")
    }

    @Test func brokenYAMLNamesItsLine() throws {
        for (text, line) in [("train: x\nnames: [a, b\nval: y\n", 3), ("train: x\n\tval: y\n", 2), ("a: 1\n   b: 2\n", 2),
                             ("train: x\nnames: [a\u{1}b]\n", 2), ("train: x\nnames: *nowhere\n", 2)] {
            #expect { try YOLOYAML.parse(text) } throws: { ($0 as? YOLOYAML.Failure)?.line == line }
        }
        #expect { try YOLOYAML.parse("train: a\nval: b\ntrain: c\n") } throws: {
            "\($0)".contains("'train' appears more than once")
        }
        let f = try FormatFixture()
        try f.write("data.yaml", "train: images\nnames: [cat, dog\n")
        try f.write("images/a.png", pngHeader(width: 10, height: 10))
        #expect { try YOLOParser().parse(root: f.root, type: .detection) } throws: {
            "\($0)".hasPrefix("data.yaml line 3: did not find expected ',' or ']'")
        }
    }

    /// Found by scripts/fuzz.sh (yolo-yaml): "names: ['cat',[[[[…" 16 000 deep overflowed the stack of the
    /// hand-written reader. Yams recurses once per level too, and libyaml's own limit (1000 levels) was measured
    /// here to overflow a 512 KiB stack (the size of a Dispatch or secondary thread's) in a debug build, so the
    /// guard refuses more than 64 levels before Yams sees the text. On such a thread: the deepest flow nesting
    /// let through, and block nesting that the guard counts at half its depth (maps and lists alternating at one
    /// indentation), are read without a crash; 999 levels, flow or block, are refused.
    @Test func deepNestingIsAnErrorNotAStackOverflow() throws {
        let text = "names: ['cat'," + String(repeating: "[", count: 16_000) + "\n"
        #expect { try YOLOYAML.parse(text) } throws: { "\($0)" == "line 1: lists and maps nest deeper than 64 levels" }
        #expect { try YOLOYAML.parse("names: " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) } throws: {
            "\($0)".contains("nest deeper than 64")
        }
        #expect(throws: Never.self) { try YOLOYAML.parse("names: [[a, [b]], {c: [d]}]") }
        let texts = [
            "names: " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63),
            "k0:\n" + (1..<64).map { String(repeating: "  ", count: $0 - 1) + "- k\($0):" }.joined(separator: "\n") + " x\n",
            "names: " + String(repeating: "[", count: 999) + String(repeating: "]", count: 999),
            (0..<999).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " x\n",
            String(repeating: "- ", count: 999) + "x\n",
        ]
        let results = ThreadResults()
        let thread = Thread {
            for text in texts {
                do { _ = try YOLOYAML.parse(text); results.append("parsed") } catch { results.append("\(error)") }
            }
            results.finish()
        }
        thread.stackSize = 512 << 10
        thread.start()
        results.wait()
        #expect(results.items.count == texts.count)
        #expect(results.items.first == "parsed")
        #expect(results.items.dropFirst().allSatisfy { $0.contains("lists and maps nest deeper than 64 levels") })
        let f = try FormatFixture()
        try f.write("data.yaml", text)
        #expect { try YOLOParser().parse(root: f.root, type: .detection) } throws: {
            "\($0)" == "data.yaml line 1: lists and maps nest deeper than 64 levels; fix it in a text editor"
        }
    }

    /// "Billion laughs": nine levels of ten aliases each would be 10^9 values.
    @Test func aliasExpansionIsBounded() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let clock = ContinuousClock()
        let start = clock.now
        #expect { try YOLOYAML.parse(text + "names: *a9\n") } throws: { "\($0)".contains("aliases expand to more than 1000000 values") }
        #expect(clock.now - start < .seconds(10))
    }

    @Test func keysThatAreListsMapsOrAliasesAreRefused() throws {
        for (text, line) in [("? [a, b]\n: c\n", 1), ("train: x\n[a, b]: c\n", 2), ("{a: b}: c\n", 1), ("names: {[a]: b}\n", 1),
                             ("x: &x [a]\n*x : b\n", 2), ("names: [a,\n  b]: c\n", 2)] {
            #expect { try YOLOYAML.parse(text) } throws: {
                ($0 as? YOLOYAML.Failure)?.line == line && "\($0)".contains("is used as a map key")
            }
        }
        // The same characters in scripts, quotes, comments, URLs and plain words are not keys.
        let doc = try YOLOYAML.parse("""
        download: |
          x = [1]: 2
          *y: 3
          ? q
        url: http://[::1]:8080/a.zip  # [a]: b
        names: ['[a]: b', "*x: y", a*b, what?]
        train: images
        """)
        #expect(doc["download"]?.string == "x = [1]: 2\n*y: 3\n? q\n")
        #expect(doc["url"]?.string == "http://[::1]:8080/a.zip")
        #expect(doc["names"] == .list([.scalar("[a]: b"), .scalar("*x: y"), .scalar("a*b"), .scalar("what?")]))
        #expect(doc["train"]?.string == "images")
    }
}

/// Collects what a thread reports and lets the test wait for it.
final class ThreadResults: @unchecked Sendable {
    private let lock = NSCondition()
    private var done = false
    private(set) var items: [String] = []

    func append(_ item: String) { lock.lock(); items.append(item); lock.unlock() }
    func finish() { lock.lock(); done = true; lock.signal(); lock.unlock() }
    func wait() { lock.lock(); while !done { lock.wait() }; lock.unlock() }
}
