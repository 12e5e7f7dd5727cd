import Hummingbird

enum DjangoRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
    }
}
