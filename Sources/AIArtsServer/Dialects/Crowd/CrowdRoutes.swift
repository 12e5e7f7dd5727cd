import Hummingbird

/// The crowd collection/annotation API (/work/shared/api/crowd-annotation.md; docs/api.md, "Crowd
/// annotation"), under /api and again under /ai_arts/api/annotations.
enum CrowdRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.add(middleware: CrowdErrorMiddleware())
        CrowdTaskRoutes.register(on: group, environment: environment)
        CrowdCommitRoutes.register(on: group, environment: environment)
    }
}
