import Hummingbird

enum RegistryRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
    }
}
