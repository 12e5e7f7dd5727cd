import AIArtsRender
import Dispatch
import Foundation
import Testing
import TestSupport
@testable import AIArtsTUI

/// Runs a Home app on a TestBackend in a background thread, the way runHomeUI runs it on a terminal.
private final class Session: @unchecked Sendable {
    let backend: TestBackend
    private let done = DispatchSemaphore(value: 0)
    private(set) var final: HomeApp?

    init(width: Int = 80, height: Int = 24, app: (@escaping @Sendable () -> HomeMessage) -> HomeApp = { HomeApp(load: $0) },
         load: @escaping @Sendable () -> HomeMessage) {
        backend = TestBackend(width: width, height: height)
        let backend = self.backend
        nonisolated(unsafe) let program = app(load)
        Thread {
            let result = Runtime(program: program, backend: backend).run()
            self.final = result
            self.done.signal()
        }.start()
    }

    /// Waits (up to 5 s) until some line of the screen contains `text`.
    func waitFor(_ text: String) -> Bool {
        waitUntil { backend.lines().contains(where: { $0.contains(text) }) }
    }

    func waitForExit() -> Bool { done.wait(timeout: .now() + 5) == .success }
}

@Suite struct RuntimeTests {
    /// A watch posts messages from its own thread until the loop stops it (here: on quit).
    @Test func watchesPostUntilTheLoopStopsThem() {
        final class Flag: @unchecked Sendable { var stopped = false }
        let flag = Flag()
        let session = Session(width: 120, height: 40, app: { load in
            HomeApp(watchCurves: { id, post in
                let curve = Curve(name: "loss", steps: [1, 2, 3], epochs: [1, 1, 1], times: [1, 2, 3], values: [3, 2, 1])
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { post(.curvesLoaded(CurveData(taskID: id, curves: [curve]))) }
                return { flag.stopped = true }
            }, load: load)
        }) { .loaded(sampleState().data!) }
        #expect(session.waitFor("● loss 1"))
        #expect(!flag.stopped)
        session.backend.press(.char("q"))
        #expect(session.waitForExit())
        #expect(flag.stopped)
    }

    /// Fifty posts in half a second make a few frames, not fifty; the last one is on screen.
    @Test func backgroundPostsAreDrawnAtMostTwiceASecond() {
        let session = Session(width: 120, height: 40, app: { load in
            HomeApp(watchCurves: { id, post in
                DispatchQueue.global().async {
                    for i in 1...50 {
                        let curve = Curve(name: "loss", steps: [1, 2], epochs: [1, 1], times: [1, 2], values: [3, Double(i)])
                        post(.curvesLoaded(CurveData(taskID: id, curves: [curve])))
                        usleep(10_000)
                    }
                }
                return {}
            }, load: load)
        }) { .loaded(sampleState().data!) }
        #expect(session.waitFor("● loss 50"))
        #expect(session.backend.flushes < 10)
        session.backend.press(.char("q"))
        #expect(session.waitForExit())
    }

    @Test func loadsInTheBackgroundThenReactsToKeysAndQuits() {
        let session = Session { usleep(20_000); return .loaded(sampleState().data!) }
        #expect(session.waitFor("loading…"))
        #expect(session.waitFor("D0001 shapes ─"))
        session.backend.press(.char("j"))
        #expect(session.waitFor("D0002 猫と犬"))
        session.backend.press(.char("q"))
        #expect(session.waitForExit())
        #expect(session.final?.state.home.datasets.selected == 1)
    }

    @Test func theScreenMatchesAFreshRenderAfterDiffs() {
        let session = Session { .loaded(sampleState().data!) }
        #expect(session.waitFor("D0001 shapes ─"))
        session.backend.press(.char("j"), .tab, .char("?"))
        #expect(session.waitFor("next / previous pane"))
        var expected = sampleState()
        expected.home.datasets.selected = 1
        expected.home.focus = .detail
        expected.showHelp = true
        #expect(session.backend.lines() == HomeView.render(expected, size: Size(width: 80, height: 24)).lines())
        session.backend.press(.interrupt)
        #expect(session.waitForExit())
    }

    @Test func idleLoopDrawsNothing() {
        let session = Session { .loaded(sampleState().data!) }
        #expect(session.waitFor("D0001 shapes ─"))
        #expect(waitUntil { session.backend.isIdle })
        // Asleep in poll() with no timeout: nothing wakes it. (A window is the only way to see that
        // nothing happens; it is not what the rest of the test waits on.)
        let flushes = session.backend.flushes, sleeps = session.backend.sleepCount
        usleep(200_000)
        #expect(session.backend.flushes == flushes)
        #expect(session.backend.sleepCount == sleeps)
        // A key that changes nothing writes no cells either: once the loop has handled it and gone back
        // to sleep, the count is what it was.
        let written = session.backend.cellsWritten
        session.backend.press(.char("k"))
        #expect(waitUntil { session.backend.isIdle && session.backend.sleepCount > sleeps })
        #expect(session.backend.cellsWritten == written)
        session.backend.press(.char("q"))
        #expect(session.waitForExit())
    }

    @Test func resizeRedrawsAtTheNewSize() {
        let session = Session { .loaded(sampleState().data!) }
        #expect(session.waitFor("D0001 shapes ─"))
        session.backend.resize(width: 40, height: 10)
        #expect(session.waitFor("Terminal too small"))
        session.backend.resize(width: 100, height: 30)
        #expect(session.waitFor("D0001 shapes ─"))
        #expect(session.backend.lines().count == 30)
        session.backend.press(.char("q"))
        #expect(session.waitForExit())
    }
}

@Suite struct TerminalTests {
    @Test func colorDepthFollowsTheEnvironment() {
        #expect(ColorDepth.detect(["TERM": "xterm-256color", "NO_COLOR": "1"]) == .none)
        #expect(ColorDepth.detect(["TERM": "xterm-256color", "NO_COLOR": ""]) == .ansi256)
        #expect(ColorDepth.detect(["TERM": "dumb", "COLORTERM": "truecolor"]) == .none)
        #expect(ColorDepth.detect(["TERM": "xterm", "COLORTERM": "24bit"]) == .truecolor)
        #expect(ColorDepth.detect(["TERM": "screen-256color"]) == .ansi256)
        #expect(ColorDepth.detect(["TERM": "vt100"]) == .ansi8)
        #expect(ColorDepth.detect([:]) == .none)
    }

    @Test func ncursesKeysMapToKeys() {
        #expect(NcursesBackend.characterKey(9) == .tab)
        #expect(NcursesBackend.characterKey(13) == .enter)
        #expect(NcursesBackend.characterKey(27) == .esc)
        #expect(NcursesBackend.characterKey(18) == .ctrl("r"))
        #expect(NcursesBackend.characterKey(0x732B) == .char("猫"))
        #expect(NcursesBackend.functionKey(0o403) == .up)      // KEY_UP
        #expect(NcursesBackend.functionKey(0o541) == .backtab) // KEY_BTAB
        #expect(NcursesBackend.functionKey(0o632) == .resize)  // KEY_RESIZE
        #expect(NcursesBackend.functionKey(0o410 + 1) == .function(1))
    }
}

@Suite struct AsciiFallbackTests {
    @Test func commonSymbolsHaveAsciiStandIns() {
        #expect(NcursesBackend.asciiFallback("…") == "~")
        #expect(NcursesBackend.asciiFallback("┏") == "+")
        #expect(NcursesBackend.asciiFallback("a") == "a")
        #expect(NcursesBackend.asciiFallback("猫") == "猫")  // drawn as "?" by the width check
    }
}
