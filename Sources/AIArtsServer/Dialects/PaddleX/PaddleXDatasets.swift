import AIArtsEngine
import Foundation
import Hummingbird

/// /dataset, /dataset/details, /dataset/split.
enum PaddleXDatasetRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get("dataset") { request, context in
            _ = try context.require(.read)
            let did = try PaddleXRoutes.optionalID(try await PaddleXRoutes.parameters(request, environment), "did", kind: .dataset)
            return try await PaddleXRoutes.respond(environment) { workspace in
                // An import whose process died is restored first, as every front end's list does.
                _ = try workspace.recoverInterruptedImports()
                let projects = try workspace.projects()
                if let did {
                    let record = try workspace.dataset(did)
                    var attr = try attributes(record, workspace)
                    attr["pids"] = projects.filter { $0.datasetId == did }.map(\.id)
                    return ["id": did, "dataset_status": status(record).rawValue, "message": record.statusMessage,
                            "progress": record.progress, "attr": attr]
                }
                return ["datasets": try workspace.datasets().map { record -> [String: Any] in
                    var attr = try attributes(record, workspace)
                    attr["dataset_status"] = status(record).rawValue
                    attr["message"] = record.statusMessage
                    return ["id": record.id, "attr": attr]
                }]
            }
        }

        group.post("dataset") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let name = try parameters.string("name")
            let description = try parameters.optionalString("desc") ?? ""
            let type = try PaddleX.datasetType(try parameters.string("dataset_type"), field: "dataset_type")
            return try await PaddleXRoutes.respond(environment) { workspace in
                let record = try workspace.createDataset(name: name, type: type, description: description)
                // restful_api.md names it `did`, its quick start reads `id`: both are sent.
                return ["did": record.id, "id": record.id]
            }
        }

        // Asynchronous: the import runs on its own thread; GET /dataset follows it (dataset_status).
        group.put("dataset") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let did = try PaddleXRoutes.id(parameters, "did", kind: .dataset)
            let path = try parameters.string("path")
            guard path.hasPrefix("/") else {
                throw APIError.badRequest("path must be an absolute path on the server (the folder or archive to import), not '\(path)'")
            }
            let named = try parameters.optionalString("format")
            let chosen: DatasetFormat? = try named.map { text in
                guard let format = DatasetFormat(rawValue: text) else {
                    throw APIError.badRequest("format must be one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
                }
                return format
            }
            return try await PaddleXRoutes.respond(environment) { workspace in
                let source = URL(fileURLWithPath: path).standardizedFileURL
                // The workspace, or a folder holding it, would be read into itself.
                let root = workspace.root.standardizedFileURL.path
                if source.path == "/" || root == source.path || root.hasPrefix(source.path.hasSuffix("/") ? source.path : source.path + "/") {
                    throw APIError.badRequest("\(path) holds the workspace itself; name the folder of the dataset to import")
                }
                let type = try workspace.dataset(did).type
                let format = chosen ?? DatasetFormat.layout(of: type, at: source)
                let job = workspace.startImport(did, from: source, format: format)
                if case .failure(let error)? = job.result { throw error }
                return ["did": did, "format": format.rawValue]
            }
        }

        group.delete("dataset") { request, context in
            _ = try context.require(.train)
            let did = try PaddleXRoutes.id(try await PaddleXRoutes.parameters(request, environment), "did", kind: .dataset)
            return try await PaddleXRoutes.respond(environment) { workspace in
                try workspace.deleteDataset(did)
                return [:]
            }
        }

        group.get("dataset/details") { request, context in
            _ = try context.require(.read)
            let did = try PaddleXRoutes.id(try await PaddleXRoutes.parameters(request, environment), "did", kind: .dataset)
            return try await PaddleXRoutes.respond(environment) { workspace in
                let details = try workspace.details(did)
                var files: [String: Any] = [:]
                for file in details.files { files[file.path] = file.labels }
                func split(_ name: Split) -> [String] { details.splitLists[name.rawValue] ?? [] }
                return ["details": [
                    "file_info": files,
                    "label_info": details.labelFiles,
                    "labels": details.summary.labels.map(\.name),
                    "train_files": split(.train), "val_files": split(.val), "test_files": split(.test),
                ] as [String: Any]]
            }
        }

        group.put("dataset/split") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let did = try PaddleXRoutes.id(parameters, "did", kind: .dataset)
            let val = try parameters.double("val_split")
            let test = try parameters.double("test_split")
            let seed = try parameters.optionalInt("seed") ?? 1
            return try await PaddleXRoutes.respond(environment) { workspace in
                let status = try workspace.dataset(did).status
                guard [DatasetStatus.copied.rawValue, DatasetStatus.registered.rawValue].contains(status) else {
                    throw APIError(.conflict, "\(did) is \(status); split it once its import is done (GET /paddlex/dataset shows XCOPYDONE)")
                }
                let counts = try workspace.split(did, val: val, test: test, seed: UInt64(truncatingIfNeeded: seed))
                return ["splits": counts]
            }
        }
    }

    static func status(_ record: DatasetRecord) -> PaddleX.DatasetStatus {
        PaddleX.datasetStatus(status: record.status, splitSource: record.splitSource)
    }

    /// A dataset's attributes as PaddleX's `attr` names them.
    static func attributes(_ record: DatasetRecord, _ workspace: Workspace) throws -> [String: Any] {
        ["type": record.type.rawValue, "id": record.id, "name": record.name,
         "path": try workspace.datasetFolder(record.id)?.path ?? "", "desc": record.description,
         "create_time": PaddleX.time(record.createdAt)]
    }
}
