import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HummingbirdTesting
import Testing

/// The Django dialect's `/models/compare/` answers from the engine's comparison (docs/api.md).
@Suite struct DjangoModelCompareTests {
    @Test func compareAnswersTheEnginesTableInTheDialectsShape() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let folder = fixture.root.appendingPathComponent("model-files")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(repeating: 1, count: 100).write(to: folder.appendingPathComponent("weights.bin"))
        _ = try fixture.workspace.uploadModel(from: folder, name: "small")
        try Data(repeating: 1, count: 300).write(to: folder.appendingPathComponent("weights.bin"))
        _ = try fixture.workspace.uploadModel(from: folder, name: "large")
        try await fixture.test { client in
            let answer = try await client.execute(uri: "/models/compare/?ids=small,2", method: .get, headers: fixture.headers(.viewer))
            #expect(answer.status == .ok)
            let models = answer.json["models"] as? [[String: Any]] ?? []
            #expect(models.compactMap { $0["model_id"] as? String } == ["M0001", "M0002"])
            #expect(models.compactMap { $0["version"] as? Int } == [1, 1])
            #expect(models.compactMap { $0["format"] as? String } == ["files", "files"])
            #expect(models.allSatisfy { $0["parameters"] is NSNull && $0["latency_ms"] is NSNull })
            #expect(answer.json["metrics"] as? [String] == [])
            #expect(answer.json["comparable"] as? Bool == true)
            let rows = answer.json["rows"] as? [[String: Any]] ?? []
            let size = rows.first { $0["name"] as? String == "size" }
            #expect(size?["values"] as? [Int] == [100, 300])
            #expect(size?["best"] as? [Int] == [0])
            // The same model twice is refused in the dialect's error shape.
            let twice = try await client.execute(uri: "/models/compare/?ids=1,M0001", method: .get, headers: fixture.headers(.viewer))
            #expect(twice.status == .badRequest)
            #expect((twice.json["detail"] as? String)?.contains("named twice") == true)
        }
    }
}
