import Foundation

/// The archive formats a dataset can be imported from.
public enum ArchiveKind: String, Sendable, CaseIterable {
    case zip, tar, tarGzip

    /// Detects the kind of `url` from its first bytes. Magic bytes win over the extension because
    /// dataset archives are often renamed by whoever shared them (a ".zip" that is really a tarball).
    public static func detect(_ url: URL) throws(ArchiveError) -> ArchiveKind {
        let file = try ArchiveFile(url)
        return try detect(file)
    }

    /// Detects from the leading bytes alone; nil when nothing matches.
    public static func detect(header bytes: [UInt8]) -> ArchiveKind? {
        // Local file header, or the end record of an empty zip, or the split-archive marker.
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B,
           [(3, 4), (5, 6), (7, 8)].contains(where: { bytes[2] == $0.0 && bytes[3] == $0.1 }) {
            return .zip
        }
        if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B { return .tarGzip }
        // The magic alone is enough, so a tar cut inside its first header is still called a tar
        // (and then reported as truncated rather than unrecognised).
        if bytes.count >= 262, bytes[257..<262].elementsEqual(Array("ustar".utf8)) { return .tar }
        if bytes.count >= 512, TarHeader.looksLikeHeader(bytes[0..<512]) { return .tar }
        return nil
    }

    static func detect(_ file: ArchiveFile) throws(ArchiveError) -> ArchiveKind {
        let head = try file.read(at: 0, count: 512)
        if let kind = detect(header: head) { return kind }
        // Self-extracting or prefixed zips have their magic elsewhere; the end record is at the
        // tail, so a ".zip" name is enough reason to look there before giving up.
        if file.url.pathExtension.lowercased() == "zip" { return .zip }
        throw ArchiveError(file.name, .unrecognised,
                           "not a zip, tar or tar.gz archive (the first bytes match none of them)")
    }
}

/// A corrupt, truncated, unreadable or over-limit archive. Entry-level problems are not errors:
/// they end up in `ExtractionReport.skipped`.
public struct ArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Category: String, Sendable {
        case unreadable, unrecognised, unsupported, corrupt, truncated, limitExceeded, writeFailed
    }

    /// File name of the archive, so messages make sense when several imports run.
    public var archive: String
    public var category: Category
    public var message: String

    public init(_ archive: String, _ category: Category, _ message: String) {
        self.archive = archive
        self.category = category
        self.message = message
    }

    public var description: String { "\(archive): \(message)" }
}

/// What an extraction did. Paths are relative to the destination, '/'-separated.
public struct ExtractionReport: Sendable {
    public var kind: ArchiveKind
    public var filesExtracted = 0
    public var directoriesCreated = 0
    public var bytesWritten: Int64 = 0
    /// Every file written, in archive order (a later duplicate replaces the earlier file on disk).
    public var files: [String] = []
    /// Entries not extracted, with why; `path` is the name as the archive spelled it.
    public var skipped: [(path: String, reason: String)] = []

    public init(kind: ArchiveKind) { self.kind = kind }
}

extension ArchiveExtractor {
    /// Caps that protect the disk from archive bombs. They are checked against bytes actually
    /// produced while writing, because sizes in headers are written by whoever made the archive.
    public struct Limits: Sendable, Equatable {
        /// Entries of any kind (files, folders, links, skipped ones).
        public var maxEntries: Int
        /// Bytes written to the destination, summed over all files.
        public var maxTotalBytes: Int64
        /// Largest allowed uncompressed:compressed ratio, per zip entry or over a whole gzip stream.
        public var maxRatio: Double
        /// The ratio is only judged once this many bytes came out; tiny files compress absurdly well.
        public var ratioFloor: Int64

        public init(maxEntries: Int = 1_000_000, maxTotalBytes: Int64 = 64 << 30,
                    maxRatio: Double = 1000, ratioFloor: Int64 = 1 << 20) {
            self.maxEntries = maxEntries
            self.maxTotalBytes = maxTotalBytes
            self.maxRatio = maxRatio
            self.ratioFloor = ratioFloor
        }

        public static let `default` = Limits()

        /// The ratio for messages; Int(_:) would trap on an absurd Double.
        var ratioText: String { maxRatio < 1e15 ? "\(Int(maxRatio)):1" : "\(maxRatio):1" }

        /// The most a whole archive of `archiveSize` bytes may unpack to: the ratio limit applied to the
        /// archive's real size (never under the ratio floor), and never over `maxTotalBytes`.
        func totalBound(archiveSize: Int64) -> Int64 {
            let byRatio = maxRatio * Double(max(archiveSize, 1))
            let bound = byRatio >= Double(Int64.max) ? Int64.max : max(ratioFloor, Int64(byRatio))
            return min(maxTotalBytes, bound)
        }

        /// True when `produced` bytes out of `consumed` compressed bytes is a bomb-like ratio.
        func ratioExceeded(produced: Int64, consumed: Int64) -> Bool {
            produced > ratioFloor && Double(produced) > maxRatio * Double(max(consumed, 1))
        }
    }
}

/// Human-readable sizes for messages ("10.0 MB").
func formatBytes(_ n: Int64) -> String {
    if n < 1000 { return "\(n) bytes" }
    let units = ["KB", "MB", "GB", "TB", "PB"]
    var value = Double(n) / 1000
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return String(format: "%.1f", value) + " " + units[unit]
}
