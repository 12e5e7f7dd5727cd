import Hummingbird

enum PaddleXRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
    }
}
