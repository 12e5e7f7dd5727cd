import Testing
@testable import AIArtsRender

@Suite struct SparklineTests {
    @Test func levelsFromLowestToFullBar() {
        var b = Buffer(width: 9, height: 1)
        b.render(Sparkline(values: (0...8).map(Double.init), max: 8), in: b.area)
        #expect(b.lines() == ["▁▁▂▃▄▅▆▇█"])
    }

    @Test func newestValuesAtTheRightAndGapsForMissingSamples() {
        var b = Buffer(width: 4, height: 1)
        b.render(Sparkline(values: [100, 100, 50, .nan, 100], max: 100), in: b.area)
        #expect(b.lines() == ["█▄ █"])
        var short = Buffer(width: 5, height: 1)
        short.render(Sparkline(values: [100], max: 100), in: short.area)
        #expect(short.lines() == ["    █"])
    }

    @Test func tallerSparklinesStackEighths() {
        var b = Buffer(width: 3, height: 2)
        b.render(Sparkline(values: [25, 50, 100], max: 100), in: b.area)
        #expect(b.lines() == ["  █", "▄██"])
    }

    @Test func asciiLevels() {
        var b = Buffer(width: 4, height: 1)
        b.render(Sparkline(values: [0, 25, 75, 100], max: 100, ascii: true), in: b.area)
        #expect(b.lines() == ["_.+#"])
    }
}
