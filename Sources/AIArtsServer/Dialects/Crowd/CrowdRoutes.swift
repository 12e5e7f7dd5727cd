import Hummingbird

enum CrowdRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
    }
}
