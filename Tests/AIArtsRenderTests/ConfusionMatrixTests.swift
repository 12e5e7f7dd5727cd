import Testing
@testable import AIArtsRender

/// The confusion matrix the task screen draws and `aiarts task eval` prints.
@Suite struct ConfusionMatrixTests {
    static func draw(_ matrix: ConfusionMatrix, width: Int? = nil) -> Buffer {
        var buffer = Buffer(width: width ?? matrix.size.width, height: matrix.size.height)
        buffer.render(matrix, in: buffer.area)
        return buffer
    }

    @Test func rowsAreTrueClassesColumnsPredictedOnes() {
        let matrix = ConfusionMatrix(labels: ["circle", "square", "triangle"], counts: [[13, 4, 3], [10, 8, 2], [8, 1, 11]])
        #expect(matrix.size == Size(width: 9 + 3 * 5, height: 4))
        #expect(Self.draw(matrix).plainLines() == [
            "true\\pred cir… squ… tri…",
            "circle      13    4    3",
            "square      10    8    2",
            "triangle     8    1   11",
        ])
    }

    @Test func bigCountsWidenTheCellsAndLongLabelsAreCut() {
        let matrix = ConfusionMatrix(labels: ["a very long label name", "b"], counts: [[123456, 0], [7, 89]])
        #expect(matrix.labelWidth == 12 && matrix.cellWidth == 7)
        #expect(Self.draw(matrix).plainLines() == [
            "true\\pred    a ver… b",
            "a very long… 123456      0",
            "b                 7     89",
        ])
    }

    @Test func columnsThatDoNotFitAreLeftOutFromTheRight() {
        let matrix = ConfusionMatrix(labels: ["a", "b", "c"], counts: [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
        #expect(Self.draw(matrix, width: 9 + 2 * 5 + 3).plainLines() == [
            "true\\pred a    b",
            "a            1    2",
            "b            4    5",
            "c            7    8",
        ])
    }

    @Test func eachCountIsStyledByItsShareOfTheRow() {
        let matrix = ConfusionMatrix(labels: ["a", "b"], counts: [[3, 1], [0, 4]],
                                     heat: { $0 >= 0.75 ? Style(modifiers: .reverse) : $0 > 0 ? Style(modifiers: .bold) : .plain })
        let buffer = Self.draw(matrix)
        #expect(buffer[13, 1].style == Style(modifiers: .reverse))  // 3 of 4
        #expect(buffer[18, 1].style == Style(modifiers: .bold))     // 1 of 4
        #expect(buffer[13, 2].style == .plain)                      // 0 of 4
        #expect(buffer[18, 2].style == Style(modifiers: .reverse))  // 4 of 4
    }

    @Test func hostileLabelsAreSanitized() {
        let matrix = ConfusionMatrix(labels: ["x\u{1B}]0;t\u{07}y"], counts: [[1]])
        #expect(!Self.draw(matrix).plainLines().joined().contains("\u{1B}"))
    }

    @Test func plainLinesDropTrailingBlanks() {
        var buffer = Buffer(width: 6, height: 2)
        buffer.set(x: 0, y: 0, string: "ab")
        #expect(buffer.plainLines() == ["ab", ""])
        #expect(Table.contentWidths(header: ["A", "LONGER"], rows: [["wide cell", "x"]], minimum: [1: 10]) == [9, 10])
        #expect(Table.totalWidth([9, 10], spacing: 2) == 21)
    }
}
