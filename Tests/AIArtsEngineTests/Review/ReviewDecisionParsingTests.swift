import Foundation
import Testing
@testable import AIArtsEngine

/// `ReviewDecision(parsing:labels:)`: decisions written as words, and errors that say what is accepted.
@Suite struct ReviewDecisionParsingTests {
    static let labels = ["cat", "Dog", "bird"]

    static func parse(_ text: String) throws -> ReviewDecision {
        try ReviewDecision(parsing: text.split(separator: " ").map(String.init), labels: labels)
    }

    static func refusal(_ text: String) -> String? {
        do { _ = try parse(text); return nil } catch { return (error as? AIArtsError)?.message }
    }

    @Test func everyVerb() throws {
        #expect(try Self.parse("accept") == .accept)
        #expect(try Self.parse("FLAG") == .flag)
        #expect(try Self.parse("bad") == .markBad)
        #expect(try Self.parse("note blurry and dark") == .note("blurry and dark"))
        #expect(try Self.parse("class dog") == .setClass(1))
        #expect(try Self.parse("class 2") == .setClass(2))
        #expect(try Self.parse("box-class 17 cat") == .setBoxClass(annotationId: 17, labelIndex: 0))
        #expect(try Self.parse("delete-box 9") == .deleteBox(annotationId: 9))
        #expect(try Self.parse("move-box 9 -1.5 2 30 40") == .moveBox(annotationId: 9, Box(x: -1.5, y: 2, width: 30, height: 40)))
        #expect(try Self.parse("add-box bird 1 2 3 4") == .addBox(labelIndex: 2, Box(x: 1, y: 2, width: 3, height: 4)))
    }

    @Test func refusalsSayWhatIsAccepted() {
        #expect(Self.refusal("") == "name a decision: accept, flag, bad, note, class, box-class, delete-box, move-box, add-box")
        #expect(Self.refusal("approve") == "unknown decision approve; use accept, flag, bad, note, class, box-class, delete-box, move-box, add-box")
        #expect(Self.refusal("class cow") == "no label \"cow\"; the labels are 0 cat, 1 Dog, 2 bird")
        #expect(Self.refusal("class 3") == "no label \"3\"; the labels are 0 cat, 1 Dog, 2 bird")
        #expect(Self.refusal("class") == "usage: class LABEL")
        #expect(Self.refusal("accept now") == "usage: accept")
        #expect(Self.refusal("delete-box nine") == "nine is not an annotation id (a number, from `aiarts review queue`)")
        #expect(Self.refusal("move-box 9 1 2 3 x") == "a box is X Y W H in pixels, not 1 2 3 x")
        // A number that is not finite is no coordinate.
        #expect(Self.refusal("add-box cat 1 2 nan 4") == "a box is X Y W H in pixels, not 1 2 nan 4")
        #expect(Self.refusal("add-box cat 1 2 inf 4") == "a box is X Y W H in pixels, not 1 2 inf 4")
        #expect((try? ReviewDecision(parsing: ["class", "x"], labels: [])) == nil)
    }

    @Test func statusesParseAsPeopleTypeThem() throws {
        #expect(try ReviewFilterStatus(parsing: "Flagged") == .flagged)
        let error = #expect(throws: AIArtsError.self) { try ReviewFilterStatus(parsing: "done") }
        #expect(error?.message == "the status is one of unreviewed, reviewed, flagged, bad, changed, not done")
    }
}
