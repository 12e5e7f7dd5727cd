import Foundation
import Testing
@testable import AIArtsEngine

/// `createDatasetAndImport`: the new id at once, the import followed as a stream; and the
/// status a registered dataset shows (issue 13).
@Suite struct CreateAndImportTests {
    static func source(_ images: Int = 3) -> TempFolder {
        let src = TempFolder()
        for i in 0..<images { src.write("\(i % 2 == 0 ? "cat" : "dog")/\(i).jpg", Fixtures.jpeg(width: 16, height: 16)) }
        return src
    }

    @Test func theIdComesAtOnceAndTheUpdatesEndWithTheResult() async throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = Self.source(5)
        let job = try ws.createDatasetAndImport(name: "pets", type: .classification, from: src.url, format: .imagenet)
        // Claimed before the call returned: a front end listing datasets sees it importing (or done).
        let status = try ws.summary(job.datasetID).status
        #expect(["checking", "checked", "copying", "copied"].contains(status))
        var last: ImportUpdate?
        var progress = 0
        for await update in job.updates() {
            if case .progress = update { progress += 1 }
            last = update
        }
        guard case .finished(let result)? = last else { Issue.record("ended with \(String(describing: last))"); return }
        #expect(progress >= 1)
        #expect(result.datasetID == job.datasetID && result.images == 5 && result.status == "copied")
        let summary = try ws.summary(job.datasetID)
        #expect(summary.name == "pets" && summary.images == 5 && summary.labels.map(\.name) == ["cat", "dog"])
        // A follower that comes after the end gets the end alone.
        var late: [ImportUpdate] = []
        for await update in job.updates() { late.append(update) }
        #expect(late == [.finished(result)])
        _ = _folder
    }

    @Test func aRefusalLeavesNoDatasetBehind() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let missing = #expect(throws: AIArtsError.self) {
            try ws.createDatasetAndImport(name: "x", type: .classification, from: URL(fileURLWithPath: "/nowhere/at/all"), format: .imagenet)
        }
        #expect(missing?.message == "/nowhere/at/all does not exist")
        let src = Self.source()
        let wrong = #expect(throws: AIArtsError.self) {
            try ws.createDatasetAndImport(name: "x", type: .classification, from: src.url, format: .voc)
        }
        #expect(wrong?.message.contains("--format voc does not carry that type (use one of: imagenet, paddlex)") == true)
        #expect(try ws.datasets().isEmpty)
        _ = _folder
    }

    @Test func aRegisteredDatasetSaysRegistered() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = Self.source()
        let job = try ws.createDatasetAndImport(name: "in place", type: .classification, from: src.url, format: .imagenet, mode: .register)
        let result = try job.wait()
        #expect(result.status == "registered")
        let summary = try ws.summary(job.datasetID)
        #expect(summary.status == "registered" && summary.inPlace && summary.images == 3)
        // Copied again into the workspace, it says copied.
        let copied = try ws.importDataset(job.datasetID, from: src.url, format: .imagenet)
        #expect(copied.status == "copied")
        #expect(try ws.summary(job.datasetID).status == "copied")
        _ = _folder
    }

    @Test func aFailingImportEndsItsStreamWithTheReason() async throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("readme.txt", "no images here")
        let id = try ws.createDataset(name: "empty", type: .classification).id
        let job = ws.startImport(id, from: src.url, format: .imagenet)
        var last: ImportUpdate?
        for await update in job.updates() { last = update }
        guard case .failed(let error)? = last else { Issue.record("ended with \(String(describing: last))"); return }
        #expect(error.message.contains("has no class folders"))
        #expect(try ws.summary(id).status == "check_failed")
        _ = _folder
    }
}
