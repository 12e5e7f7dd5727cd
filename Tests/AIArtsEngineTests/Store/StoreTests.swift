import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

@Suite struct StoreTests {
    @Test func idsFollowPaddleX() throws {
        let folder = TempFolder()
        let ws = try Workspace(root: folder.url)
        #expect(try ws.createDataset(name: "a", type: .classification).id == "D0001")
        #expect(try ws.createDataset(name: "b", type: .detection).id == "D0002")
        #expect(try ws.createProject(name: "p", type: .detection, datasetID: "D0002").id == "P0001")
        #expect(RecordKind.of(id: "T0012") == .task)
        #expect(RecordKind.of(id: "X1") == nil)
    }

    @Test func walModeAndReopen() throws {
        let folder = TempFolder()
        do {
            let ws = try Workspace(root: folder.url)
            try ws.createDataset(name: "kept", type: .segmentation, description: "数据集")
            let mode = try ws.store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
        }
        let again = try Workspace(root: folder.url)
        #expect(try again.dataset("D0001").description == "数据集")
    }

    /// Two connections stand for two aiarts processes: both create records at once, and every
    /// write lands with a distinct id.
    @Test func twoWritersNeverLoseAWrite() throws {
        let folder = TempFolder()
        let first = try Workspace(root: folder.url)
        let second = try Workspace(root: folder.url)
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            let ws = worker == 0 ? first : second
            for i in 0..<60 {
                do { try ws.createDataset(name: "w\(worker)-\(i)", type: .classification) } catch { errors.add(error) }
            }
        }
        #expect(errors.count == 0)
        let ids = try first.datasets().map(\.id)
        #expect(ids.count == 120)
        #expect(Set(ids).count == 120)
    }

    @Test func attributesGetAndSet() throws {
        let folder = TempFolder()
        let ws = try Workspace(root: folder.url)
        try ws.createDataset(name: "a", type: .classification)
        try ws.setAttribute("description", of: "D0001", to: "new words")
        #expect(try ws.attribute("description", of: "D0001") == "new words")
        #expect(throws: AIArtsError.self) { try ws.setAttribute("status", of: "D0001", to: "copied") }
        #expect(throws: AIArtsError.self) { try ws.setAttribute("name", of: "D0001", to: "  ") }
        #expect(throws: AIArtsError.self) { try ws.attribute("nope", of: "D0001") }
        #expect(throws: AIArtsError.self) { try ws.setAttribute("name", of: "D0042", to: "x") }
    }

    @Test func deleteRefusedWhileAProjectUsesIt() throws {
        let folder = TempFolder()
        let ws = try Workspace(root: folder.url)
        try ws.createDataset(name: "a", type: .detection)
        try ws.createProject(name: "p", type: .detection, datasetID: "D0001")
        #expect(throws: AIArtsError.self) { try ws.deleteDataset("D0001") }
        try ws.deleteDataset("D0001", force: true)
        #expect(try ws.datasets().isEmpty)
        #expect(try ws.projects().first?.datasetId == nil)
    }

    @Test func projectNeedsADatasetOfItsType() throws {
        let folder = TempFolder()
        let ws = try Workspace(root: folder.url)
        try ws.createDataset(name: "a", type: .classification)
        #expect(throws: AIArtsError.self) { try ws.createProject(name: "p", type: .detection, datasetID: "D0001") }
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func add(_ error: Error) { lock.withLock { errors.append(error) } }
    var count: Int { lock.withLock { errors.count } }
}
