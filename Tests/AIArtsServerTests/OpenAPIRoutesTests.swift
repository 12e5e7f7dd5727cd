@testable import AIArtsServer
import Foundation
import Testing
import Yams

/// docs/openapi.yaml and the server's routes are the same set (docs/api.md, "OpenAPI").
@Suite struct OpenAPIRoutesTests {
    static func specRoutes() throws -> Set<String> {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        let spec = try Yams.load(yaml: String(contentsOf: url, encoding: .utf8)) as? [String: Any] ?? [:]
        let paths = spec["paths"] as? [String: Any] ?? [:]
        var routes: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys
            where ["get", "put", "post", "delete", "patch", "head", "options"].contains(method) {
                routes.insert("\(method.uppercased()) \(normalize(path))")
            }
        }
        return routes
    }

    /// `{id}` and `:id` alike, so that the spec's and the router's spellings compare.
    /// A trailing slash (the Django dialect's paths) is dropped: the router describes paths without one.
    static func normalize(_ path: String) -> String {
        (path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path).split(separator: "/", omittingEmptySubsequences: false).map { part in
            (part.hasPrefix("{") && part.hasSuffix("}")) || part.hasPrefix(":") ? "{}" : String(part)
        }.joined(separator: "/")
    }

    @Test func everyServedRouteIsInTheSpecAndEverySpecRouteIsServed() throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let served = Set(APIServer.router(fixture.environment).routes.map { "\($0.method.rawValue) \(Self.normalize($0.path.description))" })
        let spec = try Self.specRoutes()
        #expect(served.subtracting(spec).sorted() == [], "served but not in docs/openapi.yaml")
        #expect(spec.subtracting(served).sorted() == [], "in docs/openapi.yaml but not served")
    }
}
