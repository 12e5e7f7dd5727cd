import Foundation

/// Series as columnar JSON for the HTTP API (`GET /ai_arts/api/trainings/{id}/metrics` and its
/// Server-Sent Events): one object per series with parallel arrays, written straight into bytes
/// with the number formatting of `MetricTable.writeJSON` (100,000 points in a few milliseconds).
///
/// `[{"name": "train/loss", "raw": false, "from": 0, "steps": [1, 2], "epochs": [0.5, 1],
///   "times": [1733450000.5, …], "values": [0.9, 0.7]}, …]` — a missing step, epoch or time is null.
public enum MetricSeriesJSON {
    /// The series of `table`, only those named in `names` when given, and only the points whose
    /// time is after `since` (Unix seconds) when given; `from` is the index of the first point kept.
    public static func series(of table: MetricTable, names: Set<String>? = nil, since: Double? = nil) -> [MetricSeriesDelta] {
        table.columns.compactMap { column in
            if let names, !names.contains(column.name) { return nil }
            return filtered(MetricSeriesDelta(column, from: 0), since: since)
        }
    }

    /// `delta`'s series, filtered as `series(of:names:since:)` filters a table's.
    public static func series(of delta: MetricsDelta, names: Set<String>? = nil, since: Double? = nil) -> [MetricSeriesDelta] {
        delta.series.compactMap { s in
            if let names, !names.contains(s.name) { return nil }
            return filtered(s, since: since)
        }
    }

    static func filtered(_ s: MetricSeriesDelta, since: Double?) -> MetricSeriesDelta {
        guard let since else { return s }
        // Times only grow within a run: the first point after `since`, keeping all that follow it.
        guard let first = s.times.firstIndex(where: { $0 > since }) else {
            return MetricSeriesDelta(name: s.name, raw: s.raw, from: s.from + s.count, steps: [], epochs: [], times: [], values: [])
        }
        return MetricSeriesDelta(name: s.name, raw: s.raw, from: s.from + first, steps: Array(s.steps[first...]),
                                 epochs: Array(s.epochs[first...]), times: Array(s.times[first...]), values: Array(s.values[first...]))
    }

    /// Appends the JSON array of `series` to `out`.
    public static func write(_ series: [MetricSeriesDelta], into out: inout [UInt8]) {
        var buffer = NumberTextBuffer()
        buffer.bytes = out
        buffer.ascii("[")
        for (k, s) in series.enumerated() {
            buffer.ascii(k == 0 ? "{\"name\":" : ",{\"name\":")
            var name = JSONWriter()
            name.string(s.name)
            buffer.bytes.append(contentsOf: name.bytes)
            buffer.ascii(s.raw ? ",\"raw\":true,\"from\":" : ",\"raw\":false,\"from\":")
            buffer.integer(s.from)
            buffer.ascii(",\"steps\":[")
            for (i, step) in s.steps.enumerated() {
                if i > 0 { buffer.ascii(",") }
                if step == Int.min { buffer.ascii("null") } else { buffer.integer(step) }
            }
            buffer.ascii("],\"epochs\":")
            numbers(s.epochs, &buffer)
            buffer.ascii(",\"times\":")
            numbers(s.times, &buffer)
            buffer.ascii(",\"values\":")
            numbers(s.values, &buffer)
            buffer.ascii("}")
        }
        buffer.ascii("]")
        out = buffer.bytes
    }

    private static func numbers(_ values: [Double], _ buffer: inout NumberTextBuffer) {
        buffer.ascii("[")
        for (i, v) in values.enumerated() {
            if i > 0 { buffer.ascii(",") }
            buffer.number(v)
        }
        buffer.ascii("]")
    }
}
