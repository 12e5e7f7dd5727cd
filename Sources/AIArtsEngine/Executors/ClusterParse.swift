import AIArtsText
import Foundation

/// Pure parsers of what Slurm 22.05 prints for the cluster view: `scontrol show node -o`,
/// `scontrol show partition -o` (one record a line, `Key=Value` fields) and `squeue` with
/// `ClusterParse.squeueFormat`. A line that cannot be read is skipped and counted, never fatal.
public enum ClusterParse {
    /// `squeue -h -o` format: id, user, state, partition, node count, CPUs, memory asked (per node
    /// or per CPU, Slurm's form), gres per node, elapsed, node list, reason, and the job name LAST,
    /// so a name holding the separator is still read whole.
    public static let squeueFormat = "%i|%u|%T|%P|%D|%C|%m|%b|%M|%N|%r|%j"
    /// The most names one node list expands to (a list beyond it is cut there).
    public static let hostlistLimit = 10_000

    /// Fields whose values hold spaces (a reason, the OS's uname line): while reading one, only a
    /// field name Slurm is known to print starts the next field, so "Reason=x=y by z" stays whole.
    static let freeTextFields: Set = ["Reason", "OS", "Comment", "Extra"]
    static let knownFields: Set = [
        "NodeName", "Arch", "CoresPerSocket", "CPUAlloc", "CPUEfctv", "CPUTot", "CPULoad", "AvailableFeatures",
        "ActiveFeatures", "Gres", "GresDrain", "GresUsed", "NodeAddr", "NodeHostName", "Port", "Version", "OS",
        "RealMemory", "AllocMem", "FreeMem", "Sockets", "Boards", "State", "ThreadsPerCore", "TmpDisk", "Weight",
        "Owner", "MCS_label", "Partitions", "BootTime", "SlurmdStartTime", "LastBusyTime", "ResumeAfterTime",
        "CfgTRES", "AllocTRES", "CapWatts", "CurrentWatts", "AveWatts", "ExtSensorsJoules", "ExtSensorsWatts",
        "ExtSensorsTemp", "Reason", "Comment", "Extra", "InstanceId", "InstanceType", "MemSpecLimit",
        "CoreSpecCount", "CPUSpecList", "NextState",
    ]

    // MARK: Key=Value records

    /// One `-o` record's fields. A token `Name=…` starts a field; any other token continues the
    /// last field's value (joined with a space). Values keep every `=` after the first. Returns nil
    /// for a line with no field at its start.
    public static func fields<S: StringProtocol>(_ line: S) -> [String: String]? {
        var out: [String: String] = [:]
        var key: String?
        var value = ""
        func flush() { if let key { out[key] = value } }
        for token in line.split(separator: " ", omittingEmptySubsequences: true) {
            if let eq = token.firstIndex(of: "="), eq > token.startIndex {
                let name = String(token[..<eq])
                let isName = name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "/" }
                    && name.unicodeScalars.first.map { CharacterSet.letters.contains($0) } == true
                if isName, key.map({ !freeTextFields.contains($0) }) ?? true || knownFields.contains(name) {
                    flush()
                    key = name
                    value = String(token[token.index(after: eq)...])
                    continue
                }
            }
            guard key != nil else { return nil }
            value += " " + token
        }
        flush()
        return out.isEmpty ? nil : out
    }

    /// Text from Slurm made safe to keep: escape sequences and control characters removed, runs of
    /// spaces kept as they are, at most 500 characters.
    public static func clean<S: StringProtocol>(_ text: S) -> String {
        var scalars: [Unicode.Scalar] = []
        EscapeSequences.forEachScalar(outsideSequencesIn: text.unicodeScalars) { c in
            if c == "\t" { scalars.append(" ") } else if !EscapeSequences.isControl(c) { scalars.append(c) }
        }
        let s = String(String.UnicodeScalarView(scalars)).trimmingCharacters(in: .whitespaces)
        return s.count > 500 ? String(s.prefix(499)) + "…" : s
    }

    /// Slurm's placeholders for nothing.
    static func isNone(_ s: String?) -> Bool {
        guard let s else { return true }
        return s.isEmpty || s == "(null)" || s == "N/A" || s == "n/a" || s == "None" || s == "NONE"
    }

    static func int(_ s: String?) -> Int? {
        guard let s, !isNone(s) else { return nil }
        if let n = Int(s) { return n }
        guard let d = Double(s), d.isFinite, abs(d) < 1e15 else { return nil }
        return Int(d)
    }

    // MARK: Nodes

    /// `scontrol -d show node -o`: one node a line. GPUs in use come from GresUsed (printed with -d),
    /// else from AllocTRES' gres/gpu (present only where AccountingStorageTRES names GPUs). Returns
    /// the nodes read and the lines skipped.
    public static func nodes(_ text: String) -> (nodes: [ClusterNode], skipped: Int) {
        var nodes: [ClusterNode] = [], skipped = 0
        for line in lines(text) {
            guard let f = fields(line), let name = f["NodeName"].map(clean), !name.isEmpty, let rawState = f["State"] else {
                skipped += 1
                continue
            }
            let (state, flags) = nodeState(rawState)
            let gres = gpus(inGres: f["Gres"])
            let cfg = tres(f["CfgTRES"]), alloc = tres(f["AllocTRES"])
            let total = gres.count > 0 ? gres.count : gpuCount(inTRES: cfg)
            let memFree = int(f["FreeMem"])
            let reason = f["Reason"].map(clean).flatMap { isNone($0) ? nil : $0 }
            let load = f["CPULoad"].flatMap { isNone($0) ? nil : Double($0) }.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            nodes.append(ClusterNode(
                name: name,
                address: f["NodeAddr"].map(clean).flatMap { isNone($0) ? nil : $0 },
                hostname: f["NodeHostName"].map(clean).flatMap { isNone($0) ? nil : $0 },
                state: state, flags: flags, reason: reason,
                partitions: (f["Partitions"] ?? "").split(separator: ",").map(clean).filter { !$0.isEmpty && !isNone($0) },
                cpusAllocated: max(0, int(f["CPUAlloc"]) ?? 0), cpusTotal: max(0, int(f["CPUTot"]) ?? int(f["CPUEfctv"]) ?? 0),
                memoryAllocatedMB: max(0, int(f["AllocMem"]) ?? 0), memoryTotalMB: max(0, int(f["RealMemory"]) ?? 0),
                memoryFreeMB: memFree.map { max(0, $0) },
                gpusAllocated: f["GresUsed"].map { gpus(inGres: $0).count } ?? gpuCount(inTRES: alloc), gpusTotal: total,
                gpuTypes: gres.types, load: load,
                architecture: f["Arch"].map(clean).flatMap { isNone($0) ? nil : $0 },
                operatingSystem: f["OS"].map(clean).flatMap { isNone($0) ? nil : $0 },
                slurmVersion: f["Version"].map(clean).flatMap { isNone($0) ? nil : $0 },
                bootTime: f["BootTime"].map(clean).flatMap { isNone($0) ? nil : $0 },
                slurmdStartTime: f["SlurmdStartTime"].map(clean).flatMap { isNone($0) ? nil : $0 }))
        }
        return (nodes, skipped)
    }

    /// "IDLE+DRAIN" → ("idle", ["drain"]); sinfo's suffixes read too: "down*" → ("down", ["not_responding"]).
    public static func nodeState(_ raw: String) -> (state: String, flags: [String]) {
        var parts = clean(raw).lowercased().split(separator: "+").map(String.init)
        guard var base = parts.first, !base.isEmpty else { return ("unknown", []) }
        parts.removeFirst()
        let suffixes: [Character: String] = ["*": "not_responding", "~": "powered_down", "#": "powering_up",
                                             "%": "powering_down", "!": "power_down", "$": "maint", "@": "reboot_requested",
                                             "^": "reboot_issued", "-": "planned"]
        var flags: [String] = []
        while let last = base.last, let flag = suffixes[last] {
            base.removeLast()
            flags.append(flag)
        }
        // sinfo's aggregate words
        switch base {
        case "drained", "draining": flags.insert("drain", at: 0); base = base == "drained" ? "idle" : "mixed"
        default: break
        }
        for p in parts where !p.isEmpty && !flags.contains(p) { flags.append(p) }
        return (base.isEmpty ? "unknown" : base, flags)
    }

    /// A gres string's GPUs: "gpu:2(S:0)", "gpu:a100:4", "gpu:a100:2(S:0-1),gpu:v100:2,mps:100".
    public static func gpus(inGres raw: String?) -> (count: Int, types: [String]) {
        guard let raw, !isNone(raw) else { return (0, []) }
        var count = 0, types: [String] = []
        for item in splitOutsideParentheses(raw) {
            let bare = item.split(separator: "(", maxSplits: 1).first.map(String.init) ?? ""
            let parts = bare.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.first == "gpu" || parts.first == "gres/gpu" else { continue }
            var n = 1, type: String?
            if parts.count >= 3 {
                type = parts[1]
                n = gresCount(parts[parts.count - 1]) ?? 0
            } else if parts.count == 2 {
                if parts[1].allSatisfy(\.isASCII) && parts[1].allSatisfy(\.isNumber) { n = gresCount(parts[1]) ?? 0 } else { type = parts[1] }
            }
            count += min(n, 1_000_000)
            if let type = type.map(clean), !type.isEmpty, !types.contains(type) { types.append(type) }
        }
        return (count, types)
    }

    /// A gres count: a plain number only (GPU counts never carry Slurm's K/M suffixes).
    static func gresCount(_ s: String) -> Int? {
        guard let n = Int(s), n >= 0 else { return nil }
        return n
    }

    /// TRES "cpu=2,mem=3900M,billing=2,gres/gpu=2,gres/gpu:a100=2" as a dictionary.
    static func tres(_ raw: String?) -> [String: String] {
        guard let raw, !isNone(raw) else { return [:] }
        var out: [String: String] = [:]
        for item in raw.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { out[String(kv[0])] = String(kv[1]) }
        }
        return out
    }

    /// GPUs in a TRES list: "gres/gpu", else the sum of the typed "gres/gpu:TYPE" entries.
    static func gpuCount(inTRES tres: [String: String]) -> Int {
        if let n = int(tres["gres/gpu"]) { return max(0, n) }
        return tres.filter { $0.key.hasPrefix("gres/gpu:") }.reduce(0) { $0 + max(0, int($1.value) ?? 0) }
    }

    static func splitOutsideParentheses(_ s: String) -> [String] {
        var out: [String] = [], current = "", depth = 0
        for c in s {
            switch c {
            case "(": depth += 1; current.append(c)
            case ")": depth = max(0, depth - 1); current.append(c)
            case "," where depth == 0: out.append(current); current = ""
            default: current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    // MARK: Partitions

    /// `scontrol show partition -o`: one partition a line.
    public static func partitions(_ text: String) -> (partitions: [ClusterPartition], skipped: Int) {
        var out: [ClusterPartition] = [], skipped = 0
        for line in lines(text) {
            guard let f = fields(line), let name = f["PartitionName"].map(clean), !name.isEmpty else {
                skipped += 1
                continue
            }
            out.append(ClusterPartition(
                name: name, state: clean(f["State"] ?? "UNKNOWN").uppercased(), isDefault: f["Default"] == "YES",
                nodeCount: max(0, int(f["TotalNodes"]) ?? 0), cpuCount: int(f["TotalCPUs"]).map { max(0, $0) },
                timeLimit: clean(f["MaxTime"] ?? "UNLIMITED"),
                nodeList: isNone(f["Nodes"]) ? "" : clean(f["Nodes"] ?? "")))
        }
        return (out, skipped)
    }

    // MARK: Jobs

    /// `squeue -h -o squeueFormat`: one job a line. A line with fewer fields is skipped.
    public static func jobs(_ text: String) -> (jobs: [ClusterJob], skipped: Int) {
        var out: [ClusterJob] = [], skipped = 0
        for line in lines(text) {
            let parts = line.split(separator: "|", maxSplits: 11, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 12, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isNumber || $0 == "_" || $0 == "[" || $0 == "]" || $0 == "-" || $0 == "+" }) else {
                skipped += 1
                continue
            }
            let nodeCount = int(parts[4])
            let perNode = gpus(inGres: gresRequest(parts[7])).count
            let nodeList = isNone(parts[9]) ? "" : clean(parts[9])
            let memory = clean(parts[6])
            out.append(ClusterJob(
                id: parts[0], name: clean(parts[11]), user: clean(parts[1]), state: clean(parts[2]).uppercased(),
                partition: clean(parts[3]), nodeList: nodeList, nodeNames: expandHostlist(nodeList),
                nodeCount: nodeCount, cpus: int(parts[5]).map { max(0, $0) }, memory: isNone(memory) || memory == "0" ? nil : memory,
                gpus: perNode * max(1, nodeCount ?? 1),
                reason: isNone(parts[10]) ? nil : clean(parts[10]), elapsed: clean(parts[8])))
        }
        return (out, skipped)
    }

    /// squeue's %b ("gres:gpu:2", "gres/gpu:a100:1", "gpu:2", "N/A") as a gres string ("gpu:2").
    static func gresRequest(_ raw: String) -> String {
        raw.split(separator: ",").map { item -> String in
            var s = String(item)
            for prefix in ["gres:", "gres/"] where s.hasPrefix(prefix) { s.removeFirst(prefix.count) }
            return s
        }.joined(separator: ",")
    }

    // MARK: Host lists

    /// Expands a Slurm host list: "node[1-3,5],gpu[01-02],login" → node1 node2 node3 node5 gpu01
    /// gpu02 login (zero padding kept; several bracket groups in one name multiply). At most
    /// `limit` names; a malformed group is kept as written.
    public static func expandHostlist(_ list: String, limit: Int = hostlistLimit) -> [String] {
        var out: [String] = []
        for item in splitOutsideBrackets(list) where !item.isEmpty {
            expand(item[...], prefix: "", into: &out, limit: limit)
            if out.count >= limit { break }
        }
        return out
    }

    private static func expand(_ rest: Substring, prefix: String, into out: inout [String], limit: Int) {
        guard out.count < limit else { return }
        guard let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") else {
            out.append(prefix + rest)
            return
        }
        let head = prefix + rest[..<open]
        let tail = rest[rest.index(after: close)...]
        let group = rest[rest.index(after: open)..<close]
        var values: [String] = []
        for range in group.split(separator: ",") {
            let ends = range.split(separator: "-", maxSplits: 1).map(String.init)
            if ends.count == 2, let a = Int(ends[0]), let b = Int(ends[1]), a >= 0, a <= b {
                let width = ends[0].count
                for n in a...b {
                    let digits = String(n)
                    values.append(String(repeating: "0", count: max(0, width - digits.count)) + digits)
                    if values.count >= limit { break }
                }
            } else if ends.count == 1, Int(ends[0]) != nil {
                values.append(ends[0])
            } else {
                out.append(prefix + rest)  // not a range: the name as written
                return
            }
        }
        for v in values {
            expand(tail, prefix: head + v, into: &out, limit: limit)
            if out.count >= limit { return }
        }
    }

    private static func splitOutsideBrackets(_ s: String) -> [String] {
        var out: [String] = [], current = "", depth = 0
        for c in s {
            switch c {
            case "[": depth += 1; current.append(c)
            case "]": depth = max(0, depth - 1); current.append(c)
            case "," where depth == 0: out.append(current); current = ""
            default: current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func lines(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).filter { !$0.allSatisfy { $0 == " " || $0 == "\t" } }
    }
}
