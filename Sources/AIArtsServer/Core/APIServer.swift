import AIArtsEngine
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// Where and how `aiarts serve` listens (docs/api.md, "Running the server").
public struct ServeOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8765
    public var certificate: String?
    public var key: String?
    /// Plain HTTP on an address that is not loopback, which the server otherwise refuses.
    public var insecure = false
    public var limits = ServerLimits()

    public init() {}

    /// `HOST:PORT`, `[V6]:PORT` or `:PORT` (loopback).
    public mutating func setListen(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw AIArtsError(.invalidArgument, "--listen takes HOST:PORT, such as 127.0.0.1:8765")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "127.0.0.1" : host
        self.port = port
    }

    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var tls: Bool { certificate != nil }

    /// Refuses what would expose the workspace: plain HTTP beyond loopback, half a TLS pair.
    public func validate() throws {
        if (certificate == nil) != (key == nil) {
            throw AIArtsError(.invalidArgument, "TLS needs both --tls-cert FILE and --tls-key FILE")
        }
        if !isLoopback && !tls && !insecure {
            throw AIArtsError(.invalidArgument, "\(host) is not a loopback address: give --tls-cert and --tls-key so that tokens are not sent in the clear, or --insecure if the network is trusted (or listen on 127.0.0.1 and use ssh -L)")
        }
    }
}

public enum APIServer {
    /// Every dialect's routes behind the request log, the error shapes and the token check.
    public static func router(_ environment: ServerEnvironment) -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: RequestLogMiddleware(environment: environment))
        router.add(middleware: DialectErrorMiddleware())
        router.add(middleware: TokenAuthMiddleware(environment: environment))
        DialectRoutes.register(on: router, environment: environment)
        return router
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting and lets requests in flight finish.
    /// `onReady` gets the URL clients use (with the port the system chose, for port 0).
    public static func run(_ options: ServeOptions, environment: ServerEnvironment,
                           onReady: @escaping @Sendable (String) async -> Void = { _ in }) async throws {
        try options.validate()
        let limits = options.limits
        let http1 = HTTPServerBuilder.http1(configuration: .init(
            additionalChannelHandlers: [HeaderTimeoutHandler(timeout: .milliseconds(Int64(limits.headerTimeout * 1000)))],
            idleTimeout: .milliseconds(Int64(limits.idleTimeout * 1000))))
        let server: HTTPServerBuilder
        if let certificate = options.certificate, let key = options.key {
            let tls: TLSConfiguration
            do {
                tls = TLSConfiguration.makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                    privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            } catch {
                throw AIArtsError(.invalidArgument, "cannot read the TLS certificate or key (PEM files expected): \(error)")
            }
            server = try .tls(http1, tlsConfiguration: tls)
        } else {
            server = http1
        }
        let scheme = options.tls ? "https" : "http"
        let shownHost = options.host.contains(":") ? "[\(options.host)]" : options.host
        let app = Application(
            router: router(environment),
            server: server,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "aiarts",
                                 availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                let url = "\(scheme)://\(shownHost):\(port)"
                environment.started(url: url, tls: options.tls)
                await onReady(url)
            },
            logger: environment.logger)
        defer { environment.stopped() }
        try await app.runService()
    }
}
