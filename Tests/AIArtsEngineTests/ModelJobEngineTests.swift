import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// Model jobs in the engine: records, events, running in-process, refusals, reconciliation of a
/// job process that died. `swift test --filter ModelJobEngineTests`.
@Suite struct ModelJobEngineTests {
    final class Sandbox {
        let folder = TempFolder("aiarts-mj")
        let ws: Workspace
        init() throws { ws = try Workspace(root: folder.path("ws")) }

        func onnxVersion() throws -> String {
            let file = folder.write("up/tiny.onnx", Data(ModelFixtures.onnxModel()))
            return try ws.uploadModel(from: file, name: "tiny").model.id
        }

        /// A stand-in for aiarts as the job process: a shell script.
        func script(_ body: String) throws -> String {
            let url = folder.write("bin/fake-aiarts", "#!/bin/sh\n" + body + "\n")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
            return url.path
        }
    }

    @Test func anExtractionRunsToSucceededWithItsEventsAndResult() throws {
        let s = try Sandbox()
        let file = s.folder.write("m/model.onnx", Data(ModelFixtures.onnxModel()))
        let job = try s.ws.createModelJob(.extraction(path: file), executable: nil)
        #expect(job.id == "J0001" && job.state == .created && job.sourcePath == file.path)
        let done = try s.ws.runModelJob(job.id)
        #expect(done.state == .succeeded)
        #expect(done.message == "onnx model.onnx; in images float32[batch,3,64,64]; out output float32[batch,16,62,62]; opset 17; 448 parameters")
        #expect(try s.ws.modelJobEvents(job.id).map(\.reason) == ["Created", "Started", "Recognised", "Extracted", "Succeeded"])
        let detail = try s.ws.modelJobDetail(job.id)
        #expect(detail.extraction?.artifacts.first?.inputs.first?.name == "images")
        #expect(detail.conversion == nil)
        #expect(throws: AIArtsError.self) { try s.ws.runModelJob(job.id) }  // a job runs once
        #expect(try s.ws.createModelJob(.extraction(path: file), executable: nil).id == "J0002")
    }

    @Test func aCorruptFileFailsWithTheReasonAsAWarning() throws {
        let s = try Sandbox()
        let file = s.folder.write("cut.onnx", Data(ModelFixtures.onnxModel().prefix(50)))
        let job = try s.ws.runModelJob(try s.ws.createModelJob(.extraction(path: file), executable: nil).id)
        #expect(job.state == .failed)
        #expect(job.message.hasPrefix("cut.onnx: not an ONNX model:") && job.message.contains("truncated at byte 50"))
        let last = try #require(try s.ws.modelJobEvents(job.id).last)
        #expect(last.type == .warning && last.reason == "Failed" && last.message == job.message)
    }

    @Test func aRegistryVersionIsExtractedWithoutItsManifest() throws {
        let s = try Sandbox()
        let model = try s.onnxVersion()
        let job = try s.ws.runModelJob(try s.ws.createModelJob(.extraction(model: model), executable: nil).id)
        #expect(job.state == .succeeded && job.sourceModelId == model && job.sourceVersion == 1)
        #expect(try s.ws.modelJobDetail(job.id).extraction?.artifacts.map(\.path) == ["tiny.onnx"])
    }

    @Test func conversionsThatCannotWorkAreRefusedAtCreate() throws {
        let s = try Sandbox()
        let model = try s.onnxVersion()
        func refusal(_ spec: ModelJobSpec) -> String {
            do { _ = try s.ws.createModelJob(spec, executable: nil); return "created" } catch let e as AIArtsError { return e.message } catch { return "\(error)" }
        }
        #expect(refusal(.conversion(model: model, to: .onnx)) == "\(model):v1 holds no PyTorch or TorchScript file to convert to ONNX (it is onnx)")
        #expect(refusal(.conversion(model: model, to: .int8(dynamic: false, calibration: 8))).hasSuffix("came from no task with a dataset; use --dynamic"))
        #expect(refusal(.conversion(model: model, version: 7, to: .opset(18))).contains("v7"))
        #expect(refusal(.conversion(model: "M0404", to: .opset(18))).contains("M0404"))
        #expect(refusal(.extraction(path: s.folder.path("nothing-here"))).hasSuffix("does not exist"))
        #expect(refusal(.conversion(model: model, to: .opset(18))) == "created")
        #expect(refusal(.conversion(model: model, to: .int8(dynamic: true, calibration: 32))) == "created")
        #expect(try s.ws.modelJobs().map(\.optionValues) == [[:], ["dynamic": "true"]])

        let t = TempFolder("aiarts-mj")
        let bin = try ModelInspector.inspect(t.write("ckpt/model.bin", Data(ModelFixtures.trainModelBin())))
        #expect(bin.format == "aiarts-train checkpoint")
        let train = try s.ws.uploadModel(from: t.path("ckpt")).model.id
        #expect(refusal(.conversion(model: train, to: .opset(18))) == "\(train):v1 holds no ONNX file (it is aiarts-train checkpoint); convert it first: --convert onnx")
    }

    @Test func targetsParseAndRefuseWhatIsWrong() throws {
        #expect(try ModelJobTarget(parsing: "ONNX") == .onnx)
        #expect(try ModelJobTarget(parsing: "opset=18") == .opset(18))
        #expect(try ModelJobTarget(parsing: "int8", dynamic: true) == .int8(dynamic: true, calibration: 32))
        #expect(try ModelJobTarget(parsing: "int8", calibration: 5) == .int8(dynamic: false, calibration: 5))
        for (text, dynamic, calibration) in [("tflite", false, nil), ("opset=6", false, nil), ("opset=x", false, nil), ("onnx", true, nil),
                                             ("int8", false, 0), ("int8", false, 100_000), ("int8", true, 8), ("opset=18", false, 4)] as [(String, Bool, Int?)] {
            #expect(throws: AIArtsError.self, "\(text)") { try ModelJobTarget(parsing: text, dynamic: dynamic, calibration: calibration) }
        }
    }

    @Test func aKilledJobProcessIsRecordedFailedByTheNextReader() throws {
        let s = try Sandbox()
        let file = s.folder.write("m/model.onnx", Data(ModelFixtures.onnxModel()))
        let job = try s.ws.createModelJob(.extraction(path: file), executable: try s.script("exec sleep 60"))
        #expect(job.pid != nil)
        let marker = s.ws.modelJobMarker(job.id)
        var sleeper: ProcessStat?
        for _ in 0..<100 where sleeper == nil {
            sleeper = ProcessScan.members(marker: marker).first { $0.command == "sleep" }
            if sleeper == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let victim = try #require(sleeper)
        kill(victim.pid, SIGKILL)
        let ended = try s.ws.waitForModelJob(job.id, timeout: .seconds(20))
        #expect(ended.state == .failed)
        #expect(ended.message == "the job process was killed (SIGKILL) before the job ended", "\(ended.message)")
        #expect(try s.ws.modelJobEvents(job.id).last?.type == .warning)
    }

    @Test func aJobProcessThatExitsEarlyLeavesItsLastLineAsTheReason() throws {
        let s = try Sandbox()
        let file = s.folder.write("m/model.onnx", Data(ModelFixtures.onnxModel()))
        let job = try s.ws.createModelJob(.extraction(path: file), executable: try s.script("echo 'Error: cannot open the workspace'; exit 3"))
        let ended = try s.ws.waitForModelJob(job.id, timeout: .seconds(20))
        #expect(ended.state == .failed)
        #expect(ended.message == "the job process exited with code 3 before the job ended: Error: cannot open the workspace", "\(ended.message)")
    }

    @Test func deletingStopsARunningJobAndRemovesItsFolder() throws {
        let s = try Sandbox()
        let file = s.folder.write("m/model.onnx", Data(ModelFixtures.onnxModel()))
        let job = try s.ws.createModelJob(.extraction(path: file), executable: try s.script("exec sleep 60"))
        let pid = try #require(job.pid)
        #expect(FileManager.default.fileExists(atPath: s.ws.modelJobFolder(job.id).path))
        try s.ws.deleteModelJob(job.id)
        #expect(!ProcessIdentity(pid: pid, startTime: UInt64(job.startTime ?? 0)).isAlive)
        #expect(ProcessScan.members(marker: s.ws.modelJobMarker(job.id)).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: s.ws.modelJobFolder(job.id).path))
        #expect(throws: AIArtsError.self) { try s.ws.modelJob(job.id) }
    }
}
