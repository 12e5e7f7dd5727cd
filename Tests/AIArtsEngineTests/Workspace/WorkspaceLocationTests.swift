import Foundation
import Testing
@testable import AIArtsEngine

/// `WorkspaceLocation`: which workspace `--workspace`, $AIARTS_WORKSPACE and the default name.
@Suite struct WorkspaceLocationTests {
    let environment = ["HOME": "/home/ann", "AIARTS_WORKSPACE": "/srv/shared"]

    @Test func theOptionWinsThenTheEnvironmentThenTheDefault() throws {
        #expect(try WorkspaceLocation.resolve(option: "/data/ws", environment: environment, directory: "/tmp")
                == WorkspaceLocation(root: URL(fileURLWithPath: "/data/ws"), source: .option))
        #expect(try WorkspaceLocation.resolve(option: nil, environment: environment, directory: "/tmp")
                == WorkspaceLocation(root: URL(fileURLWithPath: "/srv/shared"), source: .environment))
        let standard = try WorkspaceLocation.resolve(option: nil, environment: ["HOME": "/home/ann", "AIARTS_WORKSPACE": ""], directory: "/tmp")
        #expect(standard == WorkspaceLocation(root: URL(fileURLWithPath: "/home/ann/.local/share/aiarts"), source: .standard))
        #expect(try WorkspaceLocation.resolve(option: nil, environment: ["HOME": "/home/ann", "XDG_DATA_HOME": "/xdg"], directory: "/tmp").root.path
                == "/xdg/aiarts")
    }

    @Test func homeAndRelativePaths() throws {
        #expect(try WorkspaceLocation.resolve(option: "~/ws", environment: environment, directory: "/tmp").root.path == "/home/ann/ws")
        #expect(try WorkspaceLocation.resolve(option: "~", environment: environment, directory: "/tmp").root.path == "/home/ann")
        #expect(try WorkspaceLocation.resolve(option: "runs/../ws", environment: environment, directory: "/work/here").root.path == "/work/here/ws")
        #expect(try WorkspaceLocation.resolve(option: nil, environment: ["AIARTS_WORKSPACE": "rel"], directory: "/work").root.path == "/work/rel")
    }

    @Test func anEmptyOptionIsRefused() {
        let error = #expect(throws: AIArtsError.self) { try WorkspaceLocation.resolve(option: "", environment: environment) }
        #expect(error?.message == "--workspace needs a folder, e.g. --workspace ~/aiarts")
    }

    @Test func leadingOptionsAreTakenOffTheCommandLine() {
        var words = ["--workspace", "/a", "--workspace=/b", "dataset", "list", "--workspace", "/c"]
        #expect(WorkspaceLocation.takeLeadingOption(&words) == "/b")
        #expect(words == ["dataset", "list", "--workspace", "/c"])
        var none = ["task", "list"]
        #expect(WorkspaceLocation.takeLeadingOption(&none) == nil && none == ["task", "list"])
        var dangling = ["--workspace"]
        #expect(WorkspaceLocation.takeLeadingOption(&dangling) == nil && dangling == ["--workspace"])
    }
}
