import AIArtsEngine
import Foundation
import Hummingbird

/// Commits: an annotation commit's results, a collection commit's pictures, a page of commits, and
/// the pictures themselves (docs/api.md, "Crowd annotation").
enum CrowdCommitRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.post("commits") { request, context in
            let principal = try context.require(.review)
            let data = try await CrowdInput.data(request, environment)
            guard let taskNumber = try CrowdInput.int(data, "task_id") else { throw CrowdError.json("task_id can not be null") }
            let taskId = Int64(taskNumber)
            let user = try await CrowdInput.actingUser(try CrowdInput.user(data, "user_id"), principal: principal, environment: environment)
            if let type = try CrowdInput.int(data, "task_type"), type == CrowdTaskType.collection.rawValue {
                throw CrowdError.json("a collection commit sends its pictures: POST them as multipart field 'file' to …/commits/pictures/{commit_id}")
            }
            guard let results = data["result"] as? [Any] else { throw CrowdError.json("result can not be null: a list of {picture_url, annotation_json}") }
            var byPicture: [Int64: String] = [:]
            for (i, item) in results.enumerated() {
                guard let entry = item as? [String: Any], let url = entry["picture_url"] as? String else {
                    throw CrowdError.json("result[\(i)] needs picture_url, a URL that apply handed out")
                }
                guard let sample = CrowdPaths.sampleId(inPictureURL: url) else {
                    throw CrowdError.json("result[\(i)].picture_url is not a picture URL that apply handed out")
                }
                let annotation: String
                switch entry["annotation_json"] {
                case let text as String: annotation = text
                case nil, is NSNull: throw CrowdError.json("result[\(i)].annotation_json can not be null")
                case let value?:
                    guard JSONSerialization.isValidJSONObject(value), let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else {
                        throw CrowdError.json("result[\(i)].annotation_json must be a string (JSON or XML text)")
                    }
                    annotation = String(decoding: data, as: UTF8.self)
                }
                byPicture[sample] = annotation
            }
            let commitNumber = try CrowdInput.int(data, "commit_id") ?? 0
            let sent = byPicture
            try await environment.engine { workspace in
                let task = try workspace.crowdTask(taskId)
                var batchId = Int64(commitNumber)
                if batchId <= 0 {
                    guard let open = try workspace.openAnnotationBatch(taskId: task.task.id, user: user) else {
                        throw AIArtsError(.conflict, "\(user) has no open commit of task \(taskId); apply for one first")
                    }
                    batchId = open.id
                } else if try workspace.annotationBatchTask(batchId).id != task.task.id {
                    throw AIArtsError(.invalidArgument, "commit \(batchId) is not of task \(taskId)")
                }
                _ = try workspace.commitCrowdAnnotations(batch: batchId, user: user, results: sent)
            }
            return Response(status: .created)
        }

        group.post("commits/pictures/{commit_id}") { request, context in
            let principal = try context.require(.review)
            guard let text = context.parameters.get("commit_id"), let batchId = Int64(text), batchId >= 1 else {
                throw CrowdError(status: .notFound, title: "No such commit", detail: "commit ids are positive integers, as apply returns them")
            }
            let form = try await request.multipartForm(environment)
            defer { form.discard() }
            let user = try await CrowdInput.actingUser(form.fields["user_id"], principal: principal, environment: environment)
            let files = form.files.filter { $0.field == "file" }
            guard !files.isEmpty else { throw CrowdError.json("file can not be null: send the pictures as multipart field 'file'") }
            let taskId: Int64 = try await environment.engine { workspace in
                let task = try workspace.annotationBatchTask(batchId)
                guard let id = try workspace.crowdTaskIDs()[task.id] else { throw AIArtsError(.notFound, "there is no commit \(batchId)") }
                return id
            }
            let pictures = try await environment.engine { workspace in
                try workspace.commitCollectedPictures(batch: batchId, user: user, files: files.map { ($0.url, $0.filename) })
            }
            return JSONOut.response(["data": pictures.map { CrowdPaths.pictureURL(request, environment, task: taskId, sample: $0.sampleId) }],
                                    status: .created)
        }

        group.get("commits") { request, context in
            _ = try context.require(.read)
            let query = request.queryParameters
            let pageNum = try CrowdTaskRoutes.page(query["pageNum"], "pageNum", default: 0, range: 0...Int(Int32.max))
            let pageSize = try CrowdTaskRoutes.page(query["pageSize"], "pageSize", default: 10, range: 1...1000)
            var taskFilter: Int64?
            if let text = query["task"], !text.isEmpty {
                guard let id = Int64(text) else { throw CrowdError.json("task must be a task id (an integer)") }
                taskFilter = id
            }
            let user = query["user"].flatMap { $0.isEmpty ? nil : $0 }
            let filter = taskFilter
            let (offset, overflow) = pageNum.multipliedReportingOverflow(by: pageSize)
            guard !overflow else { throw CrowdError.json("pageNum is too large") }
            let page = try await environment.engine { try $0.crowdCommits(user: user, task: filter, offset: offset, limit: pageSize) }
            let commits: [[String: Any]] = page.items.map { item in
                ["user_id": item.commit.user, "task_id": item.task, "commit_id": item.commit.batchId, "size": item.commit.samples,
                 "committed_at": CrowdTime.string(item.commit.committedAt)]
            }
            return JSONOut.response(["data": ["commits": commits, "total": page.total, "pageNum": pageNum, "pageSize": pageSize] as [String: Any]])
        }

        group.get("file/tasks/{id}/pictures/{picture}") { request, context in
            _ = try context.require(.read)
            let id = try CrowdInput.taskId(context)
            guard let text = context.parameters.get("picture"), let sample = Int64(text) else {
                throw CrowdError(status: .notFound, title: "File not found", detail: "picture url not exists")
            }
            let file = try await environment.engine { try $0.crowdPictureFile(task: id, sampleId: sample) }
            let body = try await FileIO().loadFile(path: file.path, context: context)
            var response = Response(status: .ok, body: body)
            response.headers[.contentType] = contentType(file.pathExtension)
            return response
        }
    }

    static func contentType(_ ext: String) -> String {
        switch ext.lowercased() {
        case "jpg", "jpeg": "image/jpeg"
        case "png": "image/png"
        case "gif": "image/gif"
        case "bmp": "image/bmp"
        case "webp": "image/webp"
        case "tif", "tiff": "image/tiff"
        default: "application/octet-stream"
        }
    }
}
