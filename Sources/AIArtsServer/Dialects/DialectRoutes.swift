import Hummingbird

/// Every dialect's routes, each under its mount point (`Dialect.mount`; docs/api.md).
enum DialectRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
        AIArtsRoutes.register(on: router.group(RouterPath(Dialect.aiarts.mount)), environment: environment)
        PaddleXRoutes.register(on: router.group(RouterPath(Dialect.paddlex.mount)), environment: environment)
        RegistryRoutes.register(on: router.group(RouterPath(Dialect.registry.mount)), environment: environment)
        CrowdRoutes.register(on: router.group(RouterPath(Dialect.crowd.mount)), environment: environment)
        // The AIArts dialect's `annotations` module is the crowd annotation API, mounted a second time.
        CrowdRoutes.register(on: router.group(RouterPath(Dialect.aiarts.mount + "/annotations")), environment: environment)
        DjangoRoutes.register(on: router, environment: environment)
    }
}
