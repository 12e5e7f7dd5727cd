import AIArtsEngine
import Foundation
import Hummingbird

/// /workspace (attributes of a dataset, project or task; binding a dataset to a project) and
/// /file (a file of the workspace or of a dataset: images as base64, XML as text).
enum PaddleXWorkspaceRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get("workspace") { request, context in
            _ = try context.require(.read)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            guard parameters["struct"] != nil || parameters["id"] != nil else {
                let root = environment.workspace.root.path
                return try await PaddleXRoutes.respond(environment) { _ in ["dirname": root] }
            }
            let (id, _) = try target(parameters)
            let names: [String]
            if let list = parameters["attr_list"] as? [String] {
                names = list
            } else if let text = parameters["attr_list"] as? String {
                names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } else if parameters["attr_list"] == nil || parameters["attr_list"] is NSNull {
                names = []
            } else {
                throw APIError.badRequest("attr_list must be a list of attribute names, such as [\"path\"]")
            }
            return try await PaddleXRoutes.respond(environment) { workspace in
                let known = try attributes(of: id, workspace)
                if names.isEmpty { return ["attr": known] }
                var attr: [String: Any] = [:]
                for name in names {
                    // PaddleX's names first, then any field aiarts keeps (`aiarts workspace get`).
                    attr[name] = try known[name] ?? PaddleXRoutes.foundation(workspace.field(name, of: id))
                }
                return ["attr": attr]
            }
        }

        group.put("workspace") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let (id, kind) = try target(parameters)
            guard let dict = parameters["attr_dict"] as? [String: Any], !dict.isEmpty else {
                throw APIError.badRequest("attr_dict is missing: send the attributes to change as an object, such as {\"did\": \"D0001\"}")
            }
            var changes: [(String, String)] = []
            for (key, value) in dict.sorted(by: { $0.key < $1.key }) {
                guard let text = value as? String else { throw APIError.badRequest("attr_dict.\(key) must be a string") }
                switch (kind, key) {
                case (.project, "did"):
                    guard RecordKind.of(id: text) == .dataset else { throw APIError.badRequest("attr_dict.did must be a dataset id like D0001") }
                    changes.append(("did", text))
                case (_, "name"), (_, "desc"), (_, "description"):
                    changes.append((key == "name" ? "name" : "description", text))
                default:
                    throw APIError.badRequest("\(key) of a \(parameters["struct"] as? String ?? "record") cannot be set here; settable: name, desc\(kind == .project ? ", did" : "")")
                }
            }
            let settled = changes
            return try await PaddleXRoutes.respond(environment) { workspace in
                for (field, value) in settled {
                    if field == "did" { try workspace.setProjectDataset(id, datasetID: value) } else { try workspace.setAttribute(field, of: id, to: value) }
                }
                return [:]
            }
        }

        group.get("file") { request, context in
            _ = try context.require(.read)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let path = try parameters.string("path")
            let did = try PaddleXRoutes.optionalID(parameters, "did", kind: .dataset)
            let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
            let isImage = ["jpg", "jpeg", "png", "bmp", "webp"].contains(ext)
            guard isImage || ext == "xml" else {
                throw APIError.badRequest("/file serves images (jpg, jpeg, png, bmp, webp) and .xml files, not \(ext.isEmpty ? "a file without an extension" : "." + ext)")
            }
            let url = try await environment.engine { workspace in try confinedFile(path, did: did, workspace: workspace) }
            let limit = max(environment.limits.maxBodyBytes, 64 << 20)
            let data = try await environment.engine { _ -> Data in
                let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
                guard let size else { throw APIError.notFound("\(path) does not exist") }
                guard size <= limit else { throw APIError(.contentTooLarge, "\(path) is \(size) bytes, over the \(limit) bytes /file sends") }
                return try Data(contentsOf: url)
            }
            if isImage {
                let encoded = data.base64EncodedString()
                return JSONOut.response(["status": 1, "img_data": encoded])
            }
            var response = JSONOut.response(data: data)
            response.headers[.contentType] = "application/xml; charset=utf-8"
            return response
        }
    }

    /// A client's path inside `root`: absolute within it or relative to it; `..`, and symbolic
    /// links leading out, are refused; it must exist.
    static func confined(_ path: String, under root: URL, what: String) throws -> URL {
        let base = root.standardizedFileURL.path
        let standardized = path.hasPrefix("/") ? URL(fileURLWithPath: path).standardizedFileURL.path : path
        var relative = standardized
        if standardized.hasPrefix("/") {
            guard standardized.hasPrefix(base + "/") else { throw APIError.badRequest("\(path) is outside \(what) (\(base))") }
            relative = String(standardized.dropFirst(base.count + 1))
        }
        let url: URL
        do { url = try SafePath.resolve(relative, under: root).url } catch { throw APIError.badRequest("\(path): \(error.description)") }
        guard FileManager.default.fileExists(atPath: url.path) else { throw APIError.notFound("\(path) does not exist") }
        return url
    }

    /// The record `struct` and `id` name, refused when they disagree (struct task, id P0001).
    static func target(_ parameters: [String: Any]) throws -> (String, RecordKind) {
        let structure = try parameters.string("struct")
        let kind: RecordKind
        switch structure {
        case "dataset": kind = .dataset
        case "project": kind = .project
        case "task": kind = .task
        default: throw APIError.badRequest("struct must be dataset, project or task, not '\(structure)'")
        }
        return (try PaddleXRoutes.id(parameters, "id", kind: kind), kind)
    }

    /// The attributes PaddleX's messages give a record (data_struct.md: Dataset, Project, Task).
    static func attributes(of id: String, _ workspace: Workspace) throws -> [String: Any] {
        switch RecordKind.of(id: id) {
        case .dataset?: return try PaddleXDatasetRoutes.attributes(try workspace.dataset(id), workspace)
        case .project?: return PaddleXProjectRoutes.attributes(try workspace.project(id))
        default: return try PaddleXProjectRoutes.attributes(try workspace.task(id), workspace)
        }
    }

    /// A client's path confined to the workspace, or to a dataset's folder (a registered dataset's
    /// files are outside the workspace): absolute inside one of them, or relative to it (the
    /// dataset's with `did`, else the workspace's). `..`, and symbolic links leading out, are refused.
    static func confinedFile(_ path: String, did: String?, workspace: Workspace) throws -> URL {
        var roots: [URL] = []
        if let did {
            guard let folder = try workspace.datasetFolder(did) else { throw APIError(.conflict, "\(did) has no files yet; import data first") }
            roots = [folder]
        } else {
            roots = [workspace.root] + (try workspace.datasets().compactMap { try workspace.datasetFolder($0.id) })
        }
        let standardized = path.hasPrefix("/") ? URL(fileURLWithPath: path).standardizedFileURL.path : path
        var chosen: (root: URL, relative: String)?
        if standardized.hasPrefix("/") {
            for root in roots {
                let base = root.standardizedFileURL.path
                if standardized.hasPrefix(base + "/") { chosen = (root, String(standardized.dropFirst(base.count + 1))); break }
            }
        } else {
            chosen = (roots[0], standardized)
        }
        guard let chosen else {
            throw APIError.badRequest("\(path) is outside the workspace and its datasets' folders; /file serves only files there")
        }
        let resolved: URL
        do { resolved = try SafePath.resolve(chosen.relative, under: chosen.root).url } catch {
            throw APIError.badRequest("\(path): \(error.description)")
        }
        let relative = chosen.relative
        if chosen.root == workspace.root, relative.hasPrefix(".") || relative.hasPrefix("aiarts.sqlite") {
            throw APIError.badRequest("\(path) is the workspace's own; /file serves images and annotations")
        }
        guard FileManager.default.fileExists(atPath: resolved.path) else { throw APIError.notFound("\(path) does not exist") }
        return resolved
    }
}
