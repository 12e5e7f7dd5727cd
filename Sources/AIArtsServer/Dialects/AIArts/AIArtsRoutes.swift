import Hummingbird

enum AIArtsRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
    }
}
