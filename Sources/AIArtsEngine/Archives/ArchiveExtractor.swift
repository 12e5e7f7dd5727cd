import Foundation

/// Extracts a dataset archive (zip, tar, tar.gz) into a folder without trusting it: every name
/// is confined to the destination, links and devices are never created, sizes are enforced as
/// bytes come out, and a damaged entry is skipped with its reason while the rest goes on.
public struct ArchiveExtractor {
    /// Extracts `archive` into `destination` (created if missing).
    ///
    /// - Parameters:
    ///   - progress: called with (archive bytes processed, archive size) after each entry.
    ///   - isCancelled: polled between entries (and now and then inside big ones); when it says
    ///     yes, the file in progress is removed and `CancellationError` is thrown. Files already
    ///     extracted stay.
    /// - Throws: `ArchiveError` for an archive that is unreadable, corrupt, truncated or over a
    ///   limit; `CancellationError` when cancelled.
    public static func extract(_ archive: URL, into destination: URL, limits: Limits = .default,
                               progress: ((Int64, Int64) -> Void)? = nil,
                               isCancelled: () -> Bool = { false }) throws -> ExtractionReport {
        let file = try ArchiveFile(archive)
        let kind = try ArchiveKind.detect(file)
        if isCancelled() { throw CancellationError() }
        let target = try ExtractionTarget(destination, kind: kind, archiveName: file.name, limits: limits)
        switch kind {
        case .zip:
            try ZipReader(file, limits: limits).extractAll(into: target, progress: progress, isCancelled: isCancelled)
        case .tar:
            let reader = TarReader(archiveName: file.name, label: "tar", source: FileSource(file), fileSize: file.size)
            try reader.extractAll(into: target, progress: progress, isCancelled: isCancelled)
        case .tarGzip:
            let source = try GzipSource(file, limits: limits)
            let reader = TarReader(archiveName: file.name, label: "tar.gz", source: source, fileSize: file.size)
            try reader.extractAll(into: target, progress: progress, isCancelled: isCancelled)
        }
        return target.report
    }
}
