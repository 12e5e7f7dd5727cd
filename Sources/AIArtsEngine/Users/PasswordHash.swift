import Crypto
import _CryptoExtras
import Foundation

/// Passwords, stored as `pbkdf2-sha256$<rounds>$<salt, base64>$<key, base64>`: PBKDF2 with SHA-256,
/// a random 16-byte salt per password, and enough rounds that guessing is slow (docs/api.md).
enum PasswordHash {
    static let rounds = 210_000
    static let minimumLength = 8

    static func make(_ password: String, rounds: Int = rounds) throws -> String {
        guard password.count >= minimumLength else {
            throw AIArtsError(.invalidArgument, "a password has at least \(minimumLength) characters")
        }
        var generator = SystemRandomNumberGenerator()
        let salt = Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let key = try derive(password, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(salt.base64EncodedString())$\(key.base64EncodedString())"
    }

    static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds > 0, rounds <= 10_000_000,
              let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
              let key = try? derive(password, salt: salt, rounds: rounds) else { return false }
        return TokenText.constantTimeEqual(key.base64EncodedString(), expected.base64EncodedString())
    }

    /// A hash no password matches, checked when the user does not exist.
    static let decoy = "pbkdf2-sha256$\(rounds)$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

    private static func derive(_ password: String, salt: Data, rounds: Int) throws -> Data {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Data(password.utf8), salt: salt, using: .sha256,
                                                     outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Data($0) }
    }
}
