import AIArtsEngine
import Foundation
import Hummingbird

/// Tasks: create, list a page, a task's profile, update it, apply for a batch (docs/api.md, "Crowd annotation").
enum CrowdTaskRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.post("tasks") { request, context in
            let principal = try context.require(.train)
            let data = try await CrowdInput.data(request, environment)
            guard let named = try CrowdInput.user(data, "user_id") else { throw CrowdError.json("user_id can not be null") }
            let creator = try await CrowdInput.actingUser(named, principal: principal, environment: environment)
            guard let typeCode = try CrowdInput.int(data, "type") else { throw CrowdError.json("type can not be null") }
            guard let type = CrowdTaskType(rawValue: typeCode) else { throw CrowdError.json("type must be 0 (annotation) or 1 (collection)") }
            guard let name = try CrowdInput.string(data, "name") else { throw CrowdError.json("name can not be null") }
            guard let datasetId = try CrowdInput.string(data, "dataset_id") else {
                throw CrowdError.json("dataset_id can not be null: name the aiarts dataset (D0001) the task annotates or collects into")
            }
            let formatter = try formatter(data["formatter"])
            let size = try CrowdInput.int(data, "size") ?? 10
            let start = try CrowdTime.field(data, "start_time") ?? Date()
            let deadline = try CrowdTime.field(data, "deadline")
            let description = try CrowdInput.string(data, "description") ?? ""
            let task = try await environment.engine {
                try $0.createCrowdTask(type: type, creator: creator, datasetId: datasetId, name: name, description: description,
                                       formatter: formatter, size: size, startAt: start, deadline: deadline)
            }
            return JSONOut.response(["data": json(task)], status: .created)
        }

        group.get("tasks") { request, context in
            _ = try context.require(.read)
            let query = request.queryParameters
            let pageNum = try page(query["pageNum"], "pageNum", default: 0, range: 0...Int(Int32.max))
            let pageSize = try page(query["pageSize"], "pageSize", default: 20, range: 1...1000)
            let tasks = try await environment.engine { try $0.crowdTasks(offset: pageNum * pageSize, limit: pageSize) }
            return JSONOut.response(["data": ["tasks": tasks.map { json($0) }]])
        }

        group.get("tasks/{id}") { request, context in
            _ = try context.require(.read)
            let id = try CrowdInput.taskId(context)
            let (task, pictures) = try await CrowdInput.task(environment) { try ($0.crowdTask(id), $0.crowdTaskPictures(id)) }
            return JSONOut.response(["data": profile(task, pictures: pictures, request, environment)])
        }

        group.patch("tasks/{id}") { request, context in
            _ = try context.require(.train)
            let id = try CrowdInput.taskId(context)
            let data = try await CrowdInput.data(request, environment)
            guard let bodyId = try CrowdInput.int(data, "id") else { throw CrowdError.json("can not find 'id'") }
            guard Int64(bodyId) == id else { throw CrowdError.json("id not match") }
            let current = try await CrowdInput.task(environment) { try $0.crowdTask(id) }
            // Fields that are not the task's to change are refused unless they say what is already so.
            if let type = try CrowdInput.int(data, "type"), type != current.type.rawValue { throw CrowdError.json("type can not be changed") }
            if let user = try CrowdInput.user(data, "user_id"), user != current.creator { throw CrowdError.json("user_id can not be changed") }
            if let sent = data["formatter"], !(sent is NSNull), try formatter(sent) != (current.task.formatter.tags.isEmpty ? nil : current.task.formatter) {
                throw CrowdError.json("formatter can not be changed: create a new task for other tags")
            }
            let update = CrowdTaskUpdate(name: try CrowdInput.string(data, "name"), description: try CrowdInput.string(data, "description"),
                                         size: try CrowdInput.int(data, "size"), startAt: try CrowdTime.field(data, "start_time"),
                                         deadline: try CrowdTime.field(data, "deadline"))
            let (task, pictures) = try await environment.engine { try ($0.updateCrowdTask(id, update), $0.crowdTaskPictures(id)) }
            return JSONOut.response(["data": profile(task, pictures: pictures, request, environment)])
        }

        group.post("tasks/apply") { request, context in
            let principal = try context.require(.review)
            let data = try await CrowdInput.data(request, environment)
            guard let taskNumber = try CrowdInput.int(data, "task_id") else { throw CrowdError.json("task_id can not be null") }
            let id = Int64(taskNumber)
            let user = try await CrowdInput.actingUser(try CrowdInput.user(data, "user_id"), principal: principal, environment: environment)
            let task = try await CrowdInput.task(environment) { try $0.crowdTask(id) }
            // The document's refusal for an open batch, with what is left of it.
            if let open = try await environment.engine({ try $0.openAnnotationBatch(taskId: task.task.id, user: user) }) {
                let rest = task.type == .collection ? task.task.size : open.samples.count
                throw CrowdError(status: .badRequest, title: "you have unfinished commit of this task",
                                 detail: "commit_id: \(open.id), rest: \(rest) entries, user_id: \(user) task_id: \(id)")
            }
            switch task.type {
            case .annotation:
                let batch = try await environment.engine { try $0.applyAnnotationBatch(taskId: task.task.id, user: user) }
                return JSONOut.response(["data": [
                    "commit_id": batch.id, "size": batch.samples.count, "task_id": id, "type": task.type.rawValue,
                    "pictures": batch.samples.map { CrowdPaths.pictureURL(request, environment, task: id, sample: $0.id) },
                ] as [String: Any]])
            case .collection:
                let batch = try await environment.engine { try $0.applyCollectionBatch(task: id, user: user) }
                return JSONOut.response(["data": [
                    "commit_id": batch.id ?? 0, "size": task.task.size, "task_id": id, "type": task.type.rawValue,
                ] as [String: Any]])
            }
        }
    }

    /// A formatter field: `{"tags": [...]}`, a bare array of tags, or `{}`/null for none.
    static func formatter(_ value: Any?) throws -> AnnotationFormatter? {
        guard let value, !(value is NSNull) else { return nil }
        if let object = value as? [String: Any], object.isEmpty { return nil }
        let text: String
        if let string = value as? String {
            text = string
        } else {
            guard JSONSerialization.isValidJSONObject(value), let data = try? JSONSerialization.data(withJSONObject: value) else {
                throw CrowdError.json("formatter must be {\"tags\": [{\"name\": ..., \"description\": ..., \"attributes\": [...]}]}")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        do {
            return try AnnotationFormatter.parse(text)
        } catch let error as AIArtsError {
            throw CrowdError.json(error.message)
        }
    }

    static func page(_ text: String?, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw CrowdError.json("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A task as the document shows it.
    static func json(_ task: CrowdTask) -> [String: Any] {
        let tags = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(task.task.formatter))) ?? []
        return [
            "id": task.id, "type": task.type.rawValue, "user_id": task.creator, "name": task.task.name,
            "description": task.task.description, "size": task.task.size,
            "formatter": task.task.formatter.tags.isEmpty ? [String: Any]() : ["tags": tags],
            "start_time": CrowdTime.string(task.task.startAt),
            "deadline": task.task.deadline.map(CrowdTime.string) ?? NSNull(),
            "dataset_id": task.task.datasetId,
        ]
    }

    /// A task's profile: the task with `cover` and up to 10 `pictures`.
    static func profile(_ task: CrowdTask, pictures: [AnnotationBatch.Sample], _ request: Request, _ environment: ServerEnvironment) -> [String: Any] {
        var object = json(task)
        let urls = pictures.map { CrowdPaths.pictureURL(request, environment, task: task.id, sample: $0.id) }
        object["pictures"] = urls
        object["cover"] = urls.first ?? NSNull()
        return object
    }
}
