import Crypto
import Foundation
import GRDB

/// What a user of `aiarts serve` may do (docs/api.md, "Users and tokens").
public enum UserRole: String, Codable, CaseIterable, Sendable {
    case admin, trainer, reviewer, viewer

    public init(parsing text: String) throws {
        guard let role = UserRole(rawValue: text.lowercased()) else {
            throw AIArtsError(.invalidArgument, "unknown role \(text); a role is one of \(UserRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = role
    }

    /// Each role may do what the one below it may, and more.
    public func allows(_ permission: Permission) -> Bool {
        switch self {
        case .admin: true
        case .trainer: permission != .admin
        case .reviewer: permission == .read || permission == .review
        case .viewer: permission == .read
        }
    }
}

/// The kinds of request a role is checked against.
public enum Permission: String, Sendable {
    /// Lists, details, logs, metrics, downloads.
    case read
    /// Review decisions, annotation hand-outs and commits.
    case review
    /// Creating, starting, stopping and deleting datasets, tasks and models; uploads.
    case train
    /// Users and tokens.
    case admin
}

public struct UserRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "user"
    public var name: String
    public var role: UserRole
    var passwordHash: String?
    public var createdAt: Date

    public var hasPassword: Bool { passwordHash != nil }
}

public struct APITokenRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "apiToken"
    public var id: String
    public var userName: String
    var digest: String
    public var label: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var lastUsedAt: Date?
}

/// Who a request or a login is: the user a token or a password belongs to.
public struct Principal: Sendable, Equatable {
    public var user: String
    public var role: UserRole
    /// The token the request came with (nil for a password login that has not made one yet).
    public var tokenID: String?

    public init(user: String, role: UserRole, tokenID: String?) {
        self.user = user; self.role = role; self.tokenID = tokenID
    }

    public func allows(_ permission: Permission) -> Bool { role.allows(permission) }
}

/// A token as `token create` gives it: the secret is shown once and stored only as a digest.
public struct IssuedToken: Sendable {
    public var record: APITokenRecord
    /// `aiarts_<id>_<secret>`; the id names the row, the secret is compared against its digest.
    public var token: String
}

extension Workspace {
    static let userNameCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")

    @discardableResult
    public func addUser(_ name: String, role: UserRole, password: String? = nil) throws -> UserRecord {
        try requireWritable("adding user \(name)")
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy(Self.userNameCharacters.contains) else {
            throw AIArtsError(.invalidArgument, "a user name is 1 to 64 letters, digits, '.', '_', '-' or '@'")
        }
        let hash = try password.map { try PasswordHash.make($0) }
        return try store.pool.write { db in
            if try UserRecord.fetchOne(db, key: name) != nil {
                throw AIArtsError(.conflict, "user \(name) already exists (see `aiarts user list`)")
            }
            let record = UserRecord(name: name, role: role, passwordHash: hash, createdAt: Date())
            try record.insert(db)
            return record
        }
    }

    public func users() throws -> [UserRecord] {
        try store.pool.read { try UserRecord.order(Column("name")).fetchAll($0) }
    }

    public func user(_ name: String) throws -> UserRecord {
        guard let user = try store.pool.read({ try UserRecord.fetchOne($0, key: name) }) else {
            throw AIArtsError(.notFound, "no user \(name) (see `aiarts user list`)")
        }
        return user
    }

    /// Removes a user and every token of theirs. Their review decisions and commits keep their name.
    public func removeUser(_ name: String) throws {
        try requireWritable("removing user \(name)")
        let removed = try store.pool.write { db in
            try APITokenRecord.filter(Column("userName") == name).deleteAll(db)
            return try UserRecord.deleteOne(db, key: name)
        }
        if !removed { throw AIArtsError(.notFound, "no user \(name) (see `aiarts user list`)") }
    }

    /// Gives a user another role; their tokens carry it from the next request the server checks.
    public func setRole(of name: String, to role: UserRole) throws {
        try requireWritable("changing \(name)'s role")
        let changed = try store.pool.write { db -> Bool in
            guard var user = try UserRecord.fetchOne(db, key: name) else { return false }
            user.role = role
            try user.update(db)
            return true
        }
        if !changed { throw AIArtsError(.notFound, "no user \(name) (see `aiarts user list`)") }
    }

    /// Sets (or, with nil, clears) a user's password.
    public func setPassword(of name: String, to password: String?) throws {
        try requireWritable("changing \(name)'s password")
        let hash = try password.map { try PasswordHash.make($0) }
        let changed = try store.pool.write { db -> Bool in
            guard var user = try UserRecord.fetchOne(db, key: name) else { return false }
            user.passwordHash = hash
            try user.update(db)
            return true
        }
        if !changed { throw AIArtsError(.notFound, "no user \(name) (see `aiarts user list`)") }
    }

    /// The user whose password this is, or nil (wrong name or password, or no password set):
    /// the caller cannot tell which, and rate-limits failures.
    public func checkPassword(user name: String, password: String) throws -> UserRecord? {
        guard let user = try store.pool.read({ try UserRecord.fetchOne($0, key: name) }) else {
            // Spend the same time as a real check, so that a wrong name is not told by the clock.
            _ = PasswordHash.verify(password, against: PasswordHash.decoy)
            return nil
        }
        guard let hash = user.passwordHash, PasswordHash.verify(password, against: hash) else { return nil }
        return user
    }

    /// Makes a token for a user. `expires` nil: it lasts until revoked.
    public func createToken(for name: String, label: String = "", expires: Date? = nil) throws -> IssuedToken {
        try requireWritable("creating a token for \(name)")
        if let expires, expires <= Date() { throw AIArtsError(.invalidArgument, "the expiry is in the past") }
        return try store.pool.write { db in
            guard try UserRecord.fetchOne(db, key: name) != nil else {
                throw AIArtsError(.notFound, "no user \(name); add one with `aiarts user add \(name) --role viewer`")
            }
            var id = TokenText.randomHex(bytes: 4)
            while try APITokenRecord.fetchOne(db, key: id) != nil { id = TokenText.randomHex(bytes: 4) }
            let secret = TokenText.randomHex(bytes: 32)
            let record = APITokenRecord(id: id, userName: name, digest: TokenText.digest(secret), label: label,
                                        createdAt: Date(), expiresAt: expires, lastUsedAt: nil)
            try record.insert(db)
            return IssuedToken(record: record, token: "\(TokenText.prefix)\(id)_\(secret)")
        }
    }

    public func tokens(of name: String? = nil) throws -> [APITokenRecord] {
        try store.pool.read { db in
            var request = APITokenRecord.order(Column("userName"), Column("createdAt"))
            if let name { request = request.filter(Column("userName") == name) }
            return try request.fetchAll(db)
        }
    }

    public func revokeToken(_ id: String) throws {
        try requireWritable("revoking token \(id)")
        let removed = try store.pool.write { try APITokenRecord.deleteOne($0, key: id) }
        if !removed { throw AIArtsError(.notFound, "no token \(id) (see `aiarts token list`)") }
    }

    /// Whose token this is, or nil when it is malformed, unknown, revoked or expired. The secret is
    /// compared with the stored digest in constant time.
    public func principal(forToken token: String, now: Date = Date()) throws -> Principal? {
        guard let (id, secret) = TokenText.split(token) else { return nil }
        return try store.pool.read { db -> Principal? in
            guard let record = try APITokenRecord.fetchOne(db, key: id) else { return nil }
            guard TokenText.constantTimeEqual(TokenText.digest(secret), record.digest) else { return nil }
            if let expires = record.expiresAt, expires <= now { return nil }
            guard let user = try UserRecord.fetchOne(db, key: record.userName) else { return nil }
            return Principal(user: user.name, role: user.role, tokenID: record.id)
        }
    }

    /// Records that a token was used (the server calls this at most once a minute per token).
    public func markTokenUsed(_ id: String, at date: Date = Date()) throws {
        guard !isReadOnly else { return }
        try store.pool.write { db in
            try db.execute(sql: "UPDATE apiToken SET lastUsedAt = ? WHERE id = ?", arguments: [date, id])
        }
    }
}

/// The text of a token: `aiarts_<8 hex id>_<64 hex secret>`.
enum TokenText {
    static let prefix = "aiarts_"

    static func split(_ token: String) -> (id: String, secret: String)? {
        guard token.hasPrefix(prefix) else { return nil }
        let rest = token.dropFirst(prefix.count)
        let parts = rest.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 8, parts[1].count == 64,
              parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) }) else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Equal strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
