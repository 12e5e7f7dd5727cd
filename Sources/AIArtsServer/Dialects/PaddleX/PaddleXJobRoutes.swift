import AIArtsEngine
import Foundation
import Hummingbird

/// /project/task/evaluate, /project/task/export, /project/task/predict: each POST starts the
/// engine's work in the background (`PaddleXJobs`) and each GET reports how it stands.
enum PaddleXJobRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        let jobs = PaddleXJobs.shared

        group.post("project/task/evaluate") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            let epoch = try parameters.optionalInt("epoch")
            var options = EvaluationOptions()
            if let topk = try parameters.optionalInt("topk") {
                guard topk >= 1 else { throw APIError.badRequest("topk must be 1 or more") }
                options.topk = topk
            }
            if parameters["score_thresh"] != nil, !(parameters["score_thresh"] is NSNull) { options.scoreThreshold = try parameters.double("score_thresh") }
            if parameters["overlap_thresh"] != nil, !(parameters["overlap_thresh"] is NSNull) { options.iouThreshold = try parameters.double("overlap_thresh") }
            let chosen = options
            try await requireEnded(tid, environment)
            try jobs.start(.evaluate, task: tid, environment: environment, message: "evaluating \(tid)") { workspace in
                let evaluation = try workspace.evaluateTask(tid, epoch: epoch, options: chosen)
                let result = try PaddleXRoutes.foundation(encoding: evaluation) as? [String: Any] ?? [:]
                return ("evaluated epoch \(evaluation.epoch.map(String.init) ?? "?") on \(evaluation.report.split)", result)
            }
            return JSONOut.response(["status": 1, "evaluate_status": PaddleX.TaskStatus.xEvaluating.rawValue])
        }

        group.get("project/task/evaluate") { request, context in
            _ = try context.require(.read)
            let tid = try PaddleXRoutes.id(try await PaddleXRoutes.parameters(request, environment), "tid", kind: .task)
            if let job = jobs.job(.evaluate, task: tid, in: environment.workspace) {
                return JSONOut.response(["status": 1, "evaluate_status": PaddleX.evaluateStatus(job.state).rawValue,
                                         "message": job.message, "result": job.result?.value ?? NSNull()])
            }
            // None since the server started: the newest report the engine kept.
            return try await PaddleXRoutes.respond(environment) { workspace in
                guard let evaluation = try workspace.latestEvaluation(tid) else {
                    return ["evaluate_status": PaddleX.taskStatus(try workspace.task(tid).status).rawValue,
                            "message": "\(tid) has not been evaluated", "result": NSNull()]
                }
                return ["evaluate_status": PaddleX.TaskStatus.xEvaluated.rawValue, "message": "evaluated",
                        "result": try PaddleXRoutes.foundation(encoding: evaluation)]
            }
        }

        group.post("project/task/export") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            let type = try parameters.optionalString("type") ?? "infer"
            guard type == "infer" else {
                throw APIError.badRequest("type \(type): aiarts has no Paddle Lite export; type infer exports the inference model")
            }
            if try parameters.optionalBool("quant") == true {
                throw APIError.badRequest("quant: aiarts does not quantize models; send quant false or leave it out")
            }
            let saveDir = try parameters.optionalString("save_dir")
            let epoch = try parameters.optionalInt("epoch")
            let name = try parameters.optionalString("name")
            try await requireEnded(tid, environment)
            // A save_dir is a folder inside the workspace the exported files are copied to as well.
            let target = try await environment.engine { workspace in try saveDir.map { try confinedFolder($0, in: workspace) } }
            try jobs.start(.export, task: tid, environment: environment, message: "exporting \(tid)") { workspace in
                let export = try workspace.exportTask(tid, epoch: epoch, name: name)
                var folder = export.folder
                if let target {
                    try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
                    for file in export.files {
                        let destination = target.appendingPathComponent(URL(fileURLWithPath: file).lastPathComponent)
                        try? FileManager.default.removeItem(at: destination)
                        try FileManager.default.copyItem(at: URL(fileURLWithPath: file), to: destination)
                    }
                    folder = target.path
                }
                return ("exported to \(folder) and registered as \(export.model.model.id)",
                        ["save_dir": folder, "files": export.files, "model_id": export.model.model.id,
                         "version": export.model.version.version, "check": export.check])
            }
            return JSONOut.response(["status": 1, "save_dir": target?.path ?? environment.workspace.taskFolder(tid).appendingPathComponent("export").path])
        }

        group.get("project/task/export") { request, context in
            _ = try context.require(.read)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            if try parameters.optionalString("quant") != nil {
                throw APIError.badRequest("quant: aiarts does not quantize models, so there is no quantization log or result")
            }
            return try await exportStatus(tid, environment, stopping: false)
        }

        // An export runs in one go for seconds and cannot be cut short; the answer says how it stands.
        group.put("project/task/export") { request, context in
            _ = try context.require(.train)
            let tid = try PaddleXRoutes.id(try await PaddleXRoutes.parameters(request, environment), "tid", kind: .task)
            if jobs.job(.export, task: tid, in: environment.workspace)?.state == .running {
                throw APIError(.conflict, "the export of \(tid) cannot be stopped once started (it takes seconds); poll GET /paddlex/project/task/export until it ends")
            }
            return try await exportStatus(tid, environment, stopping: true)
        }

        group.post("project/task/predict") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            let encoded = try parameters.string("image_data")
            let epoch = try parameters.optionalInt("epoch")
            guard let image = Data(base64Encoded: encoded, options: [.ignoreUnknownCharacters]), !image.isEmpty else {
                throw APIError.badRequest("image_data must be the image's bytes in base64")
            }
            guard let ext = imageExtension(image) else {
                throw APIError.badRequest("image_data is not a JPEG, PNG, BMP or WebP image")
            }
            let run = environment.workspace.taskFolder(tid).appendingPathComponent("paddlex-predict/\(UUID().uuidString.prefix(8).lowercased())")
            let result = run.appendingPathComponent("result.jpg")
            try await environment.engine { workspace in
                _ = try workspace.task(tid)
                try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
                try image.write(to: run.appendingPathComponent("image.\(ext)"))
            }
            try jobs.start(.predict, task: tid, environment: environment, message: "predicting with \(tid)") { workspace in
                let predictions = try workspace.predictTask(tid, epoch: epoch, images: [run.appendingPathComponent("image.\(ext)")])
                guard let first = predictions.images.first else { throw APIError(.unprocessableContent, "the trainer returned no prediction") }
                if let error = first.error { throw APIError(.unprocessableContent, error) }
                guard let drawn = first.drawn else { throw APIError(.unprocessableContent, "the prediction could not be drawn onto the image") }
                try FileManager.default.copyItem(at: URL(fileURLWithPath: drawn), to: result)
                let answer: [String: Any] = [
                    "path": result.path, "epoch": predictions.epoch as Any? ?? NSNull(),
                    "labels": first.labels.map { ["label": $0.label, "score": $0.score] as [String: Any] },
                    "boxes": first.boxes.map { ["label": $0.label, "score": $0.score, "bbox": $0.bbox] as [String: Any] },
                ]
                return ("predicted: \(first.labels.first?.label ?? "\(first.boxes.count) boxes")", answer)
            }
            return JSONOut.response(["status": 1, "path": result.path])
        }

        group.get("project/task/predict") { request, context in
            _ = try context.require(.read)
            let tid = try PaddleXRoutes.id(try await PaddleXRoutes.parameters(request, environment), "tid", kind: .task)
            _ = try await environment.engine { try $0.task(tid) }
            guard let job = jobs.job(.predict, task: tid, in: environment.workspace) else {
                throw APIError.notFound("\(tid) has no prediction since the server started; POST /paddlex/project/task/predict with image_data")
            }
            return JSONOut.response(["status": 1, "predict_status": PaddleX.predictStatus(job.state).rawValue,
                                     "message": job.message, "result": job.result?.value ?? NSNull()])
        }
    }

    /// Evaluation, export and prediction need a task that has trained and ended.
    static func requireEnded(_ tid: String, _ environment: ServerEnvironment) async throws {
        try await environment.engine { workspace in
            try workspace.refreshTasks()
            let record = try workspace.task(tid)
            guard record.taskStatus?.isEnded == true else {
                throw APIError(.conflict, "\(tid) is \(record.status); train it first and wait until it has ended (task_status XTRAINDONE)")
            }
        }
    }

    static func exportStatus(_ tid: String, _ environment: ServerEnvironment, stopping: Bool) async throws -> Response {
        _ = try await environment.engine { try $0.task(tid) }
        guard let job = PaddleXJobs.shared.job(.export, task: tid, in: environment.workspace) else {
            return JSONOut.response(["status": 1, "export_status": PaddleX.TaskStatus.xUninit.rawValue,
                                     "message": stopping ? "no export of \(tid) is running" : "\(tid) has not been exported since the server started"])
        }
        var answer: [String: Any] = ["status": 1, "export_status": PaddleX.exportStatus(job.state).rawValue, "message": job.message]
        if let result = job.result?.value as? [String: Any] { answer["result"] = result; answer["save_dir"] = result["save_dir"] }
        return JSONOut.response(answer)
    }

    /// A folder named by a client for an export's copy: inside the workspace, relative to it or
    /// absolute within it, never through `..` or a link that leads out.
    static func confinedFolder(_ path: String, in workspace: Workspace) throws -> URL {
        let root = workspace.root.standardizedFileURL.path
        let standardized = path.hasPrefix("/") ? URL(fileURLWithPath: path).standardizedFileURL.path : path
        let relative: String
        if standardized.hasPrefix("/") {
            guard standardized.hasPrefix(root + "/") else {
                throw APIError.badRequest("save_dir \(path) is outside the workspace; give a folder inside it (such as exports/mine)")
            }
            relative = String(standardized.dropFirst(root.count + 1))
        } else {
            relative = standardized
        }
        if relative.hasPrefix(".") || relative == "aiarts.sqlite" { throw APIError.badRequest("save_dir \(path) is the workspace's own") }
        do { return try SafePath.resolve(relative, under: workspace.root).url } catch {
            throw APIError.badRequest("save_dir \(path): \(error.description)")
        }
    }

    /// The file type of an image's bytes, by its signature.
    static func imageExtension(_ data: Data) -> String? {
        let bytes = [UInt8](data.prefix(12))
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "jpg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "png" }
        if bytes.starts(with: [0x42, 0x4D]) { return "bmp" }
        if bytes.count >= 12, bytes.starts(with: [0x52, 0x49, 0x46, 0x46]), Array(bytes[8..<12]) == [0x57, 0x45, 0x42, 0x50] { return "webp" }
        return nil
    }
}
