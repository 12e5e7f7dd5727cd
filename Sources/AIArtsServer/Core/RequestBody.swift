import Foundation
import Hummingbird
import NIOCore

/// Reading what a client sent: a JSON body (bounded by the server's body limit), the query string,
/// or both merged, with every failure a 400 that names the field (docs/api.md, "Errors").
extension Request {
    /// The body, at most `limit` bytes (a 413 beyond it).
    public func bodyBytes(limit: Int) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "the request body is larger than \(limit) bytes, the server's limit for JSON (files go as multipart uploads)")
        }
    }

    /// The body as a JSON object; an empty body is an empty object.
    public func jsonObject(limit: Int) async throws -> [String: Any] {
        let buffer = try await bodyBytes(limit: limit)
        if buffer.readableBytes == 0 { return [:] }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(buffer: buffer), options: [.fragmentsAllowed])
        } catch {
            throw APIError.badRequest("the body is not valid JSON; send a JSON object with Content-Type: application/json")
        }
        guard let object = value as? [String: Any] else { throw APIError.badRequest("the body must be a JSON object ({…})") }
        return object
    }

    /// The query string's parameters (the last of repeated names wins).
    public var queryParameters: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in uri.queryParameters { result[String(key)] = String(value) }
        return result
    }

    /// Query parameters and a JSON body's fields together: PaddleX's clients send a GET's
    /// parameters as a JSON body, others in the query string. Body fields win.
    public func parameters(limit: Int) async throws -> [String: Any] {
        var merged: [String: Any] = queryParameters
        for (key, value) in try await jsonObject(limit: limit) { merged[key] = value }
        return merged
    }
}

/// Typed reads of loosely typed parameters, each failure a 400 naming the field.
extension Dictionary where Key == String, Value == Any {
    public func string(_ key: String) throws -> String {
        guard let value = self[key] else { throw APIError.badRequest("\(key) is missing") }
        if let text = value as? String { return text }
        if let number = value as? NSNumber, !Self.isJSONBool(value) { return number.stringValue }
        throw APIError.badRequest("\(key) must be a string")
    }

    public func optionalString(_ key: String) throws -> String? {
        guard self[key] != nil, !(self[key] is NSNull) else { return nil }
        return try string(key)
    }

    public func int(_ key: String) throws -> Int {
        guard let value = self[key] else { throw APIError.badRequest("\(key) is missing") }
        if let number = value as? NSNumber, !Self.isJSONBool(value) {
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 9e15 else { throw APIError.badRequest("\(key) must be an integer") }
            return number.intValue
        }
        if let text = value as? String, let number = Int(text) { return number }
        throw APIError.badRequest("\(key) must be an integer")
    }

    public func optionalInt(_ key: String) throws -> Int? {
        guard self[key] != nil, !(self[key] is NSNull) else { return nil }
        return try int(key)
    }

    public func double(_ key: String) throws -> Double {
        guard let value = self[key] else { throw APIError.badRequest("\(key) is missing") }
        if let number = value as? NSNumber, !Self.isJSONBool(value), number.doubleValue.isFinite { return number.doubleValue }
        if let text = value as? String, let number = Double(text), number.isFinite { return number }
        throw APIError.badRequest("\(key) must be a number")
    }

    /// A JSON true or false. On Linux `1 is Bool` holds for any NSNumber 0 or 1, so the number's
    /// own type decides: JSONSerialization makes booleans as char-typed numbers ("c").
    public static func isJSONBool(_ value: Any) -> Bool {
        if let number = value as? NSNumber { return String(cString: number.objCType) == "c" }
        return value is Bool
    }

    public func optionalBool(_ key: String) throws -> Bool? {
        guard let value = self[key], !(value is NSNull) else { return nil }
        if let flag = value as? Bool { return flag }
        if let number = value as? NSNumber { return number.intValue != 0 }
        if let text = value as? String {
            switch text.lowercased() { case "1", "true", "yes": return true; case "0", "false", "no": return false; default: break }
        }
        throw APIError.badRequest("\(key) must be true or false")
    }
}
