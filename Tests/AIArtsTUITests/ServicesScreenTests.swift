import AIArtsEngine
import AIArtsRender
@testable import AIArtsTUI
import Foundation
import Synchronization
import Testing

/// The Models screen's Services list (state, requests/s, latency, GPU memory; serve, stop, remove,
/// choose) and the dataset screen's prediction through a service, drawn over the image.
@Suite struct ServicesScreenTests {
    static let services = ServicesData(services: [
        .init(id: "S0001", model: "M0001:v1", backend: "builtin", state: "ready", message: "ready", url: "http://127.0.0.1:40123",
              requestsPerSecond: 12.5, p50Ms: 3.25, p99Ms: 9.75, gpuMemoryMiB: 512),
        .init(id: "S0002", model: "M0002:v3", backend: "onnx", state: "failed",
              message: "onnxruntime is not installed for /usr/bin/python3\u{1B}[31m: set AIARTS_PYTHON"),
    ])

    static let models = ModelsData(models: [
        .init(id: "M0001", name: "shapes", kind: "exported", type: "classification", source: "T0001 epoch 5", size: 18_000,
              versions: ["v1  aiarts-train  18 KB"]),
    ])

    /// Runs what the commands ask (background work and watches) until nothing is left, as the loop would.
    static func run(_ a: inout HomeApp, _ commands: [Command<HomeMessage>], watching: Shared<Set<String>>) {
        for command in commands {
            switch command {
            case .perform(let work): run(&a, a.update(work()), watching: watching)
            case .watch(let key, let start):
                watching.withLock { _ = $0.insert(key) }
                let posted = Mutex<[HomeMessage]>([])
                _ = start { message in posted.withLock { $0.append(message) } }
                for message in posted.withLock({ $0 }) { run(&a, a.update(message), watching: watching) }
            case .unwatch(let key): watching.withLock { _ = $0.remove(key) }
            default: break
            }
        }
    }

    static func app(calls: Shared<[String]>) -> HomeApp {
        var state = sampleState()
        state.size = Size(width: 140, height: 36)
        var a = HomeApp(state: state, loadModels: { .modelsLoaded(Self.models) }) { .loaded(sampleState().data!) }
        a.watchServices = { post in
            post(.servicesLoaded(Self.services))
            return {}
        }
        a.loadServices = { Self.services }
        a.serviceActions = ServiceActions(
            create: { id in calls.withLock { $0.append("create \(id)") }; return Notice(text: "S0003 is starting for \(id):v1", isError: false) },
            stop: { id in calls.withLock { $0.append("stop \(id)") }; return Notice(text: "\(id) stopped", isError: false) },
            remove: { id in calls.withLock { $0.append("remove \(id)") }; return Notice(text: "\(id) removed", isError: false) })
        return a
    }

    @Test func theServicesListShowsEachServicesFiguresAndIsWatchedOnlyWhileOpen() {
        let calls = Shared<[String]>([]), watching = Shared<Set<String>>([])
        var a = Self.app(calls: calls)
        Self.run(&a, a.update(.key(.char("M"))), watching: watching)
        #expect(watching.withLock { $0 }.contains("services"))
        let text = a.render(size: a.state.size).lines().joined(separator: "\n")
        #expect(text.contains("Services"))
        let row = a.render(size: a.state.size).lines().first { $0.contains("S0001") }
        #expect(row?.contains("M0001:v1") == true && row?.contains("ready") == true && row?.contains("12.5") == true, "\(row ?? "")")
        #expect(row?.contains("3.2") == true && row?.contains("9.8") == true && row?.contains("512 MiB") == true, "\(row ?? "")")
        #expect(row?.contains("http://127.0.0.1:40123") == true)
        // The failed one says why, its escape sequence made harmless.
        let failed = a.render(size: a.state.size).lines().first { $0.contains("S0002") } ?? ""
        #expect(failed.contains("failed") && failed.contains("onnxruntime is not installed") && !failed.contains("\u{1B}"))
        #expect(text.contains("M0001 versions"))

        _ = a.update(.key(.esc))
        Self.run(&a, [], watching: watching)
        #expect(a.state.modelsScreen == nil)
        let commands = a.update(.key(.char("M")))
        Self.run(&a, commands, watching: watching)
        Self.run(&a, a.update(.key(.esc)), watching: watching)
        #expect(!watching.withLock { $0 }.contains("services"), "the services are not read once the Models screen is closed")
    }

    @Test func serveStopRemoveAndChoose() {
        let calls = Shared<[String]>([]), watching = Shared<Set<String>>([])
        var a = Self.app(calls: calls)
        Self.run(&a, a.update(.key(.char("M"))), watching: watching)
        // s serves the selected model.
        Self.run(&a, a.update(.key(.char("s"))), watching: watching)
        #expect(calls.withLock { $0 } == ["create M0001"])
        #expect(a.state.notice?.text == "S0003 is starting for M0001:v1")
        // Tab to the services; x asks before stopping the selected one; n keeps it.
        Self.run(&a, a.update(.key(.tab)), watching: watching)
        #expect(a.state.modelsScreen?.servicesFocused == true)
        Self.run(&a, a.update(.key(.char("x"))), watching: watching)
        #expect(a.state.question?.onYes == .stopService("S0001"))
        Self.run(&a, a.update(.key(.char("n"))), watching: watching)
        #expect(calls.withLock { $0 } == ["create M0001"])
        Self.run(&a, a.update(.key(.char("x"))), watching: watching)
        Self.run(&a, a.update(.key(.char("y"))), watching: watching)
        #expect(calls.withLock { $0 }.last == "stop S0001" && a.state.notice?.text == "S0001 stopped")
        // A failed service cannot be stopped, only removed (after a yes).
        Self.run(&a, a.update(.key(.char("j"))), watching: watching)
        Self.run(&a, a.update(.key(.char("x"))), watching: watching)
        #expect(a.state.question == nil && a.state.notice?.isError == true)
        Self.run(&a, a.update(.key(.char("D"))), watching: watching)
        #expect(a.state.question?.onYes == .removeService("S0002"))
        Self.run(&a, a.update(.key(.char("y"))), watching: watching)
        #expect(calls.withLock { $0 }.last == "remove S0002")
        // Enter chooses the service that the dataset screen's predictions go to.
        Self.run(&a, a.update(.key(.char("k"))), watching: watching)
        Self.run(&a, a.update(.key(.enter)), watching: watching)
        #expect(a.state.chosenService == "S0001")
        #expect(a.render(size: a.state.size).lines().joined().contains("predictions go to S0001"))
    }

    @Test func whichServiceAPredictionGoesTo() {
        let two = ServicesData(services: [
            .init(id: "S0001", model: "M0001:v1", backend: "builtin", state: "ready", message: "ready"),
            .init(id: "S0002", model: "M0001:v1", backend: "builtin", state: "ready", message: "ready"),
            .init(id: "S0003", model: "M0001:v1", backend: "builtin", state: "starting", message: "loading"),
        ])
        #expect(two.serviceForPrediction(chosen: "S0002") == .success("S0002"))
        guard case .failure(let many) = two.serviceForPrediction(chosen: nil) else { Issue.record("two ready services need a choice"); return }
        #expect(many.text.contains("2 services are ready") && many.text.contains("S0001, S0002"))
        #expect(two.serviceForPrediction(chosen: "S0003").isFailure)
        let one = ServicesData(services: [two.services[2], two.services[1]])
        #expect(one.serviceForPrediction(chosen: "S0003") == .success("S0002"))
        guard case .failure(let none) = ServicesData(services: [two.services[2]]).serviceForPrediction(chosen: nil) else {
            Issue.record("a starting service cannot predict"); return
        }
        #expect(none.text.contains("no inference service is ready"))
    }

    @Test func aPredictedImageIsDrawnWithItsBoxesAndSummary() {
        var a = DatasetScreenTests.app()
        let asked = Shared<[String]>([])
        a.serviceActions = ServiceActions(predict: { path, full, chosen, pixels in
            asked.withLock { $0.append("\(path) \(full) \(chosen ?? "-") \(pixels.width > 0)") }
            return ImagePrediction(path: path, service: "S0001", width: 8, height: 8, summary: "S0001: 1 boxes: square 0.87",
                                   boxes: [.init(x1: 4, y1: 4, x2: 8, y2: 8, label: "square", score: 0.87, index: 1)])
        })
        DatasetScreenTests.run(&a, a.update(.key(.enter)))
        var text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(!text.contains("square 0.87"))
        DatasetScreenTests.run(&a, a.update(.key(.char("P"))))
        #expect(asked.withLock { $0 } == ["a.jpg /data/a.jpg - true"])
        text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("S0001: 1 boxes: square 0.87"))
        #expect(text.contains("square 0.87"), "the box's label and score over the image")
        // Another file: its own annotations again, not the prediction of the first.
        DatasetScreenTests.run(&a, a.update(.key(.char("j"))))
        text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(!text.contains("S0001: 1 boxes"))
    }

    @Test func aPredictionThatFailsSaysWhy() {
        var a = DatasetScreenTests.app()
        a.serviceActions = ServiceActions(predict: { path, _, _, _ in
            ImagePrediction(path: path, service: nil, error: "no inference service is ready: serve a model from the Models screen (M, then s on a model)")
        })
        DatasetScreenTests.run(&a, a.update(.key(.enter)))
        DatasetScreenTests.run(&a, a.update(.key(.char("P"))))
        #expect(a.state.notice?.isError == true && a.state.notice?.text.contains("no inference service is ready") == true)
        #expect(a.render(size: Size(width: 100, height: 30)).lines().joined().contains("circle"), "the annotations stay")
    }

    @Test func masksArePaintedFromColumnMajorRuns() {
        // 2×2, column-major: background, then (x0, y1) and (x1, y0) set, then background.
        let mask = Prediction.Mask(label: "shape", index: 3, rle: .init(size: [2, 2], counts: [1, 2, 1]), pixels: 2)
        #expect(ImagePrediction.maskImage([mask], width: 2, height: 2).values == [255, 3, 3, 255])
        // At twice the size each pixel takes its nearest mask pixel.
        #expect(ImagePrediction.maskImage([mask], width: 4, height: 4).values.filter { $0 == 3 }.count == 8)
        // Runs longer than the mask, or a malformed size, paint nothing.
        let bad = Prediction.Mask(label: "x", index: 1, rle: .init(size: [2, 2], counts: [0, 9]), pixels: 9)
        let odd = Prediction.Mask(label: "x", index: 1, rle: .init(size: [2], counts: [0, 1]), pixels: 1)
        #expect(ImagePrediction.maskImage([bad, odd], width: 2, height: 2).values == [255, 255, 255, 255])
    }
}

/// A value shared with the closures a test hands the app.
final class Shared<Value: Sendable>: Sendable {
    private let lock: Mutex<Value>
    init(_ value: Value) { lock = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&$0) } }
}

extension Result {
    var isFailure: Bool { if case .failure = self { true } else { false } }
}
