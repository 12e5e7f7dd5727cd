import Foundation

/// Decisions written as words (`aiarts review decide D0001 12 class dog`, and any front end that
/// takes them as text): the verbs, what each takes, and errors that say what is accepted.
extension ReviewDecision {
    /// The verbs, in the order errors list them.
    public static let verbs = ["accept", "flag", "bad", "note", "class", "box-class", "delete-box", "move-box", "add-box"]

    /// Parses `accept`, `flag`, `bad`, `note TEXT`, `class LABEL`, `box-class ANNOTATION LABEL`,
    /// `delete-box ANNOTATION`, `move-box ANNOTATION X Y W H`, `add-box LABEL X Y W H`. A LABEL is
    /// one of `labels` by name (any case) or by index; boxes are in pixels. Throws
    /// `.invalidArgument` saying what was expected.
    public init(parsing words: [String], labels: [String]) throws {
        let accepted = Self.verbs.joined(separator: ", ")
        guard let verb = words.first?.lowercased() else {
            throw AIArtsError(.invalidArgument, "name a decision: \(accepted)")
        }
        let rest = Array(words.dropFirst())
        func count(_ n: Int, _ usage: String) throws {
            guard rest.count == n else { throw AIArtsError(.invalidArgument, "usage: \(verb) \(usage)".trimmingCharacters(in: .whitespaces)) }
        }
        func label(_ text: String) throws -> Int {
            if let i = labels.firstIndex(of: text) ?? labels.firstIndex(where: { $0.lowercased() == text.lowercased() }) { return i }
            if let i = Int(text), labels.indices.contains(i) { return i }
            let known = labels.isEmpty ? "the dataset has none" : "the labels are " + labels.enumerated().map { "\($0) \($1)" }.joined(separator: ", ")
            throw AIArtsError(.invalidArgument, "no label \"\(text)\"; \(known)")
        }
        func annotation(_ text: String) throws -> Int64 {
            guard let id = Int64(text) else { throw AIArtsError(.invalidArgument, "\(text) is not an annotation id (a number, from `aiarts review queue`)") }
            return id
        }
        func box(_ values: ArraySlice<String>) throws -> Box {
            let numbers = values.compactMap(Double.init).filter(\.isFinite)
            guard numbers.count == 4 else { throw AIArtsError(.invalidArgument, "a box is X Y W H in pixels, not \(values.joined(separator: " "))") }
            return Box(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3])
        }
        switch verb {
        case "accept": try count(0, ""); self = .accept
        case "flag": try count(0, ""); self = .flag
        case "bad": try count(0, ""); self = .markBad
        case "note": self = .note(rest.joined(separator: " "))
        case "class": try count(1, "LABEL"); self = .setClass(try label(rest[0]))
        case "box-class": try count(2, "ANNOTATION LABEL"); self = .setBoxClass(annotationId: try annotation(rest[0]), labelIndex: try label(rest[1]))
        case "delete-box": try count(1, "ANNOTATION"); self = .deleteBox(annotationId: try annotation(rest[0]))
        case "move-box": try count(5, "ANNOTATION X Y W H"); self = .moveBox(annotationId: try annotation(rest[0]), try box(rest[1...]))
        case "add-box": try count(5, "LABEL X Y W H"); self = .addBox(labelIndex: try label(rest[0]), try box(rest[1...]))
        default:
            throw AIArtsError(.invalidArgument, "unknown decision \(verb); use \(accepted)")
        }
    }
}

extension ReviewFilterStatus {
    /// A review status as a person types it (`--status flagged`, `status=bad`): any case; an error
    /// naming the statuses otherwise.
    public init(parsing text: String) throws {
        guard let status = ReviewFilterStatus(rawValue: text.lowercased()) else {
            throw AIArtsError(.invalidArgument, "the status is one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")), not \(text)")
        }
        self = status
    }
}
