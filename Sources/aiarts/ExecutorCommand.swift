import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

/// `aiarts executor …`: named Slurm targets tasks run on (docs/slurm.md). `aiarts task start T --on NAME`
/// starts a task there; `executor default NAME --project P` makes it a project's default.
struct ExecutorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "executor",
        abstract: "Places tasks run other than this machine: Slurm partitions (docs/slurm.md).",
        subcommands: [Add.self, List.self, Remove.self, Default.self, Requeued.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a Slurm executor: `aiarts task start T --on NAME` submits tasks to it with sbatch.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Its name (letters, digits, '-', '_', '.').") var name: String
        @Flag(help: "A Slurm cluster reached by this machine's sbatch, squeue, scontrol and scancel.") var slurm = false
        @Option(help: "The partition jobs go to (default: the cluster's default).") var partition: String?
        @Option(help: "The account jobs are charged to.") var account: String?
        @Option(help: "The quality of service jobs ask for.") var qos: String?
        @Option(help: "Node features jobs need (sbatch --constraint).") var constraint: String?

        func validate() throws {
            guard slurm else { throw ValidationError("say what kind of executor it is: --slurm (the only kind there is)") }
        }

        func run() throws {
            let record = try global.open().addExecutor(ExecutorRecord(name: name, kind: .slurm, partition: partition, account: account,
                                                                      qos: qos, constraint: constraint))
            print("executor \(Sanitize.line(record.name)) added (slurm\(record.partition.map { ", partition \(Sanitize.line($0))" } ?? "")); `aiarts task start T --on \(Sanitize.line(record.name))` runs a task there")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List executors.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        struct Info: Encodable {
            var name, kind: String
            var partition, account, qos, constraint: String?
            var createdAt: Date
            enum CodingKeys: String, CodingKey {
                case name, kind, partition, account, qos, constraint, createdAt = "created_at"
            }
        }

        func run() throws {
            let executors = try global.open().executors()
            if json {
                return try Output.json(executors.map {
                    Info(name: $0.name, kind: $0.kind, partition: $0.partition, account: $0.account, qos: $0.qos,
                         constraint: $0.constraint, createdAt: $0.createdAt)
                })
            }
            if executors.isEmpty { return print("no executors; add one with `aiarts executor add NAME --slurm --partition P`") }
            Output.table(["NAME", "KIND", "PARTITION", "ACCOUNT", "QOS", "CONSTRAINT"], executors.map { e in
                [e.name, e.kind, e.partition ?? "-", e.account ?? "-", e.qos ?? "-", e.constraint ?? "-"].map { Sanitize.line($0) }
            })
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove an executor (refused while tasks are queued or run on it, unless --force).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Remove it even though tasks are queued or run on it (they go on in Slurm; aiarts keeps following them).") var force = false

        func run() throws {
            try global.open().removeExecutor(named: name, force: force)
            print("executor \(Sanitize.line(name)) removed")
        }
    }

    struct Default: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make NAME the executor a project's tasks start on when `task start` names none (`local`: this machine).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "An executor's name, or `local`.") var name: String
        @Option(help: "The project (P0001).") var project: String

        func run() throws {
            try global.open().setDefaultExecutor(project: project, name: name == "local" ? nil : name)
            print(name == "local" ? "\(project)'s tasks start on this machine by default"
                                  : "\(project)'s tasks start on \(Sanitize.line(name)) by default (`task start T --on local` runs one here)")
        }
    }

    /// Run by the batch script of a requeued Slurm job before the trainer: points it at the last checkpoint.
    struct Requeued: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "(Run by aiarts's Slurm batch script.) Prepare a requeued task to resume from its last checkpoint.",
            shouldDisplay: false)
        @OptionGroup var global: GlobalOptions
        @Argument var task: String

        func run() throws {
            let restart = ProcessInfo.processInfo.environment["SLURM_RESTART_COUNT"].flatMap { Int($0) }
            print(try global.open().prepareSlurmRequeue(task, restart: restart))
        }
    }
}
