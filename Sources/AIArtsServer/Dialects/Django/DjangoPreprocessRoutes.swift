import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird

/// The platform's data preprocessing (docs/api.md, "Preprocessing"): `POST /preprocess/` runs the
/// document's ordered operations on the dataset a data entry names (`Workspace.preprocessDataEntry`,
/// the job `aiarts dataset preprocess` runs) and answers once it has ended; `GET
/// /preprocess/operations/list/` lists the operations the document's names map to.
enum DjangoPreprocessRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
        let group = router.djangoGroup("preprocess")
        group.post("/") { request, context in try await preprocess(request, context, environment) }
        group.get("operations/list/") { _, context in try operations(context) }
    }

    /// Each operation name, the op it becomes, and what `value1` / `value2` mean for it.
    static func operations(_ context: ServerContext) throws -> Response {
        _ = try context.require(.read)
        return JSONOut.response(PreprocessOp.djangoNames.map { ["operationName": $0.name, "op": $0.op, "values": $0.values] })
    }

    static func preprocess(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let principal = try context.require(.train)
        let body = try await DjangoOut.parameters(request, environment: environment)
        let id = try body.int("dataId")
        let operations = try parseOperations(body["operations"])
        guard try await DjangoDataRoutes.visibleEntry(id, principal, environment) != nil else {
            throw APIError.notFound("no data \(id) of yours (GET /data/list/ lists your uploads)")
        }
        let done: DataPreprocessResult
        do {
            done = try await environment.engine { try $0.preprocessDataEntry(id, operations: operations, owner: principal.user) }
        } catch let error as AIArtsError where ![.notFound, .invalidArgument, .badInput, .conflict].contains(error.kind) {
            // The job itself failed (disk, a killed thread): the document's 500, with the reason.
            throw APIError(.internalServerError, error.message)
        }
        let result = done.result
        return JSONOut.response([
            "message": "success", "data_id": done.dataId, "dataset": done.datasetID, "mode": done.mode,
            "operations": done.ops.map(\.text), "images": result.images, "annotations": result.annotations, "failed": result.failed,
            "dropped_annotations": result.droppedAnnotations ?? 0, "detail": result.message,
        ] as [String: Any])
    }

    /// The document's `operations`: an ordered array of objects with `operationName`, `overlap`,
    /// `value1` and `value2` (null, a number, or a number as a string); each wrong field a 400 naming it.
    static func parseOperations(_ value: Any?) throws -> [DjangoPreprocessOperation] {
        guard let value, !(value is NSNull) else { throw APIError.badRequest("operations is missing: an ordered array of {operationName, overlap, value1, value2}") }
        guard let list = value as? [Any] else { throw APIError.badRequest("operations must be an array of {operationName, overlap, value1, value2}") }
        guard list.count <= 64 else { throw APIError.badRequest("operations has \(list.count) entries; at most 64 are taken") }
        return try list.enumerated().map { i, item in
            guard let fields = item as? [String: Any] else { throw APIError.badRequest("operations[\(i)] must be an object {operationName, overlap, value1, value2}") }
            func number(_ key: String) throws -> Double? {
                do { return fields[key] is NSNull || fields[key] == nil ? nil : try fields.double(key) } catch {
                    throw APIError.badRequest("operations[\(i)].\(key) must be a number or null")
                }
            }
            let name: String
            do { name = try fields.string("operationName") } catch {
                throw APIError.badRequest("operations[\(i)].operationName is missing (GET /preprocess/operations/list/ lists the names)")
            }
            let overlap: Bool?
            do { overlap = try fields.optionalBool("overlap") } catch { throw APIError.badRequest("operations[\(i)].overlap must be true or false") }
            return DjangoPreprocessOperation(operationName: name, overlap: overlap, value1: try number("value1"), value2: try number("value2"))
        }
    }
}
