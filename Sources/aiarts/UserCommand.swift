import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

/// `aiarts user`: the people `aiarts serve` answers, with their roles (docs/api.md, "Users and tokens").
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Users of `aiarts serve` and their roles.",
        subcommands: [Add.self, List.self, Role.self, Remove.self, Password.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user with a role: admin, trainer, reviewer or viewer.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "admin | trainer | reviewer | viewer") var role: String
        @Flag(name: .customLong("password-stdin"), help: "Read a password (for the dialects that log in with one) from stdin.") var passwordStdin = false

        func run() throws {
            let role = try UserRole(parsing: role)
            let password = passwordStdin ? try UserCommand.readPassword() : nil
            let user = try global.open().addUser(name, role: role, password: password)
            print("added \(Sanitize.line(user.name)) (\(user.role.rawValue)); make a token with `aiarts token create \(Sanitize.line(user.name))`")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let users = try workspace.users()
            let tokens = try workspace.tokens()
            if json {
                return try Output.json(users.map { user in
                    UserInfo(name: user.name, role: user.role.rawValue, password: user.hasPassword,
                             tokens: tokens.filter { $0.userName == user.name }.count, createdAt: user.createdAt)
                })
            }
            if users.isEmpty { return print("no users; add one with `aiarts user add NAME --role admin`") }
            Output.table(["NAME", "ROLE", "PASSWORD", "TOKENS", "ADDED"], users.map { user in
                [Sanitize.line(user.name), user.role.rawValue, user.hasPassword ? "set" : "-",
                 String(tokens.filter { $0.userName == user.name }.count), TokenCommand.date(user.createdAt)]
            })
        }
    }

    struct Role: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user another role (a running server applies it within 2 s).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument(help: "admin | trainer | reviewer | viewer") var role: String

        func run() throws {
            let role = try UserRole(parsing: role)
            try global.open().setRole(of: name, to: role)
            print("\(Sanitize.line(name)) is now a \(role.rawValue)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a user and revoke their tokens.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() throws {
            try global.open().removeUser(name)
            print("removed \(Sanitize.line(name)) and their tokens")
        }
    }

    struct Password: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Set a user's password from stdin (or clear it with --clear).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Remove the password: the user can then use tokens only.") var clear = false

        func run() throws {
            try global.open().setPassword(of: name, to: clear ? nil : UserCommand.readPassword())
            print(clear ? "cleared \(Sanitize.line(name))'s password" : "set \(Sanitize.line(name))'s password")
        }
    }

    /// The first line of stdin, without its newline.
    static func readPassword() throws -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("no password on stdin (echo PASSWORD | aiarts user …)")
        }
        return line
    }
}

struct UserInfo: Encodable {
    var name: String
    var role: String
    var password: Bool
    var tokens: Int
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case name, role, password, tokens
        case createdAt = "created_at"
    }
}

/// `aiarts token`: bearer tokens for `aiarts serve`, shown once and stored as digests.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Tokens for `aiarts serve` (Authorization: Bearer TOKEN).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token for a user and print it on stdout (shown once).")
        @OptionGroup var global: GlobalOptions
        @Argument var user: String
        @Option(help: ArgumentHelp("When it stops working: a duration (30d, 12h, 90m) or a date (2027-01-31).", valueName: "WHEN")) var expires: String?
        @Option(help: "A note to tell tokens apart in `token list`.") var label = ""

        func run() throws {
            let expiry = try expires.map(TokenCommand.parseExpiry)
            let issued = try global.open().createToken(for: user, label: label, expires: expiry)
            print(issued.token)
            Output.error("token \(issued.record.id) for \(Sanitize.line(user))\(expiry.map { ", expires \(TokenCommand.date($0))" } ?? ""); it is not shown again")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var global: GlobalOptions
        @Argument var user: String?
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let tokens = try global.open().tokens(of: user)
            if json {
                return try Output.json(tokens.map {
                    TokenInfo(id: $0.id, user: $0.userName, label: $0.label, createdAt: $0.createdAt,
                              expiresAt: $0.expiresAt, lastUsedAt: $0.lastUsedAt)
                })
            }
            if tokens.isEmpty { return print("no tokens; make one with `aiarts token create USER`") }
            let now = Date()
            Output.table(["ID", "USER", "LABEL", "CREATED", "EXPIRES", "LAST USED"], tokens.map { token in
                [token.id, Sanitize.line(token.userName), Sanitize.line(token.label), TokenCommand.date(token.createdAt),
                 token.expiresAt.map { $0 <= now ? "expired" : TokenCommand.date($0) } ?? "never",
                 token.lastUsedAt.map(TokenCommand.date) ?? "-"]
            })
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (a running server stops taking it within 2 s).")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func run() throws {
            try global.open().revokeToken(id)
            print("revoked \(Sanitize.line(id))")
        }
    }

    /// `30d`, `12h`, `90m`, `3600s`, or a date `YYYY-MM-DD` (midnight UTC).
    static func parseExpiry(_ text: String) throws -> Date {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800]
        if let unit = text.last, let seconds = units[unit], let count = Double(text.dropLast()), count > 0, count.isFinite {
            return Date().addingTimeInterval(count * seconds)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        if let date = formatter.date(from: text) { return date }
        throw ValidationError("--expires takes a duration (30d, 12h, 90m) or a date (2027-01-31)")
    }

    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}

struct TokenInfo: Encodable {
    var id: String
    var user: String
    var label: String
    var createdAt: Date
    var expiresAt: Date?
    var lastUsedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, user, label
        case createdAt = "created_at", expiresAt = "expires_at", lastUsedAt = "last_used_at"
    }
}
