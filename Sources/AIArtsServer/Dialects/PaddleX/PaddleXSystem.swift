import AIArtsEngine
import Foundation
import Hummingbird

/// /system (the machine and its GPUs), /demo (aiarts' generated shapes demo), /model (the registry).
enum PaddleXSystemRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get("system") { request, context in
            _ = try context.require(.read)
            let type = try await PaddleXRoutes.parameters(request, environment).optionalString("type") ?? "machine_info"
            guard type == "machine_info" || type == "gpu_memory_size" else {
                throw APIError.badRequest("type must be machine_info or gpu_memory_size, not '\(type)'")
            }
            return try await PaddleXRoutes.respond(environment) { _ in
                let info = SystemInfo.current()
                if type == "gpu_memory_size" {
                    // Bytes, as NVML reports them; a figure the driver did not give is 0.
                    return ["gpu_mem_infos": info.gpus.map { gpu -> [String: Any] in
                        ["free": gpu.memoryFree ?? 0, "used": gpu.memoryUsed ?? 0, "total": gpu.memoryTotal ?? 0]
                    }]
                }
                return ["info": [
                    "message": info.gpuReason ?? "\(info.gpus.count) GPU\(info.gpus.count == 1 ? "" : "s") found (\(info.gpuSource.rawValue))",
                    "cpu_num": info.cpus, "gpu_num": info.gpus.count, "sysstr": info.os,
                    "hostname": info.hostname, "memory_bytes": info.memoryBytes,
                    "driver_version": info.driverVersion ?? NSNull(),
                ] as [String: Any]]
            }
        }

        // PaddleX stops its server here; aiarts' server is stopped on its machine.
        group.delete("system") { _, context -> Response in
            _ = try context.require(.admin)
            throw APIError(.forbidden, "the server is not stopped over HTTP: run `aiarts serve --stop` on the server (it lets requests in flight finish)")
        }

        group.get("demo") { request, context in
            _ = try context.require(.read)
            let kind = try demoType(try await PaddleXRoutes.parameters(request, environment))
            if let job = PaddleXJobs.shared.job(.demo, task: "demo", in: environment.workspace), job.state != .done {
                let status: PaddleX.DownloadStatus = job.state == .running ? .xdDownloading : .xdDownloadFail
                return JSONOut.response(["status": 1, "attr": ["status": status.rawValue, "progress": 0.0, "message": job.message] as [String: Any]])
            }
            return try await PaddleXRoutes.respond(environment) { workspace in
                guard try demo(kind, in: workspace) != nil else {
                    throw APIError.notFound("the demo has not been made in this workspace; POST /paddlex/demo with type load (or download) makes it")
                }
                return ["attr": ["status": PaddleX.DownloadStatus.xdDecompressed.rawValue, "progress": 1.0] as [String: Any]]
            }
        }

        // Nothing is downloaded: the demo is generated (`aiarts demo`). download starts that in the
        // background; load makes it if needed, then answers its dataset and project.
        group.post("demo") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let kind = try demoType(parameters)
            let action = try parameters.string("type")
            switch action {
            case "download":
                if try await environment.engine({ try demo(kind, in: $0) }) == nil {
                    try PaddleXJobs.shared.start(.demo, task: "demo", environment: environment, message: "generating the shapes demo") { workspace in
                        _ = try ShapesDemo.create(in: workspace)
                        return ("the shapes demo is made", [:])
                    }
                }
                return JSONOut.response(["status": 1])
            case "load":
                if PaddleXJobs.shared.job(.demo, task: "demo", in: environment.workspace)?.state == .running {
                    throw APIError(.conflict, "the demo is being made; poll GET /paddlex/demo, then load it")
                }
                return try await PaddleXRoutes.respond(environment) { workspace in
                    if let ids = try demo(kind, in: workspace) { return ["did": ids.did, "pid": ids.pid] }
                    _ = try ShapesDemo.create(in: workspace)
                    guard let ids = try demo(kind, in: workspace) else { throw APIError(.unprocessableContent, "the demo was made but its project is not found") }
                    return ["did": ids.did, "pid": ids.pid]
                }
            default:
                throw APIError.badRequest("type must be download or load, not '\(action)'")
            }
        }

        group.put("demo") { request, context in
            _ = try context.require(.train)
            _ = try demoType(try await PaddleXRoutes.parameters(request, environment))
            if PaddleXJobs.shared.job(.demo, task: "demo", in: environment.workspace)?.state == .running {
                throw APIError(.conflict, "the demo is generated in one go (seconds) and cannot be stopped; poll GET /paddlex/demo until it is done")
            }
            return JSONOut.response(["status": 1, "message": "no demo is being made"])
        }

        PaddleXModelRoutes.register(on: group, environment: environment)
    }

    /// `prj_type`, PaddleX's ProjectType number (or name): the demo has classification (0) and detection (1).
    static func demoType(_ parameters: [String: Any]) throws -> DatasetType {
        var name = try parameters.optionalString("prj_type")
        if let number = try? parameters.optionalInt("prj_type"), (0..<PaddleX.projectTypes.count).contains(number) {
            name = PaddleX.projectTypes[number]
        }
        guard let name else { throw APIError.badRequest("prj_type is missing: 0 (classification) or 1 (detection)") }
        switch name {
        case "classification": return .classification
        case "detection": return .detection
        default: throw APIError.badRequest("the aiarts demo has classification (prj_type 0) and detection (prj_type 1) only, not \(name)")
        }
    }

    /// The demo's dataset and project of a type, when the demo has been made.
    static func demo(_ type: DatasetType, in workspace: Workspace) throws -> (did: String, pid: String)? {
        let name = type == .classification ? ShapesDemo.classificationName : "shapes (detection)"
        guard let dataset = try workspace.datasets().first(where: { $0.name == name && $0.type == type }) else { return nil }
        guard let project = try workspace.projects().first(where: { $0.datasetId == dataset.id }) else { return nil }
        return (dataset.id, project.id)
    }
}
