import Foundation
import Testing
@testable import AIArtsEngine
import AIArtsImaging

/// The engine functions the HTTP API's AIArts dialect calls: server path checks, log pages, dataset
/// archives, columnar metric JSON (`swift test --filter AIArtsServeEngineTests`).
@Suite struct AIArtsServeEngineTests {
    struct Sandbox {
        let base: URL
        let ws: Workspace
        init() throws {
            base = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-serve-engine-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
            ws = try Workspace(root: base.appendingPathComponent("ws"), gpuProbe: .none)
        }
        func remove() { try? FileManager.default.removeItem(at: base) }
    }

    @Test func serverPathsAreAbsoluteExistingOutsideTheWorkspaceAndInsideTheRoots() throws {
        let s = try Sandbox()
        defer { s.remove() }
        let outside = s.base.appendingPathComponent("data/set")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        #expect(try s.ws.serverPath(outside.path, roots: []).path == SafePath.realPath(outside.path))
        for bad in ["data/set", outside.path + "/../set", outside.path + "/./x", "/no/such/place", s.ws.root.path,
                    s.ws.root.appendingPathComponent("aiarts.sqlite").path, s.base.path, "/"] {
            #expect(throws: AIArtsError.self, "\(bad)") { try s.ws.serverPath(bad, roots: []) }
        }
        // A link that leads into the workspace is judged by where it leads.
        let link = s.base.appendingPathComponent("sneaky")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: s.ws.root.path)
        #expect(throws: AIArtsError.self) { try s.ws.serverPath(link.path, roots: []) }
        // Roots confine further.
        #expect(throws: AIArtsError.self) { try s.ws.serverPath(outside.path, roots: [s.base.appendingPathComponent("elsewhere").path]) }
        #expect(try s.ws.serverPath(outside.path, roots: [s.base.appendingPathComponent("data").path]).lastPathComponent == "set")
    }

    @Test func logPagesFollowByOffsetAndNeverSplitACharacter() throws {
        let s = try Sandbox()
        defer { s.remove() }
        let dataset = try s.ws.createDataset(name: "d", type: .classification)
        let project = try s.ws.createProject(name: "p", type: .classification, datasetID: dataset.id)
        let task = try s.ws.createTask(projectID: project.id)
        #expect(try s.ws.taskLogPage(task.id) == TaskLogPage(offset: 0, nextOffset: 0, size: 0, text: "", eof: true))
        let folder = s.ws.taskFolder(task.id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = "a☃b\u{1F600}c\n" + String(repeating: "x\n", count: 10)
        try Data(text.utf8).write(to: folder.appendingPathComponent("train.log"))
        var read = ""
        var offset: Int64 = 0
        var pages = 0
        while true {
            let page = try s.ws.taskLogPage(task.id, offset: offset, limit: 3)
            #expect(!page.text.contains("\u{FFFD}"))
            read += page.text
            offset = page.nextOffset
            pages += 1
            if page.eof { break }
            guard pages < 100 else { Issue.record("the pages never reach the end"); break }
        }
        #expect(read == text)
        #expect(try s.ws.taskLogPage(task.id, tail: 2).text == "x\nx\n")
        #expect(try s.ws.taskLogPage(task.id, tail: 100).text == text)
        #expect(try s.ws.taskLogPage(task.id, offset: 1 << 40).text == "")
        #expect(throws: AIArtsError.self) { try s.ws.taskLogPage(task.id, offset: -1) }
        #expect(throws: AIArtsError.self) { try s.ws.taskLogPage("T0999") }
        // Invalid bytes become U+FFFD rather than failing.
        try Data([0x61, 0xFF, 0x62, 0x0A]).write(to: folder.appendingPathComponent("train.log"))
        #expect(try s.ws.taskLogPage(task.id, offset: 0).text == "a\u{FFFD}b\n")
    }

    @Test func aDatasetArchiveHoldsItsFilesUnderItsID() throws {
        let s = try Sandbox()
        defer { s.remove() }
        let empty = try s.ws.createDataset(name: "empty", type: .classification)
        #expect(throws: AIArtsError.self) { try s.ws.archiveDataset(empty.id, to: s.base.appendingPathComponent("e.tar.gz")) }
        let source = s.base.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: source.appendingPathComponent("cat"), withIntermediateDirectories: true)
        var rng = SeededRandom(seed: 7)
        try ShapesDemo.write(ShapeScene.single(shape: "circle", size: 32, rng: &rng), to: source.appendingPathComponent("cat/a.jpg"))
        let dataset = try s.ws.createDataset(name: "one", type: .classification)
        _ = try s.ws.importDataset(dataset.id, from: source, format: .imagenet)
        let archive = s.base.appendingPathComponent("one.tar.gz")
        let size = try s.ws.archiveDataset(dataset.id, to: archive)
        #expect(size > 0)
        let out = s.base.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-xzf", archive.path, "-C", out.path]
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
        let copied = try Data(contentsOf: out.appendingPathComponent("\(dataset.id)/cat/a.jpg"))
        #expect(copied == (try Data(contentsOf: source.appendingPathComponent("cat/a.jpg"))))
        // An existing file is never replaced.
        #expect(throws: AIArtsError.self) { try s.ws.archiveDataset(dataset.id, to: archive) }
    }

    @Test func seriesJSONIsColumnarFilteredAndValid() throws {
        var table = MetricTable()
        for step in 1...5 {
            table.append(MetricPoint(series: "train/loss", value: 1 / Double(step), step: step, epoch: Double(step) / 2, wallTime: 100 + Double(step)))
        }
        table.append(MetricPoint(series: "eval/acc1", value: .nan))
        var bytes: [UInt8] = []
        MetricSeriesJSON.write(MetricSeriesJSON.series(of: table), into: &bytes)
        let all = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
        #expect(all.count == 2)
        #expect(all[0]["steps"] as? [Int] == [1, 2, 3, 4, 5] && all[0]["from"] as? Int == 0)
        #expect((all[1]["values"] as? [Any])?.first is NSNull && (all[1]["steps"] as? [Any])?.first is NSNull)
        bytes = []
        MetricSeriesJSON.write(MetricSeriesJSON.series(of: table, names: ["train/loss"], since: 103), into: &bytes)
        let cut = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
        #expect(cut.count == 1 && cut[0]["from"] as? Int == 3 && cut[0]["steps"] as? [Int] == [4, 5])
    }
}
